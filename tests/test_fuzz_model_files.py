"""Fuzzing model files and model cards: whatever a file holds, ``load_model`` gives a Model or a
ModelFileError, and ``ModelCard.from_json`` a card or a ModelFileError, each with a one-line
message. A card that was read can always be written back (``digitnet info --json`` does).
"""

from __future__ import annotations

import copy
import functools
import io
import itertools
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitnet import Network, StopReason
from digitnet.errors import ModelFileError
from digitnet.history import EpochRecord
from digitnet.model_card import DatasetRecord, ModelCard, Results
from digitnet.model_io import Model, load_model, save_model
from digitnet.presets import PRESETS
from fuzzing import Tally, json_values, mutated, one_of_weighted

LAYERS = (6, 4, 3)
CONFIG = PRESETS["modern"].replace(layers=LAYERS, epochs=2, validation_size=5)


@functools.lru_cache
def full_card(layers: tuple[int, ...] = LAYERS, dtype: str = "float32") -> ModelCard:
    """A card with every section filled in, as ``digitnet train`` writes it."""
    epochs = tuple(EpochRecord(e, 0.01, 0.5 / e, 0.1, 0.4, 0.8, 0.45, 0.79) for e in (1, 2))
    return ModelCard(
        CONFIG.architecture.__class__(layers, "relu", "softmax", "categorical_cross_entropy",
                                      dtype),
        CONFIG.replace(layers=layers, dtype=dtype), preset="modern",
        dataset=DatasetRecord("mnist", "MNIST, 60,000 + 10,000", "default", "/data/mnist",
                              {"train": 55, "validation": 5, "test": 10}),
        results=Results(0.79, 0.45, 0.8, 2, 2, 0.25), epochs=epochs,
        stop_reason=StopReason.COMPLETED, message="finished", seconds=1.5,
        notes={"by": "fuzz", "list": [1, 2.5, None]}).stamped()


@functools.lru_cache
def card_text(layers: tuple[int, ...] = LAYERS, dtype: str = "float32") -> str:
    return full_card(layers, dtype).to_json()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-model")


@pytest.fixture(scope="module")
def model_bytes(scratch: Path) -> bytes:
    """A real model file, written by save_model, with a full card."""
    network = CONFIG.build_network()
    return save_model(scratch / "real.npz", network, full_card()).read_bytes()


def check_load(tally: Tally, target: str, path: Path, content: bytes) -> None:
    path.write_bytes(content)
    model: Model | None = tally.check(target, lambda: load_model(path), ModelFileError)
    if model is not None:  # what loads is consistent, and its card can be written back
        assert list(model.network.sizes) == list(model.card.architecture.layers)
        ModelCard.from_json(model.card.to_json())


@given(content=st.binary(max_size=400), zip_magic=st.booleans())
def test_load_model_on_random_bytes(fuzz_tally: Tally, scratch: Path, content: bytes,
                                    zip_magic: bool) -> None:
    check_load(fuzz_tally, "model files: load_model, random bytes", scratch / "random.npz",
               (b"PK\x03\x04" if zip_magic else b"") + content)


@given(data=st.data())
def test_load_model_on_mutated_real_files(fuzz_tally: Tally, scratch: Path, model_bytes: bytes,
                                          data: st.DataObject) -> None:
    check_load(fuzz_tally, "model files: load_model, mutated real files",
               scratch / "mutated.npz", data.draw(mutated(model_bytes, max_edits=3)))


ARRAY_TYPES = ("float16", "int64", "bool", "complex64", "<U3", "object")


