"""What each trial of a sweep achieved, and the table of them all, best first.

A :class:`TrialRecord` is a trial's line in the results: its swept values and seed, how it
ended (``ok``; ``failed``: diverged or at chance level, saved as NAME.failed.npz; ``error``: it
could not run, e.g. a worker without the data), the final and best test accuracy, epochs,
seconds, why training stopped, and the diagnostics (saturated or dead neurons, steps too large,
...; see :mod:`digitnet.diagnostics`) in a few words. The table is written as CSV (for
spreadsheets and pandas) and Markdown (for reading and pasting), ordered by final test accuracy.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import InputError
from ..history import History
from ..runs import TrainedRun
from .space import Trial, format_value

STATUSES = ("ok", "failed", "error")
FIXED_COLUMNS = ("seed", "final test accuracy", "best test accuracy", "epochs", "seconds",
                 "stop reason", "status", "diagnostics", "model", "reason")


@dataclass(frozen=True)
class TrialRecord:
    """One trial's results (accuracies are fractions, None when never measured)."""

    name: str
    params: Mapping[str, Any]
    seed: int
    status: str
    reason: str = ""
    test_accuracy: float | None = None
    best_test_accuracy: float | None = None
    best_epoch: int | None = None
    epochs: int = 0
    seconds: float = 0.0
    stop_reason: str | None = None
    diagnostics: str = ""
    model: str | None = None  # the model file, relative to the sweep's folder
    worker: str = ""  # host and process that ran it

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["params"] = {k: list(v) if isinstance(v, tuple) else v
                            for k, v in self.params.items()}
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrialRecord:
        """The inverse of ``to_dict``; a malformed record raises InputError."""
        try:
            record = cls(**values)
        except TypeError as error:
            raise InputError(f"a trial record is malformed: {error}") from None
        if record.status not in STATUSES or not isinstance(record.params, Mapping):
            raise InputError(f"a trial record is malformed: status {record.status!r}")
        return record


def record_of(trial: Trial, run: TrainedRun, worker: str) -> TrialRecord:
    """The record of a trial that trained (whether it learned or failed)."""
    history = run.history
    best = history.best_epoch("test_accuracy")
    return TrialRecord(
        name=trial.name, params=dict(trial.params), seed=trial.seed,
        status="failed" if run.failure else "ok", reason=run.failure or "",
        test_accuracy=finite(run.test_accuracy),
        best_test_accuracy=finite(best.test_accuracy) if best else None,
        best_epoch=best.epoch if best else None, epochs=len(history.epochs),
        seconds=round(run.seconds, 3), stop_reason=history.stop_reason.value,
        diagnostics=diagnostics_summary(history), worker=worker)


def error_record(trial: Trial, reason: str, worker: str) -> TrialRecord:
    """The record of a trial that could not run at all."""
    return TrialRecord(name=trial.name, params=dict(trial.params), seed=trial.seed,
                       status="error", reason=reason, worker=worker)


def diagnostics_summary(history: History) -> str:
    """Every kind of problem the diagnostics found, with its layers and the epoch it first
    appeared: ``saturated layers 1,2,3 from epoch 1; steps layer 3 from epoch 1; chance from
    epoch 2``."""
    layers: dict[str, list[int]] = {}
    first: dict[str, int] = {}
    for record in history.epochs:
        for problem in record.diagnosis.problems if record.diagnosis else ():
            first.setdefault(problem.kind, record.epoch)
            found = layers.setdefault(problem.kind, [])
            if problem.layer is not None and problem.layer not in found:
                found.append(problem.layer)
    return "; ".join(
        kind + (f" layer{'s' if len(layers[kind]) > 1 else ''} "
                f"{','.join(map(str, sorted(layers[kind])))}" if layers[kind] else "")
        + f" from epoch {epoch}" for kind, epoch in first.items())


def finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def ordered(records: Sequence[TrialRecord]) -> list[TrialRecord]:
    """Best final test accuracy first; trials without one (errors) last, in plan order."""
    return sorted(records, key=lambda r: (r.test_accuracy is None, -(r.test_accuracy or 0.0),
                                          r.name))


def table(records: Sequence[TrialRecord], swept: Sequence[str],
          whole_reasons: bool = True) -> list[list[str]]:
    """The results table as text cells, header first, best trial next; a failed trial's reason
    in full, or (``whole_reasons`` False) only its first clause."""
    rows = [["trial", *swept, *FIXED_COLUMNS]]
    for r in ordered(records):
        reason = r.reason if whole_reasons else r.reason.split(";")[0].removesuffix(".")
        rows.append([r.name, *(format_value(r.params.get(name, "")) for name in swept),
                     str(r.seed), percent(r.test_accuracy), percent(r.best_test_accuracy),
                     str(r.epochs), f"{r.seconds:.1f}", r.stop_reason or "-", r.status,
                     r.diagnostics or "-", r.model or "-", reason or "-"])
    return rows


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def to_csv(rows: Sequence[Sequence[str]]) -> str:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(rows)
    return stream.getvalue()


def to_markdown(rows: Sequence[Sequence[str]]) -> str:
    """A GitHub Markdown table (``|`` inside a cell escaped)."""
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    header, *body = rows
    return "\n".join([line(header), line(["---"] * len(header)), *map(line, body)]) + "\n"
