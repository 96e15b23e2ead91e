"""What the web app serves: one loaded model and, when it could be found, its test set.

``create_app`` builds one :class:`AppState` and keeps it on ``app.state``; handlers reach it
through the :data:`AppStateDep` dependency (``state: AppStateDep`` in their signature), never
through a global or a closure. A router that needs something more (a training run, say) adds a
field here and builds it in ``create_app``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from fastapi import Depends, Request

from digitnet.activations import Array
from digitnet.data.my_digits import MyDigits
from digitnet.data.sources import IMAGE_SIDE
from digitnet.errors import DigitnetError
from digitnet.metrics import predict_in_chunks
from digitnet.model_io import Model
from digitnet.network import Network
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
class AppState:
    """The model the app serves, its test set (None, and ``test_set_note`` says why), and the
    folder the page saves your own digits into (None: saving is off)."""

    model: Model
    tests: TestSet | None
    test_set_note: str
    my_digits: MyDigits | None = None

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


async def get_state(request: Request) -> AppState:
    """The app's state, for ``Depends`` (async: no trip through the thread pool)."""
    state: AppState = getattr(request.app.state, STATE_KEY)
    return state


AppStateDep = Annotated[AppState, Depends(get_state)]
