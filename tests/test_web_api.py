"""The JSON API, in process with FastAPI's TestClient: every endpoint, every kind of bad request.

The model is a small randomly initialised network saved to and loaded from a real model file;
the test set is a handful of random images. What the answers *are* does not matter here, only
that they are well formed, consistent with the network, and that bad requests get a clear 4xx.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi", reason="the web extra is not installed")
from fastapi.testclient import TestClient

from digitnet import Network
from digitnet.model_card import DatasetRecord, ModelCard, Results
from digitnet.model_io import Model, load_model, save_model
from digitnet.web import create_app
from digitnet.web.dreams import dream, input_gradient, log_probability_gradient
from digitnet.web.explain import MAX_SHOWN, explain
from digitnet.web.server import load_test_set

LIMIT = 200_000  # the body limit of the app under test
STATIC = Path(__file__).resolve().parents[1] / "src/digitnet/web/static"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    network = Network([784, 30, 12, 10], activation="sigmoid", output_activation="softmax",
                      cost="categorical_cross_entropy", init="xavier", seed=1)
    path = tmp_path_factory.mktemp("model") / "tiny.npz"
    save_model(path, network, ModelCard(network.architecture, dataset=DatasetRecord("mnist"),
                                        results=Results(test_accuracy=0.1)))
    return load_model(path)


@pytest.fixture(scope="module")
def test_images() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((40, 784)).astype(np.float32), np.arange(40) % 10


@pytest.fixture(scope="module")
def client(model: Model, test_images: tuple[np.ndarray, np.ndarray]) -> Iterator[TestClient]:
    with TestClient(create_app(model, test_images, max_body_bytes=LIMIT)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def bare_client(model: Model) -> Iterator[TestClient]:
    app = create_app(model, test_set_note="cannot load the mnist test set: not here")
    with TestClient(app) as test_client:
        yield test_client


def png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def error_of(response: Any, status: int) -> str:
    """The one-line error of a response that must have ``status``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    return str(body["error"])


def check_prediction(body: dict[str, Any], network: Network) -> None:
    """A prediction's shapes and values agree with the network."""
    assert [layer["size"] for layer in body["layers"]] == network.sizes
    x = np.array(body["layers"][0]["activations"], np.float32)
    expected = network.predict_proba(x)
    np.testing.assert_allclose(body["probabilities"], expected, atol=1e-4)
    assert body["digit"] == int(np.argmax(expected))
    assert body["confidence"] == pytest.approx(float(expected.max()), abs=1e-4)
    forward = network.forward(x[None, :])
    for layer, state in enumerate(body["layers"][1:]):
        np.testing.assert_allclose(state["z"], forward.zs[layer][0], atol=1e-3)
        assert len(state["shown"]) == min(state["size"], MAX_SHOWN)
    assert len(body["connections"]) == network.num_layers
    for layer, links in enumerate(body["connections"]):
        for source, target, value in links:
            w = network.weights[layer][target, source]
            a = body["layers"][layer]["activations"][source]
            assert value == pytest.approx(w * a, abs=1e-3)


