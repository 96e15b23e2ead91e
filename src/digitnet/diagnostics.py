"""Why a run is not learning: saturated and dead neurons, gradients, steps, chance level.

Measured after an epoch on a fixed sample of training images (pure functions: the training loop,
the command line, the page and the model card all use the same numbers):

* saturated: a sigmoid or tanh neuron whose sigma'(z) < 0.01 on at least 99% of the sample.
  Every gradient through it is multiplied by sigma'(z) (BP1, BP2), so gradient descent barely
  moves its weights;
* dead: a ReLU neuron that is never positive on the sample: relu'(z) = 0, no gradient at all;
* the gradient's size per layer, ||dC/dW^l||: much smaller in the first layers than the last
  means the error vanishes on its way back;
* the update-to-weight ratio ||Delta W^l|| / ||W^l|| of one optimiser step: about 1e-3 is
  healthy; above 0.1 every step throws a good part of the weights away; and the growth of the
  weights since training began, ||W^l|| / ||W^l_0||: steps much too large blow the weights up
  within the first epoch (and then often saturate every neuron, after which the steps are 0);
* chance level: an accuracy no better than always answering the most common digit.

Each problem comes as one plain sentence that names the numbers, its cause and a remedy.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import Array
from .config import TrainingConfig
from .descent import regularised_gradient
from .errors import InputError
from .network import Network
from .optimizers import Optimizer

SATURATED_DERIVATIVE = 0.01  # sigma'(z) below this: the neuron barely learns
SATURATED_SHARE = 0.99  # ... on at least this share of the sample
SAMPLE_SIZE = 256  # training images the diagnostics look at
TOO_LARGE_STEP = 0.1  # an update-to-weight ratio above this overshoots
TOO_MUCH_GROWTH = 4.0  # weights this many times larger than at the start: steps blew them up
VANISHED = 1e-4  # a layer's gradient this many times smaller than the largest layer's
CHANCE_MARGIN = 0.02  # within 2 points of always answering the most common digit
# A learning rate that usually works, per optimiser, for the remedies.
USUAL_LEARNING_RATE = {"sgd": 3.0, "momentum": 0.1, "nesterov": 0.1, "adam": 0.001}
SATURATING = ("sigmoid", "tanh")


@dataclass(frozen=True)
class LayerHealth:
    """One layer of neurons (1..L, as in the book: the weights into it are weights[layer-1])."""

    layer: int
    neurons: int
    activation: str
    saturated: tuple[int, ...]  # sigmoid/tanh neurons: sigma'(z) < 0.01 on >= 99% of the sample
    dead: tuple[int, ...]  # ReLU neurons never positive on the sample
    gradient_norm: float  # ||dC/dW|| on the sample
    update_ratio: float  # ||Delta W|| / ||W|| for one optimiser step on the sample
    growth: float  # ||W|| / ||W at the start of training||


@dataclass(frozen=True)
class Problem:
    """One problem: its kind (saturated, dead, vanishing, steps, chance), the layer (None for
    the whole network), what is wrong and why (``message``), and what to try (``remedy``)."""

    kind: str
    layer: int | None
    message: str
    remedy: str = ""

    @property
    def sentence(self) -> str:
        """The message and its remedy, as one sentence."""
        return f"{self.message}; {self.remedy}" if self.remedy else self.message


@dataclass(frozen=True)
class Diagnosis:
    """The health of every layer after an epoch, and the problems found."""

    layers: tuple[LayerHealth, ...]
    problems: tuple[Problem, ...]

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Diagnosis:
        """The inverse of ``dataclasses.asdict``; a wrong field raises InputError."""
        try:
            layers = tuple(LayerHealth(**{**layer, "saturated": tuple(layer["saturated"]),
                                          "dead": tuple(layer["dead"])})
                           for layer in values["layers"])
            problems = tuple(Problem(**problem) for problem in values["problems"])
        except (KeyError, TypeError) as error:
            raise InputError(f"a diagnosis is malformed: {error}") from None
        return cls(layers, problems)


def derivatives(network: Network, zs: list[Array], activations: list[Array], layer: int
                ) -> Array | None:
    """sigma'(z) of every neuron of ``layer`` (1..L) on every example, (m, n); None for softmax."""
    activation = network.layer_activation(layer - 1)
    if activation.derivative is None:
        return None
    derivative: Array = activation.derivative(zs[layer - 1], activations[layer - 1])
    return derivative


