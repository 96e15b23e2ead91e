"""Every activation's derivative and every cost's formula, pinned against numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from digitnet import ACTIVATIONS, COSTS
from digitnet.activations import HIDDEN_ACTIVATIONS

ELEMENTWISE = [name for name in ACTIVATIONS if ACTIVATIONS[name].elementwise]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_difference(name: str) -> None:
    act = ACTIVATIONS[name]
    rng = np.random.default_rng(0)
    z = rng.uniform(-4, 4, size=(5, 7))
    z = z[np.abs(z) > 1e-3].reshape(-1, 1)  # away from the kinks of ReLU-like functions
    eps = 1e-6
    numeric = (act(z + eps) - act(z - eps)) / (2 * eps)
    assert act.derivative is not None
    np.testing.assert_allclose(act.derivative(z, act(z)), numeric, rtol=1e-6, atol=1e-9)


def test_softmax_backward_is_the_jacobian_product() -> None:
    softmax = ACTIVATIONS["softmax"]
    rng = np.random.default_rng(1)
    z, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    a = softmax(z)
    for row in range(3):
        jacobian = np.diag(a[row]) - np.outer(a[row], a[row])  # da_k/dz_j
        np.testing.assert_allclose(softmax.backward(z, a, g)[row:row + 1],
                                   (jacobian @ g[row])[None], rtol=1e-12)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_are_stable_for_huge_inputs(name: str, dtype: type) -> None:
    z = np.array([[-1e30, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e30]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = ACTIVATIONS[name](z)
        grad = ACTIVATIONS[name].backward(z, a, np.ones_like(z))
    assert a.dtype == dtype
    assert np.isfinite(a).all() and np.isfinite(grad).all()


def test_known_values() -> None:
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"](z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_array_equal(ACTIVATIONS["relu"](z), [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"](z), [[-0.02, 0.0, 3.0]])
    np.testing.assert_allclose(ACTIVATIONS["tanh"](z), np.tanh(z))
    np.testing.assert_array_equal(ACTIVATIONS["identity"](z), z)
    soft = ACTIVATIONS["softmax"](z)
    np.testing.assert_allclose(soft, np.exp(z) / np.exp(z).sum(), rtol=1e-12)
    assert set(HIDDEN_ACTIVATIONS) == {"sigmoid", "relu", "leaky_relu", "tanh", "identity"}


def test_relu_derivatives_at_the_kink() -> None:
    """At z = 0 exactly, relu'(0) = 0 and leaky_relu'(0) = 0.01: the 'else' of the formulas."""
    z = np.array([[-1.0, 0.0, 1.0]])
    for name, slope in (("relu", 0.0), ("leaky_relu", 0.01)):
        derivative = ACTIVATIONS[name].derivative
        assert derivative is not None
        np.testing.assert_array_equal(derivative(z, ACTIVATIONS[name](z)), [[slope, slope, 1.0]])


def test_quadratic_cost_by_hand() -> None:
    a = np.array([[0.5, 0.25], [1.0, 0.0]])
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    # C = 1/(2*2) * ((0.25 + 0.0625) + 0) = 0.078125
    assert COSTS["quadratic"].value(a, y) == pytest.approx(0.078125)
    np.testing.assert_array_equal(COSTS["quadratic"].gradient(a, y), a - y)


def test_cross_entropies_by_hand() -> None:
    a = np.array([[0.8, 0.2]])
    y = np.array([[1.0, 0.0]])
    expected_binary = -(np.log(0.8) + np.log(0.8))
    assert COSTS["cross_entropy"].value(a, y) == pytest.approx(expected_binary)
    assert COSTS["categorical_cross_entropy"].value(a, y) == pytest.approx(-np.log(0.8))
    eps = 1e-7
    for name in ("cross_entropy", "categorical_cross_entropy"):
        cost = COSTS[name]
        step = np.array([[eps, 0.0]])
        numeric = (cost.value(a + step, y) - cost.value(a - step, y)) / (2 * eps)
        assert cost.gradient(a, y)[0, 0] == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize(("cost", "activation"),
                         [("cross_entropy", "sigmoid"), ("categorical_cross_entropy", "softmax")])
def test_simplified_delta_equals_the_general_chain_rule(cost: str, activation: str) -> None:
    """BP1 simplifies to a - y for these pairs; the long way round must agree."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(4, 10))
    y = np.eye(10)[rng.integers(0, 10, 4)]
    act = ACTIVATIONS[activation]
    a = act(z)
    long_way = act.backward(z, a, COSTS[cost].gradient(a, y))
    np.testing.assert_allclose(COSTS[cost].output_delta(z, a, y, act), a - y, atol=1e-12)
    np.testing.assert_allclose(long_way, a - y, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ["cross_entropy", "categorical_cross_entropy"])
def test_cross_entropy_of_saturated_float32_outputs_is_finite(name: str) -> None:
    """Outputs of exactly 0 and 1 (saturated float32) give a large but finite cost."""
    a = np.array([[1.0, 0.0, 0.0]], dtype=np.float32)
    y = np.array([[0.0, 1.0, 0.0]], dtype=np.float32)
    assert np.isfinite(COSTS[name].value(a, y))
    assert np.isfinite(COSTS[name].gradient(a, y)).all()
