"""Training: stochastic gradient descent on shuffled mini-batches.

One epoch: shuffle the training examples, cut them into mini-batches of m, and for each
mini-batch compute the gradient by backpropagation and let the optimiser take a step. After each
epoch, measure the network on the validation and test sets. That is all of :func:`train`; two
small collaborators watch for trouble:

* :class:`DivergenceGuard`: a cost that is not a finite number stops training, restores the
  parameters of the end of the last good epoch and says which learning rate did it;
* :class:`EarlyStopping`: no better validation accuracy for ``early_stopping`` epochs stops
  training and restores the best parameters seen.

The loop never prints: it returns a ``History`` and reports through an optional callback, which
may also ask it to stop (for Ctrl-C).
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
from .errors import ConfigError, InputError
from .history import EpochRecord, History, Progress, StopReason
from .metrics import Evaluation, evaluate, one_hot
from .network import Network
from .optimizers import Optimizer
from .stopping import DivergenceGuard, EarlyStopping

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
) -> History:
    """Train ``network`` in place on x_train (n, n_in) with integer labels y_train (n,).

    ``validation`` and ``test`` are optional (X, labels) pairs measured after every epoch.
    The shuffling and dropout draw from a generator seeded with ``config.seed``, so the same
    seed, data and configuration give the same result. ``optimizer`` continues an earlier run
    with its state (velocities, Adam's moments); by default a fresh one is made from ``config``.
    """
    X = checked_set(network, x_train, y_train, "training")
    Y = one_hot(y_train, network.sizes[-1], network.dtype)  # (n, n_out)
    val, tst = checked_pair(network, validation, "validation"), checked_pair(network, test, "test")
    if config.early_stopping and val is None:
        raise ConfigError("early stopping needs a validation set (set validation_size)")
    rng = np.random.default_rng([config.seed, 1])
    optimizer = config.make_optimizer() if optimizer is None else optimizer
    parameters, history = network.parameters(), History()
    guard, early = DivergenceGuard(parameters), EarlyStopping(config.early_stopping, parameters)
    num_batches = math.ceil(X.shape[0] / config.mini_batch_size)
    # A diverging run overflows on purpose; it is reported once, in history.message.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(config.epochs):
            started, eta = time.perf_counter(), config.learning_rate_at(epoch)
            order = rng.permutation(X.shape[0])  # shuffle
            costs = np.empty(num_batches)
            for batch, (X_batch, Y_batch) in enumerate(
                    mini_batches(X, Y, config.mini_batch_size, order)):
                costs[batch] = gradient_step(network, optimizer, X_batch, Y_batch, eta, config,
                                             rng, parameters)
                if not math.isfinite(costs[batch]):
                    history.batch_costs.append(costs[:batch + 1])
                    return guard.restore(history, epoch, batch, costs[batch], eta)
                if callback and callback(Progress(epoch, batch, num_batches, costs[batch])):
                    history.batch_costs.append(costs[:batch + 1])
                    return history.stop(StopReason.INTERRUPTED,
                                        f"stopped on request in epoch {epoch + 1}")
            record = measure(network, epoch, eta, costs, val, tst, started)
            history.epochs.append(record)
            history.batch_costs.append(costs)
            guard.remember()
            if callback and callback(Progress(epoch, num_batches - 1, num_batches,
                                              costs[-1], record)):
                return history.stop(StopReason.INTERRUPTED,
                                    f"stopped on request after epoch {record.epoch}")
            if early.should_stop(record):
                return early.restore(history, record.epoch)
    early.restore_best()
    return history.stop(StopReason.COMPLETED, f"completed {config.epochs} epochs")


def mini_batches(X: Array, Y: Array, size: int, order: NDArray[np.intp]
                 ) -> Iterator[tuple[Array, Array]]:
    """The examples in the shuffled ``order``, cut into mini-batches of ``size`` rows.

    The plain formula: for k = 0, size, 2 size, ...:  rows = order[k:k + size];  yield X[rows],
    Y[rows] (the last mini-batch may be smaller). For speed, the shuffled rows are gathered a
    block of mini-batches at a time: one big gather keeps many memory reads in flight, where
    one small gather per mini-batch waits for each; every mini-batch is then a view of a block.
    """
    per_block = max(1, GATHER_ROWS // size) * size
    for start in range(0, order.shape[0], per_block):
        rows = order[start:start + per_block]
        X_block, Y_block = X.take(rows, axis=0), Y.take(rows, axis=0)  # (<= per_block, n)
        for k in range(0, rows.shape[0], size):
            yield X_block[k:k + size], Y_block[k:k + size]


def gradient_step(
    network: Network,
    optimizer: Optimizer,
    X: Array,
    Y: Array,
    eta: float,
    config: TrainingConfig,
    rng: np.random.Generator,
    parameters: list[Array] | None = None,
) -> float:
    """One step of gradient descent on the mini-batch X (m, n_in), Y (m, n_out); its cost.

    ``parameters`` is ``network.parameters()``, passed in by ``train`` so that it is built
    once, not per step.
    """
    forward = network.forward(X, config.dropout, rng)  # z and a of every layer
    cost = network.cost.value(forward.output, Y)
    gradient = network.backward(forward, network.output_error(forward, Y))  # BP1-BP4
    if config.weight_decay:
        gradient = gradient.with_weight_decay(config.weight_decay, network.weights)
    optimizer.step(network.parameters() if parameters is None else parameters, gradient, eta)
    return cost


def measure(network: Network, epoch: int, eta: float, costs: NDArray[np.float64],
            validation: LabelledSet | None, test: LabelledSet | None, started: float
            ) -> EpochRecord:
    """The record of an epoch: its mean mini-batch cost, then validation and test results."""
    record = EpochRecord(epoch + 1, eta, float(costs.mean()), 0.0)
    fill(record, "validation", validation, network)
    fill(record, "test", test, network)
    record.seconds = time.perf_counter() - started
    return record


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


def checked_pair(
    network: Network, pair: tuple[Array, NDArray[np.integer]] | None, name: str
) -> LabelledSet | None:
    if pair is None or np.asarray(pair[1]).size == 0:
        return None
    return LabelledSet(checked_set(network, pair[0], pair[1], name), np.asarray(pair[1]))
