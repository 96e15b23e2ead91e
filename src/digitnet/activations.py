"""Activation functions: what a neuron does with its weighted input z.

A layer computes ``a' = sigma(W a + b)``: first the weighted input ``z = W a + b``, then the
activation ``a' = sigma(z)``. Backpropagation needs the derivative ``sigma'(z)``; each function
below sits next to its derivative.

Every activation offers two things:

* ``function(z)`` -> ``a``, the forward formula;
* ``backward(z, a, grad_a)`` -> ``grad_z``, the chain rule through the activation:
  ``dC/dz = sigma'(z) * dC/da`` for an element-wise activation. Softmax mixes the neurons of a
  layer, so its ``backward`` is the product with its Jacobian (see :func:`softmax_backward`).

Shapes: ``z``, ``a`` and ``grad_a`` are all (m, n) for a batch of m examples in rows.
All functions are numerically stable: no overflow warnings for any finite z.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]

LEAKY_SLOPE = 0.01


# --- sigmoid --------------------------------------------------------------------------------
def sigmoid(z: Array) -> Array:
    """sigma(z) = 1 / (1 + e^-z), computed as (1 + tanh(z/2)) / 2, which never overflows."""
    a = np.multiply(z, 0.5)
    np.tanh(a, out=a)
    # (1 + t)/2 as t/2 + 1/2 (the same float: halving is exact), with 1/2 as an array of a's
    # dtype: on a mini-batch's small arrays NumPy's time goes into each call, most of all into
    # turning a Python number into an array, which this does once instead of twice.
    half = np.array(0.5, a.dtype)
    a *= half
    a += half
    return a


def sigmoid_derivative(z: Array, a: Array) -> Array:
    """sigma'(z) = sigma(z) (1 - sigma(z)) = a (1 - a)."""
    return a * (1.0 - a)


# --- ReLU -----------------------------------------------------------------------------------
def relu(z: Array) -> Array:
    """relu(z) = max(0, z)."""
    return np.maximum(z, 0.0)


def relu_derivative(z: Array, a: Array) -> Array:
    """relu'(z) = 1 if z > 0 else 0."""
    return (z > 0).astype(z.dtype)


# --- leaky ReLU -----------------------------------------------------------------------------
def leaky_relu(z: Array) -> Array:
    """leaky_relu(z) = z if z > 0 else 0.01 z."""
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_derivative(z: Array, a: Array) -> Array:
    """leaky_relu'(z) = 1 if z > 0 else 0.01."""
    return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)


# --- tanh -----------------------------------------------------------------------------------
def tanh(z: Array) -> Array:
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return np.tanh(z)


def tanh_derivative(z: Array, a: Array) -> Array:
    """tanh'(z) = 1 - tanh(z)^2 = 1 - a^2."""
    return 1.0 - a * a


# --- identity -------------------------------------------------------------------------------
def identity(z: Array) -> Array:
    """identity(z) = z (a linear neuron)."""
    return z.copy()


def identity_derivative(z: Array, a: Array) -> Array:
    """identity'(z) = 1."""
    return np.ones_like(z)


# --- softmax (output layer) -----------------------------------------------------------------
def softmax(z: Array) -> Array:
    """softmax(z)_j = e^{z_j} / sum_k e^{z_k}, row by row.

    Subtracting the row maximum first changes nothing mathematically and keeps e^z <= 1.
    """
    a: Array = z - z.max(axis=1, keepdims=True)  # (m, n)
    np.exp(a, out=a)
    a /= a.sum(axis=1, keepdims=True)
    return a


def softmax_backward(z: Array, a: Array, grad_a: Array) -> Array:
    """dC/dz_j = a_j (dC/da_j - sum_k a_k dC/da_k): the Jacobian-vector product of softmax.

    The Jacobian is da_k/dz_j = a_k (delta_kj - a_j); multiplying it by dC/da gives the formula.
    """
    weighted = np.sum(grad_a * a, axis=1, keepdims=True)  # (m, 1)
    result: Array = a * (grad_a - weighted)
    return result


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative.

    ``derivative(z, a)`` is sigma'(z) for element-wise activations (it may use ``a = sigma(z)``
    when that is cheaper) and ``None`` for softmax, whose ``backward`` uses the full Jacobian.
    """

    name: str
    function: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array] | None
    jacobian_backward: Callable[[Array, Array, Array], Array] | None = None

    def __call__(self, z: Array) -> Array:
        return self.function(z)

    def backward(self, z: Array, a: Array, grad_a: Array) -> Array:
        """dC/dz from dC/da: sigma'(z) * dC/da, or the Jacobian product for softmax."""
        if self.jacobian_backward is not None:
            return self.jacobian_backward(z, a, grad_a)
        assert self.derivative is not None
        return self.derivative(z, a) * grad_a

    @property
    def elementwise(self) -> bool:
        return self.jacobian_backward is None


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative),
    "relu": Activation("relu", relu, relu_derivative),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "identity": Activation("identity", identity, identity_derivative),
    "softmax": Activation("softmax", softmax, None, softmax_backward),
}

HIDDEN_ACTIVATIONS = tuple(name for name, act in ACTIVATIONS.items() if act.elementwise)
