"""Your own digits: the my-digits folder (save, read back, limits, damaged labels), the API that
saves into it, and ``digitnet evaluate`` / ``digitnet train --fine-tune`` on it."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import digitnet_command, draw_digit
from digitnet import PRESETS, Network
from digitnet.data import load_dataset, load_image, prepare_digit
from digitnet.data.my_digits import LABELS, MyDigits, default_folder, read_labels
from digitnet.errors import ConfigError, DataError, ImageError, InputError
from digitnet.fine_tuning import EPOCHS, fine_tuning_config, hold_out, mix
from digitnet.model_card import DatasetRecord, ModelCard
from digitnet.model_io import load_model, save_model


def png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def drawing(digit: int, **options: Any) -> bytes:
    """A digit as the page sends it: white on black, 280x280, PNG."""
    return png(draw_digit(digit, canvas=(280, 280), left=70, top=30, height=220, stroke=20,
                          ink=255, paper=0, **options))


def test_saving_digits_writes_pictures_and_labels(tmp_path: Path) -> None:
    folder = MyDigits(tmp_path / "mine")
    assert folder.save(drawing(7), 7) == ("digit-00001.png", 1)
    assert folder.save(drawing(3), 3) == ("digit-00002.png", 2)
    assert (tmp_path / "mine" / LABELS).read_text() == (
        "file,label\ndigit-00001.png,7\ndigit-00002.png,3\n")
    assert read_labels(tmp_path / "mine") == [("digit-00001.png", 7), ("digit-00002.png", 3)]
    assert folder.counts() == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    assert (tmp_path / "mine" / "digit-00001.png").read_bytes().startswith(b"\x89PNG")
    saved = load_image(tmp_path / "mine" / "digit-00001.png")
    assert saved.mode == "L"
    np.testing.assert_allclose(prepare_digit(saved).vector,
                               prepare_digit(load_image(drawing(7))).vector, atol=1e-6)
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == [
        "digit-00001.png", "digit-00002.png", LABELS]  # no temporary file left behind


def test_saving_refuses_what_is_not_one_digit_and_keeps_what_was_saved(tmp_path: Path) -> None:
    from PIL import Image

    folder = MyDigits(tmp_path, max_digits=2)
    folder.save(drawing(1), 1)
    before = (tmp_path / LABELS).read_bytes()
    with pytest.raises(ImageError, match="not a known image format"):
        folder.save(b"not a picture", 4)
    with pytest.raises(ImageError, match="no digit found"):
        folder.save(png(Image.new("L", (280, 280), 0)), 4)
    with pytest.raises(ConfigError, match="label"):
        folder.save(drawing(4), 10)
    with pytest.raises(DataError, match="too large"):
        folder.save(b"\x89PNG" + bytes(3 * 1024 * 1024), 4)
    assert (tmp_path / LABELS).read_bytes() == before
    folder.save(drawing(2), 2)
    with pytest.raises(DataError, match="is full: it holds 2 digits"):
        folder.save(drawing(5), 5)
    assert len(read_labels(tmp_path)) == 2


@pytest.mark.parametrize(("text", "message"), [
    ("name,digit\na.png,1\n", "first line must be 'file,label'"),
    ("file,label\na.png,12\n", "line 2: the label must be a digit"),
    ("file,label\n../secret.png,1\n", "line 2: '../secret.png' is not a picture name"),
    ("file,label\na.png,1\na.png,2\n", "line 3: 'a.png' is not a picture name"),
    ("file,label\na.png,1,extra\n", "expected 'file,label'"),
])
def test_damaged_labels_are_named_with_their_line(tmp_path: Path, text: str,
                                                  message: str) -> None:
    (tmp_path / LABELS).write_text(text)
    with pytest.raises(DataError, match=message):
        read_labels(tmp_path)


def test_my_digits_is_a_dataset(tmp_path: Path) -> None:
    folder = MyDigits(tmp_path)
    for digit in (0, 4, 9):
        folder.save(drawing(digit), digit)
    data = load_dataset("my-digits", data_dir=tmp_path)
    assert data.name == "my-digits" and data.x_test.shape == (3, 784)
    assert data.y_test.tolist() == [0, 4, 9] and data.y_train.tolist() == [0, 4, 9]
    expected = prepare_digit(load_image(tmp_path / "digit-00002.png")).vector
    np.testing.assert_array_equal(data.x_test[1], expected)
    with pytest.raises(DataError, match="no saved digits"):
        load_dataset("my-digits", data_dir=tmp_path / "nothing-here")
    (tmp_path / "digit-00002.png").write_bytes(b"broken")
    with pytest.raises(DataError, match=r"digit-00002\.png"):
        load_dataset("my-digits", data_dir=tmp_path)


def test_the_default_folder_is_in_the_users_data_folder(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_folder() == tmp_path / "digitnet" / "my-digits"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_folder() == Path.home() / ".local/share/digitnet/my-digits"


def test_mixing_repeats_ones_own_digits_to_their_share() -> None:
    rng = np.random.default_rng(0)
    own = (np.ones((30, 4), np.float32), np.full(30, 7))
    base = (np.zeros((1000, 4), np.float32), np.arange(1000) % 10)
    x, y = mix(own, base, rng, base_images=600, own_share=0.2)
    assert x.shape == (600 + 5 * 30, 4) and y.shape == (750,)  # 0.2 * 600 / (0.8 * 30) = 5
    assert (x[:600] == 0).all() and (y[600:] == 7).all()
    assert np.unique(y[:600]).size == 10  # a sample of every digit, without replacement


def test_fine_tuning_keeps_the_recipe_at_a_tenth_of_its_rate_distorting_every_epoch() -> None:
    """best-augmented ends on undistorted digits; fine-tuning on a few of one's own, repeated,
    distorts every epoch (they would be learnt by heart sooner)."""
    recipe = PRESETS["best-augmented"]
    config = fine_tuning_config(recipe)
    assert config.epochs == EPOCHS and config.learning_rate == recipe.learning_rate / 10
    assert config.augmentation() == recipe.augmentation() and config.clean_epochs == 0
    assert all(config.distorts(epoch) for epoch in range(EPOCHS))
    assert recipe.clean_epochs == 10 and not recipe.distorts(recipe.epochs - 1)


def test_a_quarter_of_ones_digits_is_held_out_to_measure_on() -> None:
    x, y = np.arange(40, dtype=np.float32)[:, None], np.arange(40) % 10  # (40, 1), (40,)
    (learn_x, learn_y), (held_x, held_y) = hold_out((x, y), np.random.default_rng(1))
    assert len(held_y) == 10 and len(learn_y) == 30
    assert sorted(np.concatenate([learn_x, held_x]).ravel()) == list(range(40))  # each once
    np.testing.assert_array_equal(held_y, held_x.ravel().astype(int) % 10)  # labels kept
    again = hold_out((x, y), np.random.default_rng(1))[1][0]
    np.testing.assert_array_equal(again, held_x)  # the same split for the same seed
    with pytest.raises(InputError, match="at least 4"):
        hold_out((x[:3], y[:3]), np.random.default_rng(1))


# --- through the API ---------------------------------------------------------------------------
@pytest.fixture
def client(tmp_path: Path) -> Iterator[Any]:
    pytest.importorskip("fastapi", reason="the web extra is not installed")
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    network = Network([784, 16, 10], "relu", "softmax", "categorical_cross_entropy", "he")
    model = load_model(save_model(tmp_path / "m.npz", network))
    with TestClient(create_app(model, my_digits_dir=tmp_path / "mine")) as test_client:
        yield test_client


def test_the_page_saves_a_drawing_with_its_label(client: Any, tmp_path: Path) -> None:
    info = client.get("/api/my-digits").json()
    assert info == {"enabled": True, "folder": str(tmp_path / "mine"), "count": 0,
                    "per_label": [0] * 10}
    answer = client.post("/api/my-digits", files={"file": ("d.png", drawing(8), "image/png")},
                         data={"label": "8"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"file": "digit-00001.png", "label": 8, "count": 1}
    assert read_labels(tmp_path / "mine") == [("digit-00001.png", 8)]
    assert client.get("/api/my-digits").json()["per_label"][8] == 1
    for data, files, status, words in (
            ({"label": "11"}, {"file": ("d.png", drawing(8), "image/png")}, 422, "label"),
            ({}, {"file": ("d.png", drawing(8), "image/png")}, 422, "label"),
            ({"label": "3"}, {"file": ("d.png", b"nope", "image/png")}, 422, "image"),
            ({"label": "3"}, {"file": ("d.png", png(draw_digit(3, ink=0, paper=0)),
                                       "image/png")}, 422, "no digit found")):
        refused = client.post("/api/my-digits", files=files, data=data)
        assert refused.status_code == status and words in refused.json()["error"]
    assert len(read_labels(tmp_path / "mine")) == 1


def test_an_app_without_a_folder_does_not_save(tmp_path: Path) -> None:
    pytest.importorskip("fastapi", reason="the web extra is not installed")
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    model = load_model(save_model(tmp_path / "m.npz", Network([784, 10])))
    with TestClient(create_app(model)) as client:
        assert client.get("/api/my-digits").json()["enabled"] is False
        refused = client.post("/api/my-digits", data={"label": "1"},
                              files={"file": ("d.png", drawing(1), "image/png")})
        assert refused.status_code == 404 and "saving digits is off" in refused.json()["error"]


# --- evaluate and fine-tune from the command line ----------------------------------------------
def run(*args: Any, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(digitnet_command() + [str(a) for a in args], capture_output=True,
                          text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def own_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two my-digits folders of the same hand: a thick, slanted one, 4 of each digit to learn
    from and 2 of each to measure on."""
    from PIL import Image

    root = tmp_path_factory.mktemp("own")
    for name, count in (("learn", 4), ("check", 2)):
        folder = MyDigits(root / name)
        for digit in range(10):
            for k in range(count):
                image = draw_digit(digit, canvas=(280, 280), left=80 + 7 * k, top=30,
                                   height=200, stroke=34 + 3 * k, ink=255, paper=0)
                folder.save(png(image.rotate(18 - 5 * k, fillcolor=0,
                                             resample=Image.Resampling.BILINEAR)), digit)
    return root / "learn", root / "check"


