"""The two ways training ends early, and the history that says why, one epoch at a time."""

from __future__ import annotations

import numpy as np

from digitnet import EpochRecord, History, StopReason
from digitnet.stopping import DivergenceGuard, EarlyStopping


def record(epoch: int, validation_accuracy: float | None) -> EpochRecord:
    return EpochRecord(epoch, 0.1, 1.0, 0.0, validation_accuracy=validation_accuracy)


def test_divergence_guard_falls_back_to_the_last_remembered_parameters() -> None:
    parameters = [np.zeros((2, 2)), np.zeros(2)]
    guard = DivergenceGuard(parameters)
    parameters[0] += 1.0  # epoch 1 ends well
    guard.remember()
    parameters[0] += 1.0  # epoch 2 goes wrong
    parameters[1][:] = np.nan
    history = guard.restore(History(), epoch=1, batch=6, cost=float("inf"), eta=3.0)
    np.testing.assert_array_equal(parameters[0], np.ones((2, 2)))
    np.testing.assert_array_equal(parameters[1], np.zeros(2))
    assert history.stop_reason == StopReason.DIVERGED
    assert "epoch 2, mini-batch 7" in history.message and "became inf" in history.message
    assert "learning rate 3 " in history.message


def test_early_stopping_waits_patience_epochs_after_the_best_and_restores_it() -> None:
    parameters = [np.zeros(3)]
    early = EarlyStopping(2, parameters)
    accuracies = [0.5, 0.6, 0.6, 0.55]  # equal is not better: epoch 2 stays the best
    stops = []
    for epoch, acc in enumerate(accuracies, start=1):
        parameters[0][:] = epoch
        stops.append(early.should_stop(record(epoch, acc)))
    assert stops == [False, False, False, True]
    history = early.restore(History(), 4)
    np.testing.assert_array_equal(parameters[0], [2.0, 2.0, 2.0])
    assert history.stop_reason == StopReason.EARLY_STOPPING
    assert "after epoch 4" in history.message and "kept epoch 2 (60.00%)" in history.message


def test_early_stopping_off_or_unmeasured_never_stops_or_restores() -> None:
    parameters = [np.zeros(1)]
    off = EarlyStopping(0, parameters)
    blind = EarlyStopping(1, parameters)
    for epoch in range(1, 5):
        parameters[0][:] = epoch
        assert not off.should_stop(record(epoch, 0.5))
        assert not blind.should_stop(record(epoch, None))
    off.restore_best()
    blind.restore_best()
    np.testing.assert_array_equal(parameters[0], [4.0])


def test_history_best_epoch_and_summary() -> None:
    history = History([record(1, 0.5), record(2, 0.7), record(3, 0.7)])
    best = history.best_epoch("validation_accuracy")
    assert best is not None and best.epoch == 2  # the first of equals
    assert history.best_epoch() is None  # test accuracy never measured
    summary = history.stop(StopReason.COMPLETED, "done").to_dict()
    assert summary["stop_reason"] == "completed" and summary["message"] == "done"
    assert [e["epoch"] for e in summary["epochs"]] == [1, 2, 3]
    assert "batch_costs" not in summary
