"""One step downhill: the gradient of the cost on a mini-batch, then the optimiser's step.

    forward pass          z and a of every layer
    backpropagation       BP1-BP4: the gradient of the mean cost over the mini-batch
    adversarial examples  averaged with the gradient on the mini-batch's adversarial copy,
                          when configured (see digitnet.adversarial)
    weight decay          the gradient of (lambda/2) sum w^2 added, when configured
    the optimiser         w <- w - eta dC/dw for plain SGD (see digitnet.optimizers)
    max-norm              each neuron's incoming weights held to length <= c, when configured
"""

from __future__ import annotations

import numpy as np

from .activations import Array
from .adversarial import adversarial_gradient
from .config import TrainingConfig
from .gradients import Gradient
from .network import ForwardPass, Network
from .optimizers import Optimizer


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
    forward = network.forward(X, config.dropout, rng, config.input_dropout)  # z, a of each layer
    cost = network.cost.value(forward.output, Y)
    gradient = (adversarial_gradient(network, X, Y, forward, config, rng) if config.adversarial
                else network.backward(forward, network.output_error(forward, Y)))  # BP1-BP4
    gradient = with_weight_decay(gradient, network, config)
    optimizer.step(network.parameters() if parameters is None else parameters, gradient, eta)
    if config.max_norm:
        limit_norms(network.weights, config.max_norm)
    return cost


def limit_norms(weights: list[Array], c: float) -> None:
    """The max-norm constraint (Srivastava et al. 2014), in place: every neuron's incoming
    weight vector w_j (a row of W) is scaled back onto the ball ||w_j|| <= c:

        w_j <- w_j min(1, c / ||w_j||)  =  w_j c / max(||w_j||, c)

    Rows already inside the ball are left as they are. With it, large learning rates and
    dropout can be used without the weights growing without bound.
    """
    for w in weights:
        norms = np.sqrt(np.einsum("ij,ij->i", w, w))  # ||w_j||, (n_out,)
        if norms.max() > c:
            w *= (c / np.maximum(norms, c))[:, None]  # each row by its own factor, (n_out, 1)


def regularised_gradient(network: Network, forward: ForwardPass, Y: Array,
                         config: TrainingConfig) -> Gradient:
    """BP1-BP4 for the mini-batch of ``forward``, plus lambda W when weight decay is on."""
    return with_weight_decay(network.backward(forward, network.output_error(forward, Y)),
                             network, config)


def with_weight_decay(gradient: Gradient, network: Network, config: TrainingConfig) -> Gradient:
    """``gradient`` plus lambda W when weight decay is on; as it is otherwise."""
    if config.weight_decay:
        return gradient.with_weight_decay(config.weight_decay, network.weights)
    return gradient
