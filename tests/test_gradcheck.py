"""Backpropagation against central differences: every activation x cost, several depths."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import InputError, Network, check_gradients
from digitnet.activations import HIDDEN_ACTIVATIONS
from digitnet.gradcheck import GradientCheck, compare_gradients, numerical_gradients

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


@pytest.mark.parametrize(("hidden", "output", "cost"), [
    ("sigmoid", "sigmoid", "quadratic"), ("tanh", "softmax", "categorical_cross_entropy")])
def test_the_gradient_with_respect_to_the_input(hidden: str, output: str, cost: str) -> None:
    """backward(..., input_gradient=True).inputs is dC/dX of the mean cost, (m, n_in)."""
    net = Network([6, 5, 4, 3], hidden, output, cost, "normal", np.float64, seed=5)
    rng = np.random.default_rng(6)
    X, Y = rng.random((4, 6)), np.eye(3)[rng.integers(0, 3, 4)]
    forward = net.forward(X)
    delta = net.output_error(forward, Y)
    assert net.backward(forward, delta).inputs is None  # only when asked for
    analytic = net.backward(forward, delta, input_gradient=True).inputs
    assert analytic is not None and analytic.shape == X.shape
    numeric = np.zeros_like(X)
    for i in np.ndindex(X.shape):
        nudge = np.zeros_like(X)
        nudge[i] = 1e-6
        numeric[i] = (net.cost_value(X + nudge, Y) - net.cost_value(X - nudge, Y)) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-10)


def small_problem() -> tuple[Network, np.ndarray, np.ndarray]:
    net = Network([4, 3, 2], dtype=np.float64, seed=0)
    rng = np.random.default_rng(0)
    return net, rng.random((5, 4)), np.eye(2)[rng.integers(0, 2, 5)]


def one_percent_off(gradient: list[tuple[np.ndarray, np.ndarray]], layer: int, kind: int,
                    index: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    """A copy of ``gradient`` with one entry (kind 0: a weight, 1: a bias) made 1% larger."""
    wrong = [(dw.copy(), db.copy()) for dw, db in gradient]
    wrong[layer][kind][index] *= 1.01
    return wrong


def test_a_one_percent_error_in_one_weights_gradient_is_reported() -> None:
    """The check itself can fail: backprop's gradient passes; the same gradient with one
    weight's entry 1% off fails, by a relative error thousands of times the tolerance."""
    net, X, Y = small_problem()
    true, numeric = net.gradients(X, Y), numerical_gradients(net, X, Y)
    good = compare_gradients(true, numeric)
    assert good.passed(1e-6) and good.max_relative_error < 1e-8
    assert good.num_checked == net.num_parameters == 23
    wrong = one_percent_off(true, 1, 0, (1, 1))  # dC/dw for hidden neuron 1 -> output 1
    result = compare_gradients(wrong, numeric)
    assert not result.passed(1e-6)
    assert result.max_relative_error > 1000 * 1e-6
    g, n = wrong[1][0], numeric[1][0]
    assert result.max_relative_error == pytest.approx(
        np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n)), rel=1e-4)
    assert result.max_absolute_error == pytest.approx(0.01 * abs(true[1][0][1, 1]), rel=1e-4)


def test_a_one_percent_error_anywhere_is_reported() -> None:
    """Every weight and bias in turn: a 1% error is reported, by ||g - n|| / (||g|| + ||n||) of
    its array. (The measure is per array, so an entry that is small beside the rest of its
    array moves it least: here the weakest is about 4 times the tolerance.)"""
    net, X, Y = small_problem()
    true, numeric = net.gradients(X, Y), numerical_gradients(net, X, Y)
    for layer, kind in np.ndindex(len(true), 2):
        for index in np.ndindex(true[layer][kind].shape):
            wrong = one_percent_off(true, layer, kind, index)
            g, n = wrong[layer][kind], numeric[layer][kind]
            expected = np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n))
            result = compare_gradients(wrong, numeric)
            assert not result.passed(1e-6), (layer, kind, index)
            assert result.max_relative_error == pytest.approx(expected, rel=1e-3)


class OnePercentOff(Network):
    """A network whose backpropagation is wrong by 1% in one weight's gradient."""

    def gradients(self, X: np.ndarray, Y: np.ndarray, dropout: float = 0.0,
                  rng: np.random.Generator | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        return one_percent_off(super().gradients(X, Y, dropout, rng), 0, 0, (2, 3))


def test_check_gradients_fails_a_backprop_one_percent_off_in_one_weight() -> None:
    """check_gradients itself, given a wrong backprop: it fails, by the error of that array."""
    right, X, Y = small_problem()
    wrong = OnePercentOff.from_arrays(right.weights, right.biases, "sigmoid", "sigmoid",
                                      "quadratic")
    good, bad = check_gradients(right, X, Y), check_gradients(wrong, X, Y)
    assert good.passed(1e-6) and not bad.passed(1e-6)
    g, n = wrong.gradients(X, Y)[0][0], numerical_gradients(wrong, X, Y)[0][0]
    assert bad.max_relative_error == pytest.approx(
        np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n)), rel=1e-3)
    assert bad.max_absolute_error == pytest.approx(0.01 * abs(right.gradients(X, Y)[0][0][2, 3]),
                                                   rel=1e-3)
    assert bad.num_checked == good.num_checked == 23


def test_check_gradients_is_backprop_compared_with_central_differences() -> None:
    net, X, Y = small_problem()
    before = [p.copy() for p in net.parameters()]
    numeric = numerical_gradients(net, X, Y)
    for got, want in zip(net.parameters(), before, strict=True):
        np.testing.assert_array_equal(got, want)  # every nudge was undone
    for (nw, nb), (rw, rb) in zip(numeric, net.gradients(X, Y), strict=True):
        np.testing.assert_allclose(nw, rw, rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(nb, rb, rtol=1e-6, atol=1e-10)
    assert check_gradients(net, X, Y) == compare_gradients(net.gradients(X, Y), numeric)


def test_relative_error_by_hand() -> None:
    """||g - n|| / (||g|| + ||n||) per array, the worst over all; zero arrays count as 0."""
    g = [(np.array([[3.0, 4.0]]), np.zeros(1))]
    n = [(np.array([[3.0, 0.0]]), np.zeros(1))]
    result = compare_gradients(g, n)
    assert result.max_relative_error == pytest.approx(4.0 / (5.0 + 3.0))
    assert result.max_absolute_error == 4.0
    assert result.num_checked == 3
    assert result.passed(0.51) and not result.passed(0.5)
    assert GradientCheck(0.99e-6, 0.0, 1).passed() and not GradientCheck(1e-6, 0.0, 1).passed()
    with pytest.raises(InputError, match="shape"):
        compare_gradients(g, [(np.zeros((2, 1)), np.zeros(1))])
