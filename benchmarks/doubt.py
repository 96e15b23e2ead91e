"""How often a model says "I don't know", with and without its temperature.

    python benchmarks/doubt.py MODEL [MODEL ...] [--data-dir DIR] [--own DIR] [--seed 0]

For each model file: its temperature (``digitnet calibrate`` or ``digitnet train`` with
validation images puts one there), the expected calibration error on the second half of its
test set (``calibrate`` fits on the first half when there are no validation images) with its
own probabilities and with the temperature, and at the default minimum confidence the share of
"not sure" answers for 2,000 random-noise images (uniform pixels, as ``digitnet plot --what
noise`` draws them) and for the real test digits, with the accuracy of the answers it is sure
of. ``--own DIR`` adds a folder of pictures with labels.csv (``own_digits.py make``).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from digitnet.calibration import (
    DEFAULT_MIN_CONFIDENCE,
    calibrated_probabilities,
    expected_calibration_error,
)
from digitnet.data import load_dataset, load_image, prepare_digit
from digitnet.errors import ImageError
from digitnet.metrics import uniform_noise
from digitnet.model_io import load_model

NOISE_IMAGES = 2_000


def own_pictures(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The prepared pictures of a folder with labels.csv (refused pictures are left out)."""
    vectors, labels = [], []
    with (folder / "labels.csv").open(newline="") as stream:
        for row in csv.DictReader(stream):
            try:
                vectors.append(prepare_digit(load_image(folder / row["file"])).vector)
                labels.append(int(row["label"]))
            except ImageError:
                continue
    return np.array(vectors), np.array(labels)


def shares(p: np.ndarray, labels: np.ndarray | None) -> str:
    """``12.3% not sure`` and, with labels, the accuracy of the sure answers."""
    sure = p.max(axis=1) >= DEFAULT_MIN_CONFIDENCE
    text = f"{1 - sure.mean():6.1%} not sure"
    if labels is not None and sure.any():
        right = (p.argmax(axis=1) == labels)[sure].mean()
        text += f", {right:.2%} right when sure (all: {(p.argmax(axis=1) == labels).mean():.2%})"
    return text


def report(path: Path, data_dir: Path | None, own: Path | None, seed: int) -> None:
    model = load_model(path)
    network, temperature = model.network, model.card.temperature
    name, folder = model.training_data(data_dir)
    data = load_dataset(name or "default", data_dir=folder, download=False)
    half = len(data.y_test) // 2
    x, y = data.x_test[half:], data.y_test[half:]
    noise = uniform_noise(NOISE_IMAGES, network.sizes[0], np.random.default_rng(seed),
                          network.dtype)
    sets = [("noise", noise, None), ("test digits", data.x_test, data.y_test)]
    if own is not None:
        own_x, own_y = own_pictures(own)
        sets.append((f"own pictures ({len(own_y)})", own_x.astype(network.dtype), own_y))
    print(f"{path}: {network}; temperature {temperature}")
    for label, t in (("own probabilities", None), ("calibrated", temperature)):
        if label == "calibrated" and t is None:
            continue
        ece = expected_calibration_error(calibrated_probabilities(network, x, t), y)
        print(f"  {label}: ECE {ece:.2%} on the {len(y):,} last test images")
        for what, images, labels in sets:
            p = calibrated_probabilities(network, images, t)
            print(f"    {what:>22}: {shares(p, labels)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", type=Path, nargs="+")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--own", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"Minimum confidence: {DEFAULT_MIN_CONFIDENCE:.0%}")
    for path in args.models:
        report(path, args.data_dir, args.own, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
