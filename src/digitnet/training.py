"""Training: stochastic gradient descent on shuffled mini-batches.

One epoch: shuffle the training examples, cut them into mini-batches of m, and for each
mini-batch compute the gradient by backpropagation and let the optimiser take a step. After each
epoch, measure the network on the validation and test sets. That is all of :func:`train`; its
:class:`Bookkeeping` records costs and history, and two small collaborators watch for trouble:

* :class:`DivergenceGuard`: a cost that is not a finite number stops training, restores the
  parameters of the end of the last good epoch and says which learning rate did it;
* :class:`EarlyStopping`: no better validation accuracy for ``early_stopping`` epochs stops
  training and restores the best parameters seen.

The loop never prints: it returns a ``History`` and reports through an optional callback, which
may also ask it to stop (for Ctrl-C). Everything it changes besides the network is kept in a
:class:`~digitnet.training_state.TrainingState`: pass one in (``state=``) to save it from the
callback, or to continue a stopped run exactly where it stood.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .activations import Array
from .config import TrainingConfig
from .descent import gradient_step
from .diagnostics import SAMPLE_SIZE, diagnose
from .errors import ConfigError, InputError
from .history import EpochRecord, History, Progress, StopReason
from .metrics import Evaluation, evaluate
from .network import Network
from .optimizers import Optimizer
from .targets import one_hot, smoothed
from .training_state import TrainingState

# Training rows copied at once when shuffling (about 3 MB of MNIST images).
GATHER_ROWS = 1024


# The callback (see Progress) returns True to ask training to stop after the current mini-batch.
Callback = Callable[[Progress], bool | None]


@dataclass(frozen=True)
class LabelledSet:
    """Inputs X (m, n_in) and integer labels (m,)."""

    X: Array
    labels: NDArray[np.integer]


def train(
    network: Network,
    x_train: Array,
    y_train: NDArray[np.integer],
    config: TrainingConfig,
    validation: tuple[Array, NDArray[np.integer]] | None = None,
    test: tuple[Array, NDArray[np.integer]] | None = None,
    callback: Callback | None = None,
    optimizer: Optimizer | None = None,
    state: TrainingState | None = None,
) -> History:
    """Train ``network`` in place on x_train (n, n_in) with integer labels y_train (n,).

    ``validation`` and ``test`` are optional (X, labels) pairs measured after every epoch. The
    shuffling, augmentation and dropout draw from a generator seeded with ``config.seed``, so
    the same seed, data and configuration give the same result (augmentation draws for each
    mini-batch, so a run continued mid-epoch draws the same distortions). ``optimizer`` continues an
    earlier run with its state (velocities, Adam's moments); by default a fresh one is made from
    ``config``. ``state`` (see TrainingState; it holds its own optimiser) is kept up to date as
    the run goes; one restored from a stopped run (with its network) continues it where it
    stood.
    """
    X = checked_set(network, x_train, y_train, "training")
    Y = smoothed(one_hot(y_train, network.sizes[-1], network.dtype),  # (n, n_out)
                 config.label_smoothing)
    val, tst = checked_pair(network, validation, "validation"), checked_pair(network, test, "test")
    check_fit(config, X, val)
    state = TrainingState.start(network, config, optimizer) if state is None else state
    parameters = network.parameters()
    run = Bookkeeping(network, config, state, callback, (X, Y))
    augmentation = config.augmentation()
    # A diverging run overflows on purpose; it is reported once, in history.message.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(state.epoch, config.epochs):
            # The epoch's learning rate, and whether its images are distorted (see distorts).
            eta, distort = config.learning_rate_at(epoch), config.distorts(epoch)
            order = state.epoch_order(X.shape[0])  # shuffle
            for X_batch, Y_batch in mini_batches(X, Y, config.mini_batch_size, order,
                                                 start=state.batch):
                if distort:  # new distortions for every mini-batch, as dropout
                    X_batch = augmentation(X_batch, state.rng)  # (m, n_in)
                cost = gradient_step(network, state.optimizer, X_batch, Y_batch, eta, config,
                                     state.rng, parameters)  # backpropagation, one step downhill
                if run.batch_done(epoch, cost, eta):  # diverged, or asked to stop
                    return run.history
            if run.epoch_done(measure(network, epoch, eta, run, val, tst)):  # evaluate
                return run.history
    return run.completed()


def mini_batches(X: Array, Y: Array, size: int, order: NDArray[np.intp], start: int = 0
                 ) -> Iterator[tuple[Array, Array]]:
    """The examples in the shuffled ``order``, cut into mini-batches of ``size`` rows, from
    mini-batch number ``start`` on (0: the whole epoch; more to continue a stopped one).

    The plain formula: for k = start size, (start + 1) size, ...:  rows = order[k:k + size];
    yield X[rows], Y[rows] (the last mini-batch may be smaller). For speed, the shuffled rows are
    gathered a block of mini-batches at a time: one big gather keeps many memory reads in
    flight, where one small gather per mini-batch waits for each; every mini-batch is then a
    view of a block.
    """
    per_block = max(1, GATHER_ROWS // size) * size
    for first in range(start * size, order.shape[0], per_block):
        rows = order[first:first + per_block]
        X_block, Y_block = X.take(rows, axis=0), Y.take(rows, axis=0)  # (<= per_block, n)
        for k in range(0, rows.shape[0], size):
            yield X_block[k:k + size], Y_block[k:k + size]


def measure(network: Network, epoch: int, eta: float, run: Bookkeeping,
            validation: LabelledSet | None, test: LabelledSet | None) -> EpochRecord:
    """The record of an epoch: its mean mini-batch cost, validation and test results, and the
    diagnosis of the network's health (see digitnet.diagnostics)."""
    state = run.state
    record = EpochRecord(epoch + 1, eta, float(state.costs.mean()), 0.0)
    fill(record, "validation", validation, network)
    fill(record, "test", test, network)
    measured = validation if validation is not None else test
    accuracy = getattr(record, "validation_accuracy" if validation else "test_accuracy")
    X, Y = run.sample
    record.diagnosis = diagnose(network, X, Y, run.config, state.optimizer, eta,
                                state.initial_norms,
                                (accuracy, measured.labels) if measured else None)
    record.seconds = time.perf_counter() - run.started
    return record


class Bookkeeping:
    """What the loop keeps track of besides learning: the costs of the epoch's mini-batches,
    the history, the callback, and the two collaborators that may end a run early. What must
    outlive the run (to continue it) lives in ``state``."""

    def __init__(self, network: Network, config: TrainingConfig, state: TrainingState,
                 callback: Callback | None, training: tuple[Array, Array]) -> None:
        self.config, self.state, self.callback = config, state, callback
        self.num_batches = math.ceil(training[0].shape[0] / config.mini_batch_size)
        state.check(training[0].shape[0], self.num_batches, config)
        self.sample = (training[0][:SAMPLE_SIZE], training[1][:SAMPLE_SIZE])  # to diagnose
        self.history = state.history
        del self.history.batch_costs[state.epoch:]  # a stopped epoch's share is in state.costs
        self.started = time.perf_counter()

    def batch_done(self, epoch: int, cost: float, eta: float) -> bool:
        """Record a mini-batch's cost; True when training must stop (diverged or asked to)."""
        state = self.state
        if state.batch == 0:
            state.costs, self.started = np.empty(self.num_batches), time.perf_counter()
        state.costs[state.batch] = cost
        state.batch += 1
        if not math.isfinite(cost):
            self.history.batch_costs.append(state.costs[:state.batch])
            state.guard.restore(self.history, epoch, state.batch - 1, cost, eta)
            return True
        if self.callback and self.callback(Progress(epoch, state.batch - 1, self.num_batches,
                                                    cost)):
            self.history.batch_costs.append(state.costs[:state.batch])
            self.history.stop(StopReason.INTERRUPTED, f"stopped on request in epoch {epoch + 1}")
            return True
        return False

    def epoch_done(self, record: EpochRecord) -> bool:
        """Record an epoch; True when training must stop (early stopping, or asked to).

        The state is complete before the callback hears of the epoch, so that it can be saved
        there: the next epoch is set up, and early stopping has had its say.
        """
        state = self.state
        self.history.epochs.append(record)
        self.history.batch_costs.append(state.costs)
        state.next_epoch()
        state.guard.remember()
        stop_early = state.early.should_stop(record)
        if stop_early:
            state.early.restore(self.history, record.epoch)
        progress = Progress(record.epoch - 1, self.num_batches - 1, self.num_batches,
                            float(state.costs[-1]), record)
        if self.callback and self.callback(progress) and not stop_early:
            self.history.stop(StopReason.INTERRUPTED,
                              f"stopped on request after epoch {record.epoch}")
            return True
        return stop_early

    def completed(self) -> History:
        """Every epoch ran: keep the best parameters if early stopping watched."""
        self.state.early.restore_best()
        return self.history.stop(StopReason.COMPLETED, f"completed {self.config.epochs} epochs")


def fill(record: EpochRecord, name: str, data: LabelledSet | None, network: Network) -> None:
    """Store cost and accuracy on ``data`` into ``record``'s ``name``_cost/_accuracy fields."""
    if data is None:
        return
    result: Evaluation = evaluate(network, data.X, data.labels)
    setattr(record, f"{name}_cost", result.cost)
    setattr(record, f"{name}_accuracy", result.accuracy)


def checked_set(network: Network, X: Array, labels: NDArray[np.integer], name: str) -> Array:
    """X as the network's dtype, with labels that match it; InputError otherwise."""
    X = np.asarray(X)
    labels = np.asarray(labels)
    if X.ndim != 2 or X.shape[1] != network.sizes[0]:
        raise InputError(f"{name} inputs have shape {X.shape}, expected (m, {network.sizes[0]})")
    if labels.shape != (X.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise InputError(
            f"{name} labels must be {X.shape[0]} whole numbers, got shape {labels.shape} "
            f"of {labels.dtype}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= network.sizes[-1]):
        raise InputError(f"{name} labels must lie in 0..{network.sizes[-1] - 1}")
    if X.shape[0] == 0:
        raise InputError(f"the {name} set is empty")
    X = X.astype(network.dtype, copy=False)
    if not all_finite(X):
        raise InputError(f"{name} inputs contain NaN or infinite values")
    return X


def all_finite(X: Array, chunk: int = 4096) -> bool:
    """np.isfinite(X).all(), a block of rows at a time: no boolean copy of the whole set."""
    return all(bool(np.isfinite(X[i:i + chunk]).all()) for i in range(0, X.shape[0], chunk))


def check_fit(config: TrainingConfig, X: Array, validation: LabelledSet | None) -> None:
    """A clear error for options the data cannot serve: early stopping without a validation
    set, adversarial training (which keeps pixels in [0, 1]) on inputs outside [0, 1]."""
    if config.early_stopping and validation is None:
        raise ConfigError("early stopping needs a validation set (set validation_size)")
    if config.adversarial and (X.min() < 0 or X.max() > 1):
        raise InputError("adversarial training keeps pixels in [0, 1], but the training inputs "
                         f"range over [{X.min():g}, {X.max():g}]")


def checked_pair(
    network: Network, pair: tuple[Array, NDArray[np.integer]] | None, name: str
) -> LabelledSet | None:
    if pair is None or np.asarray(pair[1]).size == 0:
        return None
    return LabelledSet(checked_set(network, pair[0], pair[1], name), np.asarray(pair[1]))
