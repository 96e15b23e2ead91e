"""The walk downhill: the cost on a plane through the parameters, and two paths across it.

The network has thousands of parameters, so its cost is a surface over thousands of dimensions;
a plane through the starting point theta_0 shows a slice of it:

    C(alpha, beta) = C(theta_0 + alpha d_1 + beta d_2)

The plane is spanned by the two principal directions of the recorded descent paths (the
directions they move most along: the paths then lie nearly in the plane), or by two random
directions whose part for each layer has that layer's norm ("filter normalisation", Li et al.
2018, so that every layer is moved in proportion to its size).

From theta_0 two walks are recorded: full-batch gradient descent (the gradient of the cost on
all the examples, every step) and stochastic gradient descent (the gradient on a mini-batch of
m examples, a different one each step). Each point is projected onto the plane; ``costs`` of a
path are the true costs of its points. With a small learning rate the full-batch walk never goes
uphill; the stochastic one stumbles, "like a drunk man", but each of its steps costs m/n as much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..activations import Array
from ..errors import InputError
from ..network import Network
from ..optimizers import SGD
from ..targets import one_hot

MAX_GRID = 41
MAX_STEPS = 200
DIRECTIONS = ("pca", "random")


@dataclass(frozen=True)
class Walk:
    """One descent path: its points on the plane (T + 1, 2) and their true costs (T + 1,)."""

    name: str
    coordinates: Array
    costs: Array


@dataclass(frozen=True)
class Landscape:
    """The cost on a grid over the plane, ``costs[i, j]`` at (alphas[j], betas[i]), and the
    walks of full-batch gradient descent and of mini-batch SGD from the plane's centre."""

    alphas: Array
    betas: Array
    costs: Array
    walks: tuple[Walk, Walk]
    directions: str
    learning_rate: float
    mini_batch_size: int


def flatten(network: Network) -> NDArray[np.float64]:
    """Every weight and bias in one vector theta, in the order of ``parameters()``."""
    return np.concatenate([p.ravel() for p in network.parameters()]).astype(np.float64)


def set_flat(network: Network, theta: NDArray[np.float64]) -> None:
    """Put the vector theta back into the network's arrays."""
    for p, values in zip(network.parameters(), unflatten(network, theta), strict=True):
        p[...] = values


def walk(network: Network, X: Array, Y: Array, learning_rate: float, steps: int,
         batch_size: int, rng: np.random.Generator) -> tuple[list[NDArray[np.float64]], Array]:
    """``steps`` steps of plain SGD from a copy of ``network``: theta_t and the cost C(theta_t)
    on all of X. ``batch_size`` >= len(X) is full-batch gradient descent."""
    net, n = network.copy(), X.shape[0]
    thetas, costs = [flatten(net)], [net.cost_value(X, Y)]
    order = rng.permutation(n)
    with np.errstate(over="ignore", invalid="ignore"):  # overshooting may blow up: inf costs
        for t in range(steps):
            rows = np.take(order, range(t * batch_size, (t + 1) * batch_size), mode="wrap")
            forward = net.forward(X[rows])
            gradient = net.backward(forward, net.output_error(forward, Y[rows]))
            SGD().step(net.parameters(), gradient, learning_rate)
            thetas.append(flatten(net))
            costs.append(net.cost_value(X, Y))
    return thetas, np.asarray(costs)


def plane(network: Network, displacements: NDArray[np.float64], directions: str,
          rng: np.random.Generator) -> NDArray[np.float64]:
    """Two directions (2, p): the paths' principal directions, or random ones scaled per layer."""
    if directions == "pca" and np.abs(displacements).max(initial=0.0) > 0:
        # The principal directions of the points D (T, p) are D.T u / sqrt(lambda) for the top
        # eigenvectors u of the small T x T matrix D D.T (the SVD of D, without its p x p side).
        values, vectors = np.linalg.eigh(displacements @ displacements.T)  # ascending
        top = vectors[:, ::-1][:, :2] / np.sqrt(np.maximum(values[::-1][:2], 1e-300))
        if values[-2] > 1e-12 * values[-1]:
            return np.asarray((displacements.T @ top).T)  # (2, p), orthonormal
    basis = rng.standard_normal((2, displacements.shape[1]))
    start = 0
    for p in network.parameters():  # each layer's part gets that layer's norm
        block = slice(start, start + p.size)
        norm = float(np.linalg.norm(p))
        basis[:, block] *= norm / np.linalg.norm(basis[:, block], axis=1, keepdims=True)
        start += p.size
    return basis


