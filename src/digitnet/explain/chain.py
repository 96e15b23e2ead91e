"""The chain rule for one connection, with numbers, checked against the definition.

A weight w joins neuron k of layer l - 1 to neuron j of layer l: z_j = ... + w a_k + ...,
a_j = sigma(z_j), and the cost depends on a_j. Nudging w changes z_j, which changes a_j, which
changes C, so the chain rule multiplies the three rates of change:

    dC/dw = dz/dw * da/dz * dC/da = a_k * sigma'(z_j) * dC/da_j

For the last layer dC/da_j comes from the cost (a_j - y_j for the quadratic cost; the video's
C = sum (a - y)^2 gives 2(a_j - y_j)); for a layer before, from the layer after it:
dC/da_j = sum_i w_ij sigma'(z_i) dC/da_i, the same chain continued. The product of the last two
factors is the neuron's error delta_j = dC/dz_j. A softmax output mixes its neurons, so its
da/dz is a matrix: then only the product delta_j is given.

Beside it, the central difference (C(w + eps) - C(w - eps)) / (2 eps), computed in float64 on a
copy of the network: the definition of the derivative, with no backpropagation at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Array
from ..errors import InputError
from ..network import Network
from ..targets import one_hot
from .nudges import run_example

EPSILON = 1e-6


@dataclass(frozen=True)
class ChainRule:
    """dC/dw for one connection and its factors, in the book's letters:

    input_activation     a_k = dz/dw, the activation the weight multiplies
    weighted_input       z_j
    sigma_prime          sigma'(z_j) = da/dz (None for a softmax output: da/dz is a matrix)
    activation_gradient  dC/da_j (None for a softmax output)
    error                delta_j = dC/dz_j = sigma'(z_j) dC/da_j
    gradient             dC/dw = a_k delta_j, from backpropagation
    numerical            the central difference, no backpropagation at all
    """

    layer: int
    neuron: int
    input: int
    weight: float
    input_activation: float
    weighted_input: float
    sigma_prime: float | None
    activation_gradient: float | None
    error: float
    gradient: float
    numerical: float

    @property
    def relative_error(self) -> float:
        """|backprop - central difference| / (|backprop| + |central difference|)."""
        scale = abs(self.gradient) + abs(self.numerical)
        return abs(self.gradient - self.numerical) / scale if scale > 0 else 0.0


def chain_rule(network: Network, x: Array, label: int, layer: int, neuron: int,
               input: int) -> ChainRule:
    """The chain rule for the weight from neuron ``input`` of layer ``layer - 1`` to neuron
    ``neuron`` of layer ``layer`` (1..L), for one example; computed in float64."""
    check_connection(network, layer, neuron, input)
    exact = in_float64(network)
    example = run_example(exact, np.asarray(x, np.float64), label)
    z = example.forward.zs[layer - 1][0, neuron]
    a = example.forward.activations[layer - 1][0, neuron]
    derivative = exact.layer_activation(layer - 1).derivative
    sigma_prime = None if derivative is None else float(
        derivative(np.array([z]), np.array([a]))[0])
    dC_da = None if sigma_prime is None else float(
        example.activation_gradients[layer - 1][neuron])
    a_prev = float(example.forward.inputs[layer - 1][0, input])
    delta = float(example.deltas[layer - 1][neuron])
    return ChainRule(layer, neuron, input, float(exact.weights[layer - 1][neuron, input]),
                     a_prev, float(z), sigma_prime, dC_da, delta, a_prev * delta,
                     central_difference(exact, example.x, label, layer, neuron, input))


def central_difference(network: Network, x: Array, label: int, layer: int, neuron: int,
                       input: int, epsilon: float = EPSILON) -> float:
    """(C(w + eps) - C(w - eps)) / (2 eps) for one weight and one example (changes nothing)."""
    Y = one_hot(np.array([label]), network.sizes[-1], network.dtype)
    w = network.weights[layer - 1]
    original = w[neuron, input]
    try:
        w[neuron, input] = original + epsilon
        plus = network.cost_value(x, Y)
        w[neuron, input] = original - epsilon
        minus = network.cost_value(x, Y)
    finally:
        w[neuron, input] = original
    return (plus - minus) / (2 * epsilon)


def in_float64(network: Network) -> Network:
    """A float64 copy of the network (the same numbers, more digits)."""
    return Network.from_arrays([w.astype(np.float64) for w in network.weights],
                               [b.astype(np.float64) for b in network.biases],
                               network.activation.name, network.output_activation.name,
                               network.cost.name)


def check_connection(network: Network, layer: int, neuron: int, input: int) -> None:
    """InputError unless the connection exists."""
    if not 1 <= layer <= network.num_layers:
        raise InputError(f"layer {layer}: layers with weights are 1..{network.num_layers}")
    if not 0 <= neuron < network.sizes[layer]:
        raise InputError(f"neuron {neuron}: layer {layer} has neurons "
                         f"0..{network.sizes[layer] - 1}")
    if not 0 <= input < network.sizes[layer - 1]:
        raise InputError(f"input {input}: layer {layer - 1} has neurons "
                         f"0..{network.sizes[layer - 1] - 1}")
