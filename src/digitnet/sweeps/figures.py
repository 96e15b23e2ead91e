"""The sweep's figures: final test accuracy against each swept option, one line per seed.

A line joins the trials that differ only in the option on the x axis (same seed, same values of
the other swept options), so the spread between the lines of one colour is what the seed alone
changes. Failed trials (diverged, or at chance level) are marked with a red cross at the
accuracy they ended with; trials that could not run at all, with a grey cross at 0. Numbers
spanning decades (learning rates) are plotted on a log axis, names (activations, layer sizes) as
categories in the order they were given. Drawn with :mod:`digitnet.plots` (matplotlib without
pyplot, written atomically).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..plots import new_figure, save_figure
from .results import TrialRecord
from .space import describe, format_value

MAX_LABELS = 10  # more lines than this: only the seeds are named in the legend
MAX_TICKS = 12  # up to this many values tried: a tick at each


def figure_file(folder: Path, name: str) -> Path:
    return folder / f"accuracy-by-{name}.png"


def plot_sweep(records: Sequence[TrialRecord], name: str, swept: Sequence[str], log: bool,
               path: Path, recipe: str = "") -> Path:
    """Final test accuracy (%) against the swept option ``name``; ``recipe`` says in a few
    words what the trials share (it ends the title)."""
    figure = new_figure(7, 4.2)
    axis = figure.subplots()
    positions = x_positions(records, name)
    others = [other for other in swept if other != name]
    groups = line_groups(records, others)
    seeds = sorted({r.seed for r in records})
    colours = {seed: f"C{index % 10}" for index, seed in enumerate(seeds)}
    styles = ("-", "--", ":", "-.")
    named: set[int] = set()
    for index, ((seed, rest), members) in enumerate(groups.items()):
        members = sorted(members, key=lambda r: positions[key(r.params.get(name))])
        xs = [positions[key(r.params.get(name))] for r in members]
        ys = [100 * (r.test_accuracy or 0.0) for r in members]
        label = None
        if len(groups) <= MAX_LABELS:
            label = f"seed {seed}" + (f", {describe(dict(rest))}" if rest else "")
        elif seed not in named:
            label = f"seed {seed}"
            named.add(seed)
        axis.plot(xs, ys, styles[index // len(seeds) % len(styles)], color=colours[seed],
                  marker="o", markersize=4, label=label)
    mark_failures(axis, records, name, positions)
    axis.set(xlabel=name.replace("_", " "), ylabel="final test accuracy (%)",
             title=f"Test accuracy against {name.replace('_', ' ')}"
             + (f" ({recipe})" if recipe else ""), ylim=(-3, 103))
    numeric = all(isinstance(v, float | int) for v in positions)
    if numeric:
        axis.set_xscale("log" if log else "linear")
    if not numeric or len(positions) <= MAX_TICKS:  # a tick at every value tried
        axis.set_xticks(list(positions.values()), [format_value(v) for v in positions])
        axis.minorticks_off()
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    return save_figure(figure, path)


def key(value: Any) -> Any:
    """A hashable form of a swept value (layers come back from JSON as lists)."""
    return tuple(value) if isinstance(value, list) else value


def x_positions(records: Sequence[TrialRecord], name: str) -> dict[Any, float]:
    """Where each value of ``name`` goes on the x axis: itself for numbers, else 0, 1, 2, ...
    in the order first seen."""
    values = list(dict.fromkeys(key(r.params.get(name)) for r in records))
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return {v: float(v) for v in values}
    return {v: float(index) for index, v in enumerate(values)}


def line_groups(records: Sequence[TrialRecord], others: Sequence[str]
                ) -> dict[tuple[int, tuple[tuple[str, Any], ...]], list[TrialRecord]]:
    """The trials of each line: same seed, same values of the other swept options."""
    groups: dict[tuple[int, tuple[tuple[str, Any], ...]], list[TrialRecord]] = {}
    for record in records:
        rest = tuple((other, key(record.params.get(other))) for other in others)
        groups.setdefault((record.seed, rest), []).append(record)
    return dict(sorted(groups.items(), key=lambda item: (item[0][0], str(item[0][1]))))


def mark_failures(axis: Any, records: Sequence[TrialRecord], name: str,
                  positions: Mapping[Any, float]) -> None:
    """A red cross on each failed trial, a grey one at 0 for each that could not run."""
    for status, colour, label in (("failed", "red", "failed (diverged or at chance)"),
                                  ("error", "grey", "could not run")):
        chosen = [r for r in records if r.status == status]
        if chosen:
            axis.plot([positions[key(r.params.get(name))] for r in chosen],
                      [100 * (r.test_accuracy or 0.0) for r in chosen], "x", color=colour,
                      markersize=10, markeredgewidth=2, linestyle="none", label=label)
