"""The web app: a page to draw a digit and watch the network think, and the JSON API it uses.

``create_app(model)`` builds a FastAPI app around one loaded model; nothing is built at import
time. What the app serves (the model, its test set, swapped whole when a network trained on the
page is put to use) and its live training runs are one :class:`~digitnet.web.state.AppState`
on ``app.state``; the endpoints live in :mod:`digitnet.web.routers`, one module per topic. The
page is plain HTML/CSS and JavaScript modules served from the package's ``static`` folder. Every
error is answered as ``{"error": "one line"}`` with a 4xx status; request bodies are size-limited.

Endpoints (all described at ``/openapi.json``; FastAPI's ``/docs`` page needs its scripts from the
internet, so the page links to the JSON)::

    GET  /                                  the page
    GET  /api/model                         architecture, metadata, image size, test set
    POST /api/predict                       784 pixels in [0, 1] -> prediction, explained
    POST /api/predict/lean                  784 pixels -> the digit and probabilities only
    POST /api/predict/batch                 up to 256 images -> digits and probabilities
    POST /api/predict/image                 an uploaded picture (multipart ``file``) -> prediction
    POST /api/noise                         random noise -> prediction
    POST /api/dream                         gradient ascent on the input towards a digit
    GET  /api/layers/{layer}/weights        the weights and biases into layer (1..L)
    GET  /api/layers/{layer}/neurons/{n}    one neuron's incoming weights and bias
    GET  /api/test-set                      is there a test set, how many, how many wrong
    GET  /api/test-set/{position}           the test image at position (misclassified first)
    GET  /api/training                      the live training run, limits, presets
    POST /api/training                      start training a network (202)
    GET  /api/training/events               the run as server-sent events
    POST /api/training/{pause,resume,step,stop,use}   steer it; serve its network
    POST /api/backprop                      one example's nudges and errors, one neuron's wishes
    POST /api/backprop/connection           the chain rule for one weight, with numbers
    POST /api/backprop/step                 one step of gradient descent on one example
    POST /api/backprop/batch                every example's nudge of one weight, averaged
    POST /api/landscape                     the cost on a plane, with two walks downhill
    GET  /api/my-digits                     the folder your own digits are saved into
    POST /api/my-digits                     a picture and its true label -> saved there
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import numpy as np
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from digitnet.activations import Array
from digitnet.data.my_digits import MyDigits
from digitnet.model_io import Model
from digitnet.web.error_handlers import install_error_handlers
from digitnet.web.limits import SERVER_LIMITS, BodySizeLimit
from digitnet.web.live.trainer import Trainer
from digitnet.web.routers import ROUTERS
from digitnet.web.routers.page import STATIC_DIR
from digitnet.web.schemas import ErrorResponse
from digitnet.web.state import STATE_KEY, AppState, Served, ServedModel, build_test_set

MAX_BODY_BYTES = SERVER_LIMITS.max_body_bytes
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (404, 413, 422)
}


def create_app(model: Model, test_set: tuple[Array, np.ndarray] | None = None,
               max_body_bytes: int = MAX_BODY_BYTES, test_set_name: str = "test",
               test_set_note: str | None = None, data_dir: Path | None = None,
               models_dir: Path = Path("models"), my_digits_dir: Path | None = None,
               live_training: bool = True,
               body_timeout: float = SERVER_LIMITS.body_timeout) -> FastAPI:
    """The web app for ``model``; ``test_set`` (images (m, 784), labels (m,)) feeds the browser.

    ``test_set_note`` says why there is no test set, for the page to show. Live training reads
    its datasets from ``data_dir`` (else where ``load_dataset`` looks, never downloading) and
    saves the networks put to use in ``models_dir``; the page saves your own digits into
    ``my_digits_dir`` (None: saving is off). Without ``live_training`` (a server of several
    processes, each with its own runs and served model) ``POST /api/training`` is 409. A
    request body must arrive within ``body_timeout`` seconds (else 408).
    """
    tests = build_test_set(model, *test_set, test_set_name) if test_set is not None else None
    served = Served(model, tests, test_set_note or "no test set was loaded")
    trainer = Trainer(data_dir, models_dir, live=live_training)
    my_digits = MyDigits(my_digits_dir) if my_digits_dir is not None else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await anyio.to_thread.run_sync(trainer.close)  # stop the run, join its thread

    app = FastAPI(title="digitnet", version="0.1.0", responses=ERRORS, lifespan=lifespan,
                  description="Draw a digit and watch a from-scratch NumPy network think; "
                              "train your own and watch it learn.")
    setattr(app.state, STATE_KEY, AppState(ServedModel(served), trainer, my_digits))
    app.add_middleware(BodySizeLimit, max_body_bytes=max_body_bytes, body_timeout=body_timeout)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
