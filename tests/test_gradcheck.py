"""Backpropagation against central differences: every activation x cost, several depths."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import Network, check_gradients
from digitnet.activations import HIDDEN_ACTIVATIONS
from digitnet.gradcheck import numerical_gradients

OUTPUT_COST_PAIRS = [
    ("sigmoid", "quadratic"), ("softmax", "quadratic"), ("tanh", "quadratic"),
    ("identity", "quadratic"), ("relu", "quadratic"), ("leaky_relu", "quadratic"),
    ("sigmoid", "cross_entropy"), ("softmax", "cross_entropy"),
    ("softmax", "categorical_cross_entropy"), ("sigmoid", "categorical_cross_entropy"),
]
DEPTHS = [[6, 3], [6, 5, 3], [6, 5, 4, 3]]


@pytest.mark.parametrize("sizes", DEPTHS, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize(("output", "cost"), OUTPUT_COST_PAIRS)
def test_backprop_matches_central_differences(
    sizes: list[int], hidden: str, output: str, cost: str
) -> None:
    # Normal init: non-zero biases keep ReLU kinks away from z = 0 exactly.
    net = Network(sizes, hidden, output, cost, init="normal", dtype=np.float64, seed=3)
    rng = np.random.default_rng(4)
    X = rng.random((7, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 7)]
    result = check_gradients(net, X, Y)
    assert result.num_checked == net.num_parameters
    assert result.passed(1e-6), result


def test_gradient_check_catches_a_wrong_gradient() -> None:
    """The check itself can fail: a corrupted backprop is detected."""
    net = Network([4, 3, 2], dtype=np.float64, seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.random((5, 4)), np.eye(2)[rng.integers(0, 2, 5)]
    good = net.gradients(X, Y)
    numeric = numerical_gradients(net, X, Y)
    wrong = good[0][0] * 1.01
    assert np.abs(wrong - numeric[0][0]).max() > 1e-5
    np.testing.assert_allclose(good[0][0], numeric[0][0], rtol=1e-5, atol=1e-9)
