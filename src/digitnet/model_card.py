"""The model card: everything a model file says about its network besides the numbers.

What the network is (its :class:`~digitnet.architecture.Architecture`), how it was made (the
full :class:`~digitnet.config.TrainingConfig`, the preset, the data it learned from), how well
it did (results, per-epoch history, why training stopped, how long it took), and which digitnet
wrote it when. A card is frozen and typed; ``to_json`` / ``from_json`` are the only way in or
out of a file, and ``from_json`` checks every field, naming the first one that is wrong.

The architecture is stored once: the file's ``training`` section holds only the options that are
not architecture, and reading merges the two back into one TrainingConfig. Files of format 1
(which stored the whole configuration beside the architecture) are read too.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .architecture import Architecture
from .config import TrainingConfig
from .diagnostics import Diagnosis
from .errors import DigitnetError, ModelFileError, shown
from .history import EpochRecord, StopReason
from .version import __version__

FORMAT = "digitnet-model"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
ARCHITECTURE_FIELDS = ("layers", "activation", "output_activation", "cost", "dtype")


@dataclass(frozen=True)
class DatasetRecord:
    """The data a model learned from: ``name`` as ``load_dataset`` knows it (``mnist-sample``
    for the offline sample), the name asked for, a description, the folder and the set sizes."""

    name: str
    description: str = ""
    requested: str | None = None
    source: str | None = None
    sizes: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Results:
    """How the trained network did; accuracies are fractions, None when not measured."""

    test_accuracy: float | None = None
    test_cost: float | None = None
    validation_accuracy: float | None = None
    best_epoch: int | None = None
    epochs_trained: int = 0
    final_train_cost: float | None = None


@dataclass(frozen=True)
class ModelCard:
    """Everything a model file records besides its arrays.

    architecture   the network's shape and kind (always there)
    config         the full training configuration, None for a network not trained by digitnet
    preset         the preset the configuration started from
    dataset        the data it learned from; results, epochs, stop_reason, message, seconds:
                   how training went
    version, saved which digitnet wrote the file, and when (ISO 8601, UTC)
    notes          anything else, as JSON
    """

    architecture: Architecture
    config: TrainingConfig | None = None
    preset: str | None = None
    dataset: DatasetRecord | None = None
    results: Results | None = None
    epochs: tuple[EpochRecord, ...] = ()
    stop_reason: StopReason | None = None
    message: str = ""
    seconds: float | None = None
    version: str = __version__
    saved: str | None = None
    notes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.config is not None and self.config.architecture != self.architecture:
            raise ModelFileError(f"the training configuration describes "
                                 f"{self.config.architecture}, not the network's "
                                 f"{self.architecture}")

    def stamped(self) -> ModelCard:
        """This card with the current digitnet version and the time, as when it is saved."""
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        return dataclasses.replace(self, version=__version__, saved=now)

    # --- to and from JSON ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values, in the file's layout."""
        training = None
        if self.config is not None:
            training = {key: value for key, value in self.config.to_dict().items()
                        if key not in ARCHITECTURE_FIELDS}
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "architecture": {**self.architecture.to_dict(),
                             "num_parameters": self.architecture.num_parameters},
            "training": training, "preset": self.preset,
            "dataset": None if self.dataset is None else dataclasses.asdict(self.dataset),
            "results": None if self.results is None else dataclasses.asdict(self.results),
            "history": {"epochs": [dataclasses.asdict(e) for e in self.epochs],
                        "stop_reason": None if self.stop_reason is None
                        else self.stop_reason.value, "message": self.message},
            "seconds": self.seconds, "digitnet_version": self.version, "saved": self.saved,
            "notes": dict(self.notes),
        }

    def to_json(self) -> str:
        """The card as one JSON text (non-finite numbers become null)."""
        try:
            return json.dumps(finite(self.to_dict()), allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ModelFileError(f"the model card cannot be written as JSON: {error}") from None

    @classmethod
    def from_json(cls, text: str) -> ModelCard:
        """Read and check a card; ModelFileError names the first field that is wrong."""
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            raise ModelFileError(f"the metadata is not valid JSON ({error.msg})") from None
        except RecursionError:  # "[[[[...": Python's parser recurses once per level
            raise ModelFileError("the metadata is not valid JSON (nested too deeply)") from None
        except ValueError as error:  # e.g. an integer of more than 4,300 digits
            reason = str(error).split(":")[0]
            raise ModelFileError(f"the metadata is not valid JSON ({reason})") from None
        if not isinstance(values, dict) or values.get("format") != FORMAT:
            raise ModelFileError("the metadata does not describe a digitnet model")
        version = values.get("format_version")
        if version not in READABLE_VERSIONS:
            raise ModelFileError(f"unsupported format version {shown(version)}")
        try:
            return card_from_dict(values)
        except ModelFileError:
            raise
        except DigitnetError as error:
            raise ModelFileError(str(error)) from None


def card_from_dict(values: dict[str, Any]) -> ModelCard:
    """The fields of a card, each checked (format 1 files included)."""
    architecture = Architecture.from_dict(section(values, "architecture", required=True))
    training = values.get("training", values.get("config"))  # format 1 said "config"
    config = None
    if training is not None:
        training = dict(section(values, "training" if "training" in values else "config"))
        for key in ARCHITECTURE_FIELDS:
            stored = training.pop(key, None)
            if stored is not None and stored != architecture.to_dict()[key]:
                raise ModelFileError(f"the training configuration's {key} "
                                     f"{shown(stored)} does not match the architecture")
        config = TrainingConfig.from_dict({**training, **architecture.to_dict()})
    history = section(values, "history")
    reason = history.get("stop_reason", values.get("stop_reason"))  # format 1: top level
    known = {"format", "format_version", "architecture", "training", "config", "preset",
             "dataset", "results", "history", "seconds", "digitnet_version", "saved", "notes",
             "stop_reason"}
    notes = {**section(values, "notes"), **{k: v for k, v in values.items() if k not in known}}
    return ModelCard(
        architecture=architecture, config=config,
        preset=typed(values, "preset", str),
        dataset=record(DatasetRecord, values, "dataset"),
        results=record(Results, values, "results"),
        epochs=tuple(epoch_record(e) for e in typed(history, "epochs", list) or []),
        stop_reason=stop_reason(reason), message=typed(history, "message", str) or "",
        seconds=typed(values, "seconds", float), version=typed(values, "digitnet_version",
                                                                 str) or "?",
        saved=typed(values, "saved", str), notes=notes,
    )


# --- checking one field at a time --------------------------------------------------------------
def section(values: Mapping[str, Any], key: str, required: bool = False) -> Mapping[str, Any]:
    """``values[key]``, which must be a JSON object (or missing/null unless required)."""
    value = values.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise ModelFileError(f"the metadata's {key} must be an object, got {shown(value)}")
    return value


def typed(values: Mapping[str, Any], key: str, kind: type) -> Any:
    """``values[key]`` if it is a ``kind`` (ints count as floats) or missing/null."""
    value = values.get(key)
    if value is None:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # an integer beyond 1.8e308
            raise ModelFileError(f"the metadata's {key} must be a number, got "
                                 f"{shown(value)}, too large for a float") from None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ModelFileError(f"the metadata's {key} must be {kind.__name__}, got "
                             f"{shown(value)}")
    return value


DATASET_FIELDS = {"name": str, "description": str, "requested": str, "source": str,
                  "sizes": dict}
RESULTS_FIELDS = {"test_accuracy": float, "test_cost": float, "validation_accuracy": float,
                  "best_epoch": int, "epochs_trained": int, "final_train_cost": float}


def record(cls: type, values: Mapping[str, Any], key: str) -> Any:
    """A frozen record (DatasetRecord, Results) from ``values[key]``, every field typed."""
    if values.get(key) is None:
        return None
    data = section(values, key)
    kinds = DATASET_FIELDS if cls is DatasetRecord else RESULTS_FIELDS
    kwargs = {name: typed(data, name, kind) for name, kind in kinds.items()}
    if cls is DatasetRecord:
        if kwargs["name"] is None:
            raise ModelFileError("the metadata's dataset has no name")
        sizes = kwargs["sizes"] or {}
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in sizes.values()):
            raise ModelFileError(f"the metadata's dataset sizes must be whole numbers, "
                                 f"got {shown(sizes)}")
    return cls(**{name: value for name, value in kwargs.items() if value is not None})


def epoch_record(values: Any) -> EpochRecord:
    """One per-epoch record of the history."""
    if not isinstance(values, dict):
        raise ModelFileError(f"an epoch of the history must be an object, got "
                             f"{shown(values)}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(EpochRecord):
        if f.name == "diagnosis":
            found = values.get("diagnosis")
            kwargs[f.name] = None if found is None else Diagnosis.from_dict(
                section(values, "diagnosis"))
            continue
        kind = int if f.name == "epoch" else float
        kwargs[f.name] = typed(values, f.name, kind)
    for required in ("epoch", "learning_rate", "train_cost", "seconds"):
        if kwargs[required] is None:
            kwargs[required] = math.nan if required != "epoch" else 0
    return EpochRecord(**kwargs)


def stop_reason(value: Any) -> StopReason | None:
    if value is None:
        return None
    try:
        return StopReason(value)
    except ValueError:
        known = ", ".join(r.value for r in StopReason)
        raise ModelFileError(f"unknown stop reason {shown(value)}: expected one of "
                             f"{known}") from None


def finite(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, inf) replaced by None, for strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value
