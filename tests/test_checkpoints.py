"""Checkpoints in process: a run stopped anywhere and continued from its checkpoint file ends
bit-identical to a run never stopped; damaged files are refused in one line; a failed write
leaves the previous file as it was."""

from __future__ import annotations

import dataclasses
import errno
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitnet import OPTIMIZERS, CheckpointError, ConfigError, Progress, TrainingConfig, train
from digitnet.checkpoints import (
    OPTIMIZER_COUNTERS,
    OPTIMIZER_MEMORY,
    Checkpoint,
    checkpoint_file,
    load_checkpoint,
    save_checkpoint,
)
from digitnet.cli.checkpointing import fingerprint
from digitnet.history import History
from digitnet.model_io import save_model
from digitnet.network import Network
from digitnet.training_state import TrainingState
from test_training import blobs

X, LABELS = blobs(530)
VALIDATION = blobs(120, seed=1)


def config(**changes: Any) -> TrainingConfig:
    """Dropout (the generator mid-epoch), a schedule, early stopping watching: all of it must
    survive a stop. 530 examples in mini-batches of 32: 17 per epoch, the last one of 18."""
    base = TrainingConfig(layers=(8, 16, 3), activation="relu", output_activation="softmax",
                          cost="categorical_cross_entropy", init="he", optimizer="sgd",
                          learning_rate=0.1, mini_batch_size=32, epochs=4, dropout=0.2,
                          schedule="cosine", early_stopping=3, weight_decay=1e-3, seed=5)
    return base.replace(**changes)


def uninterrupted(cfg: TrainingConfig) -> tuple[Network, History]:
    network = cfg.build_network()
    return network, train(network, X, LABELS, cfg, validation=VALIDATION)


def stopped_at(epoch: int, batch: int) -> Callable[[Progress], bool]:
    """A callback asking to stop after mini-batch ``batch`` (from 1) of ``epoch`` (from 0);
    batch 0: at the end of the epoch before."""
    def callback(progress: Progress) -> bool:
        if progress.record is not None:
            return batch == 0 and progress.epoch + 1 == epoch
        return (progress.epoch, progress.batch + 1) == (epoch, batch)
    return callback


def stop_save_and_resume(cfg: TrainingConfig, folder: Path, epoch: int, batch: int
                         ) -> tuple[Checkpoint, History]:
    network = cfg.build_network()
    state = TrainingState.start(network, cfg)
    stopped = train(network, X, LABELS, cfg, validation=VALIDATION,
                    callback=stopped_at(epoch, batch), state=state)
    assert stopped.stop_reason == "interrupted"
    save_checkpoint(folder, Checkpoint(network, state, cfg, {"note": "x"}, {"name": "blobs"}))
    restored = load_checkpoint(folder)
    assert (restored.state.epoch, restored.state.batch) == (epoch, batch)
    history = train(restored.network, X, LABELS, cfg, validation=VALIDATION,
                    state=restored.state)
    return restored, history


def assert_same_run(network: Network, history: History, reference: Network,
                    expected: History) -> None:
    for got, want in zip(network.parameters(), reference.parameters(), strict=True):
        np.testing.assert_array_equal(got, want)  # bit for bit, not approximately
    def summary(h: History) -> list[Any]:
        return [(e.train_cost, e.validation_accuracy, e.validation_cost, e.diagnosis)
                for e in h.epochs]
    assert summary(history) == summary(expected)
    assert len(history.batch_costs) == len(expected.batch_costs)
    for got_costs, want_costs in zip(history.batch_costs, expected.batch_costs, strict=True):
        np.testing.assert_array_equal(got_costs, want_costs)
    assert (history.stop_reason, history.message) == (expected.stop_reason, expected.message)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("epoch, batch", [(0, 1), (1, 0), (1, 9), (2, 17), (3, 16)])
def test_a_run_continued_from_its_checkpoint_is_bit_identical(
        optimizer: str, epoch: int, batch: int, tmp_path: Path) -> None:
    cfg = config(optimizer=optimizer, learning_rate=0.01 if optimizer == "adam" else 0.05)
    reference, expected = uninterrupted(cfg)
    assert len(expected.epochs) == 4
    restored, history = stop_save_and_resume(cfg, tmp_path, epoch, batch)
    assert_same_run(restored.network, history, reference, expected)


