"""Optimiser steps and learning-rate schedules, worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitnet import SGD, Adam, Momentum, Nesterov, TrainingConfig


def params() -> tuple[list[np.ndarray], list[np.ndarray]]:
    return [np.array([1.0, -2.0]), np.array([0.5])], [np.array([0.5, -1.0]), np.array([2.0])]


def test_sgd_step_by_hand() -> None:
    w, g = params()
    SGD().step(w, g, 0.1)
    np.testing.assert_allclose(w[0], [0.95, -1.9])
    np.testing.assert_allclose(w[1], [0.3])


def test_sgd_is_eta_over_m_times_the_sum_of_per_example_gradients() -> None:
    """w <- w - eta/m sum_x dC_x/dw: the mean-cost gradient from backprop does exactly that."""
    from digitnet import Network

    net = Network([3, 2], dtype=np.float64, seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.random((4, 3)), np.eye(2)[[0, 1, 1, 0]]
    per_example = [net.gradients(X[i:i + 1], Y[i:i + 1])[0][0] for i in range(4)]
    w_before = net.weights[0].copy()
    SGD().step(net.parameters(), [g for pair in net.gradients(X, Y) for g in pair], 0.5)
    np.testing.assert_allclose(net.weights[0], w_before - 0.5 / 4 * sum(per_example))


def test_momentum_two_steps_by_hand() -> None:
    w, g = params()
    opt = Momentum(momentum=0.9)
    opt.step(w, g, 0.1)  # v = -0.1 g = [-0.05, 0.1]; w = [0.95, -1.9]
    opt.step(w, g, 0.1)  # v = 0.9 v - 0.1 g = [-0.095, 0.19]; w = [0.855, -1.71]
    np.testing.assert_allclose(w[0], [0.855, -1.71])
    np.testing.assert_allclose(w[1], [0.5 - 0.2 - 0.38])


def test_nesterov_two_steps_by_hand() -> None:
    w, g = params()
    opt = Nesterov(momentum=0.9)
    opt.step(w, g, 0.1)  # v = [-0.05, 0.1]; w += 0.9 v - 0.1 g = [-0.095, 0.19]
    np.testing.assert_allclose(w[0], [0.905, -1.81])
    opt.step(w, g, 0.1)  # v = [-0.095, 0.19]; w += 0.9 v - 0.1 g = [-0.1355, 0.271]
    np.testing.assert_allclose(w[0], [0.7695, -1.539])


def test_adam_steps_match_the_textbook_formula() -> None:
    w, g = params()
    opt = Adam()
    expected = [p.copy() for p in w]
    m = [np.zeros_like(p) for p in w]
    v = [np.zeros_like(p) for p in w]
    for t in (1, 2, 3):
        opt.step(w, g, 0.01)
        for i in range(2):
            m[i] = 0.9 * m[i] + 0.1 * g[i]
            v[i] = 0.999 * v[i] + 0.001 * g[i] ** 2
            m_hat, v_hat = m[i] / (1 - 0.9**t), v[i] / (1 - 0.999**t)
            expected[i] -= 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
    for got, want in zip(w, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    # The first Adam step moves every parameter by about eta, whatever the gradient's size.
    w2, g2 = params()
    Adam().step(w2, [1000 * x for x in g2], 0.01)
    np.testing.assert_allclose(np.abs(w2[0] - params()[0][0]), 0.01, rtol=1e-6)


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
    target = np.array([3.0, -1.0])
    w = [np.zeros(2)]
    config = TrainingConfig(optimizer=name, learning_rate=0.05 if name == "adam" else 0.1)
    optimizer = config.make_optimizer()
    for _ in range(400):
        optimizer.step(w, [w[0] - target], config.learning_rate)
    np.testing.assert_allclose(w[0], target, atol=1e-2)
