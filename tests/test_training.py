"""The training loop: learning on tiny data, dropout, early stopping, divergence, determinism."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from digitnet import (
    ConfigError,
    ForwardPass,
    InputError,
    Network,
    Progress,
    TrainingConfig,
    evaluate,
    train,
)
from digitnet.descent import gradient_step, limit_norms
from digitnet.targets import one_hot, smoothed
from digitnet.training import GATHER_ROWS, Callback, mini_batches


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


def test_input_dropout_blanks_pixels_only_during_training() -> None:
    net = network(config(layers=(1000, 4, 3)))
    X = np.ones((3, 1000), dtype=np.float32)
    dropped = net.forward(X, rng=np.random.default_rng(0), input_dropout=0.2)
    mask = dropped.input_mask
    assert mask is not None and net.forward(X).input_mask is None
    kept = mask > 0
    assert 0.75 < kept.mean() < 0.85  # about a fifth of the pixels blanked
    np.testing.assert_allclose(mask[kept], 1.25)  # survivors scaled by 1/(1-p)
    np.testing.assert_array_equal(dropped.inputs[0], X * mask)  # what the first layer received
    assert dropped.masks == [None, None]  # the hidden neurons are left alone
    with pytest.raises(ConfigError, match="input dropout"):
        config(input_dropout=1.0)


@pytest.mark.parametrize(("hidden", "input_dropout"),
                         [("sigmoid", 0.0), ("relu", 0.0), ("tanh", 0.0), ("relu", 0.3)])
def test_backprop_with_dropout_matches_central_differences(hidden: str,
                                                           input_dropout: float) -> None:
    """With the dropout masks held fixed (same seed), the gradient is the cost's derivative.

    BP4 must multiply by what the next layer received, a * mask, not by a alone; with input
    dropout the first layer received X * mask, and dC/dX is 0 for a blanked pixel.
    """
    net = Network([6, 8, 7, 3], hidden, "softmax", "categorical_cross_entropy", "xavier",
                  np.float64, seed=2)
    rng = np.random.default_rng(0)
    X, Y = rng.random((5, 6)), np.eye(3)[rng.integers(0, 3, 5)]

    def cost() -> float:
        forward = net.forward(X, dropout=0.5, rng=np.random.default_rng(9),  # the same masks
                              input_dropout=input_dropout)
        return net.cost.value(forward.output, Y)

    forward = net.forward(X, dropout=0.5, rng=np.random.default_rng(9),
                          input_dropout=input_dropout)
    assert any(mask is not None and (mask == 0).any() for mask in forward.masks)
    assert (forward.input_mask is not None and (forward.input_mask == 0).any()) == (
        input_dropout > 0)
    gradient = net.backward(forward, net.output_error(forward, Y), input_gradient=True)
    assert gradient.inputs is not None
    for parameter, analytic in [*zip(net.parameters(), gradient.arrays(), strict=True),
                                (X, gradient.inputs)]:  # and dC/dX of the mean cost
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


def snapshots_at_epoch_ends(net: Network) -> tuple[list[list[np.ndarray]], Callback]:
    """A callback that copies every parameter at the end of each epoch, and its list."""
    snapshots: list[list[np.ndarray]] = []

    def remember(progress: Progress) -> None:
        if progress.record is not None:
            snapshots.append([p.copy() for p in net.parameters()])

    return snapshots, remember


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
    assert "learning rate 50" in history.message and "epoch 1," in history.message
    assert not history.epochs  # diverged in the first epoch: the initial parameters are kept
    for got, want in zip(net.parameters(), before, strict=True):
        np.testing.assert_array_equal(got, want)


def test_divergence_in_a_later_epoch_keeps_the_last_good_epochs_parameters() -> None:
    """A linear unit whose steps overshoot a little: the error grows by a factor each step
    and overflows in epoch 3. The parameters of the end of epoch 2 are kept."""
    X, y = blobs()
    cfg = config(layers=(8, 3), activation="identity", output_activation="identity",
                 cost="quadratic", init="xavier", learning_rate=0.06, epochs=6)
    net = network(cfg)
    snapshots, remember = snapshots_at_epoch_ends(net)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(net, X, y, cfg, callback=remember)
    assert history.stop_reason == "diverged"
    assert len(history.epochs) == len(snapshots) == 2
    last = history.batch_costs[-1]  # epoch 3, up to the mini-batch that overflowed
    assert len(history.batch_costs) == 3
    assert np.isfinite(last[:-1]).all() and not np.isfinite(last[-1])
    assert f"diverged in epoch 3, mini-batch {len(last)}: the cost became {last[-1]}" \
        in history.message
    for got, want in zip(net.parameters(), snapshots[-1], strict=True):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(snapshots[-1][0], snapshots[0][0])  # epoch 2 changed them


def test_early_stopping_that_never_stops_still_keeps_the_best_parameters() -> None:
    """Patience longer than the run: training completes, and ends with the best epoch's
    parameters, not the last epoch's."""
    X, y = blobs()
    noisy_val = np.random.default_rng(5).integers(0, 3, 100)
    cfg = config(epochs=5, early_stopping=10, learning_rate=0.2)
    net = network(cfg)
    snapshots, remember = snapshots_at_epoch_ends(net)
    history = train(net, X[:500], y[:500], cfg, validation=(X[500:], noisy_val),
                    callback=remember)
    assert history.stop_reason == "completed" and len(history.epochs) == 5
    best = history.best_epoch("validation_accuracy")
    assert best is not None and best.epoch < 5  # the last epoch is not the best one
    for got, want in zip(net.parameters(), snapshots[best.epoch - 1], strict=True):
        np.testing.assert_array_equal(got, want)
    without = network(cfg.replace(early_stopping=0))  # not watching: the last epoch's
    snapshots, remember = snapshots_at_epoch_ends(without)
    train(without, X[:500], y[:500], cfg.replace(early_stopping=0),
          validation=(X[500:], noisy_val), callback=remember)
    for got, want in zip(without.parameters(), snapshots[-1], strict=True):
        np.testing.assert_array_equal(got, want)


