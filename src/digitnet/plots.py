"""Pictures of a network: how training went, what neurons look for, what it gets wrong, how sure
it is (even of noise).

Each function draws one figure with matplotlib (the ``plots`` extra) from numbers the core
computed (:mod:`digitnet.metrics`, the model card's history), and writes it to a PNG or SVG file
chosen by the file's suffix, atomically (a temporary file, then a rename). matplotlib is imported
inside the functions and used without pyplot (a ``Figure`` of its own, no global figure list, no
backend switch), so importing digitnet never needs it and no window is ever opened.
"""

from __future__ import annotations

import contextlib
import errno
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import Array
from .errors import ConfigError
from .extras import require
from .metrics import Answers, Mistakes
from .network import Network

FORMATS = {".png": "png", ".svg": "svg"}  # file suffix -> matplotlib's format
DPI = 110  # pixels per inch of a PNG
MAX_MISTAKES_SHOWN = 40


def figure_format(path: str | Path) -> str:
    """The format a figure at ``path`` is written in (png or svg), chosen by its suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise ConfigError(f"{path} is a folder: give a file name ending in .png or .svg")
    if suffix not in FORMATS:
        raise ConfigError(f"{path}: a figure is written as .png or .svg, not "
                          f"{suffix or 'a file without a suffix'}")
    return FORMATS[suffix]


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
    pictures = weights[:count].reshape(count, side, side)  # (count, 28, 28)
    limits = np.abs(pictures).max(axis=(1, 2), keepdims=True)  # (count, 1, 1)
    pictures = pictures / np.where(limits > 0, limits, 1.0)  # each in [-1, 1]
    figure = _mosaic(pictures, [f"neuron {j}" for j in range(count)],
                     columns=math.ceil(math.sqrt(count)), size=1.4, cmap="RdBu_r", vmin=-1, vmax=1)
    figure.suptitle(f"What the first {count} hidden neurons look for (red +, blue -)")
    return save_figure(figure, path)


def plot_history(epochs: Sequence[Mapping[str, Any]], path: str | Path,
                 title: str | None = None) -> Path:
    """Cost and validation/test accuracy per epoch (records as in History.to_dict()).

    The training cost is the mean over the epoch's mini-batches, measured while the weights
    moved; validation and test costs are measured after the epoch. A validation cost that rises
    while the training cost falls is overfitting.
    """
    if not epochs:
        raise ConfigError("there is no training history to plot (no epochs)")
    figure = new_figure(10, 3.8)
    cost_axis, accuracy_axis = figure.subplots(1, 2)
    numbers = [e["epoch"] for e in epochs]
    for axis, kind, scale in ((cost_axis, "cost", 1), (accuracy_axis, "accuracy", 100)):
        for split, label in (("train", "training (during the epoch)"), ("validation", "validation"),
                             ("test", "test")):
            values = [e.get(f"{split}_{kind}") for e in epochs]
            if any(v is not None for v in values):
                axis.plot(numbers, [scale * v if v is not None else np.nan for v in values],
                          marker="o", markersize=3, label=label)
        axis.grid(alpha=0.3)
        axis.legend()
        axis.xaxis.get_major_locator().set_params(integer=True)
    cost_axis.set(xlabel="epoch", ylabel="cost", title="Cost (lower is better)")
    accuracy_axis.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy (higher is better)")
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)


def plot_confusion(confusion: NDArray[np.integer], path: str | Path,
                   title: str = "Confusion matrix") -> Path:
    """The confusion matrix: row = true digit, column = the network's answer."""
    figure = new_figure(5.5, 5)
    axis = figure.subplots()
    shade = np.log1p(confusion)  # so that the few mistakes still show
    axis.imshow(shade, cmap="Blues")
    for (i, j), count in np.ndenumerate(confusion):
        axis.text(j, i, str(count), ha="center", va="center", fontsize=7,
                  color="white" if shade[i, j] > shade.max() / 2 else "black")
    axis.set(xlabel="predicted digit", ylabel="true digit", title=title,
             xticks=range(confusion.shape[1]), yticks=range(confusion.shape[0]))
    return save_figure(figure, path)


def plot_mistakes(images: Array, found: Mistakes, path: str | Path,
                  max_shown: int = MAX_MISTAKES_SHOWN, what: str = "test images") -> Path:
    """The first ``max_shown`` mistakes, each titled "true -> predicted (confidence)".

    ``images`` (m, 784) is the whole set; ``found`` says which of its rows were got wrong.
    """
    shown = min(max_shown, found.indices.size)
    if shown == 0:
        figure = new_figure(6, 1.5)
        axis = figure.subplots()
        axis.set_axis_off()
        axis.text(0.5, 0.5, f"No mistakes: all {found.count:,} {what} were read right.",
                  ha="center", va="center")
        return save_figure(figure, path)
    side = math.isqrt(images.shape[1])
    pictures = images[found.indices[:shown]].reshape(shown, side, side)  # (shown, 28, 28)
    labels = [f"{label} -> {answer} ({sure:.0%})" for label, answer, sure in zip(
        found.labels[:shown], found.predicted[:shown], found.confidence[:shown], strict=True)]
    figure = _mosaic(pictures, labels, columns=min(shown, 8), size=1.25,
                     cmap="gray_r", vmin=0, vmax=1)
    figure.suptitle(f"{found.indices.size:,} of {found.count:,} {what} were read wrong "
                    f"({found.error_rate:.1%}); the first {shown}, titled\n"
                    "true digit -> the network's answer (its confidence)", fontsize=10)
    return save_figure(figure, path)


