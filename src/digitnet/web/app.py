"""The web app: a page to draw a digit and watch the network think, and the JSON API it uses.

``create_app(model)`` builds a FastAPI app around one loaded model; nothing is built at import
time. The page is plain HTML/CSS/JS served from the package's ``static`` folder. Every error is
answered as ``{"error": "one line"}`` with a 4xx status; request bodies are size-limited.

Endpoints (all described at ``/openapi.json``; FastAPI's ``/docs`` page needs its scripts from the
internet, so the page links to the JSON)::

    GET  /                                  the page
    GET  /api/model                         architecture, metadata, test set
    POST /api/predict                       784 pixels in [0, 1] -> prediction
    POST /api/predict/image                 an uploaded picture (multipart ``file``) -> prediction
    POST /api/noise                         random noise -> prediction
    POST /api/dream                         gradient ascent on the input towards a digit
    GET  /api/layers/{layer}/weights        the weights and biases into layer (1..L)
    GET  /api/layers/{layer}/neurons/{n}    one neuron's incoming weights and bias
    GET  /api/test-set                      is there a test set, how many, how many wrong
    GET  /api/test-set/{position}           the test image at position (misclassified first)
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from digitnet.activations import Array
from digitnet.data import load_image, prepare_digit
from digitnet.errors import DigitnetError
from digitnet.metrics import predict_in_chunks
from digitnet.model_io import Model
from digitnet.web.dreams import dream
from digitnet.web.explain import describe_stages, explain, rounded
from digitnet.web.limits import BodySizeLimit
from digitnet.web.schemas import (
    DreamRequest,
    DreamResponse,
    ErrorResponse,
    LayerWeights,
    ModelInfo,
    NeuronWeights,
    NoiseRequest,
    NoiseResponse,
    PixelsRequest,
    Prediction,
    TestItem,
    TestSetInfo,
)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 8 * 1024 * 1024  # an uploaded photo fits; anything larger gets 413
IMAGE_SIDE = 28
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (404, 413, 422)
}


@dataclass(frozen=True)
class TestSet:
    """Test images (m, n_in) with labels (m,), the network's answers, and a browsing order."""

    name: str
    images: Array
    labels: np.ndarray
    predicted: np.ndarray
    order: np.ndarray  # misclassified first, each group in test-set order

    @property
    def misclassified(self) -> int:
        return int(np.count_nonzero(self.predicted != self.labels))


def build_test_set(model: Model, images: Array, labels: np.ndarray, name: str) -> TestSet:
    """Run the network over the test set once and order it: its mistakes first."""
    images = model.network.check_inputs(images)  # (m, n_in)
    labels = np.asarray(labels).astype(np.int64).ravel()  # (m,)
    if labels.shape[0] != images.shape[0]:
        raise DigitnetError(f"the test set has {images.shape[0]} images but "
                            f"{labels.shape[0]} labels")
    predicted, _ = predict_in_chunks(model.network, images)
    wrong = predicted != labels
    order = np.concatenate([np.flatnonzero(wrong), np.flatnonzero(~wrong)])
    return TestSet(name, images, labels, predicted, order)