def test_callback_can_stop_training() -> None:
    X, y = blobs()
    seen: list[Progress] = []

    def stop_at_batch_3(progress: Progress) -> bool:
        seen.append(progress)
        return progress.batch == 3

    history = train(network(config()), X, y, config(), callback=stop_at_batch_3)
    assert history.stop_reason == "interrupted" and "epoch 1" in history.message
    assert len(seen) == 4 and not history.epochs
    assert [p.batch_cost for p in seen] == list(history.batch_costs[0])  # the 4 done


def test_callback_can_stop_training_at_the_end_of_an_epoch() -> None:
    """Asked at an epoch's end, training stops there with that epoch recorded; when early
    stopping ends the run at the same epoch, early stopping is the reason given."""
    X, y = blobs()
    stop_after_epoch_2: Callback = lambda p: p.record is not None and p.epoch == 1  # noqa: E731
    history = train(network(config()), X, y, config(), callback=stop_after_epoch_2)
    assert history.stop_reason == "interrupted"
    assert history.message == "stopped on request after epoch 2"
    assert [e.epoch for e in history.epochs] == [1, 2] and len(history.batch_costs) == 2
    cfg = config(early_stopping=1, epochs=8)
    noisy = np.random.default_rng(5).integers(0, 3, 100)
    alone = train(network(cfg), X[:500], y[:500], cfg, validation=(X[500:], noisy))
    assert alone.stop_reason == "early_stopping"
    last = len(alone.epochs) - 1
    both = train(network(cfg), X[:500], y[:500], cfg, validation=(X[500:], noisy),
                 callback=lambda p: p.record is not None and p.epoch == last)
    assert both.stop_reason == "early_stopping" and both.message == alone.message


def test_the_callback_hears_every_mini_batch_and_every_epoch() -> None:
    X, y = blobs(90)
    cfg = config(epochs=2, mini_batch_size=20)  # 5 mini-batches, the last of 10
    seen: list[Progress] = []
    history = train(network(cfg), X, y, cfg, callback=seen.append)
    every_batch_then_the_epoch = [*((b, False) for b in range(5)), (4, True)]
    assert [(p.epoch, p.batch, p.record is not None) for p in seen] == [
        (e, b, end) for e in (0, 1) for b, end in every_batch_then_the_epoch]
    assert all(p.num_batches == 5 for p in seen)
    for epoch in (0, 1):
        batches = [p for p in seen if p.epoch == epoch]
        assert [p.batch_cost for p in batches[:5]] == list(history.batch_costs[epoch])
        assert batches[5].batch_cost == history.batch_costs[epoch][-1]
        assert batches[5].record == history.epochs[epoch]
        assert history.epochs[epoch].train_cost == pytest.approx(
            np.mean(history.batch_costs[epoch]))
    assert history.stop_reason == "completed" and history.message == "completed 2 epochs"