def plot_confidence(noise: Answers, digits: Answers, path: str | Path,
                    example: Array | None = None, what: str = "test digits") -> Path:
    """Histograms of the confidence (max_j p_j) on random noise and on real digits, side by side.

    ``example`` (784,) is one of the noise images, shown on the left with the answer ``noise``
    gives for it (its first row).
    """
    figure = new_figure(11.5, 4)
    axes = figure.subplots(1, 3, width_ratios=(0.45, 1, 1))
    axes[2].sharey(axes[1])  # the same scale, to compare the two fairly
    bins = np.linspace(0, 1, 21)  # 5% wide
    medians = []
    for axis, result, name, colour in (
            (axes[1], noise, "random-noise images", "tab:red"),
            (axes[2], digits, what, "tab:blue")):
        count = result.confidence.size
        weights = np.full(count, 100 / count) if count else None  # each image's % of the set
        axis.hist(result.confidence, bins=bins, weights=weights, color=colour, alpha=0.8)
        medians.append(float(np.median(result.confidence)) if count else float("nan"))
        axis.axvline(medians[-1], color="black", linestyle="--", linewidth=1)
        axis.set(xlim=(0, 1), xlabel="confidence: the largest output probability",
                 title=f"{count:,} {name}\nmedian confidence {medians[-1]:.0%} (dashed)\n"
                       f"{_favourites(result)}")
        axis.grid(alpha=0.3)
    axes[1].set_ylabel("% of the images")
    axes[0].set_axis_off()
    if example is not None and noise.predicted.size:
        side = math.isqrt(example.size)
        axes[0].imshow(example.reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
        axes[0].set_title(f"random noise:\nthe network says {noise.predicted[0]}\n"
                          f"({noise.confidence[0]:.0%} sure)", fontsize=9)
    figure.suptitle(f"It answers even for random noise, with a median confidence of "
                    f"{medians[0]:.0%} (real digits: {medians[1]:.0%}):\n"
                    "it has only ever seen digits, and must pick one of its ten answers")
    return save_figure(figure, path)


def _favourites(result: Answers, top: int = 3) -> str:
    """'answers: 8 (64%), 3 (20%), 5 (9%)': the answers given most often."""
    if not result.predicted.size:
        return ""
    counts = np.bincount(result.predicted)
    best = np.argsort(counts)[::-1][:top]
    share = counts / result.predicted.size
    return "answers: " + ", ".join(f"{d} ({share[d]:.0%})" for d in best if share[d] >= 0.005)


def new_figure(width: float, height: float) -> Any:
    """A new matplotlib Figure of width x height inches, outside pyplot (no window, no state)."""
    require("matplotlib", "plots", "drawing plots")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _mosaic(pictures: Array, labels: Sequence[str], columns: int, size: float,
            **style: Any) -> Any:
    """A figure showing pictures (k, h, w) in rows of ``columns``, each labelled above.

    They are drawn as one image with blank (NaN) margins: one axes instead of k keeps even
    64 pictures quick to lay out. ``size`` is a picture's width in inches; ``style`` goes to
    imshow (colour map and range).
    """
    count, height, width = pictures.shape
    rows = math.ceil(count / columns)
    top, side = height // 3, width // 10  # room for the label above, a margin beside
    cell_height, cell_width = height + top, width + 2 * side
    canvas = np.full((rows * cell_height, columns * cell_width), np.nan)  # (H, W)
    figure = new_figure(size * columns, size * rows * cell_height / cell_width + 0.4)
    axis = figure.subplots()
    for index, (picture, label) in enumerate(zip(pictures, labels, strict=True)):
        row, column = divmod(index, columns)
        y, x = row * cell_height + top, column * cell_width + side
        canvas[y:y + height, x:x + width] = picture
        axis.text(x + width / 2, y - 1, label, ha="center", va="bottom", fontsize=8)
    axis.imshow(canvas, interpolation="nearest", **style)
    axis.set_axis_off()
    return figure


def save_figure(figure: Any, path: str | Path) -> Path:
    """Write the figure to ``path`` (temporary file, then rename).

    The format follows the suffix (.png or .svg); SVG text stays text (searchable, small).
    """
    from matplotlib import rc_context

    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        kind = figure_format(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.tight_layout()
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": "digitnet"}):
            figure.savefig(temporary, dpi=DPI, format=kind, metadata={"Date": None})
        temporary.replace(path)
    except (FileExistsError, NotADirectoryError):  # a file where a folder should be
        raise OSError(errno.ENOTDIR, "a file is in the way of its folder", str(path)) from None
    except OSError as error:  # name the file asked for, not the temporary one
        raise OSError(error.errno, error.strerror or str(error), str(path)) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    return path
