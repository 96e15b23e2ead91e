"""What a sweep tries: values of training options, as a grid or drawn at random, each with
every seed.

A sweep starts from one :class:`~digitnet.config.TrainingConfig` (a preset with flags applied)
and changes some of its fields. An :class:`Axis` lists the values of one field; a grid is every
combination of the axes (their Cartesian product, the first axis varying slowest). A
:class:`Range` gives the bounds of a numeric field for random search: ``count`` points are drawn,
each field uniformly between its bounds, rates (learning rate, weight decay) on a log scale, so
that 0.001-0.01 is as likely as 1-10; an axis listed beside the ranges is then a choice, one of
its values drawn per point. Every point runs once per seed: a :class:`Trial` is one point with
one seed, an ordinary training run.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import TrainingConfig
from ..errors import ConfigError

# Rates are drawn on a log scale and plotted on a log axis: their useful values span decades.
LOG_SCALED = ("learning_rate", "weight_decay")
SIGNIFICANT_DIGITS = 3  # a drawn number is rounded to this many, so that tables stay readable


def field_kind(name: str) -> type:
    """The type of a TrainingConfig field (tuple for layers), or ConfigError for no such field."""
    kinds = {f.name: type(f.default) for f in dataclasses.fields(TrainingConfig)}
    if name not in kinds:
        raise ConfigError(f"{name!r} is not a training option; known: {', '.join(kinds)}")
    return kinds[name]


@dataclass(frozen=True)
class Axis:
    """The values one training option takes in the sweep (``name`` is a TrainingConfig field)."""

    name: str
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        field_kind(self.name)
        if not self.values:
            raise ConfigError(f"{self.name}: give at least one value to try")
        if len(set(self.values)) != len(self.values):
            raise ConfigError(f"{self.name}: a value is listed twice")


@dataclass(frozen=True)
class Range:
    """Bounds of a numeric option for random search; ``log`` draws log(value) uniformly."""

    name: str
    low: float
    high: float
    log: bool

    def __post_init__(self) -> None:
        if field_kind(self.name) not in (int, float):
            raise ConfigError(f"{self.name}: only numeric options can be drawn from a range; "
                              "list the values to choose from instead")
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ConfigError(f"{self.name}: a range needs finite bounds LOW < HIGH, got "
                              f"{self.low:g} and {self.high:g}")
        if self.log and self.low <= 0:
            raise ConfigError(f"{self.name}: a range on a log scale needs LOW > 0, got "
                              f"{self.low:g}")

    def draw(self, rng: np.random.Generator) -> float | int:
        """One value: uniform in [low, high], or with log(value) uniform in [log low, log high];
        whole numbers for whole-number options, else rounded to 3 significant digits."""
        if self.log:
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        else:
            value = rng.uniform(self.low, self.high)
        if field_kind(self.name) is int:
            return min(max(round(value), math.ceil(self.low)), math.floor(self.high))
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def grid_points(axes: Sequence[Axis]) -> list[dict[str, Any]]:
    """Every combination of the axes' values, the first axis varying slowest."""
    check_distinct([axis.name for axis in axes])
    return [dict(zip([a.name for a in axes], values, strict=True))
            for values in itertools.product(*(axis.values for axis in axes))]


def random_points(ranges: Sequence[Range], choices: Sequence[Axis], count: int,
                  rng: np.random.Generator) -> list[dict[str, Any]]:
    """``count`` points: every range drawn (see :meth:`Range.draw`) and one value of every
    choice picked uniformly, in that order for each point."""
    check_distinct([r.name for r in ranges] + [c.name for c in choices])
    if count < 1:
        raise ConfigError(f"--random {count}: draw at least one point")
    if not ranges and not choices:
        raise ConfigError("random search needs something to draw: a range or values to try")
    points = []
    for _ in range(count):
        point: dict[str, Any] = {r.name: r.draw(rng) for r in ranges}
        point.update({c.name: c.values[int(rng.integers(len(c.values)))] for c in choices})
        points.append(point)
    return points


def check_distinct(names: Sequence[str]) -> None:
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ConfigError(f"{twice[0]} is swept twice; give each option once")
    if "seed" in names:
        raise ConfigError("the seed is not swept like an option: list the seeds with --seeds")


@dataclass(frozen=True)
class Trial:
    """One training run of a sweep: its name, the swept values (field -> value), its seed, and
    the whole configuration (the base with those values and the seed)."""

    name: str
    params: Mapping[str, Any]
    seed: int
    config: TrainingConfig


def make_trials(base: TrainingConfig, points: Sequence[Mapping[str, Any]],
                seeds: Sequence[int]) -> list[Trial]:
    """One trial per point and seed (the seeds varying fastest), named trial-001, ...;
    an impossible combination raises ConfigError naming its values."""
    if not seeds:
        raise ConfigError("--seeds: give at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ConfigError("--seeds: a seed is listed twice")
    combos = [(point, seed) for point in points for seed in seeds]
    width = max(3, len(str(len(combos))))
    trials = []
    for number, (point, seed) in enumerate(combos, start=1):
        try:
            config = base.replace(**point, seed=seed)
        except ConfigError as error:
            raise ConfigError(f"{describe(point)}: {error}") from None
        trials.append(Trial(f"trial-{number:0{width}d}", dict(point), seed, config))
    return trials


def format_value(value: Any) -> str:
    """A swept value as the command line writes it: 784,16,10 for layers, 0.1 for numbers."""
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def describe(point: Mapping[str, Any]) -> str:
    """``learning_rate=0.1 layers=784,16,10``."""
    return " ".join(f"{name}={format_value(value)}" for name, value in point.items())