def test_an_adversarial_run_is_continued_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """Adversarial training draws the second pass's dropout from the same generator: stopped
    mid-epoch and continued, the run is still bit for bit the same (pixels scaled to [0, 1])."""
    def pixels(data: np.ndarray) -> np.ndarray:
        return (data - X.min()) / (X.max() - X.min())
    monkeypatch.setitem(globals(), "VALIDATION", (np.clip(pixels(VALIDATION[0]), 0, 1),
                                                  VALIDATION[1]))
    monkeypatch.setitem(globals(), "X", pixels(X))
    cfg = config(adversarial=0.05, optimizer="adam", learning_rate=0.01)
    reference, expected = uninterrupted(cfg)
    restored, history = stop_save_and_resume(cfg, tmp_path, 2, 7)
    assert_same_run(restored.network, history, reference, expected)
    plain, _ = uninterrupted(cfg.replace(adversarial=0.0))
    assert not np.array_equal(plain.weights[0], reference.weights[0])


def test_early_stopping_is_continued_too(tmp_path: Path) -> None:
    """A run that stops early at epoch 4 of 8, stopped after epoch 2: the best epoch and its
    parameters come back from the checkpoint, and it stops at the same place."""
    cfg = config(epochs=8, early_stopping=1, learning_rate=0.3, schedule="constant")
    reference, expected = uninterrupted(cfg)
    assert expected.stop_reason == "early_stopping" and len(expected.epochs) < 8
    restored, history = stop_save_and_resume(cfg, tmp_path, 1, 5)
    assert_same_run(restored.network, history, reference, expected)


def test_a_stopped_run_continues_in_process_without_a_file() -> None:
    """The state is live: the same TrainingState passed in again continues the run."""
    cfg = config(optimizer="momentum", learning_rate=0.05)
    reference, expected = uninterrupted(cfg)
    network = cfg.build_network()
    state = TrainingState.start(network, cfg)
    train(network, X, LABELS, cfg, validation=VALIDATION, callback=stopped_at(1, 4), state=state)
    history = train(network, X, LABELS, cfg, validation=VALIDATION, state=state)
    assert_same_run(network, history, reference, expected)


def test_an_ended_or_foreign_state_is_refused() -> None:
    cfg = config()
    network = cfg.build_network()
    state = TrainingState.start(network, cfg)
    train(network, X, LABELS, cfg, validation=VALIDATION, state=state)
    with pytest.raises(ConfigError, match="already ended: completed 4 epochs"):
        train(network, X, LABELS, cfg, validation=VALIDATION, state=state)
    other = TrainingState.start(network, cfg)
    train(network, X, LABELS, cfg, validation=VALIDATION, callback=stopped_at(0, 3), state=other)
    with pytest.raises(ConfigError, match="shuffled order has 530 examples, the training set 100"):
        train(network, X[:100], LABELS[:100], cfg, validation=VALIDATION, state=other)


def test_every_optimizer_s_memory_is_saved() -> None:
    """A new optimiser, or a new field of one, must be added to the checkpoint's tables: every
    field holding a list (its per-parameter arrays) or an int (a counter) is state."""
    assert set(OPTIMIZER_MEMORY) == set(OPTIMIZERS)
    for name, make in OPTIMIZERS.items():
        fields = {f.name: f.type for f in dataclasses.fields(make())}
        lists = {n for n, kind in fields.items() if str(kind).startswith("list")}
        counters = {n for n, kind in fields.items() if str(kind) == "int"}
        assert lists == set(OPTIMIZER_MEMORY[name]), name
        assert counters == set(OPTIMIZER_COUNTERS.get(name, ())), name


def test_fingerprint_tells_data_apart() -> None:
    assert fingerprint(X, LABELS) == fingerprint(X.copy(), LABELS.copy())
    assert fingerprint(X, LABELS) != fingerprint(X[::-1], LABELS[::-1])  # another order
    assert fingerprint(X, LABELS) != fingerprint(X[:-1], LABELS[:-1])
    assert fingerprint(X, LABELS) != fingerprint(X.astype(np.float64), LABELS)
    empty = np.zeros((0, 8), np.float32)
    assert fingerprint(empty, np.zeros(0, int)) != fingerprint(X, LABELS)


