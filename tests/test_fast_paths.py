"""The optimised paths give the plain formulas' numbers, and float32 stays float32.

The reference here is the textbook, written out in the test: one example at a time through
backpropagation in float64 (column vectors, as in the classic book), explicit derivatives and the
full softmax Jacobian; optimiser steps as their formulas read. The library's batched, in-place,
fused code must agree to float64 rounding in float64 and to float32 rounding in float32.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from digitnet import SGD, Adam, Momentum, Nesterov, Network, TrainingConfig, optimizers, train
from digitnet.descent import gradient_step
from digitnet.optimizers import BLOCK, FLUSH_EVERY
from digitnet.training import all_finite

F64 = np.ndarray


# --- the textbook, one example at a time, float64 ------------------------------------------
def sigma(name: str, z: F64) -> F64:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "tanh":
        return np.tanh(z)
    if name == "identity":
        return z
    e = np.exp(z - z.max())  # softmax
    return e / e.sum()


def jacobian(name: str, z: F64) -> F64:
    """da/dz as a matrix (n, n): diagonal sigma'(z) for element-wise activations."""
    a = sigma(name, z)[:, 0]
    derivative = {
        "sigmoid": lambda: a * (1 - a),
        "relu": lambda: (z[:, 0] > 0).astype(float),
        "leaky_relu": lambda: np.where(z[:, 0] > 0, 1.0, 0.01),
        "tanh": lambda: 1 - a**2,
        "identity": lambda: np.ones_like(a),
    }
    if name == "softmax":
        return np.diag(a) - np.outer(a, a)
    return np.diag(derivative[name]())


def cost_gradient(cost: str, a: F64, y: F64) -> F64:
    """dC_x/da for one example."""
    if cost == "quadratic":
        return a - y
    if cost == "cross_entropy":
        return (a - y) / (a * (1 - a))
    return -y / a  # categorical cross-entropy


def textbook_gradients(net: Network, X: F64, Y: F64) -> list[tuple[F64, F64]]:
    """(1/m) sum_x of BP1-BP4 for each example x, in float64."""
    weights = [w.astype(np.float64) for w in net.weights]
    biases = [b.astype(np.float64)[:, None] for b in net.biases]
    names = [net.activation.name] * (net.num_layers - 1) + [net.output_activation.name]
    total = [(np.zeros_like(w), np.zeros_like(b)) for w, b in zip(weights, biases, strict=True)]
    for x, y in zip(X.astype(np.float64), Y.astype(np.float64), strict=True):
        a, activations, zs = x[:, None], [x[:, None]], []
        for w, b, name in zip(weights, biases, names, strict=True):
            z = w @ a + b
            a = sigma(name, z)
            zs.append(z)
            activations.append(a)
        delta = jacobian(names[-1], zs[-1]).T @ cost_gradient(net.cost.name, a, y[:, None])  # BP1
        for layer in range(net.num_layers - 1, -1, -1):
            dW, db = total[layer]
            dW += delta @ activations[layer].T  # BP4
            db += delta  # BP3
            if layer > 0:
                delta = jacobian(names[layer - 1], zs[layer - 1]).T @ (weights[layer].T @ delta)
    m = X.shape[0]
    return [(dW / m, db[:, 0] / m) for dW, db in total]


COMBOS = [
    ("sigmoid", "sigmoid", "quadratic"),
    ("sigmoid", "sigmoid", "cross_entropy"),  # fused: delta^L = a - y
    ("relu", "softmax", "categorical_cross_entropy"),  # fused: delta^L = a - y
    ("tanh", "softmax", "cross_entropy"),  # not fused: the softmax Jacobian
    ("leaky_relu", "identity", "quadratic"),
    ("relu", "sigmoid", "categorical_cross_entropy"),
]


def batch(sizes: list[int], m: int = 7, seed: int = 0) -> tuple[F64, F64]:
    rng = np.random.default_rng(seed)
    X = rng.random((m, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], m)]
    return X, Y