def saturated_neurons(derivative: Array) -> NDArray[np.bool_]:
    """(n,): sigma'(z) < 0.01 on at least 99% of the examples of ``derivative`` (m, n)."""
    share = (derivative < SATURATED_DERIVATIVE).mean(axis=0)  # (n,)
    return np.asarray(share >= SATURATED_SHARE)


def dead_neurons(z: Array) -> NDArray[np.bool_]:
    """(n,): never positive on any example of z (m, n)."""
    return np.asarray(~(z > 0).any(axis=0))


def weight_norms(network: Network) -> tuple[float, ...]:
    """||W^l|| of every layer: remember them at the start of training to measure growth."""
    return tuple(float(np.linalg.norm(w)) for w in network.weights)


def layer_health(network: Network, X: Array, Y: Array, config: TrainingConfig,
                 optimizer: Optimizer, eta: float, initial_norms: tuple[float, ...]
                 ) -> tuple[LayerHealth, ...]:
    """Every layer's health on the sample X (m, n_in), Y (m, n_out).

    The update ratio comes from one real step of a copy of the network and of the optimiser
    (its momentum or Adam state included), so the network itself is not changed.
    """
    forward = network.forward(X)
    gradient = regularised_gradient(network, forward, Y, config)
    trial = network.copy()
    copy.deepcopy(optimizer).step(trial.parameters(), gradient, eta)
    health = []
    for layer in range(1, network.num_layers + 1):
        w, stepped = network.weights[layer - 1], trial.weights[layer - 1]
        name = network.layer_activation(layer - 1).name
        derivative = derivatives(network, forward.zs, forward.activations, layer)
        saturated = (tuple(np.flatnonzero(saturated_neurons(derivative)).tolist())
                     if name in SATURATING and derivative is not None else ())
        dead = (tuple(np.flatnonzero(dead_neurons(forward.zs[layer - 1])).tolist())
                if name == "relu" else ())
        norm = max(float(np.linalg.norm(w)), 1e-30)
        health.append(LayerHealth(
            layer, network.sizes[layer], name, saturated, dead,
            gradient_norm=float(np.linalg.norm(gradient.layers[layer - 1].weights)),
            update_ratio=float(np.linalg.norm(stepped - w)) / norm,
            growth=norm / max(initial_norms[layer - 1], 1e-30)))
    return tuple(health)


def majority_share(labels: NDArray[np.integer]) -> float:
    """The accuracy of always answering the most common label."""
    return float(np.bincount(labels).max() / labels.shape[0]) if labels.size else 0.0


def at_chance_level(accuracy: float, labels: NDArray[np.integer]) -> bool:
    """No better than always answering the most common label (within 2 points)."""
    return accuracy <= majority_share(labels) + CHANCE_MARGIN


def diagnose(network: Network, X: Array, Y: Array, config: TrainingConfig,
             optimizer: Optimizer, eta: float, initial_norms: tuple[float, ...],
             accuracy: tuple[float, NDArray[np.integer]] | None = None) -> Diagnosis:
    """The health of every layer and its problems in words; ``accuracy`` is (accuracy, labels)
    of the set it was measured on, for the chance-level check."""
    layers = layer_health(network, X, Y, config, optimizer, eta, initial_norms)
    return Diagnosis(layers, tuple(problems(layers, network, config, eta, accuracy)))


