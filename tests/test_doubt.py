"""Saying "I don't know": ``digitnet calibrate``, ``train`` calibrating by itself, ``predict
--min-confidence``, ``plot --what calibration``, and ``min_confidence`` in the API."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import digitnet_command, draw_digit
from digitnet import Network
from digitnet.calibration import DEFAULT_MIN_CONFIDENCE, calibrated_probabilities
from digitnet.model_card import ModelCard
from digitnet.model_io import load_model, save_model


def run(*args: Any, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(digitnet_command() + [str(a) for a in args], capture_output=True,
                          text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory,
               offline_env: dict[str, str]) -> tuple[Path, str]:
    """A demo model trained 2 epochs on the offline sample, 800 images held out to calibrate."""
    path = tmp_path_factory.mktemp("calibrated") / "demo.npz"
    result = run("train", "--epochs", 2, "--validation-size", 800, "--quiet", "--out", path,
                 env=offline_env)
    assert result.returncode == 0, result.stderr
    return path, result.stdout


def test_train_calibrates_on_its_validation_images(calibrated: tuple[Path, str]) -> None:
    path, output = calibrated
    line = next(ln for ln in output.splitlines() if ln.startswith("Calibration: "))
    temperature = load_model(path).card.temperature
    assert temperature is not None
    assert line.startswith(f"Calibration: temperature {temperature:.3f}, fitted on 800 "
                           "validation images; expected calibration error on 1,000 test "
                           "images: ")


def test_calibrate_an_existing_model(calibrated: tuple[Path, str], tmp_path: Path,
                                     offline_env: dict[str, str]) -> None:
    out = tmp_path / "again.npz"
    result = run("calibrate", calibrated[0], "--out", out, env=offline_env)
    assert result.returncode == 0, result.stderr
    assert "fitted on 800 validation images" in result.stdout  # the model's own held-out set
    assert load_model(out).card.temperature == pytest.approx(
        load_model(calibrated[0]).card.temperature, rel=1e-6)
    plain = tmp_path / "plain.npz"
    assert run("train", "--epochs", 1, "--quiet", "--out", plain, env=offline_env
               ).returncode == 0
    assert load_model(plain).card.temperature is None  # no validation images: not calibrated
    result = run("calibrate", plain, env=offline_env)
    assert result.returncode == 0, result.stderr
    assert "fitted on 500 test images (the first half)" in result.stdout
    assert "on 500 others (the second half)" in result.stdout
    assert load_model(plain).card.temperature is not None  # saved in place
    info = run("info", plain, env=offline_env)
    assert "Calibration:   temperature" in info.stdout


def test_predict_says_not_sure_below_the_minimum_confidence(
        calibrated: tuple[Path, str], tmp_path: Path, offline_env: dict[str, str]) -> None:
    pictures = []
    for digit in (0, 3, 7):
        pictures.append(tmp_path / f"{digit}.png")
        draw_digit(digit).save(pictures[-1])
    model = load_model(calibrated[0])
    strict = run("predict", calibrated[0], *pictures, "--min-confidence", 1, "--json",
                 env=offline_env)
    assert strict.returncode == 0, strict.stderr
    answers = json.loads(strict.stdout)
    assert answers["min_confidence"] == 1 and answers["temperature"] == model.card.temperature
    for answer in answers["predictions"]:
        p = np.array(answer["probabilities"])
        assert answer["sure"] == bool(p.max() >= 1) and answer["maybe"] == list(np.argsort(-p)[:2])
    text = run("predict", calibrated[0], *pictures, "--min-confidence", 0.999999,
               env=offline_env).stdout.splitlines()
    for line in text:
        first, second = (int(d) for d in line.split("(maybe ")[1].split(")")[0].split(" or "))
        assert ": not sure (maybe " in line and first != second
    lenient = json.loads(run("predict", calibrated[0], *pictures, "--min-confidence", 0,
                             "--json", env=offline_env).stdout)
    assert all(answer["sure"] for answer in lenient["predictions"])
    default = json.loads(run("predict", calibrated[0], pictures[0], "--json",
                             env=offline_env).stdout)
    assert default["min_confidence"] == DEFAULT_MIN_CONFIDENCE
    probabilities = np.array(default["predictions"][0]["probabilities"])
    from digitnet.data import load_image, prepare_digit

    vector = prepare_digit(load_image(pictures[0])).vector
    expected = calibrated_probabilities(model.network, vector, model.card.temperature)
    np.testing.assert_allclose(probabilities, expected, atol=1e-6)  # the calibrated ones
    refused = run("predict", calibrated[0], pictures[0], "--min-confidence", 1.5,
                  env=offline_env)
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("digitnet: error: --min-confidence 1.5: the minimum "
                                      "confidence must lie between 0 and 1, got 1.5")


def test_plot_the_reliability_diagram(calibrated: tuple[Path, str], tmp_path: Path,
                                      offline_env: dict[str, str]) -> None:
    pytest.importorskip("matplotlib", reason="the plots extra is not installed")
    out = tmp_path / "calibration.svg"
    result = run("plot", calibrated[0], "--what", "calibration", "--out", out, env=offline_env)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "its own probabilities: ECE" in text and "calibrated, T = " in text


# --- the API -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pytest.importorskip("fastapi", reason="the web extra is not installed")
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    network = Network([784, 30, 10], "relu", "softmax", "categorical_cross_entropy", "he",
                      seed=4)
    path = tmp_path_factory.mktemp("api") / "hot.npz"
    save_model(path, network, ModelCard(network.architecture, temperature=2.5))
    with TestClient(create_app(load_model(path))) as test_client:
        yield test_client


def test_the_api_judges_with_calibrated_probabilities(client: Any) -> None:
    model = client.app.state.digitnet.served.get().model
    pixels = np.random.default_rng(0).random(784).astype(np.float32)
    expected = calibrated_probabilities(model.network, pixels, 2.5)
    answer = client.post("/api/predict", json={"pixels": pixels.tolist(),
                                               "min_confidence": 0.99}).json()
    np.testing.assert_allclose(answer["probabilities"], expected, atol=1e-5)
    assert answer["temperature"] == 2.5 and answer["min_confidence"] == 0.99
    assert answer["sure"] is False and answer["maybe"] == list(np.argsort(-expected)[:2])
    assert answer["digit"] == answer["maybe"][0]
    assert answer["confidence"] == pytest.approx(expected.max(), abs=1e-5)
    sure = client.post("/api/predict", json={"pixels": pixels.tolist(),
                                             "min_confidence": 0}).json()
    assert sure["sure"] is True
    default = client.post("/api/predict", json={"pixels": pixels.tolist()}).json()
    assert default["min_confidence"] == DEFAULT_MIN_CONFIDENCE
    assert client.get("/api/model").json()["min_confidence"] == DEFAULT_MIN_CONFIDENCE


def test_pictures_and_noise_take_a_minimum_confidence(client: Any) -> None:
    import io

    buffer = io.BytesIO()
    draw_digit(5).save(buffer, format="PNG")
    picture = {"file": ("five.png", buffer.getvalue(), "image/png")}
    strict = client.post("/api/predict/image", files=picture, data={"min_confidence": "1"})
    assert strict.status_code == 200 and strict.json()["sure"] is False
    assert len(strict.json()["stages"]) == 5
    lenient = client.post("/api/predict/image", files=picture, data={"min_confidence": "0"})
    assert lenient.json()["sure"] is True
    noise = client.post("/api/noise", json={"seed": 3, "min_confidence": 1}).json()
    assert noise["prediction"]["sure"] is False and len(noise["prediction"]["maybe"]) == 2
    for bad in (1.5, -0.1, "often"):
        refused = client.post("/api/predict/image", files=picture, data={"min_confidence": bad})
        assert refused.status_code == 422 and "min_confidence" in refused.json()["error"]
        refused = client.post("/api/noise", json={"min_confidence": bad})
        assert refused.status_code == 422 and "min_confidence" in refused.json()["error"]