# --- the page and static files ----------------------------------------------------------------
def test_page_and_static_files(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "<canvas id=\"pad\"" in page.text
    assert '<script type="module" src="/static/main.js">' in page.text
    modules = [path.name for path in STATIC.glob("*.js")]
    assert "main.js" in modules and "api.js" in modules
    for name, kind in [*((name, "javascript") for name in modules), ("style.css", "text/css")]:
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and kind in response.headers["content-type"]


@pytest.mark.parametrize("path", [
    "/static/..%2fapp.py", "/static/..%2f..%2fmodel_io.py", "/static/%2e%2e/app.py",
    "/static/%2e%2e%2f%2e%2e%2fnetwork.py", "/static/..%5capp.py", "/static/../app.py",
    "/static/%2fetc%2fpasswd", "/static//etc/passwd", "/static/nothing.js",
])
def test_static_files_cannot_escape_their_folder(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "import" not in response.text and "root:" not in response.text


def test_openapi_describes_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) >= {
        "/api/model", "/api/predict", "/api/predict/image", "/api/noise", "/api/dream",
        "/api/layers/{layer}/weights", "/api/layers/{layer}/neurons/{neuron}",
        "/api/test-set", "/api/test-set/{position}",
    }


# --- the model ----------------------------------------------------------------------------------
def test_model_description(client: TestClient, model: Model) -> None:
    body = client.get("/api/model").json()
    assert body["layers"] == [784, 30, 12, 10]
    assert body["num_parameters"] == model.network.num_parameters
    assert body["output_activation"] == "softmax" and body["test_accuracy"] == 0.1
    assert body["metadata"]["dataset"]["name"] == "mnist"
    assert body["test_set"]["available"] and body["test_set"]["count"] == 40
    assert (body["inputs"], body["outputs"], body["image_side"]) == (784, 10, 28)


def test_the_image_size_comes_from_the_network() -> None:
    """A network whose inputs are not a 28x28 picture says so: no image side, no pictures."""
    network = Network([12, 5, 3], seed=0)
    with TestClient(create_app(Model(network, ModelCard(network.architecture)))) as small:
        body = small.get("/api/model").json()
        assert (body["inputs"], body["outputs"], body["image_side"]) == (12, 3, None)
        assert small.get("/api/layers/1/neurons/0").json()["image_side"] is None
        refused = small.post("/api/predict/image", files={"file": ("d.png", b"png")})
        assert "takes 12 inputs, not a 28x28 image" in error_of(refused, 422)


# --- predict from pixels ------------------------------------------------------------------------
def test_predict_from_pixels(client: TestClient, model: Model) -> None:
    pixels = np.random.default_rng(3).random(784).round(4).tolist()
    response = client.post("/api/predict", json={"pixels": pixels})
    assert response.status_code == 200
    body = response.json()
    check_prediction(body, model.network)
    assert body["stages"] is None and body["layers"][0]["z"] is None


@pytest.mark.parametrize(("body", "says"), [
    ({"pixels": [0.5] * 783}, "expected 784 numbers, got 783"),
    ({"pixels": [0.5] * 785}, "expected 784 numbers, got 785"),
    ({"pixels": []}, "expected 784 numbers, got 0"),
    ({"pixels": [1.5] + [0.0] * 783}, "pixels.0"),
    ({"pixels": [0.0] * 783 + [-0.1]}, "pixels.783"),
    ({"pixels": ["dark"] + [0.0] * 783}, "pixels.0"),
    ({"pixels": [[0.0]] * 784}, "pixels.0"),
    ({"pixels": None}, "pixels"),
    ({"pictures": [0.0] * 784}, "pixels: Field required"),
    ([0.0] * 784, "body"),
])
def test_predict_refuses_malformed_pixels(client: TestClient, body: Any, says: str) -> None:
    assert says in error_of(client.post("/api/predict", json=body), 422)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_predict_refuses_non_finite_pixels(client: TestClient, value: str) -> None:
    text = '{"pixels": [' + value + ", 0.5" * 783 + "]}"
    response = client.post("/api/predict", content=text,
                           headers={"content-type": "application/json"})
    assert "pixels.0" in error_of(response, 422)


@pytest.mark.parametrize(("bad", "more"), [
    (784, "; and 781 more problems"), (4, "; and 1 more problem"), (3, None), (1, None),
])
def test_validation_errors_name_three_problems_and_count_the_rest(client: TestClient, bad: int,
                                                                   more: str | None) -> None:
    text = '{"pixels": [' + ", ".join(["Infinity"] * bad + ["0.5"] * (784 - bad)) + "]}"
    response = client.post("/api/predict", content=text,
                           headers={"content-type": "application/json"})
    message = error_of(response, 422)
    named = [f"pixels.{i}: Input should be a finite number" for i in range(min(bad, 3))]
    assert message == "; ".join(named) + (more or "")
    assert "pixels.3:" not in message and "\n" not in message


def test_predict_refuses_what_is_not_json(client: TestClient) -> None:
    response = client.post("/api/predict", content=b"pixels=1,2,3",
                           headers={"content-type": "application/json"})
    error_of(response, 422)
    undecodable = client.post("/api/predict", content=b"\xff\xfe{",
                              headers={"content-type": "application/json"})
    error_of(undecodable, 400 if undecodable.status_code == 400 else 422)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6),
                                                                       children, max_size=3),
    max_leaves=12)