def problems(layers: tuple[LayerHealth, ...], network: Network, config: TrainingConfig,
             eta: float, accuracy: tuple[float, NDArray[np.integer]] | None) -> list[Problem]:
    """One sentence per problem: what, the numbers, why, and what to try."""
    found: list[Problem] = []
    steps_too_large = (max(h.update_ratio for h in layers) > TOO_LARGE_STEP
                       or max(h.growth for h in layers) > TOO_MUCH_GROWTH)
    lr_remedy = learning_rate_remedy(config, eta)
    for h in layers:
        if len(h.saturated) >= max(1, h.neurons // 10):
            found.append(Problem(
                "saturated", h.layer, f"{which(h, h.saturated, network)} saturated: sigma'(z) < "
                f"{SATURATED_DERIVATIVE} on {SATURATED_SHARE:.0%} of the images, so gradient "
                f"descent barely moves them",
                saturation_cause(h, network, config, lr_remedy, steps_too_large)))
        if len(h.dead) >= max(1, h.neurons // 10):
            found.append(Problem(
                "dead", h.layer, f"{which(h, h.dead, network)} dead (ReLU, never positive on "
                f"the images), so no gradient reaches them",
                lr_remedy if steps_too_large else "try --activation leaky_relu or --init he"))
    largest, first = max(h.gradient_norm for h in layers), layers[0]
    if len(layers) > 1 and 0 < first.gradient_norm < VANISHED * largest:
        found.append(Problem(
            "vanishing", first.layer, f"the gradient of {layer_name(first, network)} is "
            f"{largest / first.gradient_norm:,.0f} times smaller than the largest layer's: the "
            f"error vanishes on its way back, so the first layers barely learn",
            "try --activation relu with --init he"))
    worst = max(layers, key=lambda h: h.update_ratio)
    grown = max(layers, key=lambda h: h.growth)
    if worst.update_ratio > TOO_LARGE_STEP:
        found.append(Problem(
            "steps", worst.layer, f"one step changes the weights of "
            f"{layer_name(worst, network)} by {worst.update_ratio:.0%} of their size (about "
            f"0.1% is healthy)", lr_remedy))
    elif grown.growth > TOO_MUCH_GROWTH:
        found.append(Problem(
            "steps", grown.layer, f"the weights of {layer_name(grown, network)} are "
            f"{grown.growth:.0f} times larger than when training began: the steps were far "
            f"too large", lr_remedy))
    if accuracy is not None and at_chance_level(accuracy[0], accuracy[1]):
        found.append(Problem(
            "chance", None, f"the accuracy {accuracy[0]:.2%} is no better than always "
            f"answering the most common digit ({majority_share(accuracy[1]):.2%}): the network "
            f"has not learned"))
    return found


def which(health: LayerHealth, neurons: tuple[int, ...], network: Network) -> str:
    """'the output neurons of the digits 2 and 5 (2 of 10) are' / '21 of 30 neurons of hidden
    layer 1 (0, 3, 4, 7, 9, ...) are'."""
    shown = ", ".join(map(str, neurons[:6])) + (", ..." if len(neurons) > 6 else "")
    if len(neurons) == health.neurons > 1:
        return (f"all {health.neurons} output neurons are" if health.layer == network.num_layers
                else f"all {health.neurons} neurons of hidden layer {health.layer} are")
    if health.layer == network.num_layers:
        digits = " and ".join(shown.rsplit(", ", 1)) if len(neurons) <= 6 else shown
        return (f"the output neuron{'s' if len(neurons) > 1 else ''} of the digit"
                f"{'s' if len(neurons) > 1 else ''} {digits} ({len(neurons)} of {health.neurons}) "
                f"{'are' if len(neurons) > 1 else 'is'}")
    return (f"{len(neurons)} of {health.neurons} neurons of hidden layer {health.layer} "
            f"({shown}) {'are' if len(neurons) > 1 else 'is'}")


def layer_name(health: LayerHealth, network: Network) -> str:
    return "the output layer" if health.layer == network.num_layers else (
        f"hidden layer {health.layer}")


def learning_rate_remedy(config: TrainingConfig, eta: float) -> str:
    """'the learning rate 500 is too high, try 3'."""
    usual = USUAL_LEARNING_RATE.get(config.optimizer, eta / 10)
    suggestion = usual if eta > 10 * usual else eta / 10
    return f"the learning rate {eta:g} is too high, try {suggestion:g}"


def saturation_cause(health: LayerHealth, network: Network, config: TrainingConfig,
                     lr_remedy: str, steps_too_large: bool) -> str:
    """Why these neurons saturated, and the remedy."""
    if steps_too_large:
        return lr_remedy
    if config.init == "normal" and health.layer == 1:
        n_in = network.sizes[0]
        return (f"their weights started too large (N(0, 1) weights on {n_in} inputs make |z| "
                f"large), try --init xavier")
    if health.layer == network.num_layers and config.cost == "quadratic":
        return ("with the quadratic cost a saturated output learns slowly, try --cost "
                "cross_entropy")
    return "try --init xavier, a smaller learning rate, or --activation relu"
