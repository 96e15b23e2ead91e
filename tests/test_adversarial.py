"""Adversarial training: the fast gradient sign method against a numerical gradient, the step
against one taken by hand, and a network that becomes harder to fool."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import ConfigError, InputError, Network, TrainingConfig, adversarial, train
from digitnet.adversarial import attacked, fast_gradient_sign
from digitnet.targets import one_hot

SIZES = (12, 10, 3)


def config(**changes: object) -> TrainingConfig:
    base = TrainingConfig(layers=SIZES, activation="tanh", output_activation="softmax",
                          cost="categorical_cross_entropy", init="xavier", optimizer="sgd",
                          learning_rate=0.5, mini_batch_size=30, epochs=1, dtype="float64")
    return base.replace(**changes)


def pixels(m: int, seed: int = 0, low: float = 0.2, high: float = 0.8
           ) -> tuple[np.ndarray, np.ndarray]:
    """m random 'images' of 12 pixels in [low, high], with labels 0..2."""
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, (m, SIZES[0])), rng.integers(0, 3, m)


def numerical_input_gradient(net: Network, X: np.ndarray, Y: np.ndarray,
                             h: float = 1e-6) -> np.ndarray:
    """dC/dX by central differences of the mean cost, one pixel at a time."""
    gradient = np.zeros_like(X)
    for index in np.ndindex(X.shape):
        up, down = X.copy(), X.copy()
        up[index] += h
        down[index] -= h
        gradient[index] = (net.cost_value(up, Y) - net.cost_value(down, Y)) / (2 * h)
    return gradient


def by_hand_adversarial(net: Network, X: np.ndarray, Y: np.ndarray, eps: float) -> np.ndarray:
    """x + eps sign(dC/dx), clipped to [0, 1], from the numerical gradient."""
    gradient = numerical_input_gradient(net, X, Y)
    assert np.abs(gradient).min() > 1e-9  # no pixel whose sign is in doubt
    return np.clip(X + eps * np.sign(gradient), 0.0, 1.0)


def test_fast_gradient_sign_moves_every_pixel_by_eps_uphill() -> None:
    """Backpropagation's dC/dx gives the same signs as the numerical gradient, so the
    adversarial copy is the textbook x + eps sign(dC/dx); and it costs more than x."""
    net = config().build_network()
    X, y = pixels(30)
    Y = one_hot(y, 3, np.float64)
    forward = net.forward(X)
    backprop = net.backward(forward, net.output_error(forward, Y), input_gradient=True).inputs
    assert backprop is not None
    X_adv = fast_gradient_sign(X, backprop, 0.05)
    np.testing.assert_allclose(X_adv, by_hand_adversarial(net, X, Y, 0.05), rtol=0, atol=1e-15)
    np.testing.assert_allclose(np.abs(X_adv - X), 0.05, rtol=1e-12)
    assert net.cost_value(X_adv, Y) > net.cost_value(X, Y) + 0.01


def test_fast_gradient_sign_keeps_pixels_in_range() -> None:
    """Black pixels pushed darker and white ones pushed lighter stay at 0 and 1; no pixel
    moves by more than eps; a pixel the cost does not depend on does not move."""
    X = np.array([[0.0, 1.0, 0.5, 0.95, 0.3]])
    gradient = np.array([[-2.0, 3.0, 0.0, 1.0, -1e-9]])
    np.testing.assert_allclose(fast_gradient_sign(X, gradient, 0.1),
                               [[0.0, 1.0, 0.5, 1.0, 0.2]], rtol=0, atol=1e-15)


def test_every_example_is_attacked_by_its_own_gradient(monkeypatch: pytest.MonkeyPatch) -> None:
    """attacked() moves each example by the sign of its own cost's numerical gradient, in
    blocks of rows that do not change the answer."""
    net = config().build_network()
    X, y = pixels(20, seed=2)
    Y = one_hot(y, 3, np.float64)
    by_hand = np.vstack([by_hand_adversarial(net, X[i:i + 1], Y[i:i + 1], 0.1)
                         for i in range(20)])
    np.testing.assert_allclose(attacked(net, X, y, 0.1), by_hand, rtol=0, atol=1e-15)
    monkeypatch.setattr(adversarial, "ATTACK_ROWS", 7)
    np.testing.assert_allclose(attacked(net, X, y, 0.1), by_hand, rtol=0, atol=1e-15)
    with pytest.raises(InputError, match=r"expected 20 labels, one per example, got shape \(19,\)"):
        attacked(net, X, y[:19], 0.1)


def test_an_adversarial_step_follows_the_mean_of_the_two_gradients() -> None:
    """One full-batch epoch with adversarial eps is w <- w - eta (1/2 dC(X)/dw + 1/2
    dC(X_adv)/dw + lambda w), X_adv made by hand from the numerical gradient."""
    cfg = config(adversarial=0.05, weight_decay=0.01)
    X, y = pixels(30, seed=1)
    Y = one_hot(y, 3, np.float64)
    trained, by_hand = cfg.build_network(), cfg.build_network()
    train(trained, X, y, cfg)
    X_adv = by_hand_adversarial(by_hand, X, Y, 0.05)
    for layer, ((dw, db), (dw_adv, db_adv)) in enumerate(
            zip(by_hand.gradients(X, Y), by_hand.gradients(X_adv, Y), strict=True)):
        w, b = by_hand.weights[layer], by_hand.biases[layer]
        w -= cfg.learning_rate * ((dw + dw_adv) / 2 + cfg.weight_decay * w)
        b -= cfg.learning_rate * (db + db_adv) / 2
    for mine, theirs in zip(trained.parameters(), by_hand.parameters(), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
    plain = cfg.replace(adversarial=0.0).build_network()
    train(plain, X, y, cfg.replace(adversarial=0.0))
    assert not np.allclose(plain.weights[0], trained.weights[0], rtol=1e-6, atol=1e-9)


def fooled_rate(net: Network, X: np.ndarray, y: np.ndarray, eps: float) -> float:
    """The share of X the network misreads once every example is moved by the fast gradient
    sign method."""
    return float(np.mean(net.predict(attacked(net, X, y, eps)) != y))


def test_adversarial_training_makes_the_network_harder_to_fool() -> None:
    """Two classes of noisy 'images' around two prototypes: both networks read clean test
    examples, but the one trained on adversarial copies is fooled far less often by them."""
    rng = np.random.default_rng(0)
    prototypes = rng.uniform(0.3, 0.7, (2, 50))
    y = rng.integers(0, 2, 1200)
    X = np.clip(prototypes[y] + rng.normal(scale=0.15, size=(1200, 50)), 0.0, 1.0)
    cfg = TrainingConfig(layers=(50, 32, 2), activation="relu", output_activation="softmax",
                         cost="categorical_cross_entropy", init="he", optimizer="adam",
                         learning_rate=0.003, mini_batch_size=20, epochs=15, dtype="float64")
    plain, hardened = cfg.build_network(), cfg.build_network()
    train(plain, X[:1000], y[:1000], cfg)
    train(hardened, X[:1000], y[:1000], cfg.replace(adversarial=0.1))
    X_test, y_test = X[1000:], y[1000:]
    for net in (plain, hardened):
        assert np.mean(net.predict(X_test) == y_test) > 0.95
    assert fooled_rate(plain, X_test, y_test, 0.1) > 0.3
    assert fooled_rate(hardened, X_test, y_test, 0.1) < fooled_rate(plain, X_test, y_test,
                                                                     0.1) / 2


@pytest.mark.parametrize("eps", [-0.1, 1.5, float("nan")])
def test_the_adversarial_eps_must_lie_in_the_pixel_range(eps: float) -> None:
    with pytest.raises(ConfigError, match="adversarial eps must be in"):
        config(adversarial=eps)


@pytest.mark.parametrize(("low", "high", "shown"),
                         [(-1.0, 1.0, r"\[-0\.9"), (-0.5, 0.9, r"\[-0\.4"),
                          (0.1, 1.2, r"\[0\.1[0-9]*, 1\.1")])
def test_adversarial_training_refuses_inputs_outside_the_pixel_range(
        low: float, high: float, shown: str) -> None:
    """Clipping to [0, 1] would change standardised inputs beyond recognition: a clear error,
    whether the inputs go below 0, above 1 or both; inputs that fill [0, 1] are welcome."""
    X, y = pixels(30, low=low, high=high)
    with pytest.raises(InputError, match=r"training inputs range over " + shown):
        train(config().build_network(), X, y, config(adversarial=0.1))
    X[0, 0], X[1, 0] = 0.0, 1.0
    np.clip(X, 0.0, 1.0, out=X)
    assert train(config().build_network(), X, y, config(adversarial=0.1)).stop_reason == \
        "completed"
