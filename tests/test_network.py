"""The network as a function: shapes, parameter count, predictions, bad input, configuration."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import ConfigError, InputError, Network, TrainingConfig


def test_the_3b1b_network_has_13002_weights_and_biases() -> None:
    net = Network([784, 16, 16, 10])
    assert net.num_parameters == 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10 == 13002
    assert [w.shape for w in net.weights] == [(16, 784), (16, 16), (10, 16)]
    assert [b.shape for b in net.biases] == [(16,), (16,), (10,)]
    assert "13,002 parameters" in repr(net)


def test_layer_is_sigma_of_w_a_plus_b() -> None:
    """a' = sigma(W a + b), written out for one example, equals the batched forward pass."""
    net = Network([5, 4, 3], dtype=np.float64, seed=1)
    x = np.random.default_rng(0).random(5)
    a = x
    for w, b in zip(net.weights, net.biases, strict=True):
        a = 1 / (1 + np.exp(-(w @ a + b)))
    np.testing.assert_allclose(net.feedforward(x), a, rtol=1e-12)
    np.testing.assert_allclose(net.feedforward(np.stack([x, x]))[1], a, rtol=1e-12)


def test_predictions() -> None:
    net = Network([784, 16, 16, 10], output_activation="softmax", cost="categorical_cross_entropy")
    X = np.random.default_rng(0).random((6, 784), dtype=np.float32)
    proba = net.predict_proba(X)
    assert proba.shape == (6, 10) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(net.predict(X), proba.argmax(axis=1))
    assert net.predict(X[0]).shape == ()
    sig = Network([784, 10])
    np.testing.assert_allclose(sig.predict_proba(X).sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(sig.predict_proba(X[2]), sig.predict_proba(X)[2], rtol=1e-5)
    np.testing.assert_allclose(net.predict_proba(X[2]), proba[2], rtol=1e-5)


def test_outputs_as_probabilities_by_hand() -> None:
    """p_j = a_j / sum_i a_i after clipping at 0; a row with nothing positive is uniform."""
    net = Network([2, 3], output_activation="identity")
    output = np.array([[0.5, -1.0, 1.5], [0.0, 0.0, 0.0], [-1.0, -2.0, -3.0], [0.1, 0.3, 0.0]])
    np.testing.assert_allclose(net.probabilities(output),  # 4 rows of 3: 1/n_out, not 1/m
                               [[0.25, 0.0, 0.75], [1 / 3] * 3, [1 / 3] * 3, [0.25, 0.75, 0.0]])
    softmax = Network([2, 3], output_activation="softmax", cost="categorical_cross_entropy")
    np.testing.assert_array_equal(softmax.probabilities(output), output)  # taken as they are


def test_same_seed_same_network_and_different_seed_different() -> None:
    a, b, c = Network([10, 5, 2], seed=7), Network([10, 5, 2], seed=7), Network([10, 5, 2], seed=8)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])
    assert not np.array_equal(a.weights[0], c.weights[0])
    default, zero = Network([10, 5, 2]), Network([10, 5, 2], seed=0)  # the default seed is 0
    np.testing.assert_array_equal(default.weights[0], zero.weights[0])


@pytest.mark.parametrize("init", ["normal", "xavier", "he"])
def test_initialisation_scales(init: str) -> None:
    net = Network([784, 400, 10], init=init, dtype=np.float64, seed=0)
    expected = {"normal": 1.0, "xavier": 1 / np.sqrt(784), "he": np.sqrt(2 / 784)}[init]
    assert net.weights[0].std() == pytest.approx(expected, rel=0.02)
    assert (net.biases[0] == 0).all() == (init != "normal")


@pytest.mark.parametrize(
    ("bad", "message"),
    [(np.zeros((3, 5)), "shape"), (np.zeros((2, 2, 784)), "shape"),
     (np.full((1, 784), np.nan), "NaN"), (np.array([["a"] * 784]), "numbers")],
)
def test_bad_input_is_a_clear_error(bad: np.ndarray, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Network([784, 10]).predict(bad)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"sizes": [784]}, "at least an input and an output"),
     ({"sizes": [784, 0, 10]}, "positive"),
     ({"sizes": [784, 10], "activation": "swish"}, "unknown activation 'swish'"),
     ({"sizes": [784, 10], "activation": "softmax"}, "only be the output"),
     ({"sizes": [784, 10], "cost": "cross_entropy", "output_activation": "relu"},
      "between 0 and 1"),
     ({"sizes": [784, 10], "init": "zeros"}, "unknown initialisation"),
     ({"sizes": [784, 10], "dtype": np.int32}, "float32 or float64")],
)
def test_impossible_networks_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Network(**kwargs)


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"learning_rate": -1.0}, "learning rate must be positive"),
     ({"mini_batch_size": 0}, "mini-batch size"),
     ({"epochs": 0}, "epochs"),
     ({"dropout": 1.0}, "dropout"),
     ({"layers": (784,)}, "at least"),
     ({"optimizer": "lbfgs"}, "unknown optimizer"),
     ({"schedule": "warmup"}, "unknown schedule"),
     ({"learning_rate": float("nan")}, "positive|finite")],
)
def test_impossible_configurations_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        TrainingConfig().replace(**changes)


def test_config_round_trips_through_a_dict() -> None:
    config = TrainingConfig(layers=(784, 20, 10), optimizer="adam", learning_rate=0.01)
    assert TrainingConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="unknown training option"):
        TrainingConfig.from_dict({"colour": "blue"})
    with pytest.raises(ConfigError, match="epochs must be a whole number"):
        TrainingConfig.from_dict({"epochs": "many"})


def test_from_arrays_checks_that_shapes_chain() -> None:
    net = Network([4, 3, 2])
    clone = Network.from_arrays(net.weights, net.biases)
    np.testing.assert_array_equal(clone.weights[1], net.weights[1])
    with pytest.raises(InputError, match="do not chain"):
        Network.from_arrays([net.weights[0], net.weights[0]], net.biases)
    with pytest.raises(InputError, match="do not chain"):  # right weights, wrong biases
        Network.from_arrays(net.weights, [net.biases[1], net.biases[0]])
    with pytest.raises(InputError, match="do not chain"):  # weights must be matrices
        Network.from_arrays([np.zeros(4)], [np.zeros(1)])
    with pytest.raises(InputError, match="2 weight matrices and 1 bias vectors"):
        Network.from_arrays(net.weights, net.biases[:1])
    with pytest.raises(InputError, match="0 weight matrices"):
        Network.from_arrays([], [])


def test_copy_is_deep() -> None:
    net = Network([4, 3, 2], "tanh", "softmax", "categorical_cross_entropy", seed=2)
    clone = net.copy()
    assert clone.architecture == net.architecture and clone.num_parameters == net.num_parameters
    X = np.random.default_rng(0).random((5, 4))
    np.testing.assert_array_equal(clone.feedforward(X), net.feedforward(X))
    for mine, theirs in zip(clone.parameters(), net.parameters(), strict=True):
        assert mine.shape == theirs.shape and not np.shares_memory(mine, theirs)
        mine += 1.0
    assert not np.allclose(clone.feedforward(X), net.feedforward(X))  # the original is untouched
    np.testing.assert_array_equal(net.weights[0], Network([4, 3, 2], seed=2).weights[0])