def test_evaluate_and_fine_tune_on_my_digits(own_set: tuple[Path, Path], tmp_path: Path,
                                             offline_env: dict[str, str]) -> None:
    learn, check = own_set
    model = tmp_path / "demo.npz"
    trained = run("train", "--epochs", 2, "--out", model, "--quiet", env=offline_env)
    assert trained.returncode == 0, trained.stderr
    measured = run("evaluate", model, "--dataset", "my-digits", "--my-digits", check, "--json",
                   env=offline_env)
    assert measured.returncode == 0, measured.stderr
    before = json.loads(measured.stdout)
    assert before["count"] == 20 and before["dataset"]["name"] == "my-digits"
    tuned = run("train", "--fine-tune", model, "--dataset", "my-digits", "--my-digits", learn,
                "--epochs", 3, "--quiet", env=offline_env)
    assert tuned.returncode == 0, tuned.stderr
    lines = tuned.stdout.splitlines()
    assert any(line.startswith("Accuracy on your held-out digits (10 images): ")
               for line in lines)  # a quarter of the 40 kept out of the mix, to measure on
    assert any(line.startswith("Accuracy on its test set (1,000 images): ") for line in lines)
    out = tmp_path / "demo-my-digits.npz"
    card = load_model(out).card
    assert card.notes["fine_tuned_from"] == str(model)
    assert card.notes["my_digits"]["learned_from"] == 30
    assert card.config is not None and card.config.epochs == 3
    after = json.loads(run("evaluate", out, "--dataset", "my-digits", "--my-digits", check,
                           "--json", env=offline_env).stdout)
    assert after["accuracy"] >= before["accuracy"]
    original = json.loads(run("evaluate", model, "--json", env=offline_env).stdout)
    kept = json.loads(run("evaluate", out, "--json", env=offline_env).stdout)
    assert kept["dataset"]["name"] == "mnist-sample"  # measured on what it first learned
    assert kept["accuracy"] > original["accuracy"] - 0.05  # and it has not forgotten it
    refused = run("train", "--fine-tune", model, "--dataset", "mnist", env=offline_env)
    assert refused.returncode == 2 and "--dataset my-digits" in refused.stderr


def test_save_a_card_for_fine_tuning(tmp_path: Path) -> None:
    """A model file that does not say how it was trained cannot be fine-tuned (one line)."""
    path = save_model(tmp_path / "bare.npz", Network([784, 10]),
                      ModelCard(Network([784, 10]).architecture, dataset=DatasetRecord("mnist")))
    result = subprocess.run([*digitnet_command(), "train", "--fine-tune", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "no recipe to fine-tune" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


