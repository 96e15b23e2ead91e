"""``benchmarks/own_digits.py``, the test set of digits that are not MNIST: the README's figures
for it hold only if ``make`` gives the same pictures for a seed, and a my-digits folder that
digitnet reads."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from digitnet.data import load_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from own_digits import make

COUNT = 20  # two of each digit; pictures 0-9 typed (when the system has fonts), 10-19 drawn


def made(folder: Path, seed: int, plain: bool = False) -> dict[str, bytes]:
    """make() into folder; every file it wrote, by name."""
    make(folder, COUNT, seed, plain)
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def seed_3(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    folder = tmp_path_factory.mktemp("own") / "seed-3"
    return folder, made(folder, 3)


def test_the_same_seed_makes_the_same_files_byte_for_byte(
        seed_3: tuple[Path, dict[str, bytes]], tmp_path: Path) -> None:
    _, first = seed_3
    assert made(tmp_path / "again", 3) == first
    assert len(first) == COUNT + 1  # the pictures and labels.csv


def test_another_seed_makes_other_pictures_with_the_same_labels(
        seed_3: tuple[Path, dict[str, bytes]], tmp_path: Path) -> None:
    _, first = seed_3
    other = made(tmp_path / "seed-4", 4)
    pictures = [name for name in first if name != "labels.csv"]
    assert all(first.get(name) != other.get(name) for name in pictures)
    labels = [line.split(",")[1] for line in first["labels.csv"].decode().split()[1:]]
    assert labels == [str(index % 10) for index in range(COUNT)]


def test_the_folder_is_a_my_digits_set_that_digitnet_reads(
        seed_3: tuple[Path, dict[str, bytes]]) -> None:
    """Every picture, scanned-looking, survives prepare_digit: none is refused as blank or as
    several digits (a refusal would make load_dataset raise)."""
    folder, _ = seed_3
    dataset = load_dataset("my-digits", folder)
    assert dataset.x_train.shape == (COUNT, 784)
    assert dataset.y_train.tolist() == [index % 10 for index in range(COUNT)]
    assert np.isfinite(dataset.x_train).all()
    assert dataset.x_train.min() >= 0 and dataset.x_train.max() <= 1
    ink = dataset.x_train.sum(axis=1)
    assert (ink > 10).all()  # each prepared picture holds a digit's worth of ink, not specks


def test_plain_makes_black_on_white_pngs_of_the_same_digits(tmp_path: Path) -> None:
    plain = made(tmp_path / "plain", 3, plain=True)
    assert all(name.endswith(".png") for name in plain if name != "labels.csv")
    dataset = load_dataset("my-digits", tmp_path / "plain")
    assert dataset.y_train.tolist() == [index % 10 for index in range(COUNT)]
