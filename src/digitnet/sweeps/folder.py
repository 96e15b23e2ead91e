"""A sweep's folder: the plan, every trial's model file and record, the results.

::

    OUT/sweep.json                 the plan: the data, what is swept, every trial's configuration
    OUT/trials/trial-001.npz       a trial's model file with its card (as ``digitnet train``
                                   writes; trial-001.failed.npz for a failed run)
    OUT/trials/trial-001.json      its record, written last: a trial is finished when it exists
    OUT/results.csv, results.md    the table, best first
    OUT/accuracy-by-NAME.png       a figure per swept option

Every file is written atomically (a temporary file, then a rename), so a sweep stopped at any
moment (Ctrl-C, a lost worker, a power cut) leaves only whole files; resuming runs the trials
that have no record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, DigitnetError, InputError
from ..model_io import write_file_atomically
from ..runs import save_run, signals_held_back
from .plan import SweepPlan
from .results import TrialRecord
from .space import Trial
from .trial import TrialOutcome

PLAN = "sweep.json"


@dataclass(frozen=True)
class SweepFolder:
    """The files of one sweep, under ``path``."""

    path: Path

    @property
    def plan_file(self) -> Path:
        return self.path / PLAN

    def model_file(self, name: str) -> Path:
        return self.path / "trials" / f"{name}.npz"

    def record_file(self, name: str) -> Path:
        return self.path / "trials" / f"{name}.json"

    def check_free(self) -> None:
        """ConfigError unless a new sweep can start here (a folder holding one is refused)."""
        if self.path.exists() and not self.path.is_dir():
            raise ConfigError(f"--out {self.path}: is a file; give a folder for the sweep")
        if self.plan_file.exists():
            raise ConfigError(f"--out {self.path}: holds a sweep already; finish it with "
                              f"--resume, or give another folder")

    def start(self, plan: SweepPlan) -> None:
        """Write the plan of a new sweep (after :meth:`check_free`)."""
        self.check_free()
        write_text(self.plan_file, json.dumps(plan.to_dict(), indent=1) + "\n")

    def plan(self) -> SweepPlan:
        """The plan of the sweep in this folder (InputError naming the file when it is not)."""
        if not self.plan_file.is_file():
            raise InputError(f"{self.path}: no sweep here (no {PLAN})")
        try:
            return SweepPlan.from_dict(json.loads(self.plan_file.read_text()))
        except (ValueError, DigitnetError) as error:
            raise InputError(f"{self.plan_file}: {error}") from None

    def records(self, plan: SweepPlan) -> dict[str, TrialRecord]:
        """The records of the finished trials, by trial name."""
        found = {}
        for trial in plan.trials:
            file = self.record_file(trial.name)
            if file.is_file():
                try:
                    found[trial.name] = TrialRecord.from_dict(json.loads(file.read_text()))
                except (ValueError, DigitnetError) as error:
                    raise InputError(f"{file}: {error}") from None
        return found

    def save(self, outcome: TrialOutcome) -> TrialRecord:
        """Save a trial's model file (if it trained), then its record; returns the record."""
        record = outcome.record
        if outcome.run is not None:
            saved = save_run(outcome.run, self.model_file(record.name))
            record = TrialRecord.from_dict({**record.to_dict(),
                                            "model": str(saved.relative_to(self.path))})
        with signals_held_back():
            write_text(self.record_file(record.name),
                       json.dumps(record.to_dict(), indent=1) + "\n")
        return record


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (a temporary file, then a rename)."""
    write_file_atomically(path, lambda stream: stream.write(text.encode()))
    return path


def pending(plan: SweepPlan, records: Mapping[str, TrialRecord]) -> Sequence[Trial]:
    """The trials of the plan that have no record yet, in plan order."""
    return [trial for trial in plan.trials if trial.name not in records]
