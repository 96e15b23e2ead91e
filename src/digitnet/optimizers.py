"""Optimisers: how a gradient turns into a step for the parameters.

Gradient descent moves every parameter against its gradient, scaled by the learning rate eta:
w <- w - eta dC/dw. The learning rate lives here and nowhere else. ``step(parameters, gradient,
eta)`` changes the parameter arrays ([W_0, b_0, W_1, b_1, ...], as ``Network.parameters()``
gives them) in place; ``gradient`` is what backpropagation returned for a mini-batch, the
gradient of the mean cost, so plain SGD is exactly w <- w - (eta/m) sum_x dC_x/dw.

Each optimiser keeps its own state (velocities, moment estimates), one array per parameter,
created at the first step, in the parameters' dtype.

Speed: the updates work in place (``out=``) on that state and on one scratch buffer, so a step
allocates nothing and never leaves float32 (``eta`` is turned into a Python float first: a NumPy
float64 scalar would silently promote a float32 product to float64). Each class's docstring holds
the plain formula, and ``tests/test_fast_paths.py`` checks the in-place version against it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .activations import Array
from .gradients import Gradient


@dataclass
class SGD:
    """Plain stochastic gradient descent: w <- w - eta dC/dw,  b <- b - eta dC/db.

    By BP3 and BP4, eta dC/dW = (eta/m) sum_x delta_x a_x^T = ((eta/m) delta).T @ inputs, so the
    step multiplies the small error matrix delta (m, n_out) by eta/m instead of multiplying the
    large gradient (n_out, n_in) by eta: the same numbers, one subtraction per parameter, no
    temporary the size of W. (With weight decay the gradient gains lambda W and is used as is.)
    """

    def step(self, parameters: Sequence[Array], gradient: Gradient, eta: float) -> None:
        eta = float(eta)  # a Python float keeps float32 arrays float32
        # eta/m as a 0-d array of the parameters' dtype: float32 stays float32, and NumPy
        # multiplies a small array by it faster than by a Python float (no conversion per call).
        eta_over_m = np.array(eta / len(gradient.layers[0].delta), parameters[0].dtype)
        for index, layer in enumerate(gradient.layers):
            w, b = parameters[2 * index], parameters[2 * index + 1]
            if layer.weight_decay:
                w -= eta * layer.weights
                b -= eta * layer.biases
                continue
            eta_delta = layer.delta * eta_over_m  # (m, n_out)
            w -= eta_delta.T @ layer.inputs  # w <- w - eta dC/dW  (n_out, n_in)
            b -= eta_delta.sum(axis=0)  # b <- b - eta dC/db  (n_out,)


# A memory whose gradient stays zero (of a dead ReLU's weights, or of a pixel that is nearly always
# blank) decays towards zero, m by b1 = 0.9 a step, and some 800 steps later falls below float32's
# smallest normal number, 1.2e-38, among the subnormal numbers. Each operation on one of those is
# many times slower, and the decay stops short of zero: once m is a few times the smallest of
# them, 1.4e-45, 0.1 (0 - m) rounds to 0 and m += 0.1 (0 - m) leaves m as it is. In
# `best-augmented`, 44,000 of the second layer's m were subnormal by epoch 5, and a run that takes
# 487 s without them took 693 s. So the optimisers with a memory set its subnormal values to zero
# every FLUSH_EVERY steps. A subnormal velocity moves a weight by less than 1.2e-38, a subnormal m
# by at most eta x 1.2e-29 (for eta <= 1, less than half the spacing of the float32 numbers
# around any weight larger than 1e-22 in size), and a subnormal v is lost in epsilon: the weights
# stay the same, bit for bit (tests/test_fast_paths.py).
FLUSH_EVERY = 64


@dataclass
class Momentum:
    """Gradient descent with momentum: v <- mu v - eta g;  w <- w + v.

    The velocity v remembers past steps, so a ravine is crossed faster and noise averages out.
    """

    momentum: float = 0.9
    velocities: list[Array] = field(default_factory=list)
    t: int = 0  # steps taken, for the flush (see FLUSH_EVERY)

    def step(self, parameters: Sequence[Array], gradient: Gradient, eta: float) -> None:
        gradients = gradient.arrays()
        if not self.velocities:
            self.velocities = [np.zeros_like(w) for w in parameters]
        eta = float(eta)
        for w, g, v in zip(parameters, gradients, self.velocities, strict=True):
            v *= self.momentum
            v -= eta * g
            w += v
        self.t += 1
        if self.t % FLUSH_EVERY == 0:
            flush_subnormals(self.velocities)


@dataclass
class Nesterov:
    """Nesterov momentum: the gradient is taken as if the velocity had already been applied.

    v <- mu v - eta g;  w <- w + mu v - eta g   (the usual rewriting of the look-ahead step)
    """

    momentum: float = 0.9
    velocities: list[Array] = field(default_factory=list)
    t: int = 0  # steps taken, for the flush (see FLUSH_EVERY)

    def step(self, parameters: Sequence[Array], gradient: Gradient, eta: float) -> None:
        gradients = gradient.arrays()
        if not self.velocities:
            self.velocities = [np.zeros_like(w) for w in parameters]
        eta = float(eta)
        for w, g, v in zip(parameters, gradients, self.velocities, strict=True):
            v *= self.momentum
            v -= eta * g
            w += self.momentum * v
            w -= eta * g
        self.t += 1
        if self.t % FLUSH_EVERY == 0:
            flush_subnormals(self.velocities)


# Adam updates each array a block of rows of at most BLOCK elements at a time (a longer row is a
# block of its own; rows of an array are views of it, whatever its memory layout). The blocks of
# w, g, m, v and the scratch buffer (640 KB in float32) stay in the processor's cache for all
# nine passes over them, instead of each pass streaming whole matrices through memory: for
# 784-1024-1024-10, 5.4-7.5 ms a step instead of 8.5-9.7 ms, on one core of the shared 2-core
# test machine (`tests/test_fast_paths.py` checks the blocks against the formula).
BLOCK = 32_768


@dataclass
class Adam:
    """Adam: a step from running averages of the gradient and of its square.

    m <- b1 m + (1 - b1) g;       v <- b2 v + (1 - b2) g^2
    m_hat = m / (1 - b1^t);       v_hat = v / (1 - b2^t)
    w <- w - eta m_hat / (sqrt(v_hat) + epsilon)
    """

    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    t: int = 0
    m: list[Array] = field(default_factory=list)
    v: list[Array] = field(default_factory=list)
    scratch: Array = field(default_factory=lambda: np.empty(0, np.float32), repr=False)

    def step(self, parameters: Sequence[Array], gradient: Gradient, eta: float) -> None:
        gradients = gradient.arrays()
        if not self.m:
            self.m = [np.zeros_like(w) for w in parameters]
            self.v = [np.zeros_like(w) for w in parameters]
        if not self.scratch.size:  # a buffer, not state: made again after a restored m and v
            largest = max(min(len(w), rows_per_block(w)) * (w.size // len(w)) for w in parameters)
            self.scratch = np.empty(largest, parameters[0].dtype)  # the largest block
        self.t += 1
        # Both bias corrections folded into the step size: eta sqrt(1 - b2^t) / (1 - b1^t).
        # (math, not np: Python floats keep float32 arrays float32.)
        step_size = float(eta) * math.sqrt(1.0 - self.beta2**self.t) / (1.0 - self.beta1**self.t)
        epsilon_hat = self.epsilon * math.sqrt(1.0 - self.beta2**self.t)
        for w, g, m, v in zip(parameters, gradients, self.m, self.v, strict=True):
            rows = rows_per_block(w)
            for first in range(0, len(w), rows):  # a block of rows at a time, in the cache
                block = slice(first, first + rows)  # rows of any array are views of it
                self.update(w[block], g[block], m[block], v[block], step_size, epsilon_hat)
        if self.t % FLUSH_EVERY == 0:
            flush_subnormals([*self.m, *self.v])

    def update(self, w: Array, g: Array, m: Array, v: Array, step_size: float,
               epsilon_hat: float) -> None:
        """One block of the step, in place: its nine passes in a buffer that stays in cache."""
        s = self.scratch[:w.size].reshape(w.shape)  # one buffer reused: no allocation
        # m <- b1 m + (1 - b1) g, written as m += (1 - b1)(g - m)
        np.subtract(g, m, out=s)
        s *= 1.0 - self.beta1
        m += s
        # v <- b2 v + (1 - b2) g^2, written as v += (1 - b2)(g^2 - v)
        np.multiply(g, g, out=s)
        s -= v
        s *= 1.0 - self.beta2
        v += s
        # w <- w - step_size m / (sqrt(v) + epsilon_hat)
        np.sqrt(v, out=s)
        s += epsilon_hat
        np.divide(m, s, out=s)
        s *= step_size
        w -= s


def flush_subnormals(memories: Sequence[Array]) -> None:
    """Set every element smaller in size than its dtype's smallest normal number to zero."""
    for memory in memories:
        memory[np.abs(memory) < np.finfo(memory.dtype).tiny] = 0


def rows_per_block(w: Array) -> int:
    """How many rows of w (its first axis) make a block of at most BLOCK elements; at least 1."""
    return max(1, BLOCK // (w.size // len(w)))


Optimizer = SGD | Momentum | Nesterov | Adam

OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adam": Adam,
}
