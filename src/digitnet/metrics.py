"""Measuring what a network learned: accuracy, per-digit accuracy, the confusion matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .activations import Array
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