@pytest.mark.parametrize(("activation", "output", "cost"), COMBOS)
def test_batched_gradients_equal_the_per_example_textbook_in_float64(
    activation: str, output: str, cost: str
) -> None:
    sizes = [6, 5, 4, 3]
    net = Network(sizes, activation, output, cost, "xavier", np.float64, seed=1)
    X, Y = batch(sizes)
    for (dW, db), (rW, rb) in zip(net.gradients(X, Y), textbook_gradients(net, X, Y),
                                  strict=True):
        np.testing.assert_allclose(dW, rW, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(db, rb, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("activation", "output", "cost"), COMBOS)
def test_float32_gradients_agree_to_float32_rounding(activation: str, output: str,
                                                     cost: str) -> None:
    sizes = [20, 12, 10]
    net = Network(sizes, activation, output, cost, "xavier", np.float32, seed=2)
    X, Y = batch(sizes, m=16, seed=3)
    gradients = net.gradients(X.astype(np.float32), Y.astype(np.float32))
    for (dW, db), (rW, rb) in zip(gradients, textbook_gradients(net, X.astype(np.float32), Y),
                                  strict=True):
        assert dW.dtype == db.dtype == np.float32
        scale = max(np.abs(rW).max(), np.abs(rb).max(), 1e-3)
        np.testing.assert_allclose(dW, rW, rtol=1e-4, atol=1e-5 * scale)
        np.testing.assert_allclose(db, rb, rtol=1e-4, atol=1e-5 * scale)


# --- one optimiser step against its formula -----------------------------------------------------
def plain_steps(kind: str, w: F64, g: F64, eta: float, steps: int) -> F64:
    """The optimiser's formula as its docstring writes it, in float64, ``steps`` times."""
    w, v, m = w.astype(np.float64), np.zeros_like(w, np.float64), np.zeros_like(w, np.float64)
    for t in range(1, steps + 1):
        if kind == "sgd":
            w = w - eta * g
        elif kind == "momentum":
            v = 0.9 * v - eta * g
            w = w + v
        elif kind == "nesterov":
            v = 0.9 * v - eta * g
            w = w + 0.9 * v - eta * g
        else:
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
            w = w - eta * m_hat / (np.sqrt(v_hat) + 1e-8)
    return w


OPTIMIZERS: dict[str, Callable[[], SGD | Momentum | Nesterov | Adam]] = {
    "sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adam": Adam}


@pytest.mark.parametrize("kind", list(OPTIMIZERS))
def test_in_place_optimiser_steps_equal_the_formulas_in_float32(kind: str) -> None:
    sizes = [30, 20, 10]
    net = Network(sizes, "relu", "softmax", "categorical_cross_entropy", "he", np.float32, 4)
    X, Y = batch(sizes, m=32, seed=5)
    forward = net.forward(X.astype(np.float32))
    gradient = net.backward(forward, net.output_error(forward, Y.astype(np.float32)))
    flat = gradient.arrays()
    before = [p.copy() for p in net.parameters()]
    optimizer = OPTIMIZERS[kind]()
    eta = np.float64(0.01)  # a NumPy float64 learning rate must not promote anything
    for _ in range(3):
        optimizer.step(net.parameters(), gradient, eta)  # type: ignore[arg-type]
    for p, p0, g in zip(net.parameters(), before, flat, strict=True):
        assert p.dtype == np.float32
        expected = plain_steps(kind, p0, g.astype(np.float64), 0.01, 3)
        np.testing.assert_allclose(p, expected, rtol=2e-6, atol=2e-7)
    state = [*getattr(optimizer, "velocities", []), *getattr(optimizer, "m", []),
             *getattr(optimizer, "v", [])]
    assert all(s.dtype == np.float32 for s in state)


@pytest.mark.parametrize(("sizes", "largest_block"),
                         [([300, 250, 10], (BLOCK // 300) * 300), ([40_000, 3, 2], 40_000)])
def test_adam_in_blocks_equals_the_formula_on_arrays_of_several_blocks(
        sizes: list[int], largest_block: int) -> None:
    """Adam updates a block of rows of at most BLOCK elements at a time: a 250x300 weight
    matrix is two full blocks of 109 rows and a ragged one; a row of 40,000 weights, longer
    than BLOCK, is a block of its own. Every element must take the formula's step."""
    net = Network(sizes, "relu", "softmax", "categorical_cross_entropy", "he", np.float32, 4)
    X, Y = batch(sizes, m=16, seed=5)
    forward = net.forward(X.astype(np.float32))
    gradient = net.backward(forward, net.output_error(forward, Y.astype(np.float32)))
    before = [p.copy() for p in net.parameters()]
    optimizer = Adam()
    for _ in range(2):
        optimizer.step(net.parameters(), gradient, 0.01)
    for p, p0, g in zip(net.parameters(), before, gradient.arrays(), strict=True):
        expected = plain_steps("adam", p0, g.astype(np.float64), 0.01, 2)
        np.testing.assert_allclose(p, expected, rtol=2e-6, atol=2e-7)
    assert optimizer.scratch.size == largest_block


def test_adam_takes_the_same_steps_whatever_the_memory_layout() -> None:
    """Moments restored from a file may come in Fortran order: the blocks of rows are views
    of any layout, so the steps are bit for bit those of C-ordered arrays."""
    sizes = [300, 250, 10]
    nets = [Network(sizes, "relu", "softmax", "categorical_cross_entropy", "he", np.float32, 4)
            for _ in range(2)]
    X, Y = batch(sizes, m=16, seed=5)
    forward = nets[0].forward(X.astype(np.float32))
    gradient = nets[0].backward(forward, nets[0].output_error(forward, Y.astype(np.float32)))
    c_order, f_order = Adam(), Adam()
    c_order.step(nets[0].parameters(), gradient, 0.01)
    f_order.step(nets[1].parameters(), gradient, 0.01)
    f_order.m = [np.asfortranarray(m) for m in f_order.m]
    f_order.v = [np.asfortranarray(v) for v in f_order.v]
    assert not f_order.m[0].flags.c_contiguous
    for _ in range(2):
        c_order.step(nets[0].parameters(), gradient, 0.01)
        f_order.step(nets[1].parameters(), gradient, 0.01)
    for mine, theirs in zip(nets[0].parameters(), nets[1].parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    for mine, theirs in zip(c_order.m + c_order.v, f_order.m + f_order.v, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def memories(optimizer: Momentum | Nesterov | Adam) -> list[np.ndarray]:
    """What an optimiser remembers between steps: Adam's m then v, or the velocities."""
    return (optimizer.m + optimizer.v if isinstance(optimizer, Adam)
            else list(optimizer.velocities))


@pytest.mark.parametrize("kind", ["adam", "momentum", "nesterov"])
def test_subnormal_memories_are_set_to_zero_and_the_weights_do_not_change(
        kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pixels inked in the first mini-batch only: the memory of their weights (Adam's m, the
    velocity) decays by 0.9 a step into float32's slow subnormal numbers and sticks there. The
    optimiser sets those to zero every FLUSH_EVERY steps, and every weight stays bit for bit
    what it is without that."""
    sizes = [20, 6, 3]
    X, Y = (a.astype(np.float32) for a in batch(sizes, m=8, seed=5))
    blank = X.copy()
    blank[:, :10] = 0  # the first ten pixels, blank after the first step
    runs = []
    for flush_every in (FLUSH_EVERY, 10**9):
        monkeypatch.setattr(optimizers, "FLUSH_EVERY", flush_every)
        net = Network(sizes, "relu", "softmax", "categorical_cross_entropy", "he", np.float32, 4)
        optimizer = OPTIMIZERS[kind]()
        assert not isinstance(optimizer, SGD)
        for step in range(16 * FLUSH_EVERY):
            forward = net.forward(X if step == 0 else blank)
            optimizer.step(net.parameters(), net.backward(forward, net.output_error(forward, Y)),
                           0.01)
        runs.append((net, memories(optimizer)))
    (flushed, flushed_memory), (kept, kept_memory) = runs

    def subnormal(a: np.ndarray) -> np.ndarray:
        return (a != 0) & (np.abs(a) < np.finfo(np.float32).tiny)

    assert subnormal(kept_memory[0]).sum() >= 6 * 10 // 2  # what the flush is for
    assert not any(subnormal(a).any() for a in flushed_memory)
    for mine, theirs in zip(flushed.parameters(), kept.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    for mine, theirs in zip(flushed_memory, kept_memory, strict=True):
        np.testing.assert_array_equal(mine, np.where(subnormal(theirs), 0, theirs))


def test_one_training_step_is_backprop_then_the_optimiser() -> None:
    """gradient_step = the textbook gradient, then w <- w - eta g (float32 rounding)."""
    config = TrainingConfig(layers=(12, 8, 4), activation="sigmoid", output_activation="sigmoid",
                            cost="quadratic", init="normal", optimizer="sgd", learning_rate=3.0,
                            mini_batch_size=10)
    net = Network(config.layers, "sigmoid", "sigmoid", "quadratic", "normal", np.float32, 6)
    X, Y = batch(list(config.layers), m=10, seed=7)
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    reference = textbook_gradients(net, X32, Y32)
    before = [(w.astype(np.float64), b.astype(np.float64)) for w, b in
              zip(net.weights, net.biases, strict=True)]
    gradient_step(net, config.make_optimizer(), X32, Y32, 3.0, config,
                  np.random.default_rng(0))
    for (w, b), (w0, b0), (dW, db) in zip(zip(net.weights, net.biases, strict=True), before,
                                          reference, strict=True):
        np.testing.assert_allclose(w, w0 - 3.0 * dW, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(b, b0 - 3.0 * db, rtol=1e-5, atol=1e-5)


# --- float32 in, float32 out -----------------------------------------------------------------
@pytest.mark.parametrize(("activation", "output", "cost"), COMBOS)
def test_float32_everywhere(activation: str, output: str, cost: str) -> None:
    sizes = [16, 8, 8, 4]
    net = Network(sizes, activation, output, cost, "xavier", np.float32, seed=8)
    X, Y = batch(sizes, m=9, seed=9)
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    forward = net.forward(X32, dropout=0.2, rng=np.random.default_rng(0))
    arrays = [*forward.zs, *forward.activations, *forward.inputs,
              *(m for m in forward.masks if m is not None)]
    assert all(a.dtype == np.float32 for a in arrays)
    assert all(g.dtype == np.float32 for pair in net.gradients(X32, Y32) for g in pair)
    assert net.feedforward(X32).dtype == np.float32
    assert net.feedforward(X32[0]).dtype == np.float32
    assert net.feedforward(X).dtype == np.float32  # float64 input is converted, not kept


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
def test_training_keeps_parameters_and_state_float32(optimizer: str) -> None:
    config = TrainingConfig(layers=(16, 8, 4), activation="relu", output_activation="softmax",
                            cost="categorical_cross_entropy", init="he", optimizer=optimizer,
                            learning_rate=0.01, schedule="cosine", mini_batch_size=8, epochs=2,
                            weight_decay=1e-3)
    net = Network(config.layers, "relu", "softmax", "categorical_cross_entropy", "he",
                  np.float32, 10)
    rng = np.random.default_rng(11)
    X, labels = rng.random((40, 16)), rng.integers(0, 4, 40)  # float64 input on purpose
    history = train(net, X, labels, config)
    assert history.stop_reason == "completed"
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_chunked_finite_check_matches_the_whole_array_check() -> None:
    X = np.zeros((10_000, 3), np.float32)
    assert all_finite(X)
    for bad in (np.nan, np.inf, -np.inf):
        for row in (0, 4095, 4096, -1):  # the first, either side of a chunk edge, the last
            Y = X.copy()
            Y[row, -1] = bad
            assert not all_finite(Y)
    assert all_finite(np.zeros((0, 3), np.float32))
