"""Training: stochastic gradient descent on shuffled mini-batches.

One epoch: shuffle the training examples, cut them into mini-batches of m, and for each
mini-batch compute the gradient by backpropagation and let the optimiser take a step. After each
epoch, measure the network on the validation and test sets.

The loop never prints: it returns a ``History`` and reports through an optional callback, which
may also ask it to stop (for Ctrl-C). It also watches for trouble:

* divergence: a cost that is not a finite number stops training, restores the parameters of the
  end of the last good epoch and says which learning rate did it;
* early stopping: no better validation accuracy for ``early_stopping`` epochs stops training and
  restores the best parameters seen.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import Array
from .config import TrainingConfig
from .errors import ConfigError, InputError
from .metrics import Evaluation, evaluate, one_hot
from .network import Network
from .optimizers import SGD

# Training rows copied at once when shuffling (about 3 MB of MNIST images).
GATHER_ROWS = 1024


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


@dataclass
class History:
    """The record of a training run.

    ``stop_reason`` is one of "completed", "early_stopping", "diverged", "interrupted";
    ``message`` says what happened in one line. ``batch_costs[e]`` holds the cost of every
    mini-batch of epoch e.
    """

    epochs: list[EpochRecord] = field(default_factory=list)
    batch_costs: list[NDArray[np.float64]] = field(default_factory=list)
    stop_reason: str = "completed"
    message: str = ""

    def best_epoch(self, key: str = "test_accuracy") -> EpochRecord | None:
        """The epoch with the highest value of ``key`` (None if never measured)."""
        scored = [e for e in self.epochs if getattr(e, key) is not None]
        return max(scored, key=lambda e: getattr(e, key)) if scored else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (per-epoch records; per-batch costs are left out)."""
        return {"epochs": [asdict(e) for e in self.epochs], "stop_reason": self.stop_reason,
                "message": self.message}


@dataclass(frozen=True)
class Progress:
    """What the callback is told: after every mini-batch (``record`` None) and every epoch."""

    epoch: int
    batch: int
    num_batches: int
    batch_cost: float
    record: EpochRecord | None = None


# The callback returns True to ask training to stop after the current mini-batch.
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
) -> History:
    """Train ``network`` in place on x_train (n, n_in) with integer labels y_train (n,).

    ``validation`` and ``test`` are optional (X, labels) pairs measured after every epoch.
    The shuffling and dropout draw from a generator seeded with ``config.seed``, so the same
    seed, data and configuration give the same result.
    """
    X = checked_set(network, x_train, y_train, "training")
    Y = one_hot(y_train, network.sizes[-1], network.dtype)  # (n, n_out)
    val = checked_pair(network, validation, "validation")
    tst = checked_pair(network, test, "test")
    if config.early_stopping and val is None:
        raise ConfigError("early stopping needs a validation set (set validation_size)")
    run = TrainingRun(network, config, callback)
    # A diverging run overflows on purpose; it is reported once, in history.message.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(config.epochs):
            started = time.perf_counter()
            costs = run.epoch(epoch, X, Y)
            if costs is None:
                return run.history
            record = EpochRecord(epoch + 1, config.learning_rate_at(epoch), float(costs.mean()),
                                 0.0)
            fill(record, "validation", val, network)
            fill(record, "test", tst, network)
            record.seconds = time.perf_counter() - started
            if run.end_epoch(record, costs):
                return run.history
    return run.finish()


