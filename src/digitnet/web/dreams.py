"""What does the network think a 3 looks like? Gradient ascent on the input.

Training asks how the cost changes with the weights; here the weights stay fixed and we ask how
the network's confidence in one digit k changes with the input pixels x. The objective is

    J(x) = log p_k(x),   p_j = a^L_j / sum_i a^L_i     (for a softmax output, sum_i a^L_i = 1)

and its gradient comes from the same backpropagation equations as training, carried one step
further, past the first layer, to the input:

    grad_a J = e_k / a_k - 1 / sum_i a_i                 dJ/da^L
    delta^L  = sigma'(z^L) (*) grad_a J                   BP1 (the Jacobian product for softmax)
    delta^l  = (W^{l+1}.T delta^{l+1}) (*) sigma'(z^l)     BP2
    dJ/dx    = W^1.T delta^1                               one more step of BP2, without sigma'

Only the first two lines are new: ``Network.backward`` does the rest, the same function that
training uses. Climbing that gradient from random noise gives an image the network is sure is
a k, and it rarely looks like one: the network learned to separate the training digits, not
what digits look like.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitnet.activations import Array
from digitnet.network import ForwardPass, Network

TINY = 1e-12  # keeps log and division away from zero activations


def input_gradient(network: Network, X: Array, grad_output: Array,
                   forward: ForwardPass | None = None) -> Array:
    """Backpropagate dJ/da^L (m, n_out) to the input: dJ/dX, shape (m, n_in).

    ``X`` is a batch (m, n_in); ``grad_output`` the gradient of some objective J with respect to
    the output activations a^L of each example; ``forward``, X's forward pass if the caller
    already has it. Row x of the result is dJ_x/dx, each example's own gradient.
    """
    if forward is None:
        forward = network.forward(network.check_inputs(X))
    L = network.num_layers - 1
    delta = network.output_activation.backward(  # BP1, (m, n_L)
        forward.zs[L], forward.activations[L], np.asarray(grad_output, dtype=network.dtype))
    gradient = network.backward(forward, delta, input_gradient=True).inputs  # (1/m) dJ_x/dx
    assert gradient is not None
    result: Array = gradient * delta.shape[0]  # (m, n_in)
    return result


def log_probability_gradient(output: Array, digit: int) -> Array:
    """dJ/da^L for J = log(a_k / sum_i a_i), the log of the share of output k; (m, n_out)."""
    a = np.clip(output, TINY, None)  # (m, n_out)
    grad: Array = np.ones_like(a) * (-1.0 / a.sum(axis=1, keepdims=True))  # (m, n_out)
    grad[:, digit] += 1.0 / a[:, digit]
    return grad


@dataclass(frozen=True)
class Dream:
    """The result of gradient ascent: the image (n_in,) in [0, 1], the start and the trace.

    ``start`` is the noise it began from; ``probabilities[t]`` is p_k after t steps.
    """

    digit: int
    image: Array
    start: Array
    probabilities: list[float]


START_BRIGHTNESS = 0.25  # the starting noise is uniform in [0, 0.25]: dim, like MNIST's mean


def dream(network: Network, digit: int, rng: np.random.Generator, steps: int = 100,
          step_size: float = 0.02) -> Dream:
    """Climb log p_digit from dim uniform noise, keeping every pixel in [0, 1].

    Each step moves x by ``step_size`` along the gradient divided by its root mean square, so the
    step size means "pixels change by about this much" whatever the network's scale. It stops
    early when the gradient vanishes (the network is as sure as float precision allows).
    """
    n_in = network.sizes[0]
    x = (START_BRIGHTNESS * rng.random((1, n_in))).astype(network.dtype)  # (1, n_in)
    start = x[0].copy()
    forward = network.forward(x)  # one forward pass per step serves p_k and the gradient
    trace = [share(network, forward.output, digit)]
    for _ in range(steps):
        grad_output = log_probability_gradient(forward.output, digit)  # (1, n_out)
        g = input_gradient(network, x, grad_output, forward)  # (1, n_in)
        rms = float(np.sqrt(np.mean(g.astype(np.float64) ** 2)))
        if rms < TINY:
            break
        x = np.clip(x + step_size * g / rms, 0.0, 1.0).astype(network.dtype)
        forward = network.forward(x)
        trace.append(share(network, forward.output, digit))
    return Dream(digit, x[0], start, trace)


def share(network: Network, output: Array, digit: int) -> float:
    """p_k for one output row (1, n_out), as Network.predict_proba gives it."""
    return float(network.probabilities(output)[0, digit])