def formula_step(kind: str, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray],
                 t: int, eta: float) -> np.ndarray:
    """Step t (from 1) of optimiser ``kind`` as its docstring writes it; ``state`` per array."""
    v = state.setdefault("v", np.zeros_like(w))
    if kind == "sgd":
        return w - eta * g
    if kind in ("momentum", "nesterov"):
        state["v"] = 0.9 * v - eta * g
        return w + state["v"] if kind == "momentum" else w + 0.9 * state["v"] - eta * g
    m = state["m"] = 0.9 * state.setdefault("m", np.zeros_like(w)) + 0.1 * g
    v = state["v"] = 0.999 * v + 0.001 * g * g
    return w - eta * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
def test_weight_decay_adds_lambda_w_to_the_weight_gradients_only(optimizer: str) -> None:
    """With weight decay lambda, every optimiser steps along dC/dW + lambda W for the weights
    and along dC/db for the biases (which are not decayed), three steps in a row."""
    X, y = blobs(40)
    cfg = config(optimizer=optimizer, weight_decay=0.5, dtype="float64")
    net = network(cfg)
    rng = np.random.default_rng(0)
    for b in net.biases:
        b[...] = rng.normal(size=b.shape)  # non-zero: a decayed bias would show
    Y = np.eye(3)[y]
    expected = [p.copy() for p in net.parameters()]
    states: list[dict[str, np.ndarray]] = [{} for _ in expected]
    optimizer_ = cfg.make_optimizer()
    for t in (1, 2, 3):
        reference = Network.from_arrays(expected[0::2], expected[1::2], cfg.activation,
                                        cfg.output_activation, cfg.cost)
        gradient = [g for dW, db in reference.gradients(X, Y) for g in (dW, db)]
        for i, (w, g) in enumerate(zip(expected, gradient, strict=True)):
            decay = 0.5 * w if i % 2 == 0 else 0.0  # weights only
            expected[i] = formula_step(optimizer, w, g + decay, states[i], t, 0.1)
        gradient_step(net, optimizer_, X, Y, 0.1, cfg, rng)
    for got, want in zip(net.parameters(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("size", [1, 7, 300, GATHER_ROWS, 1500])
def test_mini_batches_are_the_shuffled_rows_cut_in_order(size: int) -> None:
    """rows = order[k:k + size]; yield X[rows], Y[rows], the last mini-batch smaller."""
    n = 2 * GATHER_ROWS + 400
    X = np.arange(n, dtype=np.float32)[:, None] * [1.0, -1.0]  # row i is (i, -i)
    Y = np.arange(n)[:, None] * np.ones(3, dtype=np.float32)
    order = np.random.default_rng(0).permutation(n)
    batches = list(mini_batches(X, Y, size, order))
    assert [len(x) for x, _ in batches] == [min(size, n - k) for k in range(0, n, size)]
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), X[order])
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), Y[order])


class RecordingNetwork(Network):
    """A network that notes which training examples each forward pass was given."""

    def __init__(self, cfg: TrainingConfig, X: np.ndarray) -> None:
        super().__init__(cfg.layers, cfg.activation, cfg.output_activation, cfg.cost, cfg.init,
                         cfg.dtype, cfg.seed)
        self.row_of = {row.tobytes(): i for i, row in enumerate(X)}
        self.batches: list[list[int]] = []

    def forward(self, X: np.ndarray, dropout: float = 0.0,
                rng: np.random.Generator | None = None, input_dropout: float = 0.0
                ) -> ForwardPass:
        if rng is not None:  # a training step (the diagnosis after each epoch passes none)
            self.batches.append([self.row_of[row.tobytes()] for row in X])
        return super().forward(X, dropout, rng, input_dropout)


