"""Where a run stands: a TrainingState advances epoch by epoch, continues a run stopped at any
edge (the last mini-batch, the end of the last epoch) and refuses positions outside the run."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import ConfigError, History, Progress, StopReason, TrainingConfig, train
from digitnet.training_state import TrainingState
from test_training import blobs

X, LABELS = blobs(100)


def config() -> TrainingConfig:
    """100 examples in mini-batches of 30: 4 per epoch, the last one of 10."""
    return TrainingConfig(layers=(8, 6, 3), activation="tanh", output_activation="softmax",
                          cost="categorical_cross_entropy", optimizer="momentum",
                          learning_rate=0.05, mini_batch_size=30, epochs=3)


def test_a_fresh_state_and_how_it_advances() -> None:
    cfg = config()
    state = TrainingState.start(cfg.build_network(), cfg)
    assert (state.epoch, state.batch, state.order) == (0, 0, None) and not state.ended
    order = state.epoch_order(100)
    assert sorted(order.tolist()) == list(range(100))
    assert state.epoch_order(100) is order  # drawn once per epoch
    state.batch = 4
    state.next_epoch()
    assert (state.epoch, state.batch, state.order) == (1, 0, None)
    assert not np.array_equal(state.epoch_order(100), order)  # a new order for the new epoch


def test_only_a_run_stopped_on_request_can_go_on() -> None:
    cfg = config()
    state = TrainingState.start(cfg.build_network(), cfg)
    state.history = History().stop(StopReason.INTERRUPTED, "stopped on request in epoch 1")
    assert not state.ended
    state.check(100, 4, cfg)
    for reason in (StopReason.COMPLETED, StopReason.EARLY_STOPPING, StopReason.DIVERGED):
        state.history = History().stop(reason, "over")
        assert state.ended
        with pytest.raises(ConfigError, match="already ended: over"):
            state.check(100, 4, cfg)


@pytest.mark.parametrize(("epoch", "batch", "fits"), [
    (0, 0, True), (3, 0, True), (2, 4, True), (4, 0, False), (-1, 0, False), (0, 5, False),
    (0, -1, False)])
def test_positions_outside_the_run_are_refused(epoch: int, batch: int, fits: bool) -> None:
    """Epochs 0..3 of a 3-epoch run (3: every epoch done), mini-batches 0..4 of 4 done."""
    cfg = config()
    state = TrainingState.start(cfg.build_network(), cfg)
    state.epoch, state.batch = epoch, batch
    if fits:
        state.check(100, 4, cfg)
    else:
        with pytest.raises(ConfigError, match="outside the run's 3 epochs of 4 mini-batches"):
            state.check(100, 4, cfg)


@pytest.mark.parametrize(("epoch", "at_end"), [(0, False), (2, True), (1, True)])
def test_a_run_stopped_at_an_edge_continues_as_if_never_stopped(epoch: int, at_end: bool
                                                                ) -> None:
    """Stopped after the last mini-batch of an epoch (before its record: 4 of 4 done), at the
    end of the last epoch (3 of 3 done), or at the end of a middle one: continued, it ends as
    the run never stopped."""
    cfg = config()
    validation = (X[:20], LABELS[:20])
    reference = cfg.build_network()
    expected = train(reference, X, LABELS, cfg, validation=validation)
    network = cfg.build_network()
    state = TrainingState.start(network, cfg)

    def stop(progress: Progress) -> bool:
        return (progress.epoch, progress.batch, progress.record is not None) == (epoch, 3, at_end)

    first = train(network, X, LABELS, cfg, validation=validation, callback=stop, state=state)
    assert first.stop_reason == StopReason.INTERRUPTED
    history = train(network, X, LABELS, cfg, validation=validation, state=state)
    assert history.stop_reason == StopReason.COMPLETED and state.epoch == 3
    assert [e.train_cost for e in history.epochs] == [e.train_cost for e in expected.epochs]
    for got, want in zip(network.parameters(), reference.parameters(), strict=True):
        np.testing.assert_array_equal(got, want)
