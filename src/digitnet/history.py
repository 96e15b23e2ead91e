"""The record of a training run: one ``EpochRecord`` per epoch, and why the run stopped."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .diagnostics import Diagnosis


class StopReason(str, enum.Enum):
    """Why training ended."""

    COMPLETED = "completed"
    EARLY_STOPPING = "early_stopping"
    DIVERGED = "diverged"
    INTERRUPTED = "interrupted"


@dataclass
class EpochRecord:
    """What one epoch achieved. Costs are means over the set; accuracies are fractions."""

    epoch: int
    learning_rate: float
    train_cost: float
    seconds: float
    validation_cost: float | None = None
    validation_accuracy: float | None = None
    test_cost: float | None = None
    test_accuracy: float | None = None
    diagnosis: Diagnosis | None = None  # saturated/dead neurons, gradients, problems in words


@dataclass
class History:
    """The record of a training run.

    ``message`` says in one line why it stopped; ``batch_costs[e]`` holds the cost of every
    mini-batch of epoch e.
    """

    epochs: list[EpochRecord] = field(default_factory=list)
    batch_costs: list[NDArray[np.float64]] = field(default_factory=list)
    stop_reason: StopReason = StopReason.COMPLETED
    message: str = ""

    def best_epoch(self, key: str = "test_accuracy") -> EpochRecord | None:
        """The epoch with the highest value of ``key`` (None if never measured)."""
        scored = [e for e in self.epochs if getattr(e, key) is not None]
        return max(scored, key=lambda e: getattr(e, key)) if scored else None

    def stop(self, reason: StopReason, message: str) -> History:
        self.stop_reason, self.message = reason, message
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (per-epoch records; per-batch costs are left out)."""
        return {"epochs": [asdict(e) for e in self.epochs], "stop_reason": self.stop_reason.value,
                "message": self.message}


@dataclass(frozen=True)
class Progress:
    """What the callback is told: after every mini-batch (``record`` None) and every epoch."""

    epoch: int
    batch: int
    num_batches: int
    batch_cost: float
    record: EpochRecord | None = None
