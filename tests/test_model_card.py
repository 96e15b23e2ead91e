"""The model card: a round trip keeps every field, format 1 files still read, bad fields named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitnet import PRESETS, ModelFileError, StopReason, TrainingConfig
from digitnet.history import EpochRecord
from digitnet.model_card import DatasetRecord, ModelCard, Results
from digitnet.model_io import load_model

FIXTURE = Path(__file__).parent / "fixtures" / "format1.npz"


def full_card() -> ModelCard:
    config = PRESETS["3b1b"].replace(epochs=2, seed=5)
    return ModelCard(
        architecture=config.architecture, config=config, preset="3b1b",
        dataset=DatasetRecord("mnist", "MNIST from here", "default", "/data",
                              {"train": 50_000, "validation": 10_000, "test": 10_000}),
        results=Results(0.93, 0.05, 0.94, 2, 2, 0.06),
        epochs=(EpochRecord(1, 3.0, 0.1, 1.5, 0.09, 0.91, 0.09, 0.9),
                EpochRecord(2, 3.0, 0.06, 1.4, 0.05, 0.94, 0.05, 0.93)),
        stop_reason=StopReason.COMPLETED, message="completed 2 epochs", seconds=2.9,
        notes={"by": "a test", "numbers": [1, 2.5]}).stamped()


def test_round_trip_keeps_every_field() -> None:
    card = full_card()
    again = ModelCard.from_json(card.to_json())
    assert again == card
    assert again.config is not None and again.config.build_network().num_parameters == 13_002


def test_the_architecture_is_stored_once() -> None:
    stored = json.loads(full_card().to_json())
    assert stored["architecture"]["layers"] == [784, 16, 16, 10]
    assert not {"layers", "activation", "output_activation", "cost", "dtype"} & set(
        stored["training"])
    assert stored["training"]["learning_rate"] == 3.0 and stored["format_version"] == 2


def test_a_format_1_file_written_by_the_previous_release_still_loads() -> None:
    """tests/fixtures/format1.npz: `digitnet train --preset 3b1b --layers 784,10 --epochs 1`
    run by digitnet before the model card (config and architecture both stored in full)."""
    model = load_model(FIXTURE)
    card = model.card
    assert card.architecture.layers == (784, 10)
    assert card.config == PRESETS["3b1b"].replace(layers=(784, 10), epochs=1,
                                                   validation_size=1000)
    assert card.preset == "3b1b" and card.stop_reason == StopReason.COMPLETED
    assert card.dataset is not None and card.dataset.sizes["validation"] == 1000
    assert card.results is not None and card.results.test_accuracy is not None
    assert len(card.epochs) == 1 and card.epochs[0].epoch == 1
    assert model.network.architecture == card.architecture


def test_a_card_must_describe_its_own_configuration() -> None:
    config = PRESETS["3b1b"]
    with pytest.raises(ModelFileError, match="training configuration"):
        ModelCard(PRESETS["nielsen"].architecture, config)


def edited(change: Any) -> str:
    values = json.loads(full_card().to_json())
    change(values)
    return json.dumps(values)


BAD: dict[str, tuple[Any, str]] = {
    "not an object": (lambda v: v.clear() or v.update(format="digitnet-model",
                                                       format_version=2), "architecture"),
    "future version": (lambda v: v.update(format_version=3), "format version 3"),
    "layers not a list": (lambda v: v["architecture"].update(layers="784,10"), "layers"),
    "unknown activation": (lambda v: v["architecture"].update(activation="swish"), "swish"),
    "config field of the wrong type": (lambda v: v["training"].update(learning_rate="fast"),
                                       "learning_rate"),
    "unknown config field": (lambda v: v["training"].update(speed=3), "speed"),
    "impossible config": (lambda v: v["training"].update(mini_batch_size=0), "mini-batch"),
    "results not an object": (lambda v: v.update(results=[0.9]), "results"),
    "accuracy a string": (lambda v: v["results"].update(test_accuracy="93%"), "test_accuracy"),
    "dataset without name": (lambda v: v["dataset"].pop("name"), "dataset has no name"),
    "sizes not numbers": (lambda v: v["dataset"].update(sizes={"train": "many"}), "sizes"),
    "epoch not an object": (lambda v: v["history"].update(epochs=[3]), "epoch"),
    "unknown stop reason": (lambda v: v["history"].update(stop_reason="bored"), "bored"),
    "seconds a list": (lambda v: v.update(seconds=[1]), "seconds"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_every_bad_field_is_named(kind: str) -> None:
    change, phrase = BAD[kind]
    with pytest.raises(ModelFileError, match=phrase) as caught:
        ModelCard.from_json(edited(change))
    assert "\n" not in str(caught.value)


def test_non_finite_numbers_are_written_as_null() -> None:
    card = ModelCard(TrainingConfig().architecture, results=Results(test_cost=float("inf")))
    assert json.loads(card.to_json())["results"]["test_cost"] is None
    assert ModelCard.from_json(card.to_json()).results == Results(test_cost=None)


def test_the_card_keeps_what_it_does_not_know_as_notes() -> None:
    values = json.loads(full_card().to_json())
    values["made_by"] = "another tool"
    card = ModelCard.from_json(json.dumps(values))
    assert card.notes["made_by"] == "another tool" and card.notes["by"] == "a test"
    assert np.isclose(card.notes["numbers"][1], 2.5)
