"""Pictures of a network: what hidden neurons look for, how training went, what gets confused.

Each function draws one figure with matplotlib (the ``plots`` extra) and writes it to a PNG file.
matplotlib is imported inside the functions, with the non-interactive Agg backend, so importing
digitnet never needs it and no window is ever opened.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import ConfigError
from .extras import require
from .network import Network


def _pyplot() -> Any:
    matplotlib = require("matplotlib", "plots", "drawing plots")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_hidden_neurons(network: Network, path: str | Path, max_neurons: int = 64) -> Path:
    """The incoming weights of first-layer neurons, each as a 28x28 picture.

    Neuron j computes z_j = sum_k W_jk x_k + b_j, so the picture of W_j shows which pixels push it
    up (red) and which push it down (blue): the pattern the neuron "looks for".
    """
    weights = network.weights[0]  # (n_hidden, 784)
    side = math.isqrt(weights.shape[1])
    if side * side != weights.shape[1]:
        raise ConfigError(f"the input layer has {weights.shape[1]} neurons, not a square image")
    count = min(max_neurons, weights.shape[0])
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    plt = _pyplot()
    figure, axes = plt.subplots(rows, columns, figsize=(1.4 * columns, 1.4 * rows + 0.4),
                                squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.set_axis_off()
        if index < count:
            picture = weights[index].reshape(side, side)
            limit = float(np.abs(picture).max()) or 1.0
            axis.imshow(picture, cmap="RdBu_r", vmin=-limit, vmax=limit)
            axis.set_title(f"neuron {index}", fontsize=7)
    figure.suptitle(f"What the first {count} hidden neurons look for (red +, blue -)")
    return _save(figure, plt, path)


def plot_history(epochs: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Training cost and validation/test accuracy per epoch (records as in History.to_dict())."""
    plt = _pyplot()
    figure, (cost_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 3.8))
    numbers = [e["epoch"] for e in epochs]
    cost_axis.plot(numbers, [e["train_cost"] for e in epochs], marker="o", label="training")
    cost_axis.set(xlabel="epoch", ylabel="cost", title="Cost (lower is better)")
    for key, label in (("validation_accuracy", "validation"), ("test_accuracy", "test")):
        values = [e.get(key) for e in epochs]
        if any(v is not None for v in values):
            accuracy_axis.plot(numbers, [100 * v if v is not None else np.nan for v in values],
                               marker="o", label=label)
    accuracy_axis.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    for axis in (cost_axis, accuracy_axis):
        axis.grid(alpha=0.3)
        axis.legend()
    return _save(figure, plt, path)


def plot_confusion(confusion: NDArray[np.integer], path: str | Path) -> Path:
    """The confusion matrix: row = true digit, column = the network's answer."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5.5, 5))
    axis.imshow(np.log1p(confusion), cmap="Blues")
    for (i, j), count in np.ndenumerate(confusion):
        axis.text(j, i, str(count), ha="center", va="center", fontsize=7,
                  color="white" if i == j else "black")
    axis.set(xlabel="predicted digit", ylabel="true digit", title="Confusion matrix",
             xticks=range(confusion.shape[1]), yticks=range(confusion.shape[0]))
    return _save(figure, plt, path)


def _save(figure: Any, plt: Any, path: str | Path) -> Path:
    """Write the figure to ``path`` (temporary file, then rename) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    figure.tight_layout()
    try:
        figure.savefig(temporary, dpi=110, format="png")
        temporary.replace(path)
    finally:
        plt.close(figure)
        temporary.unlink(missing_ok=True)
    return path
