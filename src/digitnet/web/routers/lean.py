"""Predictions for programs: the digit and its probabilities, nothing else.

    POST /api/predict/lean     784 pixels in [0, 1] -> {"digit", "probabilities"}
    POST /api/predict/batch    up to MAX_BATCH images -> {"predictions": [{...}, ...]}

The page's ``/api/predict`` describes every layer for the drawing (about 4 ms of CPU a request);
a program that only wants the answer asks these. They are written for throughput:

* the body is parsed and validated in one pass by pydantic's JSON parser (pydantic-core, in
  Rust: :func:`read_json`) instead of ``json.loads`` and then a check of 784 Python floats;
* the handlers are ``async``: a forward pass of one image takes microseconds, far less than a
  trip through the thread pool; a batch's forward pass runs in a worker thread (NumPy releases
  the GIL there, so other requests are served meanwhile);
* the answer is serialised straight to JSON bytes by pydantic (FastAPI's path for a declared
  response model).

A request takes the served model once (``ServedDep``) and uses only it: a network put to use by
a live training run (``/api/training/use``, a copy swapped in whole) answers the next request,
never half of one. The served network is never trained in place.

The probabilities are the network's own numbers (float32 written as the shortest decimal that
reads back as the same float64), so an answer equals ``network.predict_proba`` exactly.
"""

from __future__ import annotations

from typing import Any, TypeVar

import anyio
import numpy as np
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from digitnet.activations import Array
from digitnet.network import Network
from digitnet.web.inputs import pixels_of
from digitnet.web.schemas import (
    MAX_BATCH,
    ImagesRequest,
    LeanPrediction,
    PixelsRequest,
    Predictions,
)
from digitnet.web.state import ServedDep

router = APIRouter(tags=["for programs"])
Body = TypeVar("Body", bound=BaseModel)


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI description of a JSON body read by :func:`read_json` (FastAPI's
    ``openapi_extra``: the body is not a handler parameter, so FastAPI cannot see it)."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


async def read_json(request: Request, model: type[Body]) -> Body:
    """The request's body as ``model``, parsed and validated in one pass by pydantic-core.

    Invalid JSON or values are a 422 with the same one-line message as any validation error.
    """
    body = await request.body()
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False)) from None


def answers(network: Network, X: Array) -> list[LeanPrediction]:
    """The digit (argmax of the output, as ``network.predict``) and the probabilities (as
    ``network.predict_proba``) of each row of X (m, n_in)."""
    output = network.feedforward(X)  # (m, n_out)
    digits = np.argmax(output, axis=1).tolist()  # (m,)
    probabilities = network.probabilities(output).tolist()  # (m, n_out)
    return [LeanPrediction(digit=digit, probabilities=p)
            for digit, p in zip(digits, probabilities, strict=True)]


@router.post("/api/predict/lean", openapi_extra=json_body(PixelsRequest),
             summary="The digit and its probabilities for 784 pixels in [0, 1], nothing more")
async def predict_lean(request: Request, served: ServedDep) -> LeanPrediction:
    body = await read_json(request, PixelsRequest)
    network = served.network  # taken once: a model swapped in meanwhile serves the next request
    X = pixels_of(network, body.pixels)[None, :]  # (1, n_in)
    return answers(network, X)[0]


@router.post("/api/predict/batch", openapi_extra=json_body(ImagesRequest),
             summary=f"The digits and probabilities of up to {MAX_BATCH} images at once")
async def predict_batch(request: Request, served: ServedDep) -> Predictions:
    body = await read_json(request, ImagesRequest)
    network = served.network
    X = np.stack([pixels_of(network, pixels, f"images.{index}")
                  for index, pixels in enumerate(body.images)])  # (m, n_in)
    predictions = await anyio.to_thread.run_sync(answers, network, X)
    return Predictions(predictions=predictions)
