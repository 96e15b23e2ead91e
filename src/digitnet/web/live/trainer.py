"""The live training runs of one web app: at most one at a time, and the commands they obey.

The :class:`Trainer` lives on the app's state. It starts a run (after the same checks as
``digitnet train``, and the server's limits), hands its commands to the run (pause, resume,
step, stop), gives the run's network as a model file under ``models/`` (``use``), and keeps the
current run's :class:`EventLog` for the event streams. ``close`` (the server stopping) stops
the run, waits for its thread and ends the streams.

Commands are taken one at a time (a lock); one that does not fit the run's state (pause a run
that is not running, start one while another trains) raises :class:`RunConflictError` (HTTP 409).
"""

from __future__ import annotations

import datetime
import itertools
import threading
from pathlib import Path

from digitnet.errors import DigitnetError
from digitnet.model_io import Model, save_model
from digitnet.web.live.control import WAIT
from digitnet.web.live.events import EventLog
from digitnet.web.live.limits import LIMITS, RunLimits
from digitnet.web.live.recipe import DataCache, config_from, select
from digitnet.web.live.run import TrainingRun
from digitnet.web.live.schemas import RunInfo, RunStatus, TrainingRequest


class RunConflictError(DigitnetError):
    """A command that does not fit the run's state (answered with 409)."""


NOT_LIVE = ("live training needs a server of one process (digitnet serve --workers 1): with "
            "several, each worker process would train and serve a network of its own")


class Trainer:
    """At most one training run at a time; ``models_dir`` receives the networks put to use."""

    def __init__(self, data_dir: Path | None = None, models_dir: Path = Path("models"),
                 limits: RunLimits = LIMITS, live: bool = True) -> None:
        self.models_dir, self.limits, self.live = models_dir, limits, live
        self.data = DataCache(data_dir)
        self.closing = threading.Event()  # set when the server stops: streams end
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._run: TrainingRun | None = None
        self._log = EventLog(0)
        self._log.append("state", {"run": 0, "state": "idle", "message": "no run yet"})

    @property
    def run(self) -> TrainingRun | None:
        return self._run

    @property
    def log(self) -> EventLog:
        """The current run's events (an "idle" state before the first run)."""
        return self._log

    def start(self, request: TrainingRequest) -> RunInfo:
        """Check the options, load the data and start training in the background."""
        if not self.live:
            raise RunConflictError(NOT_LIVE)
        config = config_from(request, self.limits)
        with self._lock:
            if self.closing.is_set():
                raise RunConflictError("the server is stopping")
            if self._run is not None and not self._run.ended:
                raise RunConflictError(f"run {self._run.number} is still {self._run.state}: "
                                       "stop it first (POST /api/training/stop)")
            data = select(self.data.load(request.dataset), request.dataset, config,
                          request.images)
            self.limits.check_run(config.architecture.num_parameters, data.sizes["train"],
                                  config.epochs)
            number = next(self._numbers)
            run = TrainingRun(number, request.preset, config, data, EventLog(number))
            self._run, self._log = run, run.log
            run.start()
            return run.info()

    def pause(self) -> RunStatus:
        with self._lock:
            run = self._current("pause", "running")
            if run.control.pause():
                run.set_state("paused", f"paused after {run.batches:,} mini-batches")
            return run.status()

    def resume(self) -> RunStatus:
        with self._lock:
            run = self._current("resume", "paused")
            run.set_state("running", "training")
            run.control.resume()
            return run.status()

    def step(self) -> RunStatus:
        with self._lock:
            run = self._current("step", "paused")
            run.control.step()
            return run.status()

    def stop(self) -> RunStatus:
        with self._lock:
            run = self._current("stop", "running", "paused")
            run.control.stop()
            run.join(WAIT)
            return run.status()

    def use(self) -> tuple[Model, Path, TrainingRun]:
        """The run's network as a model, saved (atomically) to a new file in ``models_dir``."""
        with self._lock:
            run = self._current("use", "paused", "finished", "failed", "stopped")
            model = run.model()
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            failed = ".failed" if run.state == "failed" else ""
            name = f"web-{run.preset}-run{run.number}-{stamp}"
            path = save_model(self.free_path(name, f"{failed}.npz"), model.network, model.card)
            return model, path, run

    def free_path(self, name: str, suffix: str) -> Path:
        """``models_dir/NAME SUFFIX``, or ``NAME-2``, ``NAME-3``... when it is taken (a run
        used twice in one second must not overwrite its first network)."""
        path = self.models_dir / f"{name}{suffix}"
        for number in itertools.count(2):
            if not path.exists():
                break
            path = self.models_dir / f"{name}-{number}{suffix}"
        return path

    def _current(self, command: str, *states: str) -> TrainingRun:
        run = self._run
        if run is None:
            raise RunConflictError(f"cannot {command}: no run has been started")
        if run.state not in states:
            raise RunConflictError(f"cannot {command} run {run.number}: it is {run.state}, "
                                   f"not {' or '.join(states)}")
        return run

    def end_streams(self) -> None:
        """The server is stopping: the event streams end (they would hold it open)."""
        self.closing.set()

    def close(self, timeout: float = WAIT) -> None:
        """Stop the run, wait for its thread, end the streams."""
        self.closing.set()
        run = self._run
        if run is not None and not run.ended:
            run.control.stop()
            run.join(timeout)
