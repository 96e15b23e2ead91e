"""Measuring what a network learned: accuracy, per-digit accuracy, the confusion matrix, its
mistakes, and how sure it is (of real digits and of random noise)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .activations import Array
from .errors import ConfigError, InputError
from .network import Network
from .targets import one_hot

# Examples evaluated at once: bounds memory for any test-set size.
EVALUATION_CHUNK = 10_000


def predict_in_chunks(network: Network, X: Array) -> tuple[NDArray[np.intp], Array]:
    """Predicted labels (m,) and output activations (m, n_out), computed chunk by chunk."""
    outputs = [np.atleast_2d(network.feedforward(X[i:i + EVALUATION_CHUNK]))
               for i in range(0, X.shape[0], EVALUATION_CHUNK)]
    output = np.concatenate(outputs) if outputs else np.zeros((0, network.sizes[-1]))
    return np.argmax(output, axis=1), output


def accuracy(predicted: NDArray[np.integer], labels: NDArray[np.integer]) -> float:
    """The fraction of examples whose predicted label is the true one."""
    return float(np.mean(predicted == labels)) if labels.size else float("nan")


def confusion_matrix(
    predicted: NDArray[np.integer], labels: NDArray[np.integer], num_classes: int = 10
) -> NDArray[np.int64]:
    """counts[i, j] = how many examples of true class i were predicted as class j."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (labels, predicted), 1)
    return counts


@dataclass(frozen=True)
class Evaluation:
    """A network's performance on one labelled set."""

    cost: float
    accuracy: float
    confusion: NDArray[np.int64]

    @property
    def per_class_accuracy(self) -> NDArray[np.float64]:
        """Accuracy for each true class (the diagonal over the row sums); NaN for absent ones."""
        totals = self.confusion.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            result: NDArray[np.float64] = np.diag(self.confusion) / totals
        return result

    @property
    def count(self) -> int:
        return int(self.confusion.sum())


def evaluate(network: Network, X: Array, labels: NDArray[np.integer]) -> Evaluation:
    """Cost, accuracy and confusion matrix of ``network`` on X (m, n_in), integer labels (m,)."""
    predicted, output = predict_in_chunks(network, X)
    targets = one_hot(labels, network.sizes[-1], output.dtype)
    cost = network.cost.value(output, targets) if labels.size else float("nan")
    num_classes = network.sizes[-1]
    return Evaluation(cost, accuracy(predicted, labels),
                      confusion_matrix(predicted, labels, num_classes))


# --- how sure it is: confidence on real digits and on noise, and its mistakes ------------------
@dataclass(frozen=True)
class Answers:
    """A network's answers for m images: the digit it says (m,) and its confidence (m,).

    The confidence is the largest output probability, max_j p_j (see
    :meth:`Network.probabilities`): between 1/n_out (no idea) and 1 (sure).
    """

    predicted: NDArray[np.intp]
    confidence: NDArray[np.floating]


def answers(network: Network, X: Array) -> Answers:
    """What ``network`` answers for every row of X (m, n_in), and how sure it is."""
    predicted, output = predict_in_chunks(network, network.check_inputs(X))
    probabilities = network.probabilities(output)  # (m, n_out)
    return Answers(predicted, probabilities.max(axis=1, initial=0.0))


@dataclass(frozen=True)
class Mistakes:
    """The examples a network gets wrong, in the order of the set.

    ``indices`` (k,) are their positions in the set; ``labels``, ``predicted`` and
    ``confidence`` (k,) the true digit, the answer and how sure the answer was.
    """

    indices: NDArray[np.intp]
    labels: NDArray[np.integer]
    predicted: NDArray[np.intp]
    confidence: NDArray[np.floating]
    count: int  # the size of the whole set

    @property
    def error_rate(self) -> float:
        return self.indices.size / self.count if self.count else float("nan")


def mistakes(network: Network, X: Array, labels: NDArray[np.integer]) -> Mistakes:
    """The examples of X (m, n_in) whose predicted digit is not their label (m,)."""
    result = answers(network, X)
    labels = np.asarray(labels)
    if labels.shape != result.predicted.shape:
        raise InputError(f"{result.predicted.shape[0]} examples but labels of shape "
                         f"{labels.shape}")
    wrong = np.flatnonzero(result.predicted != labels)  # (k,)
    return Mistakes(wrong, labels[wrong], result.predicted[wrong], result.confidence[wrong],
                    int(labels.shape[0]))


def uniform_noise(count: int, size: int, rng: np.random.Generator,
                  dtype: type[np.floating] | np.dtype[np.floating] = np.float32) -> Array:
    """``count`` images (count, size) of independent pixels, each uniform in [0, 1).

    Nothing like a digit: a network that only ever saw digits still answers for them, often
    with high confidence, because a sigmoid or softmax output must say something.
    """
    if count < 1:
        raise ConfigError(f"the number of noise images must be at least 1, got {count}")
    noise: Array = rng.random((count, size)).astype(dtype)  # (count, size)
    return noise
