"""From the page's request to a training run: the configuration, checked, and its data.

The options are those of ``digitnet train`` and go through the same checks with the same
messages (:mod:`digitnet.config`, :mod:`digitnet.run_checks`), then through the server's
:mod:`limits <digitnet.web.live.limits>`.

The data: the dataset's training images, of which the preset's ``validation_size`` last ones
are held out for validation (at most a fifth of them, so the 4,000-image offline sample keeps
3,200 to learn from), and the first ``images`` of the rest to learn from; the whole test set,
with ten fixed digits in it, one per class, whose answers the page shows changing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.activations import Array
from digitnet.config import TrainingConfig
from digitnet.data import Dataset
from digitnet.errors import ConfigError
from digitnet.presets import PRESETS
from digitnet.registry import lookup
from digitnet.run_checks import check_layers_fit, parse_layers
from digitnet.web.live.limits import RunLimits
from digitnet.web.live.schemas import TrainingRequest
from digitnet.web.live.snapshots import fixed_digits

IMAGE_PIXELS = 28 * 28
CLASSES = 10
# Request field -> TrainingConfig field (layers are parsed from text, as on the command line).
OPTIONS = {"activation": "activation", "output_activation": "output_activation",
           "cost": "cost", "init": "init", "optimizer": "optimizer",
           "learning_rate": "learning_rate", "batch_size": "mini_batch_size",
           "epochs": "epochs", "seed": "seed"} | {
    same: same for same in ("schedule", "momentum", "weight_decay", "dropout", "input_dropout",
                            "max_norm", "label_smoothing", "adversarial", "rotation", "scale",
                            "shear", "translation", "elastic_alpha", "elastic_sigma",
                            "clean_finish")}
MAX_VALIDATION_SHARE = 5  # at most a fifth of the training images are held out


def config_from(request: TrainingRequest, limits: RunLimits) -> TrainingConfig:
    """The preset with the request's options applied, checked like ``digitnet train``'s."""
    config: TrainingConfig = lookup(PRESETS, request.preset, "preset")
    changes: dict[str, Any] = {}
    if request.layers is not None:
        layers = request.layers
        text = layers if isinstance(layers, str) else ",".join(map(str, layers))
        changes["layers"] = parse_layers(text, "layers")
    for field, option in OPTIONS.items():
        value = getattr(request, field)
        if value is not None:
            changes[option] = value
    config = config.replace(**changes)
    check_layers_fit(config.layers, IMAGE_PIXELS, CLASSES, "digit", "layers")
    limits.check_network(config.architecture.num_parameters, config.epochs,
                         ",".join(map(str, config.layers)))
    return config


@dataclass(frozen=True)
class RunData:
    """A run's data: (images (m, 784), labels (m,)) to learn from, to validate (or None), to
    test on; ``digits`` are the positions in the test set of the ten fixed digits."""

    dataset: Dataset
    requested: str
    train: tuple[Array, NDArray[np.integer]]
    validation: tuple[Array, NDArray[np.integer]] | None
    test: tuple[Array, NDArray[np.integer]]
    digits: NDArray[np.intp]

    @property
    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train[1]), "test": len(self.test[1]),
                "validation": len(self.validation[1]) if self.validation else 0}


def select(dataset: Dataset, requested: str, config: TrainingConfig,
           images: int | None) -> RunData:
    """The images a run learns from, validates and tests on (see the module's docstring)."""
    check_layers_fit(config.layers, dataset.x_train.shape[1], CLASSES, dataset.name, "layers")
    n = len(dataset.y_train)
    held = min(config.validation_size, n // MAX_VALIDATION_SHARE)
    available = n - held
    images = available if images is None else images
    if images > available:
        kept = f" ({held:,} more are held out for validation)" if held else ""
        raise ConfigError(f"images {images:,}: the {dataset.name} training set here has "
                          f"{available:,} images to learn from{kept}")
    validation = (dataset.x_train[available:], dataset.y_train[available:]) if held else None
    return RunData(dataset, requested, (dataset.x_train[:images], dataset.y_train[:images]),
                   validation, (dataset.x_test, dataset.y_test), fixed_digits(dataset.y_test))


class DataCache:
    """The last dataset loaded (full MNIST is 200 MB in memory and 1-2 s to read: a second run
    on the same data starts at once). Never downloads: the files must be on this machine."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self._last: tuple[str, Dataset] | None = None

    def load(self, name: str) -> Dataset:
        from digitnet.data import load_dataset

        if self._last is not None and self._last[0] == name:
            return self._last[1]
        self._last = None  # let the old one go before reading the new one
        dataset = load_dataset(name, data_dir=self.data_dir, download=False)
        self._last = (name, dataset)
        return dataset
