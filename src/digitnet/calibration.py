"""Saying "I don't know": calibrated probabilities, how to measure calibration, a minimum
confidence.

**Temperature scaling** (Guo, Pleiss, Sun and Weinberger 2017). A network trained to a small
cost tends to be over-confident: of the answers it gives with 99% confidence, fewer than 99%
are right. Dividing its scores by one number T, fitted on held-out (validation) digits, fixes
much of that without changing any answer (the largest score stays the largest)::

    p_T = softmax(s / T)

The scores s are, for a softmax output, its weighted inputs z (so T = 1 gives the network's own
probabilities); for any other output (sigmoid, ...), the logarithms of the probabilities
:meth:`Network.probabilities` gives, p_j = a_j / sum_i a_i, so that ``p_T`` is proportional to
``p^(1/T)``: the same family, and T = 1 again gives them back. (A probability of 0 counts as
``TINY``, whose logarithm is finite.)

T minimises the negative log-likelihood of the validation labels y_i, written with beta = 1/T::

    NLL(beta) = (1/m) sum_i [ log sum_j exp(beta s_ij) - beta s_iy_i ]

which is convex in beta: NLL' = mean_i (E_p[s_i] - s_iy_i) and NLL'' = mean_i Var_p[s_i] >= 0
(the mean and variance of the scores under p_T). Newton's method from beta = 1, halving any step
that does not lower the NLL, finds it; T stays within [T_MIN, T_MAX].

**Expected calibration error.** The answers are put into ``BINS`` bins by their confidence
c = max_j p_j (bin b holds b/BINS < c <= (b+1)/BINS); with n_b answers in bin b, of mean
confidence conf_b and accuracy acc_b, ``ECE = sum_b (n_b / m) |acc_b - conf_b|``: 0 when the
confidence is, bin by bin, the fraction that is right.

**A minimum confidence.** An answer whose (calibrated) confidence is below it is "not sure":
the network's two most likely digits are given instead of one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .activations import Array
from .errors import ConfigError, InputError
from .metrics import EVALUATION_CHUNK
from .network import Network

T_MIN, T_MAX = 0.05, 100.0
TINY = 1e-12  # the probability a score is taken for when a network says exactly 0
BINS = 15
DEFAULT_MIN_CONFIDENCE = 0.8
NEWTON_STEPS = 100


def scores(network: Network, X: Array) -> NDArray[np.float64]:
    """The scores s (m, n_out) that temperature scaling divides by T (see the module doc)."""
    X = network.check_inputs(np.atleast_2d(X))
    chunks = []
    for start in range(0, X.shape[0], EVALUATION_CHUNK):
        forward = network.forward(X[start:start + EVALUATION_CHUNK])
        if network.output_activation.name == "softmax":
            chunks.append(forward.zs[-1].astype(np.float64))  # (chunk, n_out)
        else:
            p = network.probabilities(forward.activations[-1]).astype(np.float64)
            chunks.append(np.log(np.maximum(p, TINY)))
    return np.concatenate(chunks) if chunks else np.zeros((0, network.sizes[-1]))


def softmax_with_temperature(s: Array, temperature: float) -> NDArray[np.float64]:
    """softmax(s / T) row by row, (m, n) -> (m, n), in float64."""
    z = np.asarray(s, np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return p


def calibrated_probabilities(network: Network, X: Array,
                             temperature: float | None) -> NDArray[np.floating]:
    """The probabilities (m, n_out) (or (n_out,) for one input) to show and to judge by.

    ``temperature`` None (a model that was never calibrated) gives the network's own
    :meth:`Network.predict_proba`; a temperature T gives ``softmax(scores / T)``.
    """
    if temperature is None:
        own: NDArray[np.floating] = network.predict_proba(X)
        return own
    check_temperature(temperature)
    p = softmax_with_temperature(scores(network, X), temperature)
    return p[0] if np.ndim(X) == 1 else p


def check_temperature(temperature: float) -> None:
    if not (np.isfinite(temperature) and temperature > 0):
        raise ConfigError(f"the temperature must be a positive number, got {temperature}")


def negative_log_likelihood(s: Array, labels: NDArray[np.integer],
                            temperature: float) -> float:
    """-(1/m) sum_i log softmax(s_i / T)_{y_i}: what the temperature minimises."""
    z = np.asarray(s, np.float64) / temperature
    top = z.max(axis=1, keepdims=True)  # (m, 1)
    log_sum = np.log(np.exp(z - top).sum(axis=1)) + top[:, 0]  # (m,) log sum_j exp z_j
    return float(np.mean(log_sum - z[np.arange(z.shape[0]), labels]))


def _nll_slope_curvature(s: NDArray[np.float64], labels: NDArray[np.integer],
                         beta: float) -> tuple[float, float, float]:
    """NLL(beta), NLL'(beta) and NLL''(beta) (see the module doc)."""
    p = softmax_with_temperature(s, 1 / beta)  # (m, n)
    mean = (p * s).sum(axis=1)  # (m,) E_p[s]
    variance = (p * s * s).sum(axis=1) - mean**2  # (m,) Var_p[s]
    slope = float(np.mean(mean - s[np.arange(s.shape[0]), labels]))
    return negative_log_likelihood(s, labels, 1 / beta), slope, float(np.mean(variance))


