"""The learning endpoints against digitnet.explain: same input, same numbers; bad input, one line.

``POST /api/backprop``, ``/connection``, ``/step``, ``/batch`` and ``/api/landscape`` only
serialise what :mod:`digitnet.explain` computes, so each good answer must equal the core
function's result for the same example, and the served network must never change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed")
from fastapi.testclient import TestClient

from digitnet import Network
from digitnet.explain import batch_wishes, chain_rule, landscape, neuron_wishes, nudges, one_step
from digitnet.model_card import DatasetRecord, ModelCard
from digitnet.model_io import Model
from digitnet.web import create_app

SIZES = [784, 30, 12, 10]


@pytest.fixture(scope="module")
def model() -> Model:
    network = Network(SIZES, activation="sigmoid", output_activation="sigmoid",
                      cost="quadratic", init="xavier", seed=1)
    return Model(network, ModelCard(network.architecture, dataset=DatasetRecord("mnist")))


@pytest.fixture(scope="module")
def tests_set() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((40, 784)).astype(np.float32), np.arange(40) % 10


@pytest.fixture(scope="module")
def client(model: Model, tests_set: tuple[np.ndarray, np.ndarray]) -> Iterator[TestClient]:
    with TestClient(create_app(model, tests_set)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def bare_client(model: Model) -> Iterator[TestClient]:
    with TestClient(create_app(model, test_set_note="not here")) as test_client:
        yield test_client


@pytest.fixture
def unchanged(model: Model) -> Iterator[None]:
    """The test must leave the served network's parameters exactly as they were."""
    before = [p.copy() for p in model.network.parameters()]
    yield
    for p, p0 in zip(model.network.parameters(), before, strict=True):
        np.testing.assert_array_equal(p, p0)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def pixels(seed: int = 3) -> list[float]:
    return np.random.default_rng(seed).random(784).round(4).tolist()


def as_input(values: list[float]) -> np.ndarray:
    return np.asarray(values, np.float32)  # what the server feeds its float32 network


def test_nudges_and_one_neurons_wishes_are_the_cores(client: TestClient, model: Model,
                                                     unchanged: None) -> None:
    values = pixels()
    body = ok(client.post("/api/backprop", json={"pixels": values, "label": 4,
                                                "neuron": {"layer": 2, "neuron": 5}, "top": 7}))
    x, net = as_input(values), model.network
    expected = nudges(net, x, 4)
    assert body["label"] == 4 and body["test_index"] is None
    assert body["cost"] == expected.cost
    for name in ("outputs", "wanted", "output_nudges", "input_nudges"):
        np.testing.assert_array_equal(body[name], getattr(expected, name))
    assert len(body["errors"]) == 3
    for error, delta in zip(body["errors"], expected.errors, strict=True):
        np.testing.assert_array_equal(error, delta)
    wishes, core = body["wishes"], neuron_wishes(net, x, 4, 2, 5, top=7)
    assert (wishes["layer"], wishes["neuron"]) == (2, 5)
    assert wishes["bias_nudge"] == core.bias_nudge and wishes["delta"] == core.delta
    assert [tuple(pair) for pair in wishes["weight_nudges"]] == core.weight_nudges
    np.testing.assert_array_equal(wishes["activation_nudges"], core.activation_nudges)
    np.testing.assert_array_equal(wishes["summed_nudges"], core.summed_nudges)


