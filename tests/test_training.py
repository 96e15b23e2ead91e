"""The training loop: learning on tiny data, dropout, early stopping, divergence, determinism."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from digitnet import ConfigError, InputError, Network, Progress, TrainingConfig, train
from digitnet.descent import gradient_step


def blobs(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated classes in 8 dimensions: an easy problem a small net must learn."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = rng.normal(scale=3.0, size=(3, 8))
    X = (centres[labels] + rng.normal(size=(n, 8))).astype(np.float32)
    return X, labels


def config(**changes: object) -> TrainingConfig:
    base = TrainingConfig(layers=(8, 16, 3), activation="relu", output_activation="softmax",
                          cost="categorical_cross_entropy", init="he", optimizer="sgd",
                          learning_rate=0.1, mini_batch_size=20, epochs=5)
    return base.replace(**changes)


def network(cfg: TrainingConfig) -> Network:
    return Network(cfg.layers, cfg.activation, cfg.output_activation, cfg.cost, cfg.init,
                   cfg.dtype, cfg.seed)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("schedule", ["constant", "step", "cosine"])
def test_cost_falls_and_accuracy_rises(optimizer: str, schedule: str) -> None:
    X, y = blobs()
    cfg = config(optimizer=optimizer, schedule=schedule, step_size=2,
                 learning_rate=0.01 if optimizer == "adam" else 0.05)
    net = network(cfg)
    before = net.cost_value(X, np.eye(3)[y])
    history = train(net, X[:500], y[:500], cfg, test=(X[500:], y[500:]))
    assert history.stop_reason == "completed"
    assert len(history.epochs) == 5 and len(history.batch_costs[0]) == 25
    assert net.cost_value(X, np.eye(3)[y]) < 0.5 * before
    assert history.epochs[-1].test_accuracy is not None
    assert history.epochs[-1].test_accuracy > 0.9
    assert history.epochs[-1].learning_rate == cfg.learning_rate_at(4)


def test_the_classic_sigmoid_quadratic_recipe_learns() -> None:
    X, y = blobs()
    cfg = config(activation="sigmoid", output_activation="sigmoid", cost="quadratic",
                 init="normal", learning_rate=3.0, mini_batch_size=10)
    history = train(network(cfg), X, y, cfg, validation=(X, y))
    costs = [e.train_cost for e in history.epochs]
    assert costs[-1] < costs[0]
    assert history.epochs[-1].validation_accuracy is not None
    assert history.epochs[-1].validation_accuracy > 0.9


def test_same_seed_same_result_and_other_seed_differs() -> None:
    X, y = blobs()
    cfg = config(dropout=0.2)
    runs = []
    for seed in (1, 1, 2):
        net = network(cfg.replace(seed=seed))
        history = train(net, X, y, cfg.replace(seed=seed))
        runs.append((net.weights[0].copy(), history.epochs[-1].train_cost))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_float64_on_request() -> None:
    X, y = blobs(100)
    cfg = config(dtype="float64", epochs=1)
    net = network(cfg)
    train(net, X, y, cfg)
    assert all(w.dtype == np.float64 for w in net.parameters())
    net32 = network(config(epochs=1))
    train(net32, X.astype(np.float64), y, config(epochs=1))
    assert all(w.dtype == np.float32 for w in net32.parameters())


def test_dropout_only_during_training() -> None:
    cfg = config(layers=(8, 1000, 3), dropout=0.5)
    net = network(cfg)
    X = np.ones((4, 8), dtype=np.float32)
    rng = np.random.default_rng(0)
    plain = net.forward(X)
    dropped = net.forward(X, dropout=0.5, rng=rng)
    mask = dropped.masks[0]
    assert mask is not None and plain.masks == [None, None]
    kept = mask > 0
    assert 0.45 < kept.mean() < 0.55  # about half the hidden neurons dropped
    np.testing.assert_allclose(mask[kept], 2.0)  # survivors scaled by 1/(1-p)
    np.testing.assert_allclose(dropped.inputs[1], plain.activations[0] * mask, rtol=1e-6)
    assert dropped.masks[1] is None  # never on the output layer
    # Inference never drops: feedforward is the plain forward pass, not the dropped one.
    np.testing.assert_array_equal(net.feedforward(X), plain.output)
    assert not np.allclose(net.feedforward(X), dropped.output)
    # Backprop sends no error through a dropped neuron: its incoming weights get no gradient.
    Y = np.eye(3)[[0, 1, 2, 0]].astype(np.float32)
    gradient = net.backward(dropped, net.output_error(dropped, Y))
    dropped_everywhere = ~kept.any(axis=0)
    assert dropped_everywhere.any()
    assert (gradient.layers[0].weights[dropped_everywhere] == 0).all()


@pytest.mark.parametrize("hidden", ["sigmoid", "relu", "tanh"])
def test_backprop_with_dropout_matches_central_differences(hidden: str) -> None:
    """With the dropout mask held fixed (same seed), the gradient is the cost's derivative.

    BP4 must multiply by what the next layer received, a * mask, not by a alone.
    """
    net = Network([6, 8, 7, 3], hidden, "softmax", "categorical_cross_entropy", "xavier",
                  np.float64, seed=2)
    rng = np.random.default_rng(0)
    X, Y = rng.random((5, 6)), np.eye(3)[rng.integers(0, 3, 5)]

    def cost() -> float:
        forward = net.forward(X, dropout=0.5, rng=np.random.default_rng(9))  # the same mask
        return net.cost.value(forward.output, Y)

    forward = net.forward(X, dropout=0.5, rng=np.random.default_rng(9))
    assert any(mask is not None and (mask == 0).any() for mask in forward.masks)
    gradient = net.backward(forward, net.output_error(forward, Y))
    for parameter, analytic in zip(net.parameters(), gradient.arrays(), strict=True):
        numeric = np.zeros_like(parameter)
        for i in np.ndindex(parameter.shape):
            original = parameter[i]
            parameter[i] = original + 1e-6
            plus = cost()
            parameter[i] = original - 1e-6
            numeric[i] = (plus - cost()) / 2e-6
            parameter[i] = original
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_early_stopping_keeps_the_best_parameters() -> None:
    X, y = blobs()
    rng = np.random.default_rng(5)
    noisy_val = rng.integers(0, 3, 100)  # random labels: validation accuracy cannot keep rising
    cfg = config(epochs=50, early_stopping=2, learning_rate=0.2)
    net = network(cfg)
    snapshots: list[list[np.ndarray]] = []

    def remember(progress: Progress) -> None:
        if progress.record is not None:
            snapshots.append([w.copy() for w in net.weights])

    history = train(net, X[:500], y[:500], cfg, validation=(X[500:], noisy_val), callback=remember)
    assert history.stop_reason == "early_stopping"
    assert len(history.epochs) < 50
    best = history.best_epoch("validation_accuracy")
    assert best is not None
    assert all(e.epoch - best.epoch <= 2 for e in history.epochs)
    assert history.epochs[-1].epoch - best.epoch == 2
    np.testing.assert_array_equal(net.weights[0], snapshots[best.epoch - 1][0])
    with pytest.raises(ConfigError, match="validation"):
        train(network(cfg), X, y, cfg)


def test_divergence_stops_names_the_learning_rate_and_keeps_good_parameters() -> None:
    X, y = blobs()
    X = X * 1e3
    cfg = config(activation="identity", output_activation="identity", cost="quadratic",
                 learning_rate=50.0, epochs=3)
    net = network(cfg)
    before = [w.copy() for w in net.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # divergence is reported once, in the history, not warned
        history = train(net, X, y, cfg)
    assert history.stop_reason == "diverged"
    assert "learning rate 50" in history.message
    assert all(np.isfinite(w).all() for w in net.parameters())
    if not history.epochs:  # diverged in the first epoch: the initial parameters are kept
        for got, want in zip(net.parameters(), before, strict=True):
            np.testing.assert_array_equal(got, want)


def test_callback_can_stop_training() -> None:
    X, y = blobs()
    seen: list[Progress] = []

    def stop_at_batch_3(progress: Progress) -> bool:
        seen.append(progress)
        return progress.batch == 3

    history = train(network(config()), X, y, config(), callback=stop_at_batch_3)
    assert history.stop_reason == "interrupted"
    assert len(seen) == 4 and not history.epochs


def test_weight_decay_adds_lambda_w_to_the_weight_gradients_only() -> None:
    X, y = blobs(40)
    Y = np.eye(3, dtype=np.float32)[y]
    plain, decayed = network(config()), network(config())
    rng = np.random.default_rng(0)
    w0, b0 = plain.weights[0].copy(), plain.biases[0].copy()
    (dW, db), *_ = plain.gradients(X, Y)
    gradient_step(decayed, config().make_optimizer(), X, Y, 0.1, config(weight_decay=0.5), rng)
    np.testing.assert_allclose(decayed.weights[0], w0 - 0.1 * (dW + 0.5 * w0), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(decayed.biases[0], b0 - 0.1 * db, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [(np.zeros((5, 7)), np.zeros(5, int), "shape"),
     (np.zeros((5, 8)), np.zeros(4, int), "labels"),
     (np.zeros((5, 8)), np.full(5, 3), "0..2"),
     (np.full((5, 8), np.nan), np.zeros(5, int), "NaN"),
     (np.zeros((0, 8)), np.zeros(0, int), "empty")],
)
def test_bad_training_data_is_refused(X: np.ndarray, y: np.ndarray, message: str) -> None:
    with pytest.raises(InputError, match=message):
        train(network(config()), X, y, config())


def test_an_optimizer_passed_in_carries_its_state_on() -> None:
    """Two epochs in one run = one epoch, then one more with the same Adam (full batches, so the
    shuffled order does not matter); a fresh Adam for the second epoch steps differently."""
    X, y = blobs(60)
    cfg = config(optimizer="adam", learning_rate=0.01, mini_batch_size=60, dtype="float64")
    whole = network(cfg)
    train(whole, X, y, cfg.replace(epochs=2))
    resumed, restarted = network(cfg), network(cfg)
    adam = cfg.make_optimizer()
    train(resumed, X, y, cfg.replace(epochs=1), optimizer=adam)
    train(resumed, X, y, cfg.replace(epochs=1), optimizer=adam)
    train(restarted, X, y, cfg.replace(epochs=1))
    train(restarted, X, y, cfg.replace(epochs=1))
    np.testing.assert_allclose(resumed.weights[0], whole.weights[0], rtol=1e-12, atol=1e-12)
    assert not np.allclose(restarted.weights[0], whole.weights[0], rtol=1e-6, atol=1e-9)
