"""One training run on the server: the same ``train`` as ``digitnet train``, in its own thread.

The run owns its network; nothing else touches it while it trains. Its callback, called by the
training loop after every mini-batch and every epoch, only records (a cost into the event log,
an epoch's record and pictures) and then passes the run's :class:`Control` checkpoint, where it
waits while paused. When ``train`` returns, the run says how it ended: ``finished``, ``failed``
(diverged, or no better than chance: :func:`digitnet.run_checks.why_failed`) or ``stopped``.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from digitnet.config import TrainingConfig
from digitnet.history import EpochRecord, History, Progress, StopReason
from digitnet.metrics import evaluate
from digitnet.model_card import DatasetRecord, ModelCard, Results
from digitnet.model_io import Model
from digitnet.run_checks import why_failed
from digitnet.training import train
from digitnet.web.live.control import Control
from digitnet.web.live.events import EventLog
from digitnet.web.live.recipe import RunData
from digitnet.web.live.schemas import RunInfo, RunStatus
from digitnet.web.live.snapshots import digits_json, epoch_json, network_json

ENDED = ("finished", "failed", "stopped")


class TrainingRun:
    """Run number ``number``: ``config`` (from ``preset``) trained on ``data``, told to ``log``."""

    def __init__(self, number: int, preset: str, config: TrainingConfig, data: RunData,
                 log: EventLog) -> None:
        self.number, self.preset, self.config, self.data, self.log = (
            number, preset, config, data, log)
        self.network = config.build_network()
        self.control = Control()
        self.digits = data.test[0][data.digits]  # (10, 784): the ten fixed test digits
        self.batches, self.last_cost = 0, float("nan")
        self.epochs: list[EpochRecord] = []
        self.history: History | None = None
        self._lock = threading.Lock()
        self._state, self._message = "running", "training"
        self._thread = threading.Thread(target=self._train, name=f"digitnet-run-{number}",
                                        daemon=True)
        self.started = time.perf_counter()

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    def start(self) -> None:
        """Tell the log what this run is, then train in the background."""
        self.log.append("run", {**self.info().model_dump(),
                                "digits": digits_json(*self.data.test, self.data.digits),
                                "start": network_json(self.network, self.digits)})
        self.log.append("state", self.status().model_dump())
        self._thread.start()

    def set_state(self, state: str, message: str) -> None:
        """Change state and say so in the log (after the costs still waiting)."""
        with self._lock:
            self._state, self._message = state, message
        self.log.append("state", self.status().model_dump())

    @property
    def thread_alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def info(self) -> RunInfo:
        config, data = self.config, self.data
        return RunInfo(
            run=self.number, state=self.state, preset=self.preset, config=config.to_dict(),
            network=repr(self.network), parameters=self.network.num_parameters,
            dataset=data.dataset.name, description=data.dataset.description,
            images=data.sizes["train"], validation=data.sizes["validation"],
            test=data.sizes["test"], epochs=config.epochs,
            batches_per_epoch=-(-data.sizes["train"] // config.mini_batch_size))

    def status(self) -> RunStatus:
        with self._lock:
            state, message = self._state, self._message
        cost = self.last_cost if np.isfinite(self.last_cost) else None
        return RunStatus(run=self.number, state=state, message=message, batches=self.batches,
                         epochs=len(self.epochs), cost=cost)

    def _callback(self, progress: Progress) -> bool:
        """After every mini-batch and epoch: record, then wait here while paused."""
        if progress.record is None:
            self.batches += 1
            self.last_cost = progress.batch_cost
            self.log.cost(progress.batch_cost)
        else:
            self.epochs.append(progress.record)
            self.log.append("epoch", epoch_json(progress.record, self.batches, self.network,
                                                self.digits))
        time.sleep(0)  # hand the GIL to the server's threads now, not after up to 5 ms
        return self.control.checkpoint(progress.record is None, self.log.flush)

    def _train(self) -> None:
        state, message = "failed", "training stopped unexpectedly"
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                self.history = train(self.network, *self.data.train, self.config,
                                     validation=self.data.validation, test=self.data.test,
                                     callback=self._callback)
            state, message = self._outcome(self.history)
        except Exception as error:  # the run fails and says why; the server goes on
            message = f"training stopped with an error: {error}"
        finally:
            self.set_state(state, message)
            self.control.ended()

    def _outcome(self, history: History) -> tuple[str, str]:
        last = self.epochs[-1] if self.epochs else None
        accuracy = last.test_accuracy if last and last.test_accuracy is not None else 0.0
        if history.stop_reason == StopReason.INTERRUPTED:
            return "stopped", f"stopped after {self.batches:,} mini-batches"
        failure = why_failed(history, accuracy, self.data.test[1])
        if failure:
            return "failed", f"training failed: {failure}"
        return "finished", f"{history.message}: {accuracy:.2%} of the test images right"

    def model(self) -> Model:
        """A copy of the network with its model card; call it only while the run waits (paused)
        or has ended, when the network is whole."""
        network = self.network.copy()
        data, history = self.data, self.history
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            test = evaluate(network, *data.test)
        card = ModelCard(
            architecture=network.architecture, config=self.config, preset=self.preset,
            dataset=DatasetRecord(data.dataset.name, data.dataset.description, data.requested,
                                  data.dataset.source, data.sizes),
            results=Results(test_accuracy=test.accuracy,
                            test_cost=test.cost if np.isfinite(test.cost) else None,
                            epochs_trained=len(self.epochs),
                            final_train_cost=self.epochs[-1].train_cost if self.epochs else None),
            epochs=tuple(self.epochs),
            stop_reason=history.stop_reason if history else StopReason.INTERRUPTED,
            message=self.status().message, seconds=round(time.perf_counter() - self.started, 3),
            notes={"trained_from": "the web page", "mini_batches": self.batches})
        return Model(network, card)