def landscape(network: Network, X: Array, labels: NDArray[np.integer], learning_rate: float,
              mini_batch_size: int = 10, steps: int = 30, directions: str = "pca",
              grid: int = 21, seed: int = 0, reach: float | None = None) -> Landscape:
    """The cost around ``network`` on the examples X (n, n_in) with their labels (n,).

    The grid spans [-reach, reach] on both axes: by default a quarter more than the walks go,
    or a given ``reach`` (to compare walks of different learning rates on one scale).
    """
    check_options(learning_rate, mini_batch_size, steps, directions, grid)
    if reach is not None and not (reach > 0 and math.isfinite(reach)):
        raise InputError(f"the reach must be a positive number, got {reach}")
    X = network.check_inputs(X)
    Y = one_hot(np.asarray(labels), network.sizes[-1], network.dtype)  # (n, n_L)
    rng = np.random.default_rng(seed)
    full = walk(network, X, Y, learning_rate, steps, X.shape[0], rng)
    sgd = walk(network, X, Y, learning_rate, steps, mini_batch_size, rng)
    theta0 = full[0][0]
    displacements = np.array(full[0][1:] + sgd[0][1:]) - theta0  # (2 steps, p)
    basis = plane(network, displacements, directions, rng)  # (2, p)
    walks = tuple(Walk(name, project(np.array(thetas) - theta0, basis), costs)
                  for name, (thetas, costs) in (("full-batch gradient descent", full),
                                                (f"SGD, mini-batches of {mini_batch_size}",
                                                 sgd)))
    if reach is None:
        reach = max(float(np.abs(np.vstack([w.coordinates for w in walks])).max()), 1e-3) * 1.25
    axis = np.linspace(-reach, reach, grid)
    return Landscape(axis, axis, surface(network, X, Y, theta0, basis, axis),
                     (walks[0], walks[1]), directions, float(learning_rate), mini_batch_size)


def project(displacements: NDArray[np.float64], basis: NDArray[np.float64]) -> Array:
    """Coordinates (T, 2) of each displacement on the plane: least squares onto the basis."""
    coordinates, *_ = np.linalg.lstsq(basis.T, displacements.T, rcond=None)
    result: Array = coordinates.T
    return result


def surface(network: Network, X: Array, Y: Array, theta0: NDArray[np.float64],
            basis: NDArray[np.float64], axis: Array) -> Array:
    """costs[i, j] = C(theta0 + axis[j] d_1 + axis[i] d_2) on all of X.

    The first layer's weighted input is linear in its weights: with W = W_0 + alpha D_1 +
    beta D_2, X W.T = X W_0.T + alpha X D_1.T + beta X D_2.T. Those three large products are made
    once; each point of the grid then costs only the small layers after them.
    """
    probe = network.copy()
    parts = [unflatten(network, theta) for theta in (theta0, basis[0], basis[1])]
    first = [X @ part[0].T for part in parts]  # (n, n_1) each
    rest = list(zip(probe.parameters()[1:], *(part[1:] for part in parts), strict=True))
    costs = np.empty((axis.size, axis.size))
    with np.errstate(over="ignore", invalid="ignore"):
        for i, beta in enumerate(axis):
            for j, alpha in enumerate(axis):
                for p, p0, p1, p2 in rest:  # every parameter but the first layer's weights
                    p[...] = p0 + alpha * p1 + beta * p2
                z = first[0] + alpha * first[1] + beta * first[2] + probe.biases[0]  # (n, n_1)
                a = probe.layer_activation(0)(z.astype(probe.dtype))  # (n, n_1)
                costs[i, j] = (probe.cost.value(probe.feedforward(a, start=1), Y)
                               if np.isfinite(a).all() else np.inf)  # overflowed: off the map
    return costs


def unflatten(network: Network, theta: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """theta cut back into arrays shaped like ``network.parameters()``."""
    arrays, start = [], 0
    for p in network.parameters():
        arrays.append(theta[start:start + p.size].reshape(p.shape))
        start += p.size
    return arrays


def check_options(learning_rate: float, mini_batch_size: int, steps: int, directions: str,
                  grid: int) -> None:
    if not (learning_rate > 0 and math.isfinite(learning_rate)):
        raise InputError(f"the learning rate must be a positive number, got {learning_rate}")
    if not 1 <= steps <= MAX_STEPS:
        raise InputError(f"steps must be 1..{MAX_STEPS}, got {steps}")
    if mini_batch_size < 1:
        raise InputError(f"the mini-batch size must be at least 1, got {mini_batch_size}")
    if directions not in DIRECTIONS:
        raise InputError(f"directions must be one of {', '.join(DIRECTIONS)}, got {directions}")
    if not 3 <= grid <= MAX_GRID:
        raise InputError(f"the grid must be 3..{MAX_GRID} points a side, got {grid}")
