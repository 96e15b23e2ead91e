"""Diagnostics on constructed cases: every number against an independent computation."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import TrainingConfig, one_hot, train
from digitnet.diagnostics import (
    at_chance_level,
    diagnose,
    layer_health,
    majority_share,
    weight_norms,
)


def sample(n_in: int = 20, m: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((m, n_in)).astype(np.float32), one_hot(rng.integers(0, 10, m))


def config(**changes: object) -> TrainingConfig:
    return TrainingConfig(layers=(20, 12, 10), epochs=1).replace(**changes)


def test_saturated_neurons_are_counted_and_named() -> None:
    """Hidden neurons 0-5 get huge weights: sigma'(z) = a(1 - a) is tiny on every example."""
    cfg = config(activation="sigmoid", learning_rate=0.5)
    net = cfg.build_network()
    X, Y = sample()
    net.weights[0][:6] = 80.0  # z = 80 * sum(x) >> 1 for every example
    z = X @ net.weights[0].T + net.biases[0]
    a = 1 / (1 + np.exp(-z.astype(np.float64)))
    expected = np.flatnonzero(((a * (1 - a)) < 0.01).mean(axis=0) >= 0.99)
    diagnosis = diagnose(net, X, Y, cfg, cfg.make_optimizer(), 0.5, weight_norms(net))
    hidden = diagnosis.layers[0]
    assert hidden.saturated == tuple(expected.tolist())
    assert set(range(6)) <= set(hidden.saturated)
    problem = next(p for p in diagnosis.problems if p.kind == "saturated" and p.layer == 1)
    assert f"{len(expected)} of 12 neurons of hidden layer 1" in problem.message
    assert "sigma'(z) < 0.01" in problem.message and "0, 1, 2, 3, 4, 5" in problem.message


def test_saturated_output_neurons_are_named_by_digit() -> None:
    cfg = config(activation="sigmoid", learning_rate=0.1)
    net = cfg.build_network()
    X, Y = sample()
    net.biases[1][[2, 7]] = -60.0  # the outputs of 2 and 7 are always off: a ~ 0
    diagnosis = diagnose(net, X, Y, cfg, cfg.make_optimizer(), 0.1, weight_norms(net))
    assert diagnosis.layers[1].saturated == (2, 7)
    problem = next(p for p in diagnosis.problems if p.layer == 2)
    assert "the output neurons of the digits 2 and 7 (2 of 10) are saturated" in problem.message
    assert "--cost cross_entropy" in problem.remedy  # quadratic cost: the learning slowdown


def test_dead_relus() -> None:
    cfg = config(activation="relu", init="he", output_activation="softmax",
                 cost="categorical_cross_entropy", learning_rate=0.1)
    net = cfg.build_network()
    X, Y = sample()
    net.biases[0][[1, 4, 9]] = -100.0  # never positive for inputs in [0, 1]
    z = X @ net.weights[0].T + net.biases[0]
    diagnosis = diagnose(net, X, Y, cfg, cfg.make_optimizer(), 0.1, weight_norms(net))
    assert diagnosis.layers[0].dead == tuple(np.flatnonzero((z <= 0).all(axis=0)).tolist())
    assert {1, 4, 9} <= set(diagnosis.layers[0].dead)
    assert any(p.kind == "dead" and "dead (ReLU" in p.message for p in diagnosis.problems)


def test_gradient_norms_and_update_ratios_match_a_hand_computation() -> None:
    """||dC/dW|| from backprop and ||Delta W|| / ||W|| of one SGD step: eta ||dC/dW|| / ||W||."""
    cfg = config(learning_rate=0.3)
    net = cfg.build_network()
    X, Y = sample()
    before = [w.copy() for w in net.weights]
    health = layer_health(net, X, Y, cfg, cfg.make_optimizer(), 0.3, weight_norms(net))
    for layer, (dW, _) in zip(health, net.gradients(X, Y), strict=True):
        w = net.weights[layer.layer - 1]
        assert layer.gradient_norm == pytest.approx(np.linalg.norm(dW), rel=1e-5)
        assert layer.update_ratio == pytest.approx(
            0.3 * np.linalg.norm(dW) / np.linalg.norm(w), rel=1e-4)
        assert layer.growth == pytest.approx(1.0)
    for w, w0 in zip(net.weights, before, strict=True):
        np.testing.assert_array_equal(w, w0)  # the step was taken on a copy


def test_steps_too_large_name_the_learning_rate() -> None:
    cfg = config(learning_rate=500.0)
    net = cfg.build_network()
    X, Y = sample()
    initial = weight_norms(net)
    net.weights[1] *= 12  # as after a few steps of eta = 500 on the classic network
    diagnosis = diagnose(net, X, Y, cfg, cfg.make_optimizer(), 500.0, initial)
    assert diagnosis.layers[1].growth == pytest.approx(12.0, rel=1e-5)
    messages = " ".join(p.sentence for p in diagnosis.problems if p.kind == "steps")
    assert "the learning rate 500 is too high, try 3" in messages


def test_chance_level_is_the_most_common_label() -> None:
    labels = np.array([1] * 30 + [2] * 50 + [3] * 20)
    assert majority_share(labels) == 0.5
    assert at_chance_level(0.51, labels) and not at_chance_level(0.6, labels)


def test_a_chance_level_run_is_called_so() -> None:
    """Random labels cannot be learned: the accuracy stays at the most common label's share."""
    rng = np.random.default_rng(1)
    X, labels = rng.random((400, 20)).astype(np.float32), rng.integers(0, 10, 400)
    cfg = config(epochs=2, learning_rate=0.1)
    history = train(cfg.build_network(), X[:300], labels[:300], cfg,
                    test=(X[300:], labels[300:]))
    record = history.epochs[-1]
    assert record.test_accuracy is not None and record.diagnosis is not None
    assert at_chance_level(record.test_accuracy, labels[300:])
    chance = [p for p in record.diagnosis.problems if p.kind == "chance"]
    assert len(chance) == 1
    assert f"the accuracy {record.test_accuracy:.2%} is no better" in chance[0].message


def test_a_healthy_run_has_no_problems() -> None:
    rng = np.random.default_rng(2)
    centres = rng.normal(scale=3.0, size=(10, 20))
    labels = rng.integers(0, 10, 600)
    X = (centres[labels] + rng.normal(size=(600, 20))).astype(np.float32)
    cfg = config(activation="relu", output_activation="softmax", init="he",
                 cost="categorical_cross_entropy", optimizer="adam", learning_rate=0.01,
                 epochs=5)
    history = train(cfg.build_network(), X, labels, cfg, validation=(X[:200], labels[:200]))
    diagnosis = history.epochs[-1].diagnosis
    assert diagnosis is not None and diagnosis.problems == ()
    assert all(0 < h.update_ratio < 0.1 for h in diagnosis.layers)
