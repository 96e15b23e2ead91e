"""Where the trials run: here, in local worker processes, or on a Ray cluster.

digitnet does not schedule work itself: local processes come from the standard library's
:class:`~concurrent.futures.ProcessPoolExecutor` (started fresh with ``spawn``, so no state of
this process leaks into them), a cluster's from Ray's core tasks. Either way every trial is
:func:`~digitnet.sweeps.trial.run_trial`, so the same seeds give the same results.

Each runner calls ``on_done(outcome)`` in this process as each trial finishes (the sweep saves
it at once) and returns the trials it lost (a worker process or node that died): they have no
record, and resuming the sweep runs them again. Ctrl-C (KeyboardInterrupt) stops the workers
and is raised again: the finished trials are saved, the rest wait for ``--resume``.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from ..errors import DigitnetError
from ..extras import require
from .trial import TrialOutcome, TrialTask, run_trial

OnDone = Callable[[TrialOutcome], None]


class ClusterError(DigitnetError):
    """No Ray cluster at the address given."""


@dataclass(frozen=True)
class Lost:
    """A trial that did not finish because its worker was lost, and what was said about it."""

    name: str
    reason: str


@dataclass(frozen=True)
class Local:
    """Trials in ``jobs`` local processes (1: one after another in this process)."""

    jobs: int

    def describe(self) -> str:
        return ("in this process, one after another" if self.jobs == 1
                else f"in {self.jobs} local worker processes")


@dataclass(frozen=True)
class Ray:
    """Trials as Ray tasks on the cluster at ``address`` ("auto": the one started here)."""

    address: str

    def describe(self) -> str:
        return f"on the Ray cluster at {self.address}"


def run_trials(tasks: Sequence[TrialTask], where: Local | Ray, on_done: OnDone) -> list[Lost]:
    """Run every task where asked, calling ``on_done`` as each finishes; the lost ones."""
    require("threadpoolctl", "cli", "running sweep trials with one BLAS thread each")
    if isinstance(where, Ray):
        return run_on_ray(tasks, where.address, on_done)
    if where.jobs == 1:
        for task in tasks:
            on_done(run_trial(task))
        return []
    return run_in_processes(tasks, where.jobs, on_done)


def ignore_interrupts() -> None:
    """In a worker process: Ctrl-C is for the sweep's own process, which stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_in_processes(tasks: Sequence[TrialTask], jobs: int, on_done: OnDone) -> list[Lost]:
    """Run the tasks in a pool of ``jobs`` fresh processes, as many at once as there are."""
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=ignore_interrupts)
    futures: dict[Future[TrialOutcome], TrialTask] = {}
    lost: list[Lost] = []
    try:
        futures = {pool.submit(run_trial, task): task for task in tasks}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except BrokenProcessPool as error:
                lost.append(Lost(futures[future].trial.name,
                                 f"a worker process died ({error or 'killed'})"))
                continue
            on_done(outcome)
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown()
    return lost


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the worker processes that are running."""
    pool.shutdown(wait=False, cancel_futures=True)
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14 and later
    if terminate is not None:
        terminate()
        return
    processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        process.terminate()
    for process in list(processes.values()):
        process.join(timeout=10)


def run_on_ray(tasks: Sequence[TrialTask], address: str, on_done: OnDone) -> list[Lost]:
    """Run each task as a Ray task needing one CPU, on the cluster at ``address``."""
    ray = require("ray", "ray", "digitnet sweep --ray")
    try:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ClusterError(f"--ray {address}: cannot reach a Ray cluster there "
                           f"({one_line(error)})") from None
    try:
        remote = ray.remote(num_cpus=1, max_retries=1)(run_trial)
        pending = {remote.remote(task): task for task in tasks}
        lost: list[Lost] = []
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                task = pending.pop(done[0])
                try:
                    outcome = ray.get(done[0])
                except ray.exceptions.RayError as error:
                    lost.append(Lost(task.trial.name, one_line(error)))
                    continue
                on_done(outcome)
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
        return lost
    finally:
        ray.shutdown()


def one_line(error: BaseException) -> str:
    """The first line of an error's message (Ray's carry whole tracebacks)."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
