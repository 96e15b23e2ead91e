"""Checks every face makes before and after a training run, with the same messages.

The command line and the web page take the same options: the layers as text (``784,16,10``),
which must fit the dataset's images and classes, and at the end a run is judged: a run that
diverged, or ends no better than always answering the most common digit, has failed, and the
explanation names its problems and what to try (see :mod:`digitnet.diagnostics`). ``option`` is
how the face names the layers in its messages (``--layers`` on the command line).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .diagnostics import at_chance_level, majority_share
from .errors import ConfigError
from .history import History, StopReason


def cut_short(text: str, most: int = 60) -> str:
    """``text`` as typed, cut to ``most`` characters so that a message stays one short line."""
    return text if len(text) <= most else text[:most - 3] + "..."


def parse_layers(text: str, option: str = "--layers") -> tuple[int, ...]:
    """'784,16,10' -> (784, 16, 10); anything else raises ConfigError naming ``option``."""
    quoted = cut_short(text)
    try:
        layers = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(f"{option} {quoted}: expected whole numbers separated by commas, "
                          "e.g. 784,16,16,10") from None
    if len(layers) < 2:
        raise ConfigError(f"{option} {quoted}: a network needs at least an input and an output "
                          "layer, e.g. 784,10")
    if min(layers) < 1:
        raise ConfigError(f"{option} {quoted}: every layer needs at least one neuron")
    return layers


def check_layers_fit(layers: tuple[int, ...], inputs: int, classes: int, data: str,
                     option: str = "--layers") -> None:
    """The first layer must take every pixel, the last give one output per class."""
    shape = cut_short(",".join(map(str, layers)))
    if layers[0] != inputs:
        raise ConfigError(f"{option} {shape}: the first layer must have {inputs} neurons, one "
                          f"per pixel of the {data} images, not {layers[0]}")
    if layers[-1] != classes:
        raise ConfigError(f"{option} {shape}: the last layer must have {classes} neurons, one "
                          f"per class of the {data} images, not {layers[-1]}")


def why_failed(history: History, test_accuracy: float,
               test_labels: NDArray[np.integer]) -> str | None:
    """The explanation of a failed run (diverged, or at chance level), or None.

    A run stopped on request is never called failed: it may have stopped before it could learn.
    """
    if history.stop_reason == StopReason.DIVERGED:
        return history.message
    if history.stop_reason == StopReason.INTERRUPTED:
        return None
    if not at_chance_level(test_accuracy, test_labels):
        return None
    last = history.epochs[-1].diagnosis if history.epochs else None
    problems = [p for p in last.problems if p.kind != "chance"] if last else []
    remedies = list(dict.fromkeys(p.remedy for p in problems if p.remedy))  # each once
    return (f"the test accuracy {test_accuracy:.2%} is no better than always answering the "
            f"most common digit ({majority_share(test_labels):.2%})"
            + "".join(f"; {p.message}" for p in problems)
            + (f". What to try: {'; '.join(remedies)}." if remedies else "."))
