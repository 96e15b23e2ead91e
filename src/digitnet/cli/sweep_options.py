"""The text of ``digitnet sweep``'s options, read into what :mod:`digitnet.sweeps` works with.

``--grid lr=0.01,0.1,1`` lists values (layer sizes, which hold commas themselves, are separated
by colons: ``--grid layers=784,16,10:784,100,10``); ``--range lr=0.001:10`` gives bounds for
``--random N`` (rates on a log scale unless ``:linear`` follows, other numbers linear unless
``:log`` follows); ``--seeds 0,1,2``. Options are named as the flags of ``digitnet train``
without their dashes (``lr``, ``batch-size``, ``layers``) or by their field names
(``learning_rate``).
"""

from __future__ import annotations

from typing import Any

from ..config import TrainingConfig
from ..errors import ConfigError
from ..run_checks import parse_layers
from ..sweeps import Axis, Range
from ..sweeps.space import LOG_SCALED
from .options import TRAINING_OPTIONS

SWEEPABLE = {flag.lstrip("-"): (dest, kind) for flag, dest, kind, _ in TRAINING_OPTIONS
             if dest != "seed"}
SWEEPABLE.update({dest: (dest, kind) for dest, kind in SWEEPABLE.values()})


def option_of(name: str, flag: str) -> tuple[str, Any]:
    """The TrainingConfig field and value type named ``name`` in ``flag``."""
    if name == "seed":
        raise ConfigError(f"{flag} seed=...: list the seeds with --seeds instead")
    if name not in SWEEPABLE:
        known = ", ".join(flag.lstrip("-") for flag, _, _, _ in TRAINING_OPTIONS
                          if flag != "--seed")
        raise ConfigError(f"{flag} {name}=...: not a training option; known: {known}")
    return SWEEPABLE[name]


def split_spec(text: str, flag: str, example: str) -> tuple[str, str]:
    """``NAME=VALUES`` -> (NAME, VALUES)."""
    name, equals, values = text.partition("=")
    if not equals or not name.strip() or not values.strip():
        raise ConfigError(f"{flag} {text}: expected NAME=VALUES, e.g. {flag} {example}")
    return name.strip(), values.strip()


def parse_value(text: str, kind: Any, flag: str, name: str) -> Any:
    """One value of an option, typed as the option is."""
    if kind is str and name != "layers":
        return text
    try:
        return parse_layers(text) if name == "layers" else kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{flag} {name}={text}: expected {what}") from None


def parse_axis(text: str, base: TrainingConfig) -> Axis:
    """``lr=0.01,0.1,1`` or ``layers=784,16,10:784,100,10``; every value is checked at once
    against the base recipe (a negative rate is refused before anything runs)."""
    name, values = split_spec(text, "--grid", "lr=0.01,0.1,1")
    field, kind = option_of(name, "--grid")
    parts = values.split(":") if field == "layers" else values.split(",")
    typed = tuple(parse_value(part.strip(), kind, "--grid", field) for part in parts)
    for value in typed:
        try:
            base.replace(**{field: value})
        except ConfigError as error:
            raise ConfigError(f"--grid {text}: {error}") from None
    return Axis(field, typed)


def parse_range(text: str) -> Range:
    """``lr=0.001:10`` (rates: log scale), ``batch-size=10:100`` (linear), with an optional
    ``:log`` or ``:linear`` last."""
    name, bounds = split_spec(text, "--range", "lr=0.001:10")
    field, kind = option_of(name, "--range")
    if kind not in (int, float):
        raise ConfigError(f"--range {text}: only numbers can be drawn from a range; list the "
                          f"values of {name} with --grid")
    parts = bounds.split(":")
    scale = parts.pop() if parts[-1] in ("log", "linear") else None
    if len(parts) != 2:
        raise ConfigError(f"--range {text}: expected NAME=LOW:HIGH, e.g. --range lr=0.001:10")
    low, high = (parse_value(part.strip(), float, "--range", name) for part in parts)
    log = field in LOG_SCALED if scale is None else scale == "log"
    try:
        return Range(field, low, high, log)
    except ConfigError as error:
        raise ConfigError(f"--range {text}: {error}") from None


def parse_seeds(text: str) -> list[int]:
    """``0,1,2`` -> [0, 1, 2]."""
    try:
        seeds = [int(part) for part in text.split(",")]
    except ValueError:
        raise ConfigError(f"--seeds {text}: expected whole numbers separated by commas, "
                          "e.g. --seeds 0,1,2") from None
    if min(seeds) < 0:
        raise ConfigError(f"--seeds {text}: a seed is a whole number >= 0")
    return seeds
