"""The endpoints for programs: ``/api/predict/lean`` and ``/api/predict/batch``.

Their answers are the network's own numbers (equal to ``predict`` and ``predict_proba``, not
close to them); their limits answer one line of JSON: 422 for a wrong shape or too many images,
413 for a body over the size limit; they are described in ``/openapi.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed")
from fastapi.testclient import TestClient

from digitnet.model_io import Model, load_model, save_model
from digitnet.network import Network
from digitnet.web import create_app
from digitnet.web.schemas import MAX_BATCH

LIMIT = 6_000_000  # the body limit of the app under test: a full batch fits


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    network = Network([784, 16, 16, 10], output_activation="softmax",
                      cost="categorical_cross_entropy", init="xavier", seed=5)
    return load_model(save_model(tmp_path_factory.mktemp("m") / "lean.npz", network))


@pytest.fixture(scope="module")
def client(model: Model) -> Iterator[TestClient]:
    with TestClient(create_app(model, max_body_bytes=LIMIT)) as test_client:
        yield test_client


def one_line_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"] and "\n" not in body["error"], body
    return str(body["error"])


def test_lean_answer_is_the_networks_own(client: TestClient, model: Model) -> None:
    pixels = np.random.default_rng(0).random(784)  # (784,)
    answer = client.post("/api/predict/lean", json={"pixels": pixels.tolist()}).json()
    X = pixels.astype(model.network.dtype)[None, :]  # (1, 784)
    assert answer == {"digit": int(model.network.predict(X)[0]),
                      "probabilities": model.network.predict_proba(X)[0].tolist()}


@pytest.mark.parametrize("count", [1, 7, MAX_BATCH])
def test_batch_answers_are_the_networks_own(client: TestClient, model: Model,
                                            count: int) -> None:
    images = np.random.default_rng(count).random((count, 784))  # (m, 784)
    answer = client.post("/api/predict/batch", json={"images": images.tolist()}).json()
    X = images.astype(model.network.dtype)  # (m, 784)
    assert answer == {"predictions": [
        {"digit": int(digit), "probabilities": p}
        for digit, p in zip(model.network.predict(X), model.network.predict_proba(X).tolist(),
                            strict=True)]}


@pytest.mark.parametrize(("path", "body", "says"), [
    ("/api/predict/lean", {"pixels": [0.5] * 10}, "pixels: expected 784 numbers, got 10"),
    ("/api/predict/lean", {"pixels": [2.0] * 784}, "less than or equal to 1"),
    ("/api/predict/lean", {"pixel": []}, "pixels: Field required"),
    ("/api/predict/batch", {"images": []}, "images: List should have at least 1 item"),
    ("/api/predict/batch", {"images": [[0.0] * 784, [0.0] * 783]},
     "images.1: expected 784 numbers, got 783"),
    ("/api/predict/batch", {"images": [[0.0] * 784] * (MAX_BATCH + 1)},
     f"List should have at most {MAX_BATCH} items"),
])
def test_wrong_shapes_get_one_line_422(client: TestClient, path: str, body: Any,
                                       says: str) -> None:
    assert says in one_line_error(client.post(path, json=body), 422)


@pytest.mark.parametrize("path", ["/api/predict/lean", "/api/predict/batch"])
@pytest.mark.parametrize("body", [b"", b"{", b"[1, 2]", b'{"pixels": [NaN]}',
                                  b'{"images": [[1e999]]}', "é".encode("latin-1")])
def test_what_is_not_a_valid_body_gets_one_line_422(client: TestClient, path: str,
                                                    body: bytes) -> None:
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    one_line_error(response, 422)


def test_many_bad_pixels_make_one_short_line(client: TestClient) -> None:
    body = json.dumps({"pixels": [-1.0] * 784})
    message = one_line_error(client.post("/api/predict/lean", content=body), 422)
    assert message.endswith("and 781 more problems") and len(message) < 400


@pytest.mark.parametrize("path", ["/api/predict/lean", "/api/predict/batch"])
def test_bodies_over_the_limit_get_one_line_413(client: TestClient, path: str) -> None:
    big = b'{"images": [[' + b"0.0," * (LIMIT // 4) + b"0.0]]}"
    assert "too large" in one_line_error(client.post(path, content=big), 413)


def test_openapi_describes_the_bodies_and_answers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, field in (("/api/predict/lean", "pixels"), ("/api/predict/batch", "images")):
        post = paths[path]["post"]
        schema = post["requestBody"]["content"]["application/json"]["schema"]
        assert field in schema["properties"] and schema["required"] == [field]
        assert "200" in post["responses"] and "422" in post["responses"]
    images = paths["/api/predict/batch"]["post"]["requestBody"]["content"]["application/json"]
    assert images["schema"]["properties"]["images"]["maxItems"] == MAX_BATCH


def test_a_server_of_several_processes_refuses_live_training(model: Model) -> None:
    with TestClient(create_app(model, live_training=False)) as several:
        response = several.post("/api/training", json={"preset": "3b1b"})
        assert "--workers 1" in one_line_error(response, 409)
        assert several.post("/api/predict/lean", json={"pixels": [0.0] * 784}).status_code == 200
