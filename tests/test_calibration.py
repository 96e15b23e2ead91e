"""Calibrated probabilities: the temperature against independent minimisers, the ECE on cases
worked out by hand, the verdict "not sure", and the temperature in the model card."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitnet import Network
from digitnet.calibration import (
    BINS,
    T_MAX,
    T_MIN,
    calibrate,
    calibrated_probabilities,
    expected_calibration_error,
    fit_temperature,
    judge,
    negative_log_likelihood,
    reliability,
    scores,
    softmax_with_temperature,
    unsure_share,
)
from digitnet.errors import ConfigError, InputError, ModelFileError
from digitnet.model_card import ModelCard

optimize = pytest.importorskip("scipy.optimize", reason="scipy (the dev extra) is not installed")


def overconfident(m: int, sharpness: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores of a model ``sharpness`` times too sure: labels drawn from softmax(s), the model
    says ``sharpness * s``. The right temperature is ``sharpness``."""
    rng = np.random.default_rng(seed)
    s = rng.normal(0, 2.0, (m, 10))  # (m, 10)
    p = softmax_with_temperature(s, 1.0)
    labels = (p.cumsum(axis=1) > rng.random((m, 1))).argmax(axis=1)  # one draw per row
    return sharpness * s, labels


@pytest.mark.parametrize(("sharpness", "seed"), [(0.5, 0), (1.0, 1), (2.5, 2), (6.0, 3)])
def test_temperature_is_the_minimum_scipy_finds(sharpness: float, seed: int) -> None:
    s, labels = overconfident(3000, sharpness, seed)
    found = fit_temperature(s, labels)
    reference = optimize.minimize_scalar(lambda t: negative_log_likelihood(s, labels, t),
                                         bounds=(T_MIN, T_MAX), method="bounded",
                                         options={"xatol": 1e-9})
    assert found == pytest.approx(reference.x, rel=1e-5)
    assert found == pytest.approx(sharpness, rel=0.1)  # and it is the true one, nearly


def test_temperature_is_the_best_of_a_fine_grid() -> None:
    s, labels = overconfident(2000, 3.0, seed=7)
    grid = np.exp(np.linspace(np.log(0.5), np.log(20), 4001))
    losses = [negative_log_likelihood(s, labels, t) for t in grid]
    best = grid[int(np.argmin(losses))]
    assert fit_temperature(s, labels) == pytest.approx(best, rel=2e-3)


def test_negative_log_likelihood_by_its_definition() -> None:
    s = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]])
    labels = np.array([0, 1])
    by_hand = -np.mean([np.log(np.exp(1.0) / (np.exp(1.0) + 1 + np.exp(-0.5))),
                        np.log(np.exp(0.25) / (2 * np.exp(0.25) + np.exp(1.5)))])
    assert negative_log_likelihood(s, labels, 2.0) == pytest.approx(by_hand)


