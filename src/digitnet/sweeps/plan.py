"""The plan of a sweep: the data, what is swept, and every trial's configuration.

:func:`make_plan` expands the options into trials (a grid, or points drawn at random; see
:mod:`.space`); the plan is saved as the sweep folder's ``sweep.json`` before anything runs, so
that ``--resume`` and ``--show`` need nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import TrainingConfig
from ..errors import ConfigError, DigitnetError, InputError
from .space import LOG_SCALED, Axis, Range, Trial, grid_points, make_trials, random_points
from .trial import TrialTask

FORMAT = "digitnet-sweep"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class SweepPlan:
    """Everything needed to run (or resume) a sweep: where the data is, what is swept (in the
    order given; ``log_axes``: those best seen on a log scale), and every trial."""

    preset: str | None
    dataset: str
    data_dir: str | None
    data_name: str
    swept: tuple[str, ...]
    log_axes: tuple[str, ...]
    trials: tuple[Trial, ...]

    def task(self, trial: Trial) -> TrialTask:
        return TrialTask(trial, self.preset, self.dataset, self.data_dir, self.data_name)

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "preset": self.preset,
                "dataset": self.dataset, "data_dir": self.data_dir,
                "data_name": self.data_name, "swept": list(self.swept),
                "log_axes": list(self.log_axes),
                "trials": [{"name": t.name, "params": plain(t.params), "seed": t.seed,
                            "config": t.config.to_dict()} for t in self.trials]}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> SweepPlan:
        """The inverse of ``to_dict``; anything malformed raises InputError."""
        if values.get("format") != FORMAT or values.get("format_version") != FORMAT_VERSION:
            raise InputError(f"not a {FORMAT} plan of version {FORMAT_VERSION}")
        try:
            trials = tuple(Trial(t["name"], dict(t["params"]), int(t["seed"]),
                                 TrainingConfig.from_dict(t["config"]))
                           for t in values["trials"])
            return cls(values["preset"], str(values["dataset"]), values["data_dir"],
                       str(values["data_name"]), tuple(values["swept"]),
                       tuple(values["log_axes"]), trials)
        except (KeyError, TypeError, ValueError, DigitnetError) as error:
            raise InputError(f"the plan is malformed: {error}") from None


def plain(params: Mapping[str, Any]) -> dict[str, Any]:
    """Swept values as JSON values (layers as a list)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


@dataclass(frozen=True)
class DataChoice:
    """The data of every trial: the name asked for, the folder, the dataset found there."""

    requested: str
    data_dir: str | None
    name: str


def make_plan(base: TrainingConfig, preset: str | None, data: DataChoice, axes: Sequence[Axis],
              seeds: Sequence[int], ranges: Sequence[Range] = (), count: int | None = None,
              draw_seed: int = 0) -> SweepPlan:
    """The trials of a grid (``count`` None: every combination of the axes) or of a random
    search (``count`` points drawn from the ranges and the axes, with ``draw_seed``), each
    with every seed."""
    if count is None:
        if ranges:
            raise ConfigError("--range draws values at random: add --random N, the number of "
                              "points to draw")
        if not axes and len(seeds) < 2:
            raise ConfigError("nothing to sweep: give --grid NAME=VALUES, --random N with "
                              "--range NAME=LOW:HIGH, or several --seeds")
        points = grid_points(axes)
        swept = [axis.name for axis in axes]
    else:
        points = random_points(ranges, axes, count, np.random.default_rng(draw_seed))
        swept = [r.name for r in ranges] + [axis.name for axis in axes]
    log_axes = [r.name for r in ranges if r.log] + [
        a.name for a in axes if a.name in LOG_SCALED and len(a.values) > 1
        and all(isinstance(v, float | int) and v > 0 for v in a.values)]
    trials = make_trials(base, points, seeds)
    return SweepPlan(preset, data.requested, data.data_dir, data.name, tuple(swept),
                     tuple(log_axes), tuple(trials))