def test_every_epoch_visits_every_example_once_in_a_new_order() -> None:
    """The training set is shuffled anew each epoch, by the seeded generator: the order is a
    permutation, another one every epoch, and the same for the same seed."""
    X, y = blobs(90)
    cfg = config(epochs=3, mini_batch_size=20)

    def visits(seed: int) -> list[list[int]]:
        net = RecordingNetwork(cfg, X)
        train(net, X, y, cfg.replace(seed=seed))
        assert [len(batch) for batch in net.batches] == [20, 20, 20, 20, 10] * 3
        return [[i for batch in net.batches[e * 5:(e + 1) * 5] for i in batch] for e in range(3)]

    epochs = visits(seed=0)
    for order in epochs:
        assert sorted(order) == list(range(90))  # each example once
    assert epochs[0] != list(range(90))  # shuffled
    assert epochs[0] != epochs[1] != epochs[2] != epochs[0]  # anew each epoch
    assert visits(seed=0) == epochs  # reproducible
    assert visits(seed=1)[0] != epochs[0]  # and the seed matters


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [(np.zeros((5, 7)), np.zeros(5, int), "shape"),
     (np.zeros((5, 8)), np.zeros(4, int), "labels"),
     (np.zeros((5, 8)), np.array([0, 1, 2, 3, 0]), r"training labels must lie in 0\.\.2"),
     (np.zeros((5, 8)), np.array([2, 1, -1, 0, 0]), r"training labels must lie in 0\.\.2"),
     (np.zeros((5, 8)), np.zeros(5), "whole numbers"),
     (np.full((5, 8), np.nan), np.zeros(5, int), "NaN"),
     (np.zeros((0, 8)), np.zeros(0, int), "empty")],
)
def test_bad_training_data_is_refused(X: np.ndarray, y: np.ndarray, message: str) -> None:
    with pytest.raises(InputError, match=message):
        train(network(config()), X, y, config())


def test_epoch_records_measure_the_network_as_it_ends_the_epoch() -> None:
    X, y = blobs(200)
    cfg = config(epochs=2)
    net = network(cfg)
    started = time.perf_counter()
    history = train(net, X[:100], y[:100], cfg, validation=(X[100:150], y[100:150]),
                    test=(X[150:], y[150:]))
    elapsed = time.perf_counter() - started
    last = history.epochs[-1]
    for name, (X_set, y_set) in (("validation", (X[100:150], y[100:150])),
                                 ("test", (X[150:], y[150:]))):
        result = evaluate(net, X_set, y_set)
        assert getattr(last, f"{name}_cost") == result.cost
        assert getattr(last, f"{name}_accuracy") == result.accuracy
    assert [e.epoch for e in history.epochs] == [1, 2]
    assert all(0 < e.seconds <= elapsed for e in history.epochs)
    assert sum(e.seconds for e in history.epochs) <= elapsed


def test_an_empty_validation_set_is_no_validation_set() -> None:
    X, y = blobs(60)
    cfg = config(epochs=1)
    none = train(network(cfg), X, y, cfg, validation=(X[:0], y[:0]))
    assert none.epochs[0].validation_accuracy is None
    one = train(network(cfg), X, y, cfg, validation=(X[:1], y[:1]))
    assert one.epochs[0].validation_accuracy in (0.0, 1.0)
    with pytest.raises(InputError, match="validation labels must be 0 whole numbers"):
        train(network(cfg), X, y, cfg, validation=(X[:0], y[:3]))  # no inputs, three labels


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


