"""A dataset: images as rows of pixels in [0, 1], their labels, split into train, validation
and test."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NUM_CLASSES = 10
IMAGE_SIDE = 28


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images as rows of pixels in [0, 1] and their integer labels.

    Shapes: ``x_train`` (m, 784) float32, ``y_train`` (m,) int64; likewise ``x_val``/``y_val``
    (empty (0, 784)/(0,) without a validation split) and ``x_test``/``y_test``.
    """

    name: str
    description: str
    source: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_val: np.ndarray = field(default_factory=lambda: np.zeros((0, IMAGE_SIDE**2), np.float32))
    y_val: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def counts(self) -> dict[str, int]:
        """Number of images per split, e.g. ``{"train": 50000, "validation": 10000, ...}``."""
        return {"train": len(self.y_train), "validation": len(self.y_val),
                "test": len(self.y_test)}