def test_a_test_image_brings_its_own_label(client: TestClient, model: Model,
                                           tests_set: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = tests_set
    body = ok(client.post("/api/backprop", json={"test_index": 13}))
    assert body["label"] == labels[13] and body["test_index"] == 13 and body["wishes"] is None
    assert body["cost"] == nudges(model.network, images[13], int(labels[13])).cost
    other = ok(client.post("/api/backprop", json={"test_index": 13, "label": 0}))
    assert other["label"] == 0 and other["cost"] == nudges(model.network, images[13], 0).cost


@pytest.mark.parametrize(("layer", "neuron", "input"), [(1, 29, 400), (3, 9, 11)])
def test_the_chain_rule_is_the_cores(client: TestClient, model: Model, layer: int, neuron: int,
                                     input: int) -> None:
    values = pixels(4)
    body = ok(client.post("/api/backprop/connection", json={
        "pixels": values, "label": 2, "layer": layer, "neuron": neuron, "input": input}))
    rule = chain_rule(model.network, as_input(values), 2, layer, neuron, input)
    for name in ("weight", "input_activation", "weighted_input", "sigma_prime",
                 "activation_gradient", "error", "gradient", "numerical", "relative_error"):
        assert body[name] == getattr(rule, name), name
    assert body["gradient"] == pytest.approx(
        body["input_activation"] * body["sigma_prime"] * body["activation_gradient"], rel=1e-9)
    assert body["relative_error"] < 1e-6


def test_one_step_is_the_cores_and_leaves_the_served_network(client: TestClient, model: Model,
                                                             unchanged: None) -> None:
    values = pixels(5)
    body = ok(client.post("/api/backprop/step", json={"pixels": values, "label": 7,
                                                     "learning_rate": 0.5}))
    step = one_step(model.network, as_input(values), 7, 0.5)
    assert body["cost_before"] == step.cost_before and body["cost_after"] == step.cost_after
    assert body["cost_after"] < body["cost_before"]
    np.testing.assert_array_equal(body["outputs_after"], step.outputs_after)
    np.testing.assert_array_equal(body["outputs_before"], step.outputs_before)


@pytest.mark.parametrize("input", [17, None])
def test_every_examples_wish_drawn_from_the_test_set(
        client: TestClient, model: Model, tests_set: tuple[np.ndarray, np.ndarray],
        input: int | None) -> None:
    images, labels = tests_set
    body = ok(client.post("/api/backprop/batch", json={"layer": 1, "neuron": 2, "input": input,
                                                      "k": 25, "seed": 3}))
    rows = body["test_indices"]
    assert len(rows) == len(set(rows)) == 25 and body["labels"] == labels[rows].tolist()
    core = batch_wishes(model.network, images[rows], labels[rows], 1, 2, input)
    np.testing.assert_array_equal(body["nudges"], core.nudges)
    assert body["average"] == core.average and body["gradient"] == core.gradient
    assert body["average"] == pytest.approx(-body["gradient"], rel=1e-6)
    again = ok(client.post("/api/backprop/batch", json={"layer": 1, "neuron": 2, "input": input,
                                                       "k": 25, "seed": 3}))
    assert again["test_indices"] == rows  # the seed decides the draw


def test_every_examples_wish_for_given_examples(client: TestClient, model: Model) -> None:
    examples = [pixels(seed) for seed in range(6)]
    body = ok(client.post("/api/backprop/batch", json={
        "layer": 3, "neuron": 1, "input": 4, "examples": examples, "labels": [0, 1, 2, 3, 4, 5]}))
    core = batch_wishes(model.network, np.array(examples, np.float32), np.arange(6), 3, 1, 4)
    assert body["test_indices"] is None
    np.testing.assert_array_equal(body["nudges"], core.nudges)
    assert body["gradient"] == core.gradient


@pytest.mark.parametrize("start", ["served", "fresh"])
def test_the_landscape_is_the_cores(client: TestClient, model: Model,
                                    tests_set: tuple[np.ndarray, np.ndarray], start: str,
                                    unchanged: None) -> None:
    images, labels = tests_set
    options = {"learning_rate": 2.0, "mini_batch_size": 5, "steps": 8, "grid": 7,
               "directions": "random", "reach": 2.5 if start == "fresh" else None}
    body = ok(client.post("/api/landscape", json={**options, "examples": 40, "start": start,
                                                 "seed": 9}))
    net = model.network if start == "served" else Network(
        SIZES, "sigmoid", "sigmoid", "quadratic", "xavier", np.float32, seed=9)
    core = landscape(net, images, labels, seed=9, **options)  # all 40 images: the whole set
    np.testing.assert_array_equal(body["alphas"], core.alphas)
    np.testing.assert_array_equal(body["costs"], core.costs)
    for walk, expected in zip(body["walks"], core.walks, strict=True):
        assert walk["name"] == expected.name
        np.testing.assert_array_equal(walk["coordinates"], expected.coordinates)
        np.testing.assert_array_equal(walk["costs"], expected.costs)
    assert (body["steps"], body["examples"], body["start"]) == (8, 40, start)


def test_the_landscapes_defaults_answer(client: TestClient) -> None:
    body = ok(client.post("/api/landscape", json={"examples": 40}))
    assert body["steps"] == 30 and len(body["costs"]) == 21 and body["directions"] == "pca"
    assert [len(walk["costs"]) for walk in body["walks"]] == [31, 31]
    assert all(cost is not None for row in body["costs"] for cost in row)


def test_the_openapi_schema_describes_every_learning_endpoint(client: TestClient) -> None:
    paths = ok(client.get("/openapi.json"))["paths"]
    for path in ("/api/backprop", "/api/backprop/connection", "/api/backprop/step",
                 "/api/backprop/batch", "/api/landscape"):
        assert "post" in paths[path], path


TEN = [0.5] * 10
GOOD = [0.2] * 784
BAD_REQUESTS = [
    ("/api/backprop", {"pixels": TEN, "label": 1}, "expected 784 numbers, got 10"),
    ("/api/backprop", {"pixels": GOOD}, "need a label"),
    ("/api/backprop", {"pixels": GOOD, "test_index": 0, "label": 1}, "exactly one"),
    ("/api/backprop", {}, "exactly one"),
    ("/api/backprop", {"test_index": 40}, "images 0..39, not 40"),
    ("/api/backprop", {"test_index": -1}, "test_index"),
    ("/api/backprop", {"pixels": GOOD, "label": 10}, "label 10"),
    ("/api/backprop", {"pixels": [*GOOD[:-1], 1.5], "label": 1}, "pixels.783"),
    ("/api/backprop", {"test_index": 0, "neuron": {"layer": 4, "neuron": 0}}, "layer 4"),
    ("/api/backprop", {"test_index": 0, "neuron": {"layer": 2, "neuron": 12}}, "neuron 12"),
    ("/api/backprop", {"test_index": 0, "neuron": {"layer": 1, "neuron": 0}, "top": 0}, "top"),
    ("/api/backprop/connection", {"test_index": 0, "layer": 0, "neuron": 0, "input": 0},
     "layer 0"),
    ("/api/backprop/connection", {"test_index": 0, "layer": 1, "neuron": 30, "input": 0},
     "neuron 30"),
    ("/api/backprop/connection", {"test_index": 0, "layer": 2, "neuron": 0, "input": 30},
     "input 30"),
    ("/api/backprop/connection", {"test_index": 0, "layer": 2}, "neuron"),
    ("/api/backprop/step", {"test_index": 0, "learning_rate": 0}, "learning_rate"),
    ("/api/backprop/step", {"test_index": 0, "label": 12}, "label"),
    ("/api/backprop/batch", {"layer": 1, "neuron": 0, "k": 1001}, "k"),
    ("/api/backprop/batch", {"layer": 1, "neuron": 0, "k": 41}, "has 40 images, not 41"),
    ("/api/backprop/batch", {"layer": 1, "neuron": 0, "input": 784, "k": 5}, "input 784"),
    ("/api/backprop/batch", {"layer": 1, "neuron": 0, "examples": [GOOD, TEN],
                             "labels": [1, 2]}, "examples.1: expected 784 numbers"),
    ("/api/backprop/batch", {"layer": 1, "neuron": 0, "examples": [GOOD], "labels": [1, 2]},
     "1 examples need 1 labels"),
    ("/api/backprop/batch", {"layer": 1, "neuron": 0, "examples": [GOOD]}, "together"),
    ("/api/backprop/batch", {"layer": 1, "neuron": 0, "examples": [], "labels": []},
     "between 1 and 1000"),
    ("/api/backprop/batch", {"layer": 1, "neuron": 0, "examples": [GOOD], "labels": [10]},
     "labels must lie in 0..9"),
    ("/api/landscape", {"grid": 2}, "grid"), ("/api/landscape", {"grid": 42}, "grid"),
    ("/api/landscape", {"steps": 0}, "steps"), ("/api/landscape", {"steps": 201}, "steps"),
    ("/api/landscape", {"learning_rate": -1}, "learning_rate"),
    ("/api/landscape", {"learning_rate": 101}, "learning_rate"),
    ("/api/landscape", {"examples": 41}, "has 40 images, not 41"),
    ("/api/landscape", {"examples": 20, "mini_batch_size": 21}, "mini_batch_size"),
    ("/api/landscape", {"directions": "up"}, "directions"),
    ("/api/landscape", {"start": "elsewhere"}, "start"),
    ("/api/landscape", {"reach": 0}, "reach"),
]


@pytest.mark.parametrize(("path", "body", "message"), BAD_REQUESTS,
                         ids=[f"{path}-{message}" for path, _, message in BAD_REQUESTS])
def test_bad_requests_get_one_line(client: TestClient, path: str, body: dict[str, Any],
                                   message: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert message in error and "\n" not in error


@pytest.mark.parametrize("raw", [b'{"pixels": [NaN], "label": 1}', b'{"test_index": Infinity}',
                                 b'{"test_index": ', b"[1, 2]", b""])
@pytest.mark.parametrize("path", ["/api/backprop", "/api/backprop/connection",
                                  "/api/backprop/step", "/api/backprop/batch", "/api/landscape"])
def test_malformed_json_and_nan_get_one_line(client: TestClient, path: str, raw: bytes) -> None:
    response = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert "\n" not in response.json()["error"]


@pytest.mark.parametrize(("path", "body"), [
    ("/api/backprop", {"test_index": 0}), ("/api/backprop/step", {"test_index": 0}),
    ("/api/backprop/batch", {"layer": 1, "neuron": 0, "k": 5}), ("/api/landscape", {})])
def test_without_a_test_set_the_answer_says_why(bare_client: TestClient, path: str,
                                                body: dict[str, Any]) -> None:
    response = bare_client.post(path, json=body)
    assert response.status_code == 404
    assert response.json()["error"] == "the test set is unavailable: not here"


def test_a_softmax_output_and_a_larger_network(tests_set: tuple[np.ndarray, np.ndarray]) -> None:
    """A softmax output's da/dz is a matrix: the chain rule gives delta alone (null factors).
    A network of 55,650 parameters may record at most 178 steps of its walks."""
    network = Network([784, 70, 10], "relu", "softmax", "categorical_cross_entropy", "he", seed=2)
    app = create_app(Model(network, ModelCard(network.architecture)), tests_set)
    with TestClient(app) as wide:
        body = ok(wide.post("/api/backprop/connection", json={
            "test_index": 3, "layer": 2, "neuron": 3, "input": 5}))
        rule = chain_rule(network, tests_set[0][3], 3, 2, 3, 5)
        assert body["sigma_prime"] is None and body["activation_gradient"] is None
        assert body["error"] == rule.error and body["gradient"] == rule.gradient
        response = wide.post("/api/landscape", json={"steps": 179, "examples": 40})
        assert response.status_code == 422
        assert "at most 178 steps" in response.json()["error"]
