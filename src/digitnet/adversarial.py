"""Adversarial training: learning also from the examples that fool the network most.

A network that reads a digit correctly can often be made to misread it by a change to every
pixel too small for a person to notice (lesson 2 finds one by following the gradient). Goodfellow,
Shlens and Szegedy (2015) turned this weakness into a regulariser. Their *fast gradient sign
method* moves every pixel of an example x by eps, in the direction that raises its cost:

    x_adv = clip(x + eps sign(dC_x/dx), 0, 1)

(dC_x/dx is backpropagation carried one layer further, to the input; the clip keeps pixels in
[0, 1]). Training then descends on the mean of the two costs,

    J = 1/2 C(x) + 1/2 C(x_adv)

treating x_adv as fixed: each step's gradient is the mean of the gradients on the mini-batch and
on its adversarial copy. It costs a second forward and backward pass per step, and it smooths the
function the network learns around every training example. The training cost a run reports is
C on the mini-batches themselves, comparable with a run without adversarial training.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .activations import Array
from .config import TrainingConfig
from .errors import InputError
from .gradients import Gradient, LayerGradient
from .network import ForwardPass, Network
from .targets import one_hot

# Examples attacked at once by ``attacked``: bounds the memory of the forward pass it keeps.
ATTACK_ROWS = 2048


def fast_gradient_sign(X: Array, input_gradient: Array, eps: float) -> Array:
    """x_adv = clip(x + eps sign(dC/dx), 0, 1) for every row of X (m, n_in).

    ``input_gradient`` (m, n_in) is dC/dX; any positive multiple of it (such as the gradient of
    the mean cost, 1/m dC_x/dx) has the same signs. A pixel the cost does not depend on stays.
    """
    moved = X + eps * np.sign(input_gradient)  # (m, n_in)
    return np.clip(moved, 0.0, 1.0, out=moved)


def attacked(network: Network, X: Array, labels: NDArray[np.integer], eps: float) -> Array:
    """The fast-gradient-sign copy of every example of X (m, n_in) against its true label:
    x_adv = clip(x + eps sign(dC_x/dx), 0, 1), each example moved by its own cost's gradient.

    Measuring a network on these copies says how easily it is fooled; a block of rows at a
    time (an example's gradient does not depend on the others in its block).
    """
    X, labels = network.check_inputs(X), np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise InputError(f"expected {X.shape[0]} labels, one per example, got shape {labels.shape}")
    copies = np.zeros_like(X)
    for first in range(0, X.shape[0], ATTACK_ROWS):
        rows = slice(first, first + ATTACK_ROWS)
        forward = network.forward(X[rows])
        Y = one_hot(labels[rows], network.sizes[-1], network.dtype)
        gradient = network.backward(forward, network.output_error(forward, Y),
                                    input_gradient=True).inputs
        assert gradient is not None
        copies[rows] = fast_gradient_sign(X[rows], gradient, eps)
    return copies


def adversarial_gradient(network: Network, X: Array, Y: Array, forward: ForwardPass,
                         config: TrainingConfig, rng: np.random.Generator) -> Gradient:
    """The gradient of J = 1/2 C(X) + 1/2 C(X_adv) on the mini-batch X (m, n_in), Y (m, n_out).

    ``forward`` is the forward pass of X (with its dropout). The adversarial copy gets its own
    dropout masks, as a second mini-batch would.
    """
    clean = network.backward(forward, network.output_error(forward, Y), input_gradient=True)
    assert clean.inputs is not None
    X_adv = fast_gradient_sign(X, clean.inputs, config.adversarial)  # (m, n_in)
    forward_adv = network.forward(X_adv, config.dropout, rng, config.input_dropout)
    fooled = network.backward(forward_adv, network.output_error(forward_adv, Y))
    return mean_gradient(clean, fooled)


def mean_gradient(first: Gradient, second: Gradient) -> Gradient:
    """The mean of two gradients on batches of the same size, as one gradient on both.

    BP3 and BP4 average over the examples, so stacking the two batches' errors and inputs
    (2m rows) gives (1/2m) sum over both = 1/2 (first + second), with no product formed yet.
    """
    return Gradient([LayerGradient(np.concatenate((a.delta, b.delta)),
                                   np.concatenate((a.inputs, b.inputs)))
                     for a, b in zip(first.layers, second.layers, strict=True)])
