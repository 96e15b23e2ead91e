"""Where the learning endpoints' examples come from: pixels sent with a label, or the test set.

Each function returns NumPy arrays for :mod:`digitnet.explain`, or raises the one-line
``HTTPException`` that tells the client what was wrong (422 for a bad value, 404 when the server
has no test set to draw from).
"""

from __future__ import annotations

import numpy as np
from fastapi import HTTPException

from digitnet.activations import Array
from digitnet.network import Network
from digitnet.web.backprop_schemas import BatchRequest, ExampleRequest
from digitnet.web.state import Served, TestSet


def floats(values: Array) -> list[float]:
    """An array as a flat list of Python floats, every digit kept (tiny nudges matter)."""
    result: list[float] = np.asarray(values, np.float64).ravel().tolist()
    return result


def finite_or_none(values: Array) -> list[float | None]:
    """Like :func:`floats`, with null where a value overflowed (JSON has no infinity)."""
    flat = np.asarray(values, np.float64).ravel()
    return [float(v) if np.isfinite(v) else None for v in flat]


def require_tests(served: Served) -> TestSet:
    """The server's test set, or 404 saying why there is none."""
    if served.tests is None:
        raise HTTPException(404, f"the test set is unavailable: {served.test_set_note}")
    return served.tests


def pixels_of(network: Network, pixels: list[float], where: str = "pixels") -> Array:
    """One input (n_in,) of the network's dtype, or 422 when the count is wrong."""
    if len(pixels) != network.sizes[0]:
        raise HTTPException(422, f"{where}: expected {network.sizes[0]} numbers, "
                                 f"got {len(pixels)}")
    return np.asarray(pixels, dtype=network.dtype)


def example_of(request: ExampleRequest, served: Served) -> tuple[Array, int, int | None]:
    """The request's input x (n_in,), its label and its test-set index (None for pixels).

    A test image's label is its own unless the request names another.
    """
    network = served.network
    if request.pixels is not None:
        assert request.label is not None  # the schema requires it with pixels
        return pixels_of(network, request.pixels), request.label, None
    tests = require_tests(served)
    index, count = request.test_index, tests.labels.shape[0]
    assert index is not None
    if index >= count:
        raise HTTPException(422, f"test_index: the {tests.name} set has images 0..{count - 1}, "
                                 f"not {index}")
    label = request.label if request.label is not None else int(tests.labels[index])
    return tests.images[index], label, index


def batch_of(request: BatchRequest, served: Served
             ) -> tuple[Array, np.ndarray, list[int] | None]:
    """The k examples (k, n_in), their labels (k,) and test-set indices (None when given).

    Drawn from the test set without repetition by a generator seeded with ``request.seed``.
    """
    network = served.network
    if request.examples is not None and request.labels is not None:
        rows = [pixels_of(network, row, f"examples.{i}")
                for i, row in enumerate(request.examples)]
        X = np.stack(rows) if rows else np.empty((0, network.sizes[0]), network.dtype)
        return X, np.asarray(request.labels, np.int64), None
    tests = require_tests(served)
    count = tests.labels.shape[0]
    if request.k > count:
        raise HTTPException(422, f"k: the {tests.name} set has {count} images, not {request.k}")
    rng = np.random.default_rng(request.seed)
    indices = np.sort(rng.choice(count, request.k, replace=False))  # (k,)
    return tests.images[indices], tests.labels[indices], indices.tolist()
