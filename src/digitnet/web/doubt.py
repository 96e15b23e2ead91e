"""Answers that may say "not sure": calibrated probabilities judged by a minimum confidence.

:func:`judged` turns what :func:`digitnet.web.explain.explain` computed into the answer the
page and the API give: the probabilities calibrated with the model's temperature (see
:mod:`digitnet.calibration`, which computes and judges them), ``sure`` when the largest reaches
the minimum confidence, and the two most likely digits.
"""

from __future__ import annotations

from digitnet.activations import Array
from digitnet.calibration import DEFAULT_MIN_CONFIDENCE, calibrated_probabilities, judge
from digitnet.model_io import Model
from digitnet.web.explain import DIGITS, rounded
from digitnet.web.schemas import Prediction


def judged(prediction: Prediction, model: Model, x: Array,
           min_confidence: float | None) -> Prediction:
    """``prediction`` for the input x (n_in,), calibrated and judged (see the module doc)."""
    threshold = DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence
    temperature = model.card.temperature
    probabilities = calibrated_probabilities(model.network, x, temperature)  # (n_out,)
    verdict = judge(probabilities, threshold)
    return prediction.model_copy(update={
        "digit": verdict.digit, "confidence": round(verdict.confidence, DIGITS),
        "probabilities": rounded(probabilities), "sure": verdict.sure,
        "maybe": list(verdict.maybe), "min_confidence": threshold,
        "temperature": temperature})
