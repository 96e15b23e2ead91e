"""One training run, from a recipe and the data to a measured network with its model card.

``digitnet train`` runs one; ``digitnet sweep`` runs many, each the same way: build the network
from the configuration (or continue a stopped run's), train it (reporting through an optional
callback), measure it on the test (and validation) images, fit its temperature on the
validation images when there are some (:func:`digitnet.calibration.calibrate`), write its
:class:`~digitnet.model_card.ModelCard`, and say whether it failed: diverged, or ended no better
than always answering the most common digit (:func:`digitnet.run_checks.why_failed`). A failed
run is saved beside its intended file, as ``NAME.failed.npz``.

Nothing here prints or parses arguments; :func:`save_run` is the only function that writes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .calibration import TemperatureFit, calibrate
from .config import TrainingConfig
from .history import History
from .model_card import DatasetRecord, ModelCard, Results
from .network import Network
from .run_checks import why_failed
from .training import Callback
from .training_state import TrainingState


@dataclass(frozen=True)
class TrainedRun:
    """A trained network, its card, why it failed (None when it did not), and its temperature
    fitted on the validation images (None without them, or when the run failed)."""

    network: Network
    card: ModelCard
    history: History
    test_accuracy: float
    seconds: float
    failure: str | None
    calibration: TemperatureFit | None = None


def train_run(config: TrainingConfig, data: Any, preset: str | None, requested: str,
              callback: Callback | None = None, network: Network | None = None,
              state: TrainingState | None = None) -> TrainedRun:
    """Train a network of ``config`` on ``data`` (a :class:`digitnet.data.Dataset`) and measure
    it; ``requested`` is the dataset name asked for, recorded in the card.

    ``network`` and ``state`` continue a stopped run (by default a fresh network is built from
    the configuration); a state that has ended (killed after its last epoch, before its model
    was saved) is only measured.
    """
    from .training import train

    network = network or config.build_network()
    validation = (data.x_val, data.y_val) if len(data.y_val) else None
    started = time.perf_counter()
    history = state.history if state is not None and state.ended else train(
        network, data.x_train, data.y_train, config, validation=validation,
        test=(data.x_test, data.y_test), callback=callback, state=state)
    return measured(network, config, data, preset, requested, history,
                    time.perf_counter() - started)


def measured(network: Network, config: TrainingConfig, data: Any, preset: str | None,
             requested: str, history: History, seconds: float) -> TrainedRun:
    """The trained network measured on the test and validation sets, with its card and its
    temperature (fitted on the validation set, the ECE measured on the test set)."""
    from .metrics import evaluate

    counts = data.counts
    with quiet_numpy():
        test = evaluate(network, data.x_test, data.y_test)
        val = evaluate(network, data.x_val, data.y_val) if counts["validation"] else None
    card = ModelCard(
        architecture=config.architecture, config=config, preset=preset,
        dataset=DatasetRecord(data.name, data.description, requested, data.source, counts),
        results=results(history, test.accuracy, test.cost, val.accuracy if val else None),
        epochs=tuple(history.epochs), stop_reason=history.stop_reason, message=history.message,
        seconds=round(seconds, 3))
    failure = why_failed(history, test.accuracy, data.y_test)
    if failure is not None or val is None:
        return TrainedRun(network, card, history, test.accuracy, seconds, failure)
    fit = calibrate(network, (data.x_val, data.y_val), (data.x_test, data.y_test))
    return TrainedRun(network, dataclasses.replace(card, temperature=fit.temperature), history,
                      test.accuracy, seconds, None, fit)


def save_run(run: TrainedRun, out: Path) -> Path:
    """Save the run's network and card to ``out``, or beside it as NAME.failed.npz when the run
    failed; Ctrl-C (and SIGTERM) wait until the file is complete. Returns the path written."""
    from .model_io import save_model

    with signals_held_back():
        return save_model(failed_path(out) if run.failure else out, run.network, run.card)


def failed_path(out: Path) -> Path:
    """Where a failed run is saved: beside ``out``, as NAME.failed.npz."""
    return out.with_name(f"{out.stem}.failed.npz")


def results(history: History, test_accuracy: float, test_cost: float,
            validation_accuracy: float | None) -> Results:
    """The card's results: final accuracies and cost, the best epoch (by validation accuracy
    when there is a validation set, else by test accuracy)."""
    key = "validation_accuracy" if validation_accuracy is not None else "test_accuracy"
    best = history.best_epoch(key)
    return Results(
        test_accuracy=test_accuracy, test_cost=test_cost,
        validation_accuracy=validation_accuracy, best_epoch=best.epoch if best else None,
        epochs_trained=len(history.epochs),
        final_train_cost=history.epochs[-1].train_cost if history.epochs else None)


@contextlib.contextmanager
def signals_held_back() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM back while a file is written: a second Ctrl-C, or a
    worker being stopped, then takes effect just after the file is complete, never between
    creating its temporary file and renaming it into place.

    Within the block a handler only notes each signal; afterwards the handlers that were there
    are put back and each noted signal is raised again, so it does exactly what it would have
    done (a Python handler runs, SIGTERM's default ends the process). Blocking the signals in
    the writing thread's mask would not be enough: the kernel hands a process-wide signal to
    any thread that does not block it (tqdm's monitor, BLAS workers), and from there SIGTERM's
    default action ends the whole process. Python runs signal handlers in the main thread
    only, so elsewhere there is nothing to hold back.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = {number: signal.signal(number, lambda signum, _: noted.append(signum))
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        for signum in noted:
            signal.raise_signal(signum)


def quiet_numpy() -> Any:
    """Parameters kept from just before a divergence can still be huge: measuring them may
    overflow, which the one-line divergence message has already explained."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")
