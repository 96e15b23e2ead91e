"""Weight initialisation: where gradient descent starts.

Weights are drawn at random (identical weights would make every neuron of a layer learn the same
thing); biases start at zero except for the classic book's scheme, which draws them too.

* ``normal``: W_jk ~ N(0, 1) and b_j ~ N(0, 1), as in the classic book's ``network.py``.
  Large weighted inputs then saturate sigmoid neurons, which is why it learns slowly at first.
* ``xavier`` (LeCun): W_jk ~ N(0, 1/n_in), keeping the variance of z near 1.
* ``he``: W_jk ~ N(0, 2/n_in), the same idea for ReLU, which zeroes half of its inputs.

Shapes: weights (n_out, n_in), biases (n_out,).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .activations import Array

Initializer = Callable[[int, int, np.random.Generator], tuple[Array, Array]]


def normal(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    """W ~ N(0, 1), b ~ N(0, 1): the classic book's initialisation."""
    return rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)


def xavier(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    """W ~ N(0, 1/n_in), b = 0."""
    return rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), np.zeros(n_out)


def he(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    """W ~ N(0, 2/n_in), b = 0."""
    return rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in), np.zeros(n_out)


INITIALIZERS: dict[str, Initializer] = {"normal": normal, "xavier": xavier, "he": he}