class TrainingRun:
    """The state of one training run: generator, optimiser, history, parameters to fall back on."""

    def __init__(self, network: Network, config: TrainingConfig, callback: Callback | None):
        self.network, self.config, self.callback = network, config, callback
        self.rng = np.random.default_rng([config.seed, 1])
        self.optimizer = config.make_optimizer()
        self.parameters = network.parameters()
        self.history = History()
        self.last_good = [p.copy() for p in self.parameters]  # as at the end of the last epoch
        self.best: tuple[float, list[Array]] | None = None  # for early stopping

    def epoch(self, epoch: int, X: Array, Y: Array) -> NDArray[np.float64] | None:
        """One pass over shuffled mini-batches; the cost of each, or None if training stopped."""
        n, m = X.shape[0], self.config.mini_batch_size
        num_batches = math.ceil(n / m)
        eta = self.config.learning_rate_at(epoch)
        order = self.rng.permutation(n)
        costs = np.empty(num_batches)
        # Shuffled rows are gathered a block of mini-batches at a time: one big gather keeps
        # many memory reads in flight, where one small gather per mini-batch waits for each.
        per_block = max(1, GATHER_ROWS // m)
        for batch in range(num_batches):
            if batch % per_block == 0:
                rows = order[batch * m:(batch + per_block) * m]
                X_block, Y_block = X.take(rows, axis=0), Y.take(rows, axis=0)
            start = (batch % per_block) * m
            X_batch, Y_batch = X_block[start:start + m], Y_block[start:start + m]  # views
            cost = gradient_step(self.network, self.optimizer, X_batch, Y_batch, eta,
                                 self.config, self.rng, self.parameters)
            costs[batch] = cost
            if not math.isfinite(cost):
                self.restore(self.last_good)
                self.stop(costs[:batch + 1], "diverged", (
                    f"training diverged in epoch {epoch + 1}, mini-batch {batch + 1}: the cost "
                    f"became {cost}; the learning rate {eta:g} is probably too high. The "
                    f"parameters from the end of the last good epoch were kept."))
                return None
            if self.callback is not None and self.callback(
                Progress(epoch, batch, num_batches, cost)
            ):
                self.stop(costs[:batch + 1], "interrupted",
                          f"stopped on request in epoch {epoch + 1}")
                return None
        return costs

    def end_epoch(self, record: EpochRecord, costs: NDArray[np.float64]) -> bool:
        """Record the epoch, remember its parameters; True if training should stop now."""
        self.history.batch_costs.append(costs)
        self.history.epochs.append(record)
        for saved, p in zip(self.last_good, self.parameters, strict=True):
            saved[...] = p
        if self.callback is not None and self.callback(
            Progress(record.epoch - 1, len(costs) - 1, len(costs), float(costs[-1]), record)
        ):
            self.stop(None, "interrupted", f"stopped on request after epoch {record.epoch}")
            return True
        patience = self.config.early_stopping
        if not patience or record.validation_accuracy is None:
            return False
        if self.best is None or record.validation_accuracy > self.best[0]:
            self.best = (record.validation_accuracy, [p.copy() for p in self.parameters])
            return False
        best_epoch = best_epoch_number(self.history)
        if record.epoch - best_epoch < patience:
            return False
        self.restore(self.best[1])
        self.stop(None, "early_stopping", (
            f"early stopping after epoch {record.epoch}: no better validation accuracy for "
            f"{patience} epochs; kept epoch {best_epoch} ({self.best[0]:.2%})"))
        return True

    def finish(self) -> History:
        """After the last epoch: keep the best parameters seen, if early stopping watched."""
        if self.best is not None:
            self.restore(self.best[1])
        self.history.message = f"completed {self.config.epochs} epochs"
        return self.history

    def stop(self, costs: NDArray[np.float64] | None, reason: str, message: str) -> None:
        if costs is not None:
            self.history.batch_costs.append(costs)
        self.history.stop_reason, self.history.message = reason, message

    def restore(self, saved: list[Array]) -> None:
        self.network.set_parameters(saved[0::2], saved[1::2])


def gradient_step(
    network: Network,
    optimizer: Any,
    X: Array,
    Y: Array,
    eta: float,
    config: TrainingConfig,
    rng: np.random.Generator,
    parameters: list[Array] | None = None,
) -> float:
    """One step of gradient descent on one mini-batch; returns the mini-batch's cost.

    With weight decay lambda the cost is C = C_0 + (lambda/2) sum w^2, so each weight's
    gradient gains lambda w (biases are not decayed). ``parameters`` is
    ``network.parameters()``, passed in by ``train`` so that it is built once, not per step.
    """
    forward = network.forward(X, config.dropout, rng)
    cost = network.cost.value(forward.output, Y)
    if type(optimizer) is SGD:
        # Plain SGD, w <- w - eta g, fused with backprop: delta^L scaled by eta makes BP3 and
        # BP4 give eta g directly, and the step is one subtraction per parameter (no eta * g
        # temporaries). Same numbers as SGD().step(parameters, gradients, eta).
        eta = float(eta)
        steps = network.backward(forward, Y, scale=eta)
        for w, b, (eta_dW, eta_db) in zip(network.weights, network.biases, steps, strict=True):
            if config.weight_decay:
                eta_dW += (eta * config.weight_decay) * w
            w -= eta_dW
            b -= eta_db
        return cost
    gradients = network.backward(forward, Y)
    flat = []
    for w, (dW, db) in zip(network.weights, gradients, strict=True):
        if config.weight_decay:
            dW += config.weight_decay * w
        flat += [dW, db]
    optimizer.step(network.parameters() if parameters is None else parameters, flat, eta)
    return cost


def best_epoch_number(history: History) -> int:
    best = history.best_epoch("validation_accuracy")
    return best.epoch if best is not None else 0


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