@st.composite
def broken_arrays(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """An array of ``shape`` or another, of another type, or holding a non-finite value."""
    kind = draw(st.sampled_from(("shape", "type", "non-finite")))
    if kind == "shape":
        shape = tuple(draw(st.lists(st.integers(0, 7), max_size=3)))
    array = np.full(shape, draw(st.floats(-2, 2)), dtype=draw(st.sampled_from(FLOATS)))
    if kind == "type":
        kind = draw(st.sampled_from(ARRAY_TYPES))
        if kind == "object":
            return np.array([None, "x"], dtype=object)  # only a pickle can hold it
        return array.astype(kind) if kind != "<U3" else array.astype(str)
    if kind == "non-finite" and array.size:
        array.flat[draw(st.integers(0, array.size - 1))] = draw(
            st.sampled_from((np.nan, np.inf, -np.inf)))
    return array


FLOATS = ("float32", "float64")


def npy(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.lib.format.write_array(stream, array, allow_pickle=True)
    return stream.getvalue()


@st.composite
def structured_files(draw: st.DrawFn) -> bytes:
    """A valid .npz built member by member, then up to three faults: a member dropped, an
    array of the wrong shape or type, a card that does not match or is not a card, an extra
    member or one that is not .npy; stored with any zip compression."""
    layers = tuple(draw(st.lists(st.integers(1, 5), min_size=2, max_size=4)))
    dtype = draw(st.sampled_from(FLOATS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    members = {"metadata.npy": npy(np.array(card_text(layers, dtype)))}
    for layer, (n_in, n_out) in enumerate(itertools.pairwise(layers)):
        members[f"weights_{layer}.npy"] = npy(rng.normal(size=(n_out, n_in)).astype(dtype))
        members[f"biases_{layer}.npy"] = npy(rng.normal(size=n_out).astype(dtype))
    for _ in range(draw(st.integers(0, 3))):
        fault = draw(st.sampled_from(("drop", "array", "metadata", "extra")))
        name = draw(st.sampled_from(sorted(members))) if members else "metadata.npy"
        if fault == "drop":
            members.pop(name, None)
        elif fault == "array":
            members[name] = npy(draw(broken_arrays((layers[-1],))))
        elif fault == "metadata":
            members["metadata.npy"] = npy(np.array(draw(card_texts()))) if draw(
                st.booleans()) else npy(draw(broken_arrays(())))
        else:
            extra = draw(st.sampled_from(("weights_9.npy", "extra.npy", "notes.txt")))
            members[extra] = draw(st.binary(max_size=20))
    method = draw(st.sampled_from((zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                   zipfile.ZIP_LZMA)))
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return stream.getvalue()


@given(content=structured_files())
def test_load_model_on_files_built_member_by_member(fuzz_tally: Tally, scratch: Path,
                                                    content: bytes) -> None:
    check_load(fuzz_tally, "model files: load_model, .npz built member by member",
               scratch / "built.npz", content)


# --- the model card ----------------------------------------------------------------------------
def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value: keys of objects, indices of lists."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


@st.composite
def mutated_cards(draw: st.DrawFn) -> Any:
    """A full card's JSON with one to three places replaced, removed or added to."""
    values = json.loads(card_text())
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(values)))
        if not where:
            values = draw(json_values)
            continue
        parent = values
        for step in where[:-1]:
            parent = parent[step]
        edit = draw(st.sampled_from(("replace", "replace", "remove", "add")))
        if edit == "replace":
            parent[where[-1]] = draw(json_values | st.sampled_from(
                (10**400, -(10**30), 1e308, float("nan"), float("inf"), "", [], {}, True)))
        elif edit == "remove":
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(json_values)
        values = copy.deepcopy(values)  # no shared substructure between edits
    return values


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def card_texts(draw: st.DrawFn) -> str:
    """The text of a card: mutated JSON values, mutated characters, or something odd."""
    kind = draw(st.sampled_from(("values", "values", "characters", "odd")))
    if kind == "values":
        return json.dumps(draw(mutated_cards()))
    if kind == "characters":
        return draw(mutated(card_text().encode())).decode("utf-8", "replace")
    return draw(st.sampled_from((
        "", " ", "null", "NaN", "-Infinity", "1e400", "9" * 5000, '"\\ud800"',
        '{"format": "digitnet-model", "format_version": ' + "1" * 5000 + "}",
        nested(5_000), '{"a":' * 5_000, "\x00", "\ufeff{}"))
        | st.text(max_size=50))


@given(value=json_values)
def test_card_from_any_json_value(fuzz_tally: Tally, value: Any) -> None:
    card = fuzz_tally.check("model cards: from_json, any JSON value",
                            lambda: ModelCard.from_json(json.dumps(value)), ModelFileError)
    assert card is None  # nothing but a card's own layout describes a model


@given(text=one_of_weighted((3, card_texts()), (1, st.text(max_size=200))))
def test_card_from_mutated_cards(fuzz_tally: Tally, text: str) -> None:
    card = fuzz_tally.check("model cards: from_json, mutated cards",
                            lambda: ModelCard.from_json(text), ModelFileError)
    if card is not None:
        assert ModelCard.from_json(card.to_json()).architecture == card.architecture


def test_the_real_model_file_loads(scratch: Path, model_bytes: bytes) -> None:
    """The file every mutation starts from is itself valid."""
    (scratch / "valid.npz").write_bytes(model_bytes)
    model = load_model(scratch / "valid.npz")
    assert model.card.config == CONFIG and model.card.results == full_card().results
    assert isinstance(model.network, Network) and model.network.sizes == list(LAYERS)
