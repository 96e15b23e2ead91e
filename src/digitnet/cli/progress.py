"""What ``digitnet train`` shows while it works: a progress bar per epoch, a line per epoch,
and a warning the first time the diagnostics find each problem (saturated or dead neurons, steps
too large, chance level; see digitnet.diagnostics), even with --quiet.

The training loop never prints; :class:`Display` is its callback. It also remembers a Ctrl-C
(SIGINT) or a SIGTERM and answers the loop's "stop now?" with it, so that training ends after
the current mini-batch and the model is still saved.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from ..extras import optional
from ..history import EpochRecord, Progress
from ..runs import signals_held_back


@dataclass
class Display:
    """The training callback: a progress bar per epoch, a line per epoch, Ctrl-C requests."""

    epochs: int
    quiet: bool
    stop_requested: bool = False
    stopped_by: int | None = None  # the signal that asked to stop
    bar: Any = None
    cost_sum: float = 0.0
    costs: int = 0
    warned: set[tuple[str, int | None]] = field(default_factory=set)

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """SIGINT and SIGTERM handler: the first asks for a clean stop, a second one aborts."""
        if self.stop_requested:
            raise KeyboardInterrupt(signum)
        self.stop_requested, self.stopped_by = True, signum

    def __call__(self, progress: Progress) -> bool:
        if progress.record is None:
            self.cost_sum += progress.batch_cost
            self.costs += 1
            if self.bar is None and not self.quiet:
                with signals_held_back():  # a Ctrl-C inside tqdm's __init__ leaves half a bar
                    self.bar = progress_bar(progress.num_batches,
                                            f"epoch {progress.epoch + 1}/{self.epochs}",
                                            "batch", initial=progress.batch)  # > 0 if resumed
            if self.bar is not None:
                self.bar.set_postfix_str(f"cost {self.cost_sum / self.costs:.4f}", refresh=False)
                self.bar.update(1)
        else:
            self.close_bar()
            self.cost_sum, self.costs = 0.0, 0
            if not self.quiet:
                print(epoch_line(progress.record, self.epochs), flush=True)
            self.warn(progress.record)
        return self.stop_requested

    def warn(self, record: EpochRecord) -> None:
        """Print each problem of the epoch's diagnosis the first time its kind appears."""
        for problem in record.diagnosis.problems if record.diagnosis else ():
            if (problem.kind, problem.layer) not in self.warned:
                self.warned.add((problem.kind, problem.layer))
                print(f"warning (epoch {record.epoch}): {problem.sentence}", flush=True)

    def close_bar(self) -> None:
        """Clear the bar's line; a second Ctrl-C waits until it is clear, so that the error it
        causes starts on a line of its own."""
        if self.bar is not None:
            with signals_held_back():
                self.bar.close()
            self.bar = None


def progress_bar(total: int | None, description: str, unit: str, initial: int = 0) -> Any:
    """A tqdm bar on stderr, or None when tqdm is not installed (the bar is a nicety)."""
    tqdm = optional("tqdm")
    if tqdm is None:
        return None
    return tqdm.tqdm(total=total, desc=description, unit=unit, file=sys.stderr, leave=False,
                     dynamic_ncols=True, unit_scale=unit == "B", initial=initial)


def epoch_line(record: EpochRecord, epochs: int) -> str:
    """``epoch  3/30  train cost 0.0512  validation 94.10%  test 93.95%  0.3 s``."""
    width = len(str(epochs))
    parts = [f"epoch {record.epoch:{width}d}/{epochs}", f"train cost {record.train_cost:.4f}"]
    if record.validation_accuracy is not None:
        parts.append(f"validation {record.validation_accuracy:.2%}")
    if record.test_accuracy is not None:
        parts.append(f"test {record.test_accuracy:.2%}")
    parts.append(f"{record.seconds:.1f} s")
    return "  ".join(parts)


def load_data(name: str, data_dir: Path | None, validation_size: int, quiet: bool) -> Any:
    """load_dataset with a download bar (when one is needed and tqdm is there)."""
    from ..data import load_dataset

    bars: dict[str, Any] = {}

    def progress(done: int, total: int | None) -> None:
        if quiet:
            return
        if "bar" not in bars:
            bars["bar"] = progress_bar(total, "downloading", "B")
        if bars["bar"] is not None:
            bars["bar"].update(done - bars["bar"].n)

    try:
        return load_dataset(name, data_dir=data_dir, validation_size=validation_size,
                            progress=progress)
    finally:
        if bars.get("bar") is not None:
            bars["bar"].close()
