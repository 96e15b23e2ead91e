"""The sweep's results as files: the table (CSV and Markdown) and a figure per swept option."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .folder import SweepFolder, write_text
from .plan import SweepPlan
from .results import TrialRecord, table, to_csv, to_markdown


@dataclass(frozen=True)
class Report:
    """What was written: the Markdown table, the files, and a note when figures could not be."""

    markdown: str
    files: tuple[Path, ...]
    note: str = ""


def write_report(folder: SweepFolder, plan: SweepPlan,
                 records: Sequence[TrialRecord]) -> Report:
    """Write results.csv, results.md and accuracy-by-NAME.png for the finished trials."""
    markdown = to_markdown(table(records, plan.swept, whole_reasons=False))
    files = [write_text(folder.path / "results.csv", to_csv(table(records, plan.swept))),
             write_text(folder.path / "results.md", markdown)]
    if not records:
        return Report(markdown, tuple(files))
    if importlib.util.find_spec("matplotlib") is None:
        return Report(markdown, tuple(files), "the figures need matplotlib, which is not "
                      "installed: pip install 'digitnet[plots]'")
    from .figures import figure_file, plot_sweep

    for name in plan.swept:
        files.append(plot_sweep(records, name, plan.swept, name in plan.log_axes,
                                figure_file(folder.path, name), recipe(plan)))
    return Report(markdown, tuple(files))


def recipe(plan: SweepPlan) -> str:
    """What every trial shares, in a few words: ``3b1b, 5 epochs``."""
    first = plan.trials[0].config
    words = [plan.preset or "own recipe"]
    if "epochs" not in plan.swept:
        words.append(f"{first.epochs} epoch{'s' if first.epochs > 1 else ''}")
    return ", ".join(words)
