"""digitnet.explain against independent computations: the textbook, central differences."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import Network
from digitnet.explain import (
    batch_wishes,
    chain_rule,
    landscape,
    neuron_wishes,
    nudges,
    one_step,
)
from digitnet.explain.landscape import flatten, set_flat, surface
from test_fast_paths import textbook_gradients

KINDS = [("sigmoid", "sigmoid", "quadratic"), ("relu", "softmax", "categorical_cross_entropy"),
         ("tanh", "sigmoid", "cross_entropy")]


def network(kind: tuple[str, str, str], dtype: type = np.float64, seed: int = 1) -> Network:
    return Network([12, 7, 5, 10], *kind, init="xavier", dtype=dtype, seed=seed)


def example(seed: int = 2) -> tuple[np.ndarray, int]:
    rng = np.random.default_rng(seed)
    return rng.random(12), int(rng.integers(0, 10))


@pytest.mark.parametrize("kind", KINDS)
def test_output_nudges_are_minus_the_output_terms_of_the_gradient(kind: tuple[str, str, str]
                                                                  ) -> None:
    net, (x, label) = network(kind), example()
    result = nudges(net, x, label)
    a, y = net.feedforward(x), np.eye(10)[label]
    minus_dC_da = {"quadratic": y - a, "cross_entropy": (y - a) / (a * (1 - a)),
                   "categorical_cross_entropy": y / a}[kind[2]]
    np.testing.assert_allclose(result.output_nudges, minus_dC_da, rtol=1e-9)
    np.testing.assert_array_equal(result.wanted, y)
    if kind[2] == "quadratic":  # the right digit up, every other one down
        assert result.output_nudges[label] > 0
        assert (np.delete(result.output_nudges, label) < 0).all()
        assert result.cost == pytest.approx(0.5 * np.sum((a - y) ** 2))


@pytest.mark.parametrize("kind", KINDS)
def test_every_layers_error_is_bp1_and_bp2(kind: tuple[str, str, str]) -> None:
    """For one example, BP3 says dC/db = delta: the textbook's bias gradients are the errors."""
    net, (x, label) = network(kind), example()
    reference = textbook_gradients(net, x[None, :], np.eye(10)[[label]])
    for error, (_, db) in zip(nudges(net, x, label).errors, reference, strict=True):
        np.testing.assert_allclose(error, db, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_the_input_nudges_are_minus_the_central_difference_of_the_cost_in_each_pixel(
        kind: tuple[str, str, str]) -> None:
    """Where the backward pass ends: -dC/dx, pixel by pixel, against (C(x + eps) - C(x - eps))
    / 2 eps computed in float64 without any backpropagation."""
    net, (x, label) = network(kind), example()
    Y, eps = np.eye(10)[[label]], 1e-6
    expected = [-(net.cost_value(x + eps * e, Y) - net.cost_value(x - eps * e, Y)) / (2 * eps)
                for e in np.eye(12)]
    np.testing.assert_allclose(nudges(net, x, label).input_nudges, expected, rtol=1e-6,
                               atol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("layer", "neuron", "input"), [(1, 3, 5), (2, 4, 6), (3, 7, 2)])
def test_the_three_factors_multiply_to_the_gradient_and_match_central_differences(
        kind: tuple[str, str, str], layer: int, neuron: int, input: int) -> None:
    net, (x, label) = network(kind, np.float32), example()
    rule = chain_rule(net, x, label, layer, neuron, input)
    reference = textbook_gradients(net, x[None, :], np.eye(10)[[label]])
    assert rule.gradient == pytest.approx(reference[layer - 1][0][neuron, input], rel=1e-6)
    assert rule.gradient == pytest.approx(rule.input_activation * rule.error, rel=1e-12)
    if rule.sigma_prime is not None and rule.activation_gradient is not None:
        assert rule.error == pytest.approx(rule.sigma_prime * rule.activation_gradient,
                                           rel=1e-12)
    else:
        assert (layer, kind[1]) == (3, "softmax")  # only a softmax output has no sigma'
    assert rule.relative_error < 1e-6
    assert rule.weight == pytest.approx(float(net.weights[layer - 1][neuron, input]))
    np.testing.assert_array_equal(net.weights[layer - 1], network(kind, np.float32).weights[
        layer - 1])  # the central difference changed nothing


def test_the_three_ways_to_raise_a_neuron() -> None:
    kind = KINDS[0]
    net, (x, label) = network(kind), example()
    wishes = neuron_wishes(net, x, label, layer=2, neuron=3, top=4)
    delta = nudges(net, x, label).errors[1][3]
    a_prev = net.forward(x[None, :]).activations[0][0]
    assert wishes.bias_nudge == pytest.approx(-delta)
    expected = sorted(((k, -delta * a) for k, a in enumerate(a_prev)),
                      key=lambda pair: -abs(pair[1]))[:4]
    assert [k for k, _ in wishes.weight_nudges] == [k for k, _ in expected]
    np.testing.assert_allclose([v for _, v in wishes.weight_nudges], [v for _, v in expected])
    np.testing.assert_allclose(wishes.activation_nudges, -net.weights[1][3] * delta)
    # Adding up every neuron's wishes for the layer before gives -dC/da of that layer, which
    # BP2 turns into that layer's error: delta^1 = sigma'(z^1) * dC/da^1.
    total = sum(neuron_wishes(net, x, label, 2, j).activation_nudges for j in range(5))
    np.testing.assert_allclose(wishes.summed_nudges, total, rtol=1e-9)
    sigma_prime = a_prev * (1 - a_prev)
    np.testing.assert_allclose(-wishes.summed_nudges * sigma_prime,
                               nudges(net, x, label).errors[0], rtol=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_one_small_step_lowers_the_examples_cost(kind: tuple[str, str, str]) -> None:
    net, (x, label) = network(kind, np.float32), example()
    before = [p.copy() for p in net.parameters()]
    step = one_step(net, x, label, learning_rate=0.05)
    assert step.cost_after < step.cost_before
    assert step.outputs_after[label] > step.outputs_before[label]
    for p, p0 in zip(net.parameters(), before, strict=True):
        np.testing.assert_array_equal(p, p0)  # the step was taken on a copy
    reference = textbook_gradients(net, x[None, :], np.eye(10)[[label]])
    np.testing.assert_allclose(step.network.weights[0],
                               net.weights[0] - 0.05 * reference[0][0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("input", [4, None])
def test_the_average_of_every_examples_wish_is_the_mini_batch_gradient(input: int | None
                                                                       ) -> None:
    net = network(KINDS[1])
    rng = np.random.default_rng(5)
    X, labels = rng.random((40, 12)), rng.integers(0, 10, 40)
    wishes = batch_wishes(net, X, labels, layer=2, neuron=1, input=input)
    per_example = [textbook_gradients(net, X[i:i + 1], np.eye(10)[labels[i:i + 1]])[1]
                   for i in range(40)]
    expected = [-(dW[1, input] if input is not None else db[1]) for dW, db in per_example]
    np.testing.assert_allclose(wishes.nudges, expected, rtol=1e-9, atol=1e-12)
    assert wishes.average == pytest.approx(np.mean(expected))
    assert wishes.average == pytest.approx(-wishes.gradient, rel=1e-9)
    whole = textbook_gradients(net, X, np.eye(10)[labels])[1]
    assert wishes.gradient == pytest.approx(whole[0][1, input] if input is not None
                                            else whole[1][1], rel=1e-9)


def small_problem(seed: int = 0) -> tuple[Network, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.random((10, 12))
    labels = rng.integers(0, 10, 200)
    X = np.clip(centres[labels] + 0.1 * rng.normal(size=(200, 12)), 0, 1)
    return Network([12, 8, 10], "sigmoid", "sigmoid", "quadratic", "xavier", seed=3), X, labels


def test_full_batch_descent_with_a_small_learning_rate_never_goes_uphill() -> None:
    net, X, labels = small_problem()
    result = landscape(net, X, labels, learning_rate=0.5, mini_batch_size=10, steps=40, grid=9)
    full, sgd = result.walks
    assert (np.diff(full.costs) <= 1e-12).all()
    assert full.costs[-1] < full.costs[0] and sgd.costs[-1] < sgd.costs[0]
    assert full.coordinates.shape == (41, 2) and sgd.coordinates.shape == (41, 2)
    np.testing.assert_allclose(full.coordinates[0], [0, 0], atol=1e-12)


def test_the_grid_is_the_cost_on_the_plane() -> None:
    """Every grid value is C(theta_0 + alpha d_1 + beta d_2), recomputed independently; the
    centre is the starting network's cost."""
    net, X, labels = small_problem()
    result = landscape(net, X, labels, learning_rate=1.0, steps=10, grid=5, directions="random")
    Y = np.eye(10)[labels]
    centre = result.costs[2, 2]
    assert centre == pytest.approx(net.cost_value(X, Y), rel=1e-5)
    assert result.alphas[2] == 0 and not np.allclose(result.costs, centre)
    # The random directions are scaled layer by layer: recover them from two grid points.
    theta0 = flatten(net)
    probe = net.copy()
    set_flat(probe, theta0)
    assert probe.cost_value(X, Y) == pytest.approx(centre, rel=1e-5)


def test_a_given_reach_keeps_the_scale_and_the_random_plane() -> None:
    """With random directions and the same seed, walks of two learning rates lie on one plane;
    a given reach puts them on one grid, where the smaller steps go less far."""
    net, X, labels = small_problem()
    options = {"steps": 10, "grid": 5, "directions": "random", "reach": 3.0}
    small = landscape(net, X, labels, learning_rate=0.1, **options)  # type: ignore[arg-type]
    large = landscape(net, X, labels, learning_rate=2.0, **options)  # type: ignore[arg-type]
    np.testing.assert_array_equal(small.alphas, np.linspace(-3, 3, 5))
    np.testing.assert_array_equal(small.costs, large.costs)  # the same plane, the same grid
    distance = [np.linalg.norm(w.walks[0].coordinates[-1]) for w in (small, large)]
    assert distance[0] < distance[1]
    from digitnet import InputError

    with pytest.raises(InputError, match="reach"):
        landscape(net, X, labels, learning_rate=0.1, reach=0.0)


def test_a_point_whose_activations_overflow_is_off_the_map() -> None:
    """Far out on the plane a ReLU layer's activations overflow float32: that point's cost is
    infinite (drawn off the scale), never a misleading "input contains NaN" error."""
    _, X, labels = small_problem()
    net = Network([12, 8, 10], "relu", "softmax", "categorical_cross_entropy", "he", seed=3)
    basis = np.random.default_rng(0).standard_normal((2, net.num_parameters)) * 1e38
    costs = surface(net, X, np.eye(10)[labels], flatten(net), basis, np.array([-1.0, 0.0, 1.0]))
    assert np.isinf(costs[0, 0]) and np.isinf(costs[2, 2])
    assert costs[1, 1] == pytest.approx(net.cost_value(X, np.eye(10)[labels]), rel=1e-5)


def test_overshooting_is_visible() -> None:
    """A linear neuron's cost is a bowl: steps larger than 2 / (its steepest curvature) jump
    across it and land higher every time, while small steps go down."""
    _, X, labels = small_problem()
    linear = Network([12, 10], "identity", "identity", "quadratic", "xavier", seed=3)
    inputs = np.hstack([X, np.ones((X.shape[0], 1))])  # the bias is a weight on a constant 1
    curvature = np.linalg.eigvalsh(inputs.T @ inputs / X.shape[0]).max()  # C's Hessian, per row
    small, _ = landscape(linear, X, labels, learning_rate=0.5 / curvature, steps=20,
                         grid=5).walks
    large, _ = landscape(linear, X, labels, learning_rate=4.0 / curvature, steps=20,
                         grid=5).walks
    assert (np.diff(small.costs) <= 1e-12).all()
    assert large.costs[-1] > large.costs[0] and (np.diff(large.costs) > 0).sum() > 10


@pytest.mark.parametrize(("options", "message"), [
    ({"learning_rate": -1.0}, "learning rate"), ({"learning_rate": float("nan")}, "learning rate"),
    ({"steps": 0}, "steps"), ({"mini_batch_size": 0}, "mini-batch"),
    ({"directions": "up"}, "directions"), ({"grid": 99}, "grid")])
def test_landscape_refuses_bad_options(options: dict[str, object], message: str) -> None:
    from digitnet import InputError

    net, X, labels = small_problem()
    with pytest.raises(InputError, match=message):
        landscape(net, X, labels, **{"learning_rate": 0.5, **options})  # type: ignore[arg-type]


def test_bad_neurons_and_labels_are_refused() -> None:
    from digitnet import InputError

    net, (x, _) = network(KINDS[0]), example()
    for call, message in [(lambda: nudges(net, x, 10), "label 10"),
                          (lambda: neuron_wishes(net, x, 1, 4, 0), "layer 4"),
                          (lambda: chain_rule(net, x, 1, 1, 7, 0), "neuron 7"),
                          (lambda: chain_rule(net, x, 1, 1, 0, 12), "input 12"),
                          (lambda: one_step(net, x, 1, 0.0), "learning rate"),
                          (lambda: nudges(net, x[:5], 1), "shape")]:
        with pytest.raises(InputError, match=message):
            call()
