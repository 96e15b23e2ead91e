"""Where a training run stands: everything besides the network that a run changes as it goes.

Training is deterministic: the same seed, data and configuration give the same weights, bit for
bit. To stop a run and continue it later with exactly the result of a run never stopped, the
network is not enough; the loop also needs

* the random generator (it shuffles every epoch and draws the dropout masks), mid-stream;
* the optimiser's memory: Momentum's and Nesterov's velocities, Adam's moments m, v and step t;
* the position: the epoch under way, how many of its mini-batches are done, and its shuffled
  order (drawn from the generator at the start of the epoch, so it cannot be drawn again);
* the costs of the epoch's mini-batches so far (their mean is the epoch's training cost), the
  history of the finished epochs, the weight norms at the start (the diagnostics measure growth
  from them), and the memory of the two collaborators that may end a run early: the parameters
  of the last good epoch (:class:`DivergenceGuard`) and of the best one (:class:`EarlyStopping`).

``train`` keeps a :class:`TrainingState` up to date after every mini-batch and epoch; a caller
that passes its own state in can save it from the callback (``digitnet.checkpoints`` does) and
pass a restored one in to continue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .config import TrainingConfig
from .diagnostics import weight_norms
from .errors import ConfigError
from .history import History, StopReason
from .network import Network
from .optimizers import Optimizer
from .stopping import DivergenceGuard, EarlyStopping


@dataclass
class TrainingState:
    """A run's state besides the network's parameters (see the module docstring).

    epoch     the epoch under way, from 0 (``config.epochs`` once every epoch has run)
    batch     how many of its mini-batches are done
    order     its shuffled order of the training examples (n,), None until it starts
    costs     the costs of its mini-batches (num_batches,), the first ``batch`` filled in
    """

    rng: np.random.Generator
    optimizer: Optimizer
    guard: DivergenceGuard
    early: EarlyStopping
    initial_norms: tuple[float, ...]
    history: History = field(default_factory=History)
    epoch: int = 0
    batch: int = 0
    order: NDArray[np.intp] | None = None
    costs: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))

    @classmethod
    def start(cls, network: Network, config: TrainingConfig,
              optimizer: Optimizer | None = None) -> TrainingState:
        """The state before the first mini-batch: a generator seeded with ``config.seed``, a
        fresh optimiser (or ``optimizer``, to carry an earlier one's memory on)."""
        parameters = network.parameters()
        return cls(rng=np.random.default_rng([config.seed, 1]),
                   optimizer=config.make_optimizer() if optimizer is None else optimizer,
                   guard=DivergenceGuard(parameters),
                   early=EarlyStopping(config.early_stopping, parameters),
                   initial_norms=weight_norms(network))

    def epoch_order(self, n: int) -> NDArray[np.intp]:
        """The shuffled order of the epoch under way: drawn at its start, kept when a run
        continues in the middle of it."""
        if self.order is None:
            self.order = self.rng.permutation(n)  # (n,)
        return self.order

    def next_epoch(self) -> None:
        """The epoch is over: the next one starts from its first mini-batch, newly shuffled."""
        self.epoch, self.batch, self.order = self.epoch + 1, 0, None

    @property
    def ended(self) -> bool:
        """True once the run has stopped for good (early stopping, divergence, every epoch run);
        a run stopped on request can go on."""
        return bool(self.history.message) and self.history.stop_reason != StopReason.INTERRUPTED

    def check(self, n: int, num_batches: int, config: TrainingConfig) -> None:
        """ConfigError unless this state can continue training on n examples under ``config``."""
        if self.ended:
            raise ConfigError(f"this run has already ended: {self.history.message}")
        if not 0 <= self.epoch <= config.epochs or not 0 <= self.batch <= num_batches:
            raise ConfigError(f"the training state's position (epoch {self.epoch + 1}, "
                              f"mini-batch {self.batch}) is outside the run's {config.epochs} "
                              f"epochs of {num_batches} mini-batches")
        if self.order is not None and self.order.shape != (n,):
            raise ConfigError(f"the training state's shuffled order has {self.order.size} "
                              f"examples, the training set {n}")
