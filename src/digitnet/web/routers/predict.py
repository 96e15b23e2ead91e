"""What the network makes of an input: pixels, an uploaded picture, noise, or its own dream.

    POST /api/predict          784 pixels in [0, 1] -> prediction
    POST /api/predict/image    an uploaded picture (multipart ``file``) -> prediction
    POST /api/noise            random noise -> prediction
    POST /api/dream            gradient ascent on the input towards a digit

Every answer carries the whole forward pass (:func:`digitnet.web.explain.explain`).
"""

from __future__ import annotations

import secrets
from typing import Annotated

import numpy as np
from fastapi import APIRouter, File, HTTPException, UploadFile

from digitnet.data import load_image, prepare_digit
from digitnet.data.dataset import IMAGE_SIDE
from digitnet.web.dreams import dream
from digitnet.web.explain import describe_stages, explain, rounded
from digitnet.web.schemas import (
    DreamRequest,
    DreamResponse,
    NoiseRequest,
    NoiseResponse,
    PixelsRequest,
    Prediction,
)
from digitnet.web.state import ServedDep

router = APIRouter()


def pick_seed(seed: int | None) -> int:
    """The request's seed, or a fresh one the answer reports (so the picture can be redrawn)."""
    return seed if seed is not None else secrets.randbelow(2**31)


@router.post("/api/predict", summary="Predict from 784 pixel intensities in [0, 1]")
def predict(request: PixelsRequest, served: ServedDep) -> Prediction:
    network = served.network
    if len(request.pixels) != network.sizes[0]:
        raise HTTPException(422, f"pixels: expected {network.sizes[0]} numbers, "
                                 f"got {len(request.pixels)}")
    return explain(network, np.asarray(request.pixels, dtype=network.dtype))


@router.post("/api/predict/image",
             summary="Predict from a picture (PNG, JPEG, ...), prepared like MNIST")
def predict_image(
    file: Annotated[UploadFile, File(description="a picture of one digit, any size")],
    served: ServedDep,
) -> Prediction:
    if served.image_side is None:
        raise HTTPException(422, f"this network takes {served.network.sizes[0]} inputs, not a "
                                 f"{IMAGE_SIDE}x{IMAGE_SIDE} image")
    prepared = prepare_digit(load_image(file.file.read()))
    return explain(served.network, prepared.vector, describe_stages(prepared))


@router.post("/api/noise", summary="Feed random noise: the network still answers")
def noise(request: NoiseRequest, served: ServedDep) -> NoiseResponse:
    network = served.network
    seed = pick_seed(request.seed)
    rng = np.random.default_rng(seed)
    pixels = rng.random(network.sizes[0]).astype(network.dtype)  # (n_in,)
    return NoiseResponse(seed=seed, prediction=explain(network, pixels))


@router.post("/api/dream", summary="What does the network think a digit looks like?")
def dream_digit(request: DreamRequest, served: ServedDep) -> DreamResponse:
    network = served.network
    if request.digit >= network.sizes[-1]:
        raise HTTPException(422, f"digit: the network has {network.sizes[-1]} outputs")
    seed = pick_seed(request.seed)
    result = dream(network, request.digit, np.random.default_rng(seed), request.steps,
                   request.step_size)
    return DreamResponse(digit=request.digit, seed=seed, start=rounded(result.start),
                         image=rounded(result.image), probabilities=result.probabilities,
                         prediction=explain(network, result.image))