def create_app(model: Model, test_set: tuple[Array, np.ndarray] | None = None,
               max_body_bytes: int = MAX_BODY_BYTES, test_set_name: str = "test",
               test_set_note: str | None = None) -> FastAPI:
    """The web app for ``model``; ``test_set`` (images (m, 784), labels (m,)) feeds the browser.

    ``test_set_note`` says why there is no test set, for the page to show.
    """
    network = model.network
    tests = build_test_set(model, *test_set, test_set_name) if test_set is not None else None
    note = test_set_note or "no test set was loaded"
    app = FastAPI(title="digitnet", version="0.1.0", responses=ERRORS,
                  description="Draw a digit and watch a from-scratch NumPy network think.")
    app.add_middleware(BodySizeLimit, max_body_bytes=max_body_bytes)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    def layer_index(layer: int) -> int:
        if not 1 <= layer <= network.num_layers:
            raise HTTPException(404, f"layer {layer} has no incoming weights: layers with "
                                     f"weights are 1..{network.num_layers} (0 is the input)")
        return layer - 1

    def noise_prediction(seed: int) -> Prediction:
        rng = np.random.default_rng(seed)
        return explain(network, rng.random(network.sizes[0]).astype(network.dtype))

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    @app.get("/api/model", summary="The model: architecture, how it was made, its test set")
    def describe() -> ModelInfo:
        return ModelInfo(
            layers=network.sizes, activation=network.activation.name,
            output_activation=network.output_activation.name, cost=network.cost.name,
            num_parameters=network.num_parameters, description=repr(network),
            test_accuracy=model.test_accuracy, metadata=model.card.to_dict(),
            test_set=test_set_info(tests, note))

    @app.post("/api/predict", summary="Predict from 784 pixel intensities in [0, 1]")
    def predict(request: PixelsRequest) -> Prediction:
        if len(request.pixels) != network.sizes[0]:
            raise HTTPException(422, f"pixels: expected {network.sizes[0]} numbers, "
                                     f"got {len(request.pixels)}")
        return explain(network, np.asarray(request.pixels, dtype=network.dtype))

    @app.post("/api/predict/image",
              summary="Predict from a picture (PNG, JPEG, ...), prepared like MNIST")
    def predict_image(
        file: Annotated[UploadFile, File(description="a picture of one digit, any size")],
    ) -> Prediction:
        if network.sizes[0] != IMAGE_SIDE * IMAGE_SIDE:
            raise HTTPException(422, f"this network takes {network.sizes[0]} inputs, not a "
                                     f"{IMAGE_SIDE}x{IMAGE_SIDE} image")
        prepared = prepare_digit(load_image(file.file.read()))
        return explain(network, prepared.vector, describe_stages(prepared))

    @app.post("/api/noise", summary="Feed random noise: the network still answers")
    def noise(request: NoiseRequest) -> NoiseResponse:
        seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
        return NoiseResponse(seed=seed, prediction=noise_prediction(seed))

    @app.post("/api/dream", summary="What does the network think a digit looks like?")
    def dream_digit(request: DreamRequest) -> DreamResponse:
        if request.digit >= network.sizes[-1]:
            raise HTTPException(422, f"digit: the network has {network.sizes[-1]} outputs")
        seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
        result = dream(network, request.digit, np.random.default_rng(seed), request.steps,
                       request.step_size)
        return DreamResponse(digit=request.digit, seed=seed, start=rounded(result.start),
                             image=rounded(result.image), probabilities=result.probabilities,
                             prediction=explain(network, result.image))

    @app.get("/api/layers/{layer}/weights", summary="The weights and biases into a layer")
    def layer_weights(layer: int) -> LayerWeights:
        w, b = network.weights[layer_index(layer)], network.biases[layer_index(layer)]
        return LayerWeights(layer=layer, shape=(w.shape[0], w.shape[1]),
                            weights=[rounded(row) for row in w], biases=rounded(b))

    @app.get("/api/layers/{layer}/neurons/{neuron}",
             summary="One neuron's incoming weights and its bias")
    def neuron_weights(layer: int, neuron: Annotated[int, PathParam()]) -> NeuronWeights:
        w = network.weights[layer_index(layer)]
        if not 0 <= neuron < w.shape[0]:
            raise HTTPException(404, f"layer {layer} has neurons 0..{w.shape[0] - 1}, "
                                     f"not {neuron}")
        side = IMAGE_SIDE if layer == 1 and w.shape[1] == IMAGE_SIDE**2 else None
        return NeuronWeights(layer=layer, neuron=neuron,
                             bias=float(network.biases[layer - 1][neuron]),
                             weights=rounded(w[neuron]), image_side=side)

    @app.get("/api/test-set", summary="The test set: size and how many the network gets wrong")
    def test_set_summary() -> TestSetInfo:
        return test_set_info(tests, note)

    @app.get("/api/test-set/{position}",
             summary="The test image at a position; the misclassified ones come first")
    def test_item(position: int) -> TestItem:
        if tests is None:
            raise HTTPException(404, f"the test set is unavailable: {note}")
        if not 0 <= position < tests.order.shape[0]:
            raise HTTPException(404, f"positions are 0..{tests.order.shape[0] - 1}, "
                                     f"not {position}")
        index = int(tests.order[position])
        label, predicted = int(tests.labels[index]), int(tests.predicted[index])
        return TestItem(position=position, index=index, label=label, predicted=predicted,
                        correct=label == predicted,
                        prediction=explain(network, tests.images[index]))

    return app


def test_set_info(tests: TestSet | None, note: str) -> TestSetInfo:
    """The summary of the test set, or why there is none."""
    if tests is None:
        return TestSetInfo(available=False, reason=note)
    count = int(tests.labels.shape[0])
    return TestSetInfo(available=True, name=tests.name, count=count,
                       misclassified=tests.misclassified,
                       accuracy=round(1 - tests.misclassified / count, 6) if count else None)


def install_error_handlers(app: FastAPI) -> None:
    """Every error becomes ``{"error": "..."}``: validation and library errors as 422."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
            problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
        return JSONResponse({"error": "; ".join(problems) or "invalid request"}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, exc.status_code, headers=exc.headers)

    @app.exception_handler(DigitnetError)
    async def library_error(request: Request, exc: DigitnetError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, 422)
