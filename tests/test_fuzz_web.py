"""Fuzzing the web API through FastAPI's TestClient: every operation in the app's OpenAPI schema
(so a new endpoint is fuzzed without a line here), with bodies built from its request schema and
then bent (values out of range, of the wrong type, non-finite, lists of every length), any JSON
at all, bytes that are not JSON, pictures that are not pictures, and any text in every path
parameter. The answer is a success or a 4xx carrying ``{"error": "one line"}``; a 5xx or an
exception in the app fails the test.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import draw_digit
from digitnet import Network
from digitnet.model_card import DatasetRecord, ModelCard, Results
from digitnet.model_io import Model
from fuzzing import (
    INTERESTING_INTS,
    Tally,
    assert_one_line,
    json_scalars,
    json_values,
    mutated,
    one_of_weighted,
)

pytest.importorskip("fastapi", reason="the web extra is not installed")
from fastapi.testclient import TestClient

from digitnet.web import create_app

Schema = dict[str, Any]
EXTREME_INTS = (-(2**63), 2**63 - 1, 2**63, 2**64, -(10**30), 10**30, 10**400)


def build_app(models_dir: Path = Path("models")) -> Any:
    """The app around a small network, with a small test set; the networks a training run puts
    to use are saved in ``models_dir``."""
    network = Network([784, 16, 10], "sigmoid", "softmax", "categorical_cross_entropy",
                      "xavier", seed=1)
    card = ModelCard(network.architecture, dataset=DatasetRecord("mnist"),
                     results=Results(test_accuracy=0.1))
    rng = np.random.default_rng(0)
    return create_app(Model(network, card),
                      (rng.random((12, 784)).astype(np.float32), np.arange(12) % 10),
                      models_dir=models_dir)


def operations() -> list[tuple[str, str, Schema]]:
    """(method, path, operation) for every operation the app describes."""
    paths = build_app().openapi()["paths"]
    return [(method.upper(), path, operation) for path, item in sorted(paths.items())
            for method, operation in sorted(item.items())]


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[TestClient, Schema]]:
    app = build_app(tmp_path_factory.mktemp("models"))
    with TestClient(app) as client:
        yield client, app.openapi()


# --- values from a JSON schema, then bent ------------------------------------------------------
def near(low: float | None, high: float | None) -> st.SearchStrategy[int]:
    """Whole numbers in and just around [low, high], and extremes."""
    lo = int(low) if low is not None else -1000
    hi = int(high) if high is not None and high < 2**62 else lo + 1000
    return st.integers(lo - 2, hi + 2) | st.sampled_from(EXTREME_INTS + INTERESTING_INTS)


def numbers(schema: Schema) -> st.SearchStrategy[float]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    inside = st.floats(low, high) if low is not None and high is not None else st.floats(-10, 10)
    edges = st.sampled_from([value for value in (low, high) if value is not None]
                            + [0.0, -0.0, 1e-300, 1e300, -1.0])
    return one_of_weighted((6, inside), (1, edges), (1, st.floats()))


@st.composite
def sized_lists(draw: st.DrawFn, items: st.SearchStrategy[Any]) -> list[Any]:
    """A list of a telling length (0, 783, 784, 785, ...) of one value, a few others mixed in."""
    size = draw(st.sampled_from((784, 784, 784, 0, 1, 783, 785, 2000)) | st.integers(0, 1000))
    values = [draw(items)] * size
    for _ in range(draw(st.integers(0, 3)) if size else 0):
        values[draw(st.integers(0, size - 1))] = draw(items | json_scalars)
    return values


def from_schema(schema: Schema, components: Schema) -> st.SearchStrategy[Any]:
    """Values shaped by ``schema``, each now and then replaced by any JSON value."""
    if "$ref" in schema:
        return from_schema(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if "anyOf" in schema or "oneOf" in schema:
        return st.one_of([from_schema(s, components) for s in schema.get("anyOf",
                                                                           schema.get("oneOf"))])
    kind = schema.get("type")
    if kind == "integer":
        typed: st.SearchStrategy[Any] = near(schema.get("minimum"), schema.get("maximum"))
    elif kind == "number":
        typed = numbers(schema)
    elif kind == "string":
        typed = st.text(max_size=20)
    elif kind == "boolean":
        typed = st.booleans()
    elif kind == "null":
        typed = st.none()
    elif kind == "array":
        typed = sized_lists(from_schema(schema.get("items", {}), components))
    elif kind == "object":
        properties = {name: from_schema(sub, components)
                      for name, sub in schema.get("properties", {}).items()}
        required = set(schema.get("required", ()))
        typed = st.fixed_dictionaries(
            {k: v for k, v in properties.items() if k in required},
            optional={k: v for k, v in properties.items() if k not in required})
    else:
        typed = json_values
    return one_of_weighted((7, typed), (1, json_values))


def json_body(operation: Schema, components: Schema) -> st.SearchStrategy[bytes]:
    """The body's bytes: shaped by the schema, any JSON, or not JSON at all."""
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    as_json = st.one_of(from_schema(schema, components), json_values).map(
        lambda value: json.dumps(value).encode())
    return one_of_weighted((8, as_json), (1, st.binary(max_size=40)),
                           (1, st.text(max_size=40).map(str.encode)))


