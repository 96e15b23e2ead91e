"""The pictures: each plot writes a real PNG, and refuses what it cannot draw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digitnet import ConfigError, Network
from digitnet.plots import plot_confusion, plot_hidden_neurons, plot_history

pytest.importorskip("matplotlib", reason="the plots extra (matplotlib) is not installed")
Image = pytest.importorskip("PIL.Image", reason="Pillow is needed to read the PNGs back")


def test_hidden_neurons_picture(tmp_path: Path) -> None:
    path = plot_hidden_neurons(Network([784, 16, 16, 10]), tmp_path / "neurons.png")
    with Image.open(path) as picture:
        assert picture.format == "PNG" and picture.width > 300
    assert not list(tmp_path.glob("*.tmp"))
    with pytest.raises(ConfigError, match="not a square"):
        plot_hidden_neurons(Network([10, 3]), tmp_path / "x.png")


def test_history_and_confusion_pictures(tmp_path: Path) -> None:
    epochs = [{"epoch": i, "train_cost": 1 / i, "test_accuracy": 0.9 + i / 100,
               "validation_accuracy": None} for i in range(1, 4)]
    with Image.open(plot_history(epochs, tmp_path / "h.png")) as picture:
        assert picture.size[0] > picture.size[1]
    confusion = np.diag(np.full(10, 90)) + 1
    with Image.open(plot_confusion(confusion, tmp_path / "c.png")) as picture:
        assert picture.format == "PNG"
