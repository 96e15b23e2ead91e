"""From one example's wishes to a step of gradient descent, and from one example to many.

* One step: w <- w - eta dC_x/dw with the gradient of this one example, on a copy of the
  network; its cost on that example before and after (a small step lowers it).
* All examples: every training example wants its own nudge of each weight; over a mini-batch of
  k examples their average is minus the mini-batch gradient, the step SGD takes:
      -dC/dw = (1/k) sum_x (-dC_x/dw),   with dC_x/dw = delta_x a_x (BP4, one example x).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..activations import Array
from ..errors import InputError
from ..network import Network
from ..optimizers import SGD
from ..targets import one_hot
from .chain import check_connection

MAX_EXAMPLES = 1000


@dataclass(frozen=True)
class Step:
    """One step of gradient descent on one example: the cost and outputs before and after."""

    learning_rate: float
    cost_before: float
    cost_after: float
    outputs_before: Array
    outputs_after: Array
    network: Network  # the stepped copy


def one_step(network: Network, x: Array, label: int, learning_rate: float) -> Step:
    """w <- w - eta dC_x/dw for every weight and bias, on a copy, for one example x (n_in,)."""
    if not learning_rate > 0 or not np.isfinite(learning_rate):
        raise InputError(f"the learning rate must be a positive number, got {learning_rate}")
    X = network.check_inputs(x)  # (1, n_in)
    Y = one_hot(np.array([label]), network.sizes[-1], network.dtype)
    stepped = network.copy()
    forward = stepped.forward(X)
    SGD().step(stepped.parameters(), stepped.backward(forward, stepped.output_error(forward, Y)),
               learning_rate)
    return Step(float(learning_rate), network.cost_value(X, Y), stepped.cost_value(X, Y),
                network.feedforward(X)[0], stepped.feedforward(X)[0], stepped)


@dataclass(frozen=True)
class BatchWishes:
    """Each example's wished nudge of one parameter, and their average over the mini-batch.

    ``nudges[i]`` is -dC_x/dw for example i; ``average`` their mean; ``gradient`` the
    mini-batch gradient dC/dw from backpropagation on the whole batch at once (BP3/BP4):
    ``average == -gradient``.
    """

    layer: int
    neuron: int
    input: int | None  # None: the neuron's bias
    labels: NDArray[np.integer]
    nudges: Array
    average: float
    gradient: float


def batch_wishes(network: Network, X: Array, labels: NDArray[np.integer], layer: int,
                 neuron: int, input: int | None = None) -> BatchWishes:
    """Every example's nudge of the weight (layer, neuron, input), or of the bias when
    ``input`` is None, over the examples X (k, n_in) with their labels (k,)."""
    X = network.check_inputs(X)  # (k, n_in)
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise InputError(f"{X.shape[0]} examples need {X.shape[0]} labels, got {labels.shape}")
    if not 1 <= X.shape[0] <= MAX_EXAMPLES:
        raise InputError(f"between 1 and {MAX_EXAMPLES} examples, got {X.shape[0]}")
    check_connection(network, layer, neuron, 0 if input is None else input)
    Y = one_hot(labels, network.sizes[-1], network.dtype)  # (k, n_L)
    forward = network.forward(X)
    part = network.backward(forward, network.output_error(forward, Y)).layers[layer - 1]
    delta = part.delta[:, neuron].astype(np.float64)  # each example's delta_j, (k,)
    per_example = delta if input is None else delta * part.inputs[:, input]  # dC_x/dw, (k,)
    gradient = part.biases[neuron] if input is None else part.weights[neuron, input]
    return BatchWishes(layer, neuron, input, labels, -per_example, float(-per_example.mean()),
                       float(gradient))