def fit_temperature(s: Array, labels: NDArray[np.integer]) -> float:
    """The T in [T_MIN, T_MAX] minimising the NLL of ``labels`` (m,) under softmax(s / T).

    ``s`` (m, n_out) are held-out scores (:func:`scores` of the validation images).
    """
    values: NDArray[np.float64] = np.asarray(s, dtype=np.float64)
    labels = np.asarray(labels)
    if values.ndim != 2 or labels.shape != (values.shape[0],) or values.shape[0] == 0:
        raise InputError(f"fitting a temperature needs scores (m, n) and labels (m,), got "
                         f"{values.shape} and {labels.shape}")
    if not np.isfinite(values).all():
        raise InputError("the scores hold non-finite values: the network cannot be calibrated")
    beta_low, beta_high = 1 / T_MAX, 1 / T_MIN
    beta = 1.0
    nll, slope, curvature = _nll_slope_curvature(values, labels, beta)
    for _ in range(NEWTON_STEPS):
        if curvature <= 0:  # every score of every row equal: no temperature changes anything
            break
        target = min(max(beta - slope / curvature, beta_low), beta_high)
        while True:  # halve the step until the NLL does not rise
            candidate = _nll_slope_curvature(values, labels, target)
            if candidate[0] <= nll or abs(target - beta) < 1e-12:
                break
            target = (target + beta) / 2
        done = abs(target - beta) <= 1e-10 * beta
        beta, (nll, slope, curvature) = target, candidate
        if done:
            break
    return float(min(max(1 / beta, T_MIN), T_MAX))


@dataclass(frozen=True)
class Reliability:
    """Answers binned by confidence: per bin (BINS,), the count, mean confidence and accuracy
    (NaN for an empty bin); ``edges`` (BINS + 1,) are the bins' limits."""

    edges: NDArray[np.float64]
    counts: NDArray[np.int64]
    confidence: NDArray[np.float64]
    accuracy: NDArray[np.float64]

    @property
    def expected_calibration_error(self) -> float:
        """sum_b (n_b / m) |acc_b - conf_b| over the non-empty bins."""
        total = int(self.counts.sum())
        filled = self.counts > 0
        gaps = np.abs(self.accuracy[filled] - self.confidence[filled])
        return float((self.counts[filled] / total * gaps).sum()) if total else float("nan")


def reliability(probabilities: Array, labels: NDArray[np.integer],
                bins: int = BINS) -> Reliability:
    """Bin the answers of ``probabilities`` (m, n) against the true ``labels`` (m,)."""
    p = np.asarray(probabilities, np.float64)
    confidence = p.max(axis=1)  # (m,)
    right = p.argmax(axis=1) == np.asarray(labels)  # (m,)
    which = np.clip(np.ceil(confidence * bins).astype(np.int64) - 1, 0, bins - 1)  # (m,)
    counts = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(which, confidence, bins) / counts
        accuracy = np.bincount(which, right.astype(np.float64), bins) / counts
    return Reliability(np.linspace(0, 1, bins + 1), counts, mean_confidence, accuracy)


def expected_calibration_error(probabilities: Array, labels: NDArray[np.integer],
                               bins: int = BINS) -> float:
    """The ECE of ``probabilities`` (m, n) on ``labels`` (m,) (see the module doc)."""
    return reliability(probabilities, labels, bins).expected_calibration_error


@dataclass(frozen=True)
class Verdict:
    """One answer judged against a minimum confidence: the digit, how sure, whether sure
    enough, and the two most likely digits (the best first)."""

    digit: int
    confidence: float
    sure: bool
    maybe: tuple[int, int]


def check_min_confidence(min_confidence: float) -> None:
    if not 0 <= min_confidence <= 1:
        raise ConfigError(f"the minimum confidence must lie between 0 and 1, got "
                          f"{min_confidence}")


def judge(probabilities: Array, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> Verdict:
    """The verdict on one answer's probabilities (n,): sure when max_j p_j >= min_confidence."""
    check_min_confidence(min_confidence)
    p = np.asarray(probabilities, np.float64).ravel()
    best, second = (int(i) for i in np.argsort(-p, kind="stable")[:2])
    confidence = float(p[best])
    return Verdict(best, confidence, confidence >= min_confidence, (best, second))


def unsure_share(probabilities: Array, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> float:
    """The fraction of the answers (m, n) that are not sure: max_j p_j < min_confidence."""
    check_min_confidence(min_confidence)
    return float(np.mean(np.asarray(probabilities).max(axis=1) < min_confidence))


@dataclass(frozen=True)
class TemperatureFit:
    """A temperature fitted on some digits and the ECE it gives on others, before and after."""

    temperature: float
    fitted_on: int
    checked_on: int
    ece_before: float
    ece_after: float


def calibrate(network: Network, fit: tuple[Array, NDArray[np.integer]],
              check: tuple[Array, NDArray[np.integer]]) -> TemperatureFit:
    """Fit T on ``fit`` = (X, labels) and measure the ECE on ``check`` with T = 1 and with T."""
    temperature = fit_temperature(scores(network, fit[0]), fit[1])
    before = expected_calibration_error(calibrated_probabilities(network, check[0], None),
                                        check[1])
    after = expected_calibration_error(calibrated_probabilities(network, check[0], temperature),
                                       check[1])
    return TemperatureFit(temperature, len(fit[1]), len(check[1]), before, after)