@settings(max_examples=40, deadline=None)
@given(body=json_values, path=st.sampled_from(["/api/predict", "/api/noise", "/api/dream"]))
def test_any_json_gets_an_answer_never_a_server_error(client: TestClient, body: Any,
                                                      path: str) -> None:
    response = client.post(path, content=json.dumps(body),
                           headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["error"]


def test_request_bodies_are_size_limited(client: TestClient) -> None:
    big = b'{"pixels": [' + b"0.0," * (LIMIT // 4) + b"0.0]}"
    announced = client.post("/api/predict", content=big,
                            headers={"content-type": "application/json"})
    assert "too large" in error_of(announced, 413)

    def chunks() -> Iterator[bytes]:  # streamed without a Content-Length
        yield b'{"pixels": ['
        for _ in range(LIMIT // 4000 + 2):
            yield b"0.0," * 1000
        yield b"0.0]}"

    streamed = client.post("/api/predict", content=chunks(),
                           headers={"content-type": "application/json"})
    assert "too large" in error_of(streamed, 413)
    lying = client.post("/api/predict", content=b"{}", headers={
        "content-type": "application/json", "content-length": "ten"})
    assert lying.status_code in (400, 422)


# --- predict from a picture ---------------------------------------------------------------------
def test_predict_from_an_uploaded_picture(client: TestClient, model: Model,
                                          digit_drawer: Callable[..., Any]) -> None:
    picture = png(digit_drawer(7))
    response = client.post("/api/predict/image", files={"file": ("seven.png", picture)})
    assert response.status_code == 200, response.text
    body = response.json()
    check_prediction(body, model.network)
    names = [stage["name"] for stage in body["stages"]]
    assert names == ["grayscale", "inverted", "cropped", "scaled", "centred"]
    centred = body["stages"][-1]
    assert (centred["width"], centred["height"]) == (28, 28)
    assert centred["image"].startswith("data:image/png;base64,")
    assert max(body["stages"][0]["width"], body["stages"][0]["height"]) <= 600


def test_uploaded_pictures_are_prepared_like_the_cli(client: TestClient,
                                                     digit_drawer: Callable[..., Any]) -> None:
    from digitnet.data import load_image, prepare_digit

    picture = png(digit_drawer(3, canvas=(280, 280), left=80, top=30, height=220, stroke=20))
    body = client.post("/api/predict/image", files={"file": ("3.png", picture)}).json()
    expected = prepare_digit(load_image(picture)).vector
    np.testing.assert_allclose(body["layers"][0]["activations"], expected, atol=1e-5)


def test_predict_image_refuses_bad_pictures(client: TestClient) -> None:
    from PIL import Image

    not_image = client.post("/api/predict/image", files={"file": ("a.png", b"hello world")})
    assert "not a known image format" in error_of(not_image, 422)
    truncated = png(Image.new("L", (60, 60), 255))[:40]
    error_of(client.post("/api/predict/image", files={"file": ("t.png", truncated)}), 422)
    empty = client.post("/api/predict/image",
                        files={"file": ("e.png", png(Image.new("L", (60, 60), 255)))})
    assert "no digit found" in error_of(empty, 422)
    bomb = client.post("/api/predict/image",
                       files={"file": ("b.png", png(Image.new("1", (9000, 9000))))})
    assert "too large" in error_of(bomb, 422)
    nothing = client.post("/api/predict/image", files={"file": ("z.png", b"")})
    error_of(nothing, 422)
    assert "file" in error_of(client.post("/api/predict/image", data={"x": "1"}), 422)
    error_of(client.post("/api/predict/image", json={"pixels": [0] * 784}), 422)
    huge = client.post("/api/predict/image", files={"file": ("h.png", b"\0" * (LIMIT + 1))})
    assert "too large" in error_of(huge, 413)


# --- noise and dreams ---------------------------------------------------------------------------
def test_noise_gets_a_confident_answer(client: TestClient, model: Model) -> None:
    first = client.post("/api/noise", json={"seed": 5}).json()
    again = client.post("/api/noise", json={"seed": 5}).json()
    assert first == again and first["seed"] == 5
    check_prediction(first["prediction"], model.network)
    chosen = client.post("/api/noise", json={}).json()
    assert isinstance(chosen["seed"], int) and chosen["seed"] >= 0
    for bad in ({"seed": -1}, {"seed": "x"}, {"seed": 1.5}):
        error_of(client.post("/api/noise", json=bad), 422)


def test_dream_climbs_towards_the_digit(client: TestClient, model: Model) -> None:
    response = client.post("/api/dream", json={"digit": 3, "steps": 60, "seed": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["digit"] == 3 and 2 <= len(body["probabilities"]) <= 61
    assert body["probabilities"][-1] > body["probabilities"][0]
    assert body["prediction"]["probabilities"][3] == pytest.approx(body["probabilities"][-1],
                                                                   abs=1e-4)
    image = np.array(body["image"])
    assert image.shape == (784,) and image.min() >= 0 and image.max() <= 1
    check_prediction(body["prediction"], model.network)


@pytest.mark.parametrize("body", [
    {"digit": 10}, {"digit": -1}, {"digit": "three"}, {}, {"digit": 3, "steps": 0},
    {"digit": 3, "steps": 100_000}, {"digit": 3, "step_size": 0},
])
def test_dream_refuses_bad_requests(client: TestClient, body: dict[str, Any]) -> None:
    error_of(client.post("/api/dream", json=body), 422)


# --- weights ------------------------------------------------------------------------------------
def test_layer_weights(client: TestClient, model: Model) -> None:
    for layer in (1, 2, 3):
        body = client.get(f"/api/layers/{layer}/weights").json()
        w = model.network.weights[layer - 1]
        assert body["shape"] == list(w.shape)
        np.testing.assert_allclose(body["weights"], w, atol=1e-5)
        np.testing.assert_allclose(body["biases"], model.network.biases[layer - 1], atol=1e-5)


def test_neuron_weights(client: TestClient, model: Model) -> None:
    first = client.get("/api/layers/1/neurons/7").json()
    assert first["image_side"] == 28 and len(first["weights"]) == 784
    np.testing.assert_allclose(first["weights"], model.network.weights[0][7], atol=1e-5)
    assert first["bias"] == pytest.approx(float(model.network.biases[0][7]))
    later = client.get("/api/layers/3/neurons/9").json()
    assert later["image_side"] is None and len(later["weights"]) == 12


@pytest.mark.parametrize(("path", "status", "says"), [
    ("/api/layers/0/weights", 404, "0 is the input"),
    ("/api/layers/4/weights", 404, "layers with weights are 1..3"),
    ("/api/layers/-1/weights", 404, "layer -1"),
    ("/api/layers/one/weights", 422, "layer"),
    ("/api/layers/1/neurons/30", 404, "neurons 0..29"),
    ("/api/layers/1/neurons/-2", 404, "not -2"),
    ("/api/layers/0/neurons/0", 404, "0 is the input"),
    ("/api/layers/2/neurons/1.5", 422, "neuron"),
    ("/api/layers/99999999999999999999999/weights", 404, "layer"),
])
def test_bad_layer_and_neuron_indices(client: TestClient, path: str, status: int,
                                      says: str) -> None:
    response = client.get(path)
    if status == 404 and response.status_code == 422:  # a huge number may not parse as int
        status = 422
    assert says in error_of(response, status)


# --- the test set -------------------------------------------------------------------------------
def test_test_set_browser_puts_mistakes_first(client: TestClient, model: Model,
                                              test_images: tuple[np.ndarray, np.ndarray]) -> None:
    info = client.get("/api/test-set").json()
    images, labels = test_images
    wrong = int(np.count_nonzero(model.network.predict(images) != labels))
    assert info == {"available": True, "reason": None, "name": "test", "count": 40,
                    "misclassified": wrong, "accuracy": pytest.approx(1 - wrong / 40)}
    items = [client.get(f"/api/test-set/{p}").json() for p in range(40)]
    assert [item["correct"] for item in items] == [False] * wrong + [True] * (40 - wrong)
    assert sorted(item["index"] for item in items) == list(range(40))
    for item in items[:3]:
        assert item["label"] == labels[item["index"]]
        assert item["predicted"] == item["prediction"]["digit"]
        np.testing.assert_allclose(item["prediction"]["layers"][0]["activations"],
                                   images[item["index"]], atol=1e-5)


@pytest.mark.parametrize(("path", "status"), [
    ("/api/test-set/40", 404), ("/api/test-set/-1", 404), ("/api/test-set/first", 422),
])
def test_test_set_refuses_bad_positions(client: TestClient, path: str, status: int) -> None:
    error_of(client.get(path), status)


def test_without_a_test_set_the_browser_says_why(bare_client: TestClient) -> None:
    info = bare_client.get("/api/test-set").json()
    assert info["available"] is False and "not here" in info["reason"]
    assert "not here" in error_of(bare_client.get("/api/test-set/0"), 404)
    assert bare_client.get("/api/model").json()["test_set"]["available"] is False


def test_load_test_set_explains_what_is_missing(model: Model, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import digitnet.data
    from digitnet.errors import DataError

    asked: list[tuple[str, Any]] = []

    def absent(name: str, data_dir: Any = None, download: bool = True) -> Any:
        asked.append((name, data_dir))
        assert download is False  # serving never downloads
        raise DataError(f"{name} not found")

    monkeypatch.setattr(digitnet.data, "load_dataset", absent)
    architecture = model.network.architecture
    unnamed = Model(model.network, ModelCard(architecture))
    found, _, note = load_test_set(unnamed)
    assert found is None and note and "does not say" in note
    sample = Model(model.network, ModelCard(architecture, dataset=DatasetRecord(
        "mnist-sample", source=str(tmp_path))))
    found, _, note = load_test_set(sample)
    assert found is None and note and "default not found" in note
    assert asked[-1] == ("default", tmp_path)  # the offline sample loads as "default"
    fashion = ModelCard(architecture, dataset=DatasetRecord("fashion-mnist"))
    load_test_set(Model(model.network, fashion), tmp_path / "data")
    assert asked[-1] == ("fashion-mnist", tmp_path / "data")


# --- the math behind the pictures ---------------------------------------------------------------
@pytest.mark.parametrize(("hidden", "output"), [("sigmoid", "softmax"), ("tanh", "sigmoid"),
                                                ("relu", "softmax")])
def test_input_gradient_matches_central_differences(hidden: str, output: str) -> None:
    network = Network([12, 7, 5, 4], activation=hidden, output_activation=output,
                      cost="categorical_cross_entropy" if output == "softmax" else "quadratic",
                      init="xavier", dtype=np.float64, seed=3)
    x = np.random.default_rng(4).random((1, 12))

    def objective(v: np.ndarray) -> float:
        p = network.predict_proba(v)
        return float(np.log(p[0, 2]))

    g = input_gradient(network, x, log_probability_gradient(network.feedforward(x), 2))
    eps = 1e-6
    numeric = np.array([(objective(x + eps * e) - objective(x - eps * e)) / (2 * eps)
                        for e in np.eye(12)[:, None, :]])
    np.testing.assert_allclose(g[0], numeric, rtol=1e-5, atol=1e-8)


def test_dream_is_reproducible_and_stays_in_range() -> None:
    network = Network([784, 16, 10], output_activation="softmax",
                      cost="categorical_cross_entropy", init="xavier", seed=0)
    a = dream(network, 4, np.random.default_rng(1), steps=20)
    b = dream(network, 4, np.random.default_rng(1), steps=20)
    np.testing.assert_array_equal(a.image, b.image)
    assert a.image.min() >= 0 and a.image.max() <= 1
    assert a.probabilities[-1] > a.probabilities[0]


def test_large_layers_show_their_most_active_neurons() -> None:
    network = Network([784, 800, 10], activation="relu", output_activation="softmax",
                      cost="categorical_cross_entropy", init="he", seed=0)
    x = np.random.default_rng(0).random(784).astype(np.float32)
    body = explain(network, x)
    hidden = body.layers[1]
    assert len(hidden.shown) == MAX_SHOWN and hidden.size == 800
    a = np.array(hidden.activations)
    assert a[hidden.shown].min() >= np.sort(a)[-MAX_SHOWN] - 1e-6
    shown = set(hidden.shown)
    assert all(source in shown for source, _, _ in body.connections[1])


def test_validation_messages_quote_field_names_that_are_not_plain_text() -> None:
    """Found by fuzzing POST /api/training: an unknown key "\\r" was echoed raw, two lines."""
    from digitnet.web.error_handlers import validation_message

    message = validation_message([{"loc": ("body", "\r"), "msg": "Extra inputs are not permitted"},
                                  {"loc": ("body", "x" * 500), "msg": "Extra inputs"}])
    assert "\r" not in message and "\n" not in message and len(message) < 150
    assert message.startswith("'\\r': Extra inputs are not permitted")
