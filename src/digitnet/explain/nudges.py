"""What one example wants: the nudges of backpropagation, as the classic explanation tells them.

For one image x of a 2 we want the output neuron of 2 nudged up and the nine others down, each in
proportion to how far it is from what we want: the nudge of output j is -dC/da^L_j (for the
quadratic cost C = 1/2 sum_j (a_j - y_j)^2 it is y_j - a_j; the video writes C without the 1/2,
which doubles every nudge and changes none of their directions).

A neuron's activation a = sigma(z), z = sum_k w_k a_k + b, can be raised three ways; each is a
term of the gradient, and delta = dC/dz is the neuron's error (BP1 for an output, BP2 before):

* its bias:     -dC/db = -delta                                    (BP3)
* its weights:  -dC/dw_k = -delta a_k, largest where the neuron before is brightest (BP4)
* the activations of the layer before: -dC/da_k = -w_k delta, up where w_k > 0, down where
  w_k < 0 (if delta < 0, the neuron wants to go up). Adding up these wishes over every neuron of
  the layer gives -dC/da^{l-1} = -(W^T delta), and the same reasoning repeats one layer back.

Every number here comes from ``Network.backward`` on a batch of one example.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Array
from ..errors import InputError
from ..network import ForwardPass, Network
from ..targets import one_hot


@dataclass(frozen=True)
class Example:
    """One example through the network: its forward pass, its errors and the cost's gradient.

    ``deltas[i]`` (n,) is delta = dC/dz of layer i + 1 (1..L); ``activation_gradients[i]`` is
    dC/da of layer i + 1; ``input_gradient`` (n_in,) is dC/dx = W^1.T delta^1, the same step
    of BP2 taken once more, onto the input (without sigma': the input is not squashed).
    """

    x: Array
    label: int
    wanted: Array
    forward: ForwardPass
    deltas: list[Array]
    activation_gradients: list[Array]
    cost: float
    input_gradient: Array


def run_example(network: Network, x: Array, label: int) -> Example:
    """Feed one input x (n_in,) with its label through the network and backpropagate."""
    X = network.check_inputs(x)  # (1, n_in)
    if X.shape[0] != 1:
        raise InputError(f"one example at a time: got {X.shape[0]} inputs")
    if not 0 <= label < network.sizes[-1]:
        raise InputError(f"label {label}: the network has outputs 0..{network.sizes[-1] - 1}")
    Y = one_hot(np.array([label]), network.sizes[-1], network.dtype)  # (1, n_L)
    forward = network.forward(X)
    gradient = network.backward(forward, network.output_error(forward, Y), input_gradient=True)
    assert gradient.inputs is not None
    deltas = [layer.delta[0] for layer in gradient.layers]  # per layer, (n_l,)
    dC_da = [deltas[i + 1] @ network.weights[i + 1]  # W^T delta of the layer after
             for i in range(network.num_layers - 1)]
    dC_da.append(network.cost.gradient(forward.output, Y)[0])  # the cost's own dC/da^L
    cost = network.cost.value(forward.output, Y)
    return Example(X[0], label, Y[0], forward, deltas, dC_da, cost, gradient.inputs[0])


@dataclass(frozen=True)
class Nudges:
    """One example's wishes: the cost, the outputs against the wanted ones, every error.

    output_nudges  -dC/da^L, (n_L,): up for the right digit, down for the others
    errors         delta^l of every layer 1..L (errors[0] is layer 1)
    input_nudges   -dC/dx, (n_in,): how the example would like each pixel to change (the
                   wishes of the first layer added up; pixels are not learned, but this is
                   where the backward pass ends)
    """

    label: int
    cost: float
    outputs: Array
    wanted: Array
    output_nudges: Array
    errors: list[Array]
    input_nudges: Array


def nudges(network: Network, x: Array, label: int) -> Nudges:
    """The nudges that one input x (n_in,) of digit ``label`` asks for."""
    example = run_example(network, x, label)
    return Nudges(label, example.cost, example.forward.output[0], example.wanted,
                  -example.activation_gradients[-1], example.deltas, -example.input_gradient)


@dataclass(frozen=True)
class NeuronWishes:
    """The three ways to change one neuron (layer 1..L, index j), with numbers.

    bias_nudge          -dC/db_j = -delta_j
    weight_nudges       [(k, -delta_j a_k)], the largest |a_k delta_j| first (``top`` of them)
    activation_nudges   -w_jk delta_j for every neuron k of the layer before (n_{l-1},)
    summed_nudges       the same wishes added up over every neuron of this layer:
                        -sum_j w_jk delta_j = -dC/da^{l-1}_k, (n_{l-1},)
    """

    layer: int
    neuron: int
    activation: float
    delta: float
    bias_nudge: float
    weight_nudges: list[tuple[int, float]]
    activation_nudges: Array
    summed_nudges: Array


def neuron_wishes(network: Network, x: Array, label: int, layer: int, neuron: int,
                  top: int = 10) -> NeuronWishes:
    """How neuron ``neuron`` of ``layer`` (1..L) wants to change, for one example."""
    if not 1 <= layer <= network.num_layers:
        raise InputError(f"layer {layer}: layers with weights are 1..{network.num_layers}")
    if not 0 <= neuron < network.sizes[layer]:
        raise InputError(f"neuron {neuron}: layer {layer} has neurons "
                         f"0..{network.sizes[layer] - 1}")
    example = run_example(network, x, label)
    delta = example.deltas[layer - 1]  # (n_l,)
    a_prev = example.forward.inputs[layer - 1][0]  # (n_{l-1},)
    w = network.weights[layer - 1]  # (n_l, n_{l-1})
    d = float(delta[neuron])
    weight_nudges = -d * a_prev  # -dC/dw_jk, (n_{l-1},)
    order = np.argsort(-np.abs(weight_nudges), kind="stable")[:top]
    return NeuronWishes(
        layer, neuron, float(example.forward.activations[layer - 1][0, neuron]), d,
        bias_nudge=-d,
        weight_nudges=[(int(k), float(weight_nudges[k])) for k in order],
        activation_nudges=-w[neuron] * d,  # (n_{l-1},)
        summed_nudges=-(delta @ w))  # (n_{l-1},): -W^T delta
