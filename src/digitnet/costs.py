"""Cost functions: how wrong the network's outputs ``a`` are for the desired outputs ``y``.

Learning means making the cost small. Each cost gives

* ``value(a, y)``: the cost averaged over the m examples of a batch, C = (1/m) sum_x C_x;
* ``gradient(a, y)``: dC_x/da for each example (one row per example, not divided by m);
* ``output_delta(z, a, y, activation)``: delta^L = dC_x/dz^L, the error of the output layer,
  which starts backpropagation (equation BP1: delta^L = grad_a C (*) sigma'(z^L)).

Some pairs of cost and output activation simplify: for cross-entropy after sigmoid, or
categorical cross-entropy after softmax, sigma'(z) cancels and delta^L = a - y. Those pairs use
the simplified formula (it is both faster and free of divisions by tiny numbers).

Shapes: ``a`` and ``y`` are (m, n_out); ``y`` is one-hot for classification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .activations import Activation, Array


def clipped(a: Array) -> Array:
    """a kept inside [eps, 1 - eps] for logarithms and divisions, eps the dtype's resolution.

    (A fixed 1e-12 would vanish next to 1.0 in float32, letting ln(1 - a) become -inf.)
    """
    eps = float(np.finfo(a.dtype).eps)
    return np.clip(a, eps, 1.0 - eps)


# --- quadratic cost ----------------------------------------------------------------------------
def quadratic_value(a: Array, y: Array) -> float:
    """C = 1/(2m) sum_x ||a(x) - y(x)||^2, the mean squared error of the classic introduction."""
    diff = a - y
    return 0.5 * float(np.vdot(diff, diff)) / len(a)


def quadratic_gradient(a: Array, y: Array) -> Array:
    """dC_x/da = a - y."""
    return a - y


# --- binary cross-entropy ----------------------------------------------------------------------
def binary_cross_entropy_value(a: Array, y: Array) -> float:
    """C = -(1/m) sum_x sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)], for outputs in (0, 1)."""
    a = clipped(a)
    return float(-np.sum(y * np.log(a) + (1.0 - y) * np.log1p(-a)) / a.shape[0])


def binary_cross_entropy_gradient(a: Array, y: Array) -> Array:
    """dC_x/da_j = (a_j - y_j) / (a_j (1 - a_j))."""
    a_safe = clipped(a)
    return (a - y) / (a_safe * (1.0 - a_safe))


# --- categorical cross-entropy -----------------------------------------------------------------
def categorical_cross_entropy_value(a: Array, y: Array) -> float:
    """C = -(1/m) sum_x sum_j y_j ln a_j, for outputs that are a probability distribution."""
    return float(-np.sum(y * np.log(clipped(a))) / a.shape[0])


def categorical_cross_entropy_gradient(a: Array, y: Array) -> Array:
    """dC_x/da_j = -y_j / a_j."""
    return -y / clipped(a)


def output_minus_target(a: Array, y: Array) -> Array:
    """delta^L = a - y: what BP1 becomes when the cost and the output activation match."""
    return a - y


@dataclass(frozen=True)
class Cost:
    """A cost function, its gradient, and the output activations it may follow.

    ``simplified`` maps an output activation name to its simplified delta^L (the pair's
    sigma'(z) cancels). ``output_activations`` lists the activations whose outputs the cost makes
    sense for (``None``: any).
    """

    name: str
    value: Callable[[Array, Array], float]
    gradient: Callable[[Array, Array], Array]
    output_activations: tuple[str, ...] | None = None
    simplified: dict[str, Callable[[Array, Array], Array]] = field(default_factory=dict)

    def output_delta(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        """delta^L = dC_x/dz^L (BP1), simplified to a - y where the pair allows it."""
        simple = self.simplified.get(activation.name)
        if simple is not None:
            return simple(a, y)
        return activation.backward(z, a, self.gradient(a, y))


COSTS: dict[str, Cost] = {
    "quadratic": Cost("quadratic", quadratic_value, quadratic_gradient),
    "cross_entropy": Cost(
        "cross_entropy",
        binary_cross_entropy_value,
        binary_cross_entropy_gradient,
        output_activations=("sigmoid", "softmax"),
        simplified={"sigmoid": output_minus_target},
    ),
    "categorical_cross_entropy": Cost(
        "categorical_cross_entropy",
        categorical_cross_entropy_value,
        categorical_cross_entropy_gradient,
        output_activations=("softmax", "sigmoid"),
        simplified={"softmax": output_minus_target},
    ),
}
