"""What ``digitnet train`` shows while it works: a progress bar per epoch, a line per epoch.

The training loop never prints; :class:`Display` is its callback. It also remembers a Ctrl-C
(SIGINT) and answers the loop's "stop now?" with it, so that training ends after the current
mini-batch and the model is still saved.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from ..extras import optional
from ..history import EpochRecord, Progress


@dataclass
class Display:
    """The training callback: a progress bar per epoch, a line per epoch, Ctrl-C requests."""

    epochs: int
    quiet: bool
    stop_requested: bool = False
    bar: Any = None
    cost_sum: float = 0.0
    costs: int = 0

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """SIGINT handler: the first Ctrl-C asks for a clean stop, a second one aborts."""
        if self.stop_requested:
            raise KeyboardInterrupt
        self.stop_requested = True

    def __call__(self, progress: Progress) -> bool:
        if progress.record is None:
            self.cost_sum += progress.batch_cost
            self.costs += 1
            if self.bar is None and not self.quiet:
                self.bar = progress_bar(progress.num_batches,
                                        f"epoch {progress.epoch + 1}/{self.epochs}", "batch")
            if self.bar is not None:
                self.bar.set_postfix_str(f"cost {self.cost_sum / self.costs:.4f}", refresh=False)
                self.bar.update(1)
        else:
            self.close_bar()
            self.cost_sum, self.costs = 0.0, 0
            if not self.quiet:
                print(epoch_line(progress.record, self.epochs), flush=True)
        return self.stop_requested

    def close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def progress_bar(total: int | None, description: str, unit: str) -> Any:
    """A tqdm bar on stderr, or None when tqdm is not installed (the bar is a nicety)."""
    tqdm = optional("tqdm")
    if tqdm is None:
        return None
    return tqdm.tqdm(total=total, desc=description, unit=unit, file=sys.stderr, leave=False,
                dynamic_ncols=True, unit_scale=unit == "B")


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
