"""Fuzzing checkpoints: whatever FOLDER/checkpoint.npz holds, ``load_checkpoint`` gives a
Checkpoint or a CheckpointError with a one-line message, and a checkpoint that loads can be
resumed: training from it gives a History or a typed one-line error, never a traceback (what
``digitnet train --resume`` does with it).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitnet.checkpoints import Checkpoint, checkpoint_file, load_checkpoint, save_checkpoint
from digitnet.errors import CheckpointError, DigitnetError
from digitnet.presets import PRESETS
from digitnet.training import train
from digitnet.training_state import TrainingState
from fuzzing import Tally, json_values, mutated

CONFIG = PRESETS["modern"].replace(layers=(6, 4, 3), epochs=3, mini_batch_size=4,
                                   validation_size=5, early_stopping=2)
RNG = np.random.default_rng(0)
X, Y = RNG.random((22, 6)).astype(np.float32), RNG.integers(0, 3, 22)  # (22, 6), (22,)
TRAIN, VALIDATION = (X[:17], Y[:17]), (X[17:], Y[17:])


class StopMidEpoch:
    """A callback that stops the run after ``after`` mini-batches, within the second epoch."""

    def __init__(self, after: int) -> None:
        self.seen, self.after = 0, after

    def __call__(self, progress: Any) -> bool:
        self.seen += progress.record is None
        return self.seen >= self.after


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-checkpoint")


@pytest.fixture(scope="module")
def checkpoint_bytes(scratch: Path) -> bytes:
    """A real checkpoint of a run stopped within its second epoch (Adam's moments, the
    shuffled order, the costs so far, the best epoch for early stopping, all filled in)."""
    network = CONFIG.build_network()
    state = TrainingState.start(network, CONFIG)
    train(network, *TRAIN, CONFIG, validation=VALIDATION, callback=StopMidEpoch(7), state=state)
    folder = scratch / "real"
    save_checkpoint(folder, Checkpoint(network, state, CONFIG, {"preset": "modern"},
                                       {"name": "fuzz", "train": 17}))
    return checkpoint_file(folder).read_bytes()


def check_load(tally: Tally, target: str, folder: Path, content: bytes) -> None:
    """Load ``content`` as a checkpoint; when it loads, resume the run it holds."""
    folder.mkdir(exist_ok=True)
    checkpoint_file(folder).write_bytes(content)
    checkpoint = tally.check(target, lambda: load_checkpoint(folder), CheckpointError)
    if checkpoint is None:
        return
    assert list(checkpoint.network.sizes) == list(checkpoint.config.layers)
    state = checkpoint.state
    with np.errstate(all="ignore"):  # a fuzzed run may diverge: its guard says so
        resumed = tally.check(f"{target}, resumed", lambda: train(
            checkpoint.network, *TRAIN, checkpoint.config, validation=VALIDATION, state=state),
            DigitnetError)
    if resumed is not None:
        assert len(resumed.epochs) <= checkpoint.config.epochs


@given(content=st.binary(max_size=400), zip_magic=st.booleans())
def test_load_checkpoint_on_random_bytes(fuzz_tally: Tally, scratch: Path, content: bytes,
                                         zip_magic: bool) -> None:
    check_load(fuzz_tally, "checkpoints: load_checkpoint, random bytes", scratch / "random",
               (b"PK\x03\x04" if zip_magic else b"") + content)


@given(data=st.data())
def test_load_checkpoint_on_mutated_real_files(fuzz_tally: Tally, scratch: Path,
                                               checkpoint_bytes: bytes,
                                               data: st.DataObject) -> None:
    check_load(fuzz_tally, "checkpoints: load_checkpoint, mutated real files",
               scratch / "mutated", data.draw(mutated(checkpoint_bytes, max_edits=3)))


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists: ("position", "batch"), ..."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


@st.composite
def edited_members(draw: st.DrawFn, original: bytes) -> bytes:
    """The real checkpoint with one to three values of its metadata replaced (by any JSON value,
    a nearby number, or nothing at all) or one array member replaced or dropped."""
    with np.load(io.BytesIO(original), allow_pickle=False) as archive:
        members = {name: archive[name] for name in archive.files}
    metadata = json.loads(str(members["metadata"]))
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            path = draw(st.sampled_from(paths(metadata)))
            parent = metadata
            for key in path[:-1]:
                parent = parent[key]
            old = parent[path[-1]]
            nearby = (st.integers(old - 3, old + 3)
                      if isinstance(old, int) and not isinstance(old, bool) else json_values)
            if isinstance(parent, dict) and draw(st.booleans()):
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(nearby | json_values)
        else:
            name = draw(st.sampled_from(sorted(n for n in members if n != "metadata")))
            shape = tuple(draw(st.lists(st.integers(0, 7), max_size=2)))
            kind = draw(st.sampled_from(("float32", "float64", "int64", "bool")))
            if draw(st.booleans()):
                del members[name]
            else:
                members[name] = np.full(shape, draw(st.floats(allow_nan=True)), kind) \
                    if kind.startswith("float") else np.zeros(shape, kind)
    members["metadata"] = np.array(json.dumps(metadata))
    stream = io.BytesIO()
    np.savez(stream, **members)
    return stream.getvalue()


@given(data=st.data())
def test_load_checkpoint_with_values_replaced(fuzz_tally: Tally, scratch: Path,
                                              checkpoint_bytes: bytes,
                                              data: st.DataObject) -> None:
    check_load(fuzz_tally, "checkpoints: load_checkpoint, values replaced", scratch / "edited",
               data.draw(edited_members(checkpoint_bytes)))


def test_the_real_checkpoint_loads_and_resumes(scratch: Path, checkpoint_bytes: bytes) -> None:
    """The fuzzers' starting point is a checkpoint that loads and finishes its run."""
    folder = scratch / "intact"
    folder.mkdir()
    checkpoint_file(folder).write_bytes(checkpoint_bytes)
    checkpoint = load_checkpoint(folder)
    assert (checkpoint.state.epoch, checkpoint.state.batch) == (1, 2)
    history = train(checkpoint.network, *TRAIN, checkpoint.config, validation=VALIDATION,
                    state=checkpoint.state)
    assert len(history.epochs) == CONFIG.epochs


# What fuzzing found (each was a failure of the targets above before its fix):

def test_a_zip_directory_that_disagrees_gives_a_short_message(scratch: Path,
                                                               checkpoint_bytes: bytes) -> None:
    """zipfile quoted the whole local header (kilobytes of bytes) in its error."""
    folder = scratch / "renamed"
    folder.mkdir()
    damaged = checkpoint_bytes.replace(b"weights_0.npy", b"weights_9.npy", 1)  # local header
    checkpoint_file(folder).write_bytes(damaged)
    with pytest.raises(CheckpointError, match="not a readable checkpoint") as caught:
        load_checkpoint(folder)
    assert len(str(caught.value)) < 400 and "\n" not in str(caught.value)


def test_an_optimiser_memory_half_missing_is_refused(scratch: Path,
                                                     checkpoint_bytes: bytes) -> None:
    """Adam's m without its v loaded, and the first step of the resumed run crashed in zip()."""
    with np.load(io.BytesIO(checkpoint_bytes), allow_pickle=False) as archive:
        members = {name: archive[name] for name in archive.files
                   if not name.startswith("optimizer_v_")}
    folder = scratch / "half-adam"
    folder.mkdir()
    with checkpoint_file(folder).open("wb") as stream:
        np.savez(stream, **members)
    with pytest.raises(CheckpointError, match="memory is incomplete: adam has m but not v"):
        load_checkpoint(folder)
