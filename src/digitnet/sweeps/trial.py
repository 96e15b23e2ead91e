"""One trial, run wherever a worker is: load the data, train, measure, and hand the result back.

:func:`run_trial` is what every runner calls (the sweep's own process, a local worker process, a
Ray task), so a trial is computed the same way everywhere: one BLAS thread (trials running side
by side would otherwise fight over the cores, and a thread count can change the order of
floating-point sums), the network built from the trial's seed, the data loaded by the worker
itself from the same files (once per worker process). Nothing is written here: the sweep's
process saves the model file and the record, so workers on other machines need no shared
folder.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError, DigitnetError
from ..runs import TrainedRun, train_run
from .results import TrialRecord, error_record, record_of
from .space import Trial


@dataclass(frozen=True)
class TrialTask:
    """What a worker needs to run a trial: the trial, the preset it started from, the data (the
    name asked for, the folder, and the dataset the sweep found, which the worker must find
    too)."""

    trial: Trial
    preset: str | None
    dataset: str
    data_dir: str | None
    data_name: str


@dataclass(frozen=True)
class TrialOutcome:
    """A trial's record, and the trained run to save (None when the trial could not run)."""

    record: TrialRecord
    run: TrainedRun | None


def run_trial(task: TrialTask) -> TrialOutcome:
    """Train one trial; every problem, expected or not, becomes an ``error`` record, never an
    exception: one broken trial must not end the sweep."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    trial = task.trial
    try:
        with one_blas_thread():
            data = load_trial_data(task)
            run = train_run(trial.config, data, task.preset, task.dataset)
    except DigitnetError as error:
        return TrialOutcome(error_record(trial, str(error), worker), None)
    except (MemoryError, OSError) as error:
        return TrialOutcome(error_record(trial, f"{type(error).__name__}: {error}", worker),
                            None)
    return TrialOutcome(record_of(trial, run, worker), run)


def load_trial_data(task: TrialTask) -> Any:
    """The trial's dataset, with its validation split; DataError when this worker finds other
    data than the sweep planned with (e.g. the 5,000-digit sample instead of full MNIST)."""
    data = dataset_of_worker(task.dataset, task.data_dir, task.trial.config.validation_size)
    if data.name != task.data_name:
        raise DataError(f"this worker ({socket.gethostname()}) found {data.description}, "
                        f"not the {task.data_name} data the sweep was planned with; give "
                        f"--data-dir a folder that every worker has")
    return data


@functools.lru_cache(maxsize=2)
def dataset_of_worker(name: str, data_dir: str | None, validation_size: int) -> Any:
    """``load_dataset``, remembered by each worker process for the trials that follow: a worker
    runs many trials, and reading MNIST takes seconds. Training never changes the arrays."""
    from ..data import load_dataset

    return load_dataset(name, data_dir=Path(data_dir) if data_dir else None,
                        validation_size=validation_size)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit NumPy's BLAS (OpenBLAS, MKL, ...) to one thread while the block runs
    (threadpoolctl, of the ``cli`` and ``ray`` extras; the runners check that it is there)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