def test_max_norm_scales_long_rows_back_onto_the_ball_and_leaves_the_rest() -> None:
    """w_j <- w_j min(1, c / ||w_j||), row by row, checked against np.linalg.norm."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=(6, 5)).astype(np.float32)
    w[0] *= 10.0  # far outside
    w[1] = 0.0  # a row of zeros stays zeros (no division by its norm)
    before = w.copy()
    norms = np.linalg.norm(before, axis=1)
    c = float(np.median(norms[2:]))  # some rows inside the ball, some outside
    limit_norms([w], c)
    assert w.dtype == np.float32
    for row, old, norm in zip(w, before, norms, strict=True):
        if norm <= c:
            np.testing.assert_array_equal(row, old)
        else:
            assert np.linalg.norm(row) == pytest.approx(c, rel=1e-6)
            np.testing.assert_allclose(row * norm / c, old, rtol=1e-5)  # same direction
    assert (norms[2:] > c).any() and (norms[2:] < c).any()


def test_max_norm_is_the_step_then_the_projection_and_holds_through_training() -> None:
    """A step with max_norm c is the unconstrained step followed by the projection; after a
    whole run with a large learning rate, no neuron's incoming weights are longer than c."""
    X, y = blobs(40)
    Y = np.eye(3)[y]
    free = config(dtype="float64", learning_rate=2.0)
    constrained = free.replace(max_norm=1.5)
    a, b = network(free), network(constrained)
    gradient_step(a, free.make_optimizer(), X, Y, 2.0, free, np.random.default_rng(0))
    gradient_step(b, constrained.make_optimizer(), X, Y, 2.0, constrained,
                  np.random.default_rng(0))
    assert any(np.linalg.norm(w, axis=1).max() > 1.5 for w in a.weights)  # it had work to do
    for w_free, w_constrained in zip(a.weights, b.weights, strict=True):
        norms = np.linalg.norm(w_free, axis=1, keepdims=True)
        np.testing.assert_allclose(w_constrained, w_free * np.minimum(1.0, 1.5 / norms))
    np.testing.assert_array_equal(a.biases[0], b.biases[0])  # biases are not constrained
    X_big, y_big = blobs(300)
    net = network(constrained)
    train(net, X_big, y_big, constrained)
    for w in net.weights:
        assert np.linalg.norm(w, axis=1).max() <= 1.5 * (1 + 1e-9)
    assert evaluate(net, X_big, y_big).accuracy > 0.9


def test_label_smoothing_gives_the_textbook_targets() -> None:
    """y' = (1 - eps) y + eps / K: the right class 1 - eps + eps/K, the others eps/K."""
    Y = one_hot(np.array([2, 0, 9]), 10, np.float32)
    Y_smooth = smoothed(Y, 0.1)
    assert Y_smooth.dtype == np.float32
    expected = np.full((3, 10), 0.01, dtype=np.float32)
    expected[[0, 1, 2], [2, 0, 9]] = 0.91
    np.testing.assert_allclose(Y_smooth, expected, rtol=1e-6)
    np.testing.assert_allclose(Y_smooth.sum(axis=1), 1.0, rtol=1e-6)
    assert smoothed(Y, 0.0) is Y


def test_training_with_label_smoothing_steps_towards_the_smoothed_targets() -> None:
    """One full-batch epoch of train(label_smoothing=eps) is the step taken on the targets
    (1 - eps) y + eps / K; without smoothing the step differs."""
    X, y = blobs(60)
    cfg = config(dtype="float64", mini_batch_size=60, epochs=1, label_smoothing=0.3)
    trained, by_hand, plain = network(cfg), network(cfg), network(cfg)
    train(trained, X, y, cfg)
    Y_smooth = (1 - 0.3) * np.eye(3)[y] + 0.3 / 3
    plain_cfg = cfg.replace(label_smoothing=0.0)
    gradient_step(by_hand, plain_cfg.make_optimizer(), X.astype(np.float64), Y_smooth,
                  cfg.learning_rate, plain_cfg, np.random.default_rng(0))
    train(plain, X, y, plain_cfg)
    for w_trained, w_by_hand, w_plain in zip(trained.weights, by_hand.weights, plain.weights,
                                             strict=True):
        np.testing.assert_allclose(w_trained, w_by_hand, rtol=1e-10, atol=1e-12)
        assert not np.allclose(w_trained, w_plain, rtol=1e-6, atol=1e-9)


def test_label_smoothing_keeps_the_softmax_from_certainty() -> None:
    """Trained long on easy data, a softmax goes to probability ~1 for the right class; with
    eps = 0.3 and K = 3 it settles near its target 1 - 0.3 + 0.1 = 0.8, not above."""
    X, y = blobs(300)
    cfg = config(optimizer="adam", learning_rate=0.01, epochs=40)
    confident, smoothed_net = network(cfg), network(cfg)
    train(confident, X, y, cfg)
    train(smoothed_net, X, y, cfg.replace(label_smoothing=0.3))
    right = np.arange(len(y)), y
    assert confident.predict_proba(X)[right].mean() > 0.99
    p = smoothed_net.predict_proba(X)[right]
    assert 0.75 < p.mean() < 0.85 and p.max() < 0.9
    assert evaluate(smoothed_net, X, y).accuracy > 0.95  # still right, only less sure
