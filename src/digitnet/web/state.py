"""What the web app serves: one model and, when it could be found, its test set; the trainer.

``create_app`` builds one :class:`AppState` and keeps it on ``app.state``; handlers reach it
through a dependency, never through a global or a closure: ``served: ServedDep`` is the model
being served, taken once per request (a training run may swap it between two requests, never
within one), and ``state: AppStateDep`` the whole state, with the :class:`Trainer` of the live
training runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from fastapi import Depends, Request

from digitnet.activations import Array
from digitnet.data.dataset import IMAGE_SIDE
from digitnet.errors import DigitnetError
from digitnet.metrics import predict_in_chunks
from digitnet.model_io import Model
from digitnet.network import Network
from digitnet.web.live.trainer import Trainer
from digitnet.web.schemas import TestSetInfo

STATE_KEY = "digitnet"  # the attribute of app.state holding the AppState


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


@dataclass(frozen=True)
class Served:
    """What the app serves at one moment: the model, its test set (None, and ``test_set_note``
    says why). A request takes one ``Served`` and uses only it, so it never mixes two models."""

    model: Model
    tests: TestSet | None
    test_set_note: str

    @property
    def network(self) -> Network:
        return self.model.network

    @property
    def image_side(self) -> int | None:
        """28 when the network's inputs are the pixels of a 28x28 picture, else None."""
        return IMAGE_SIDE if self.network.sizes[0] == IMAGE_SIDE**2 else None

    def test_set_info(self) -> TestSetInfo:
        """The summary of the test set, or why there is none."""
        tests = self.tests
        if tests is None:
            return TestSetInfo(available=False, reason=self.test_set_note)
        count = int(tests.labels.shape[0])
        return TestSetInfo(available=True, name=tests.name, count=count,
                           misclassified=tests.misclassified,
                           accuracy=round(1 - tests.misclassified / count, 6) if count else None)


class ServedModel:
    """The one thing that changes while the app runs: which model it serves.

    ``get`` hands out the current :class:`Served` and ``swap`` replaces it whole, under a lock:
    a request holds either the old model or the new one, never half of each. A served network is
    never trained in place (training works on its own network; ``/api/training/use`` serves a
    copy).
    """

    def __init__(self, served: Served) -> None:
        self._lock = threading.Lock()
        self._served = served

    def get(self) -> Served:
        with self._lock:
            return self._served

    def swap(self, served: Served) -> None:
        with self._lock:
            self._served = served


@dataclass(frozen=True)
class AppState:
    """The served model (swapped only by ``/api/training/use``) and the training runs."""

    served: ServedModel
    trainer: Trainer


async def get_state(request: Request) -> AppState:
    """The app's state, for ``Depends`` (async: no trip through the thread pool)."""
    state: AppState = getattr(request.app.state, STATE_KEY)
    return state


async def get_served(request: Request) -> Served:
    """What the app serves now, taken once for the whole request."""
    state: AppState = getattr(request.app.state, STATE_KEY)
    return state.served.get()


AppStateDep = Annotated[AppState, Depends(get_state)]
ServedDep = Annotated[Served, Depends(get_served)]