def png() -> bytes:
    """A small picture of a digit, as PNG."""
    stream = io.BytesIO()
    draw_digit(4, canvas=(30, 34), left=6, top=3, height=28, stroke=4).save(stream, "PNG")
    return stream.getvalue()


PNG = png()


def multipart_body(operation: Schema, components: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """``files=`` for the TestClient: each binary field with picture-like bytes, or a field
    missing or misnamed."""
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    names = list(schema.get("properties", {})) or ["file"]
    content = one_of_weighted((2, mutated(PNG)), (1, st.just(PNG)), (1, st.binary(max_size=200)))
    field = st.sampled_from(names) | st.text(max_size=8)
    return st.dictionaries(field, st.tuples(st.text(max_size=12), content,
                                            st.sampled_from(("image/png", "text/plain", ""))),
                           max_size=2)


def segments(parameter: Schema) -> st.SearchStrategy[str]:
    """Any text for a path parameter; numbers near and far from the valid ones."""
    schema = parameter.get("schema", {})
    numeric = near(schema.get("minimum"), schema.get("maximum")).map(str)
    return one_of_weighted((3, numeric), (1, st.floats().map(str)),
                           (2, st.text(min_size=1, max_size=30)))


# --- the property -------------------------------------------------------------------------------
def judge(response: Any) -> str:
    """A success, or a 4xx with {"error": one line}; anything else fails."""
    assert response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
    if response.status_code < 400:
        if response.headers.get("content-type", "").startswith("application/json"):
            response.json()
        return "succeeded"
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert isinstance(body["error"], str)
    assert_one_line(body["error"])
    return "typed_errors"


def send(client: TestClient, method: str, url: str, operation: Schema,
         request: dict[str, Any]) -> Any:
    """The response; of an event stream (which goes on while the client listens), only the
    status and the first chunk, then the client hangs up."""
    if "text/event-stream" not in operation["responses"].get("200", {}).get("content", {}):
        return client.request(method, url, **request)
    with client.stream(method, url, **request) as response:
        if response.status_code < 400:
            assert next(response.iter_text()).startswith("retry:")
        else:
            response.read()
        return response


@pytest.mark.parametrize(("method", "path", "operation"), operations(),
                         ids=[f"{m} {p}" for m, p, _ in operations()])
@given(data=st.data())
def test_every_operation(fuzz_tally: Tally, app_client: tuple[TestClient, Schema],
                         method: str, path: str, operation: Schema, data: st.DataObject) -> None:
    client, schema = app_client
    components = schema.get("components", {}).get("schemas", {})
    url = path
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path":
            segment = data.draw(segments(parameter), label=parameter["name"])
            url = url.replace("{" + parameter["name"] + "}", quote(segment, safe=""))
    request: dict[str, Any] = {}
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        request["content"] = data.draw(json_body(operation, components), label="body")
        request["headers"] = {"content-type": data.draw(st.sampled_from(
            ("application/json",) * 6 + ("text/plain", "application/x-www-form-urlencoded")))}
    elif "multipart/form-data" in content:
        request["files"] = data.draw(multipart_body(operation, components), label="files")
    if data.draw(st.booleans()):
        request["params"] = data.draw(st.dictionaries(st.text(max_size=6),
                                                      st.text(max_size=6), max_size=2))
    name = f"web: {method} {path}"
    started = time.perf_counter()
    try:
        outcome = judge(send(client, method, url, operation, request))
    except KeyboardInterrupt:  # the run was stopped: not the app's doing
        raise
    except BaseException:
        fuzz_tally.record(name, started, "other")
        raise
    fuzz_tally.record(name, started, outcome)
