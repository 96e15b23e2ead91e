"""Checking backpropagation against the definition of a derivative.

For every parameter p, the central difference

    dC/dp  ~  (C(p + eps) - C(p - eps)) / (2 eps)

approximates the derivative with an error of order eps^2. Backpropagation gives all the
derivatives at once; if it is right, the two agree to many digits. The check is slow (two cost
evaluations per parameter), so it is for small networks, in float64.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .activations import Array
from .errors import InputError
from .network import Network


@dataclass(frozen=True)
class GradientCheck:
    """The largest relative error between backprop and central differences, over all layers.

    For each parameter array, relative error = ||g - n|| / (||g|| + ||n||), with g from
    backprop and n from central differences (0 when both are exactly zero).
    """

    max_relative_error: float
    max_absolute_error: float
    num_checked: int

    def passed(self, tolerance: float = 1e-6) -> bool:
        return self.max_relative_error < tolerance


def numerical_gradients(
    network: Network, X: Array, Y: Array, epsilon: float = 1e-6
) -> list[tuple[Array, Array]]:
    """Central-difference estimates of dC/dW and dC/db for every layer (slow: for checking)."""
    estimates: list[tuple[Array, Array]] = []
    for w, b in zip(network.weights, network.biases, strict=True):
        pair = []
        for p in (w, b):
            grad = np.zeros_like(p, dtype=np.float64)
            flat, flat_grad = p.reshape(-1), grad.reshape(-1)
            for i in range(flat.size):
                original = flat[i]
                flat[i] = original + epsilon
                cost_plus = network.cost_value(X, Y)
                flat[i] = original - epsilon
                cost_minus = network.cost_value(X, Y)
                flat[i] = original
                flat_grad[i] = (cost_plus - cost_minus) / (2 * epsilon)
            pair.append(grad)
        estimates.append((pair[0], pair[1]))
    return estimates


def compare_gradients(
    analytic: Sequence[tuple[Array, Array]], numeric: Sequence[tuple[Array, Array]]
) -> GradientCheck:
    """Compare a gradient [(dC/dW, dC/db), ...] with central-difference estimates of it.

    For each array, relative error = ||g - n|| / (||g|| + ||n||). A 1% error in one element
    g_i shows as about 0.01 |g_i| / (2 ||g||): in a small network, far above the tolerance.
    """
    worst_rel, worst_abs, count = 0.0, 0.0, 0
    for (dw, db), (nw, nb) in zip(analytic, numeric, strict=True):
        for a, n in ((dw, nw), (db, nb)):
            if np.shape(a) != np.shape(n):
                raise InputError(f"a gradient of shape {np.shape(a)} cannot be compared with "
                                 f"one of shape {np.shape(n)}")
            diff = np.abs(a - n)
            scale = float(np.linalg.norm(a) + np.linalg.norm(n))
            relative = float(np.linalg.norm(diff)) / scale if scale > 0 else 0.0
            worst_rel = max(worst_rel, relative)
            worst_abs = max(worst_abs, float(diff.max(initial=0.0)))
            count += np.size(a)
    return GradientCheck(worst_rel, worst_abs, count)


def check_gradients(network: Network, X: Array, Y: Array, epsilon: float = 1e-6) -> GradientCheck:
    """Compare ``network.gradients(X, Y)`` with central differences; use a float64 network."""
    return compare_gradients(network.gradients(X, Y),
                             numerical_gradients(network, X, Y, epsilon))