def test_temperature_stays_in_its_range_and_refuses_bad_scores() -> None:
    s = np.array([[5.0, 0.0], [0.0, 5.0]])  # always right: sharper is always better, until
    sharp = fit_temperature(s, np.array([0, 1]))  # the NLL is 0 to the last bit
    assert sharp < 0.2
    assert negative_log_likelihood(s, np.array([0, 1]), sharp) < 1e-12
    flat = np.zeros((4, 3))  # no temperature changes anything
    assert fit_temperature(flat, np.array([0, 1, 2, 0])) == 1.0
    with pytest.raises(InputError, match="scores"):
        fit_temperature(np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(InputError, match="non-finite"):
        fit_temperature(np.array([[np.inf, 0.0]]), np.array([0]))


def test_ece_of_a_case_worked_out_by_hand() -> None:
    # 10 answers 90% sure of which 6 are right, 5 answers 50% sure of which all are right.
    p_sure = np.tile([0.9, 0.05, 0.05], (10, 1))  # confidence 0.9 for class 0
    p_half = np.tile([0.5, 0.3, 0.2], (5, 1))
    probabilities = np.vstack([p_sure, p_half])  # (15, 3)
    labels = np.array([0] * 6 + [1] * 4 + [0] * 5)
    expected = 10 / 15 * abs(0.6 - 0.9) + 5 / 15 * abs(1.0 - 0.5)
    assert expected_calibration_error(probabilities, labels) == pytest.approx(expected)
    bins = reliability(probabilities, labels)
    assert bins.counts.sum() == 15 and np.count_nonzero(bins.counts) == 2
    assert bins.counts[int(np.ceil(0.9 * BINS)) - 1] == 10  # (13/15, 14/15] holds 0.9
    assert bins.accuracy[int(np.ceil(0.5 * BINS)) - 1] == 1.0


def test_ece_is_zero_when_confidence_is_the_fraction_right() -> None:
    p = np.tile([0.75, 0.25], (8, 1))
    labels = np.array([0, 0, 0, 1, 0, 0, 0, 1])  # right 6 times in 8
    assert expected_calibration_error(p, labels) == pytest.approx(0.0)
    certain = np.tile([1.0, 0.0], (3, 1))  # confidence exactly 1 falls in the last bin
    assert reliability(certain, np.zeros(3, int)).counts[-1] == 3


def test_temperature_scaling_lowers_the_ece_of_an_overconfident_model() -> None:
    s, labels = overconfident(6000, 4.0, seed=5)
    temperature = fit_temperature(s[:3000], labels[:3000])
    before = expected_calibration_error(softmax_with_temperature(s[3000:], 1.0), labels[3000:])
    after = expected_calibration_error(softmax_with_temperature(s[3000:], temperature),
                                       labels[3000:])
    assert before > 0.15 and after < 0.03


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_calibrated_probabilities_of_a_network(output: str) -> None:
    cost = "categorical_cross_entropy" if output == "softmax" else "cross_entropy"
    network = Network([20, 8, 5], "relu", output, cost, "he", np.float64, seed=3)
    X = np.random.default_rng(0).random((50, 20))
    own = network.predict_proba(X)
    np.testing.assert_allclose(calibrated_probabilities(network, X, None), own)
    np.testing.assert_allclose(calibrated_probabilities(network, X, 1.0), own, atol=1e-9)
    hot = calibrated_probabilities(network, X, 3.0)
    np.testing.assert_allclose(hot.sum(axis=1), 1.0)
    assert (hot.argmax(axis=1) == own.argmax(axis=1)).all()  # never changes an answer
    assert (hot.max(axis=1) <= own.max(axis=1) + 1e-12).all()  # softer
    np.testing.assert_allclose(hot, own ** (1 / 3) / (own ** (1 / 3)).sum(1, keepdims=True))
    one = calibrated_probabilities(network, X[0], 3.0)
    assert one.shape == (5,) and np.allclose(one, hot[0])
    assert scores(network, X).shape == (50, 5)
    with pytest.raises(ConfigError, match="temperature"):
        calibrated_probabilities(network, X, -1.0)


def test_calibrate_fits_on_one_set_and_measures_on_another() -> None:
    network = Network([20, 10], "relu", "softmax", "categorical_cross_entropy", "he",
                      np.float64, seed=1)
    network.weights[0] *= 6
    rng = np.random.default_rng(2)
    X = rng.random((4000, 20))
    truth = softmax_with_temperature(scores(network, X), 3.0)  # it is 3 times too sure
    labels = (truth.cumsum(axis=1) > rng.random((4000, 1))).argmax(axis=1)
    fit = calibrate(network, (X[:2000], labels[:2000]), (X[2000:], labels[2000:]))
    assert fit.temperature == pytest.approx(3.0, rel=0.15)
    assert fit.fitted_on == fit.checked_on == 2000
    assert fit.ece_before > 0.1 and fit.ece_after < 0.04


def test_a_verdict_is_sure_at_or_above_the_minimum_confidence() -> None:
    p = np.array([0.05, 0.1, 0.0, 0.0, 0.45, 0.0, 0.0, 0.0, 0.0, 0.4])
    verdict = judge(p, 0.8)
    assert not verdict.sure and verdict.maybe == (4, 9) and verdict.digit == 4
    assert verdict.confidence == pytest.approx(0.45)
    assert judge(p, 0.45).sure and judge(p, 0.0).sure
    assert unsure_share(np.array([p, np.eye(10)[3]]), 0.5) == 0.5
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ConfigError, match="between 0 and 1"):
            judge(p, bad)


def test_the_model_card_keeps_the_temperature() -> None:
    network = Network([784, 10, 10])
    card = ModelCard(network.architecture, temperature=1.375)
    text = card.to_json()
    assert json.loads(text)["temperature"] == 1.375
    assert ModelCard.from_json(text).temperature == 1.375
    old = json.loads(text)
    del old["temperature"]  # a file written before calibration existed
    assert ModelCard.from_json(json.dumps(old)).temperature is None
    for bad, message in ((-2.0, "positive"), (0, "positive"), ("hot", "must be float")):
        with pytest.raises(ModelFileError, match=message):
            ModelCard.from_json(json.dumps({**old, "temperature": bad}))
    with pytest.raises(ModelFileError, match="positive"):
        ModelCard(network.architecture, temperature=float("inf"))
