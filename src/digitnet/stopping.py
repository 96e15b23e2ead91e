"""The two ways training ends early, as small collaborators of the training loop.

* :class:`DivergenceGuard`: a cost that is not a finite number means the steps overshoot (the
  learning rate is too high); the parameters of the end of the last good epoch are put back.
* :class:`EarlyStopping`: when the validation accuracy has not improved for ``patience``
  epochs, the network has started to learn the training set by heart; the parameters of the
  best epoch are put back.
"""

from __future__ import annotations

from .activations import Array
from .history import EpochRecord, History, StopReason


class DivergenceGuard:
    """Remembers the parameters of the end of the last good epoch, to fall back on."""

    def __init__(self, parameters: list[Array]) -> None:
        self.parameters = parameters
        self.saved = [p.copy() for p in parameters]

    def remember(self) -> None:
        """The epoch ended well: its parameters are the new fallback."""
        for saved, p in zip(self.saved, self.parameters, strict=True):
            saved[...] = p

    def restore(self, history: History, epoch: int, batch: int, cost: float, eta: float
                ) -> History:
        """The cost stopped being a number: put the fallback back and say why."""
        for p, saved in zip(self.parameters, self.saved, strict=True):
            p[...] = saved
        return history.stop(StopReason.DIVERGED, (
            f"training diverged in epoch {epoch + 1}, mini-batch {batch + 1}: the cost "
            f"became {cost}; the learning rate {eta:g} is probably too high. The "
            f"parameters from the end of the last good epoch were kept."))


class EarlyStopping:
    """Stop after ``patience`` epochs without a better validation accuracy (0: never), keeping
    the parameters of the best epoch."""

    def __init__(self, patience: int, parameters: list[Array]) -> None:
        self.patience, self.parameters = patience, parameters
        self.best: tuple[float, int, list[Array]] | None = None  # accuracy, epoch, parameters

    def should_stop(self, record: EpochRecord) -> bool:
        """Note this epoch; True when ``patience`` epochs have passed since the best one."""
        accuracy = record.validation_accuracy
        if not self.patience or accuracy is None:
            return False
        if self.best is None or accuracy > self.best[0]:
            self.best = (accuracy, record.epoch, [p.copy() for p in self.parameters])
            return False
        return record.epoch - self.best[1] >= self.patience

    def restore_best(self) -> None:
        """Put the best epoch's parameters back (when there was one to watch)."""
        if self.best is not None:
            for p, saved in zip(self.parameters, self.best[2], strict=True):
                p[...] = saved

    def restore(self, history: History, epoch: int) -> History:
        assert self.best is not None
        self.restore_best()
        return history.stop(StopReason.EARLY_STOPPING, (
            f"early stopping after epoch {epoch}: no better validation accuracy for "
            f"{self.patience} epochs; kept epoch {self.best[1]} ({self.best[0]:.2%})"))