# --- damaged and foreign checkpoints -------------------------------------------------------------
@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A checkpoint of an Adam run stopped in its second epoch."""
    cfg = config(optimizer="adam", learning_rate=0.01)
    network = cfg.build_network()
    state = TrainingState.start(network, cfg)
    train(network, X, LABELS, cfg, validation=VALIDATION, callback=stopped_at(1, 4), state=state)
    return save_checkpoint(tmp_path / "run", Checkpoint(network, state, cfg, {}, {}))


def rewrite(path: Path, change: Callable[[dict[str, Any], dict[str, Any]], None]) -> None:
    """Apply ``change(arrays, metadata)`` to a checkpoint file."""
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    metadata = json.loads(str(arrays.pop("metadata")))
    change(arrays, metadata)
    np.savez(path, metadata=np.array(json.dumps(metadata)), **arrays)


DAMAGE: dict[str, tuple[Callable[[dict[str, Any], dict[str, Any]], None], str]] = {
    "another configuration": (lambda a, m: m["config"].update(layers=[8, 30, 3]),
                              r"array weights_0 is float32 \(16, 8\), expected \(30, 8\)"),
    "an invalid configuration": (lambda a, m: m["config"].update(learning_rate=-1),
                                 "configuration is not valid: the learning rate must be positive"),
    "a missing array": (lambda a, m: a.pop("optimizer_m_1"), "array optimizer_m_1 is missing"),
    "a NaN": (lambda a, m: a["fallback_0"].fill(np.nan), "fallback_0 contains NaN"),
    "a broken order": (lambda a, m: a["order"].fill(0), "order is not a shuffled order"),
    "a broken generator": (lambda a, m: m.update(rng={"bit_generator": "MT19937"}),
                           "random generator's state is not valid"),
    "a wrong position": (lambda a, m: m["position"].update(epoch=3), "the history has 1 epochs"),
    "a wrong counter": (lambda a, m: m["optimizer"].update(t="many"), "metadata's t must be int"),
    "a newer version": (lambda a, m: m.update(format_version=99),
                        "unsupported checkpoint version 99"),
}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_damaged_checkpoints_are_refused_in_one_line(saved: Path, kind: str) -> None:
    change, message = DAMAGE[kind]
    rewrite(saved, change)
    with pytest.raises(CheckpointError, match=message) as caught:
        load_checkpoint(saved.parent)
    assert "\n" not in str(caught.value) and str(saved) in str(caught.value)


def test_unreadable_and_foreign_files(saved: Path, tmp_path: Path) -> None:
    data = saved.read_bytes()
    cases = {"truncated": data[:len(data) // 2], "not a zip": b"hello" * 100, "empty": b""}
    for name, content in cases.items():
        saved.write_bytes(content)
        with pytest.raises(CheckpointError) as caught:
            load_checkpoint(saved.parent)
        assert str(saved) in str(caught.value) and "\n" not in str(caught.value), name
    network = Network([8, 3])
    save_model(saved, network)  # a model file where the checkpoint should be
    with pytest.raises(CheckpointError, match=r"not a digitnet checkpoint \(a model file"):
        load_checkpoint(saved.parent)
    with pytest.raises(CheckpointError, match="no checkpoint there"):
        load_checkpoint(tmp_path / "nowhere")


# --- a failed write keeps the previous file ------------------------------------------------------
def test_a_full_disk_keeps_the_previous_checkpoint(saved: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before = saved.read_bytes()
    restored = load_checkpoint(saved.parent)
    real_savez = np.savez

    def disk_full(stream: Any, **arrays: Any) -> None:
        real_savez(stream, **{name: arrays[name] for name in list(arrays)[:2]})  # a part...
        raise OSError(errno.ENOSPC, "No space left on device")  # ... then the disk is full

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space left on device") as caught:
        save_checkpoint(saved.parent, restored)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(saved)
    assert saved.read_bytes() == before
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]  # no temporary file
    assert checkpoint_file(saved.parent) == saved
