"""Optimiser steps and learning-rate schedules, worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import gradient_of
from digitnet import SGD, Adam, Momentum, Nesterov, Network, TrainingConfig


def params() -> list[np.ndarray]:
    """One layer: W (1, 2) and b (1,)."""
    return [np.array([[1.0, -2.0]]), np.array([0.5])]


G = [np.array([[0.5, -1.0]]), np.array([2.0])]  # a fixed gradient (dC/dW, dC/db)


def test_one_sgd_step_worked_by_hand() -> None:
    """A single linear neuron, one example, quadratic cost: every number by hand.

    x = (1, 2), W = (0.5, -1), b = 0.5, y = 0:  z = 0.5 - 2 + 0.5 = -1 = a,
    delta = a - y = -1,  dC/dW = delta x = (-1, -2),  dC/db = delta = -1,
    and with eta = 0.1:  W = (0.5 + 0.1, -1 + 0.2) = (0.6, -0.8),  b = 0.5 + 0.1 = 0.6.
    """
    net = Network.from_arrays([np.array([[0.5, -1.0]])], [np.array([0.5])], "identity",
                              "identity", "quadratic")  # float64, as the arrays are
    X, Y = np.array([[1.0, 2.0]]), np.array([[0.0]])
    forward = net.forward(X)
    gradient = net.backward(forward, net.output_error(forward, Y))
    np.testing.assert_allclose(gradient.layers[0].weights, [[-1.0, -2.0]])
    np.testing.assert_allclose(gradient.layers[0].biases, [-1.0])
    SGD().step(net.parameters(), gradient, 0.1)
    np.testing.assert_allclose(net.weights[0], [[0.6, -0.8]])
    np.testing.assert_allclose(net.biases[0], [0.6])


def test_sgd_step_by_hand() -> None:
    w = params()
    SGD().step(w, gradient_of(G), 0.1)
    np.testing.assert_allclose(w[0], [[0.95, -1.9]])
    np.testing.assert_allclose(w[1], [0.3])


def test_sgd_is_eta_over_m_times_the_sum_of_per_example_gradients() -> None:
    """w <- w - eta/m sum_x dC_x/dw: the mean-cost gradient from backprop does exactly that."""
    net = Network([3, 2], dtype=np.float64, seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.random((4, 3)), np.eye(2)[[0, 1, 1, 0]]
    per_example = [net.gradients(X[i:i + 1], Y[i:i + 1])[0][0] for i in range(4)]
    w_before = net.weights[0].copy()
    forward = net.forward(X)
    SGD().step(net.parameters(), net.backward(forward, net.output_error(forward, Y)), 0.5)
    np.testing.assert_allclose(net.weights[0], w_before - 0.5 / 4 * sum(per_example))


def test_momentum_two_steps_by_hand() -> None:
    w, g = params(), gradient_of(G)
    opt = Momentum(momentum=0.9)
    opt.step(w, g, 0.1)  # v = -0.1 g = [-0.05, 0.1]; w = [0.95, -1.9]
    opt.step(w, g, 0.1)  # v = 0.9 v - 0.1 g = [-0.095, 0.19]; w = [0.855, -1.71]
    np.testing.assert_allclose(w[0], [[0.855, -1.71]])
    np.testing.assert_allclose(w[1], [0.5 - 0.2 - 0.38])


def test_nesterov_two_steps_by_hand() -> None:
    w, g = params(), gradient_of(G)
    opt = Nesterov(momentum=0.9)
    opt.step(w, g, 0.1)  # v = [-0.05, 0.1]; w += 0.9 v - 0.1 g = [-0.095, 0.19]
    np.testing.assert_allclose(w[0], [[0.905, -1.81]])
    opt.step(w, g, 0.1)  # v = [-0.095, 0.19]; w += 0.9 v - 0.1 g = [-0.1355, 0.271]
    np.testing.assert_allclose(w[0], [[0.7695, -1.539]])


def test_adam_steps_match_the_textbook_formula() -> None:
    """Three steps with three different gradients (with a constant one, the bias-corrected
    averages are the gradient itself whatever beta1 and beta2 are)."""
    w = params()
    opt = Adam()
    expected = [p.copy() for p in w]
    m = [np.zeros_like(p) for p in w]
    v = [np.zeros_like(p) for p in w]
    for t, scale in ((1, 1.0), (2, -3.0), (3, 0.5)):
        g = [scale * G[0] + [[0.0, 0.2 * t]], scale * G[1]]
        opt.step(w, gradient_of(g), 0.01)
        for i in range(2):
            m[i] = 0.9 * m[i] + 0.1 * g[i]
            v[i] = 0.999 * v[i] + 0.001 * g[i] ** 2
            m_hat, v_hat = m[i] / (1 - 0.9**t), v[i] / (1 - 0.999**t)
            expected[i] -= 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
    for got, want in zip(w, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    # The first Adam step moves every parameter by about eta, whatever the gradient's size.
    w2 = params()
    Adam().step(w2, gradient_of([1000 * x for x in G]), 0.01)
    np.testing.assert_allclose(np.abs(w2[0] - params()[0]), 0.01, rtol=1e-6)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam"])
def test_weight_decay_enters_every_optimiser_once(name: str) -> None:
    """The decayed gradient is dC/dW + lambda W for the weights and dC/db for the biases."""
    config = TrainingConfig(optimizer=name, learning_rate=0.1)
    plain, decayed = params(), params()
    config.make_optimizer().step(plain, gradient_of([G[0] + 0.5 * plain[0], G[1]]), 0.1)
    config.make_optimizer().step(decayed, gradient_of(G).with_weight_decay(0.5, [decayed[0]]),
                                 0.1)
    for got, want in zip(decayed, plain, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_schedules() -> None:
    constant = TrainingConfig(learning_rate=0.5, epochs=10)
    assert [constant.learning_rate_at(e) for e in (0, 9)] == [0.5, 0.5]
    step = constant.replace(schedule="step", step_size=3, gamma=0.5)
    assert [step.learning_rate_at(e) for e in range(7)] == [0.5, 0.5, 0.5, 0.25, 0.25, 0.25,
                                                           0.125]
    cosine = constant.replace(schedule="cosine")
    assert cosine.learning_rate_at(0) == 0.5
    assert cosine.learning_rate_at(5) == pytest.approx(0.25)
    assert cosine.learning_rate_at(9) == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.9)) / 2)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam"])
def test_every_optimizer_minimises_a_quadratic_bowl(name: str) -> None:
    """f(w) = 1/2 ||w - target||^2 has gradient w - target; each optimiser must reach target."""
    target = np.array([[3.0, -1.0]])
    w = [np.zeros((1, 2)), np.zeros(1)]
    config = TrainingConfig(optimizer=name, learning_rate=0.05 if name == "adam" else 0.1)
    optimizer = config.make_optimizer()
    for _ in range(400):
        optimizer.step(w, gradient_of([w[0] - target, w[1] - 1.0]), config.learning_rate)
    np.testing.assert_allclose(w[0], target, atol=1e-2)
    np.testing.assert_allclose(w[1], [1.0], atol=1e-2)
