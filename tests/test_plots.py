"""The pictures: each plot writes a real PNG or SVG, from numbers the core computed.

The figures are drawn through ``digitnet plot`` in a subprocess, on a model trained on the
offline sample (so MNIST is not needed); the numbers behind the mistakes and the noise are
checked against a computation written here from ``Network.predict`` and ``predict_proba``.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import digitnet_command
from digitnet import ConfigError, InputError, Network
from digitnet.data import load_dataset
from digitnet.metrics import answers, mistakes, uniform_noise
from digitnet.model_io import load_model, save_model
from digitnet.plots import plot_confusion, plot_hidden_neurons, plot_history, plot_mistakes
from test_cli import DIGITNET_ERROR, DIGITNET_USAGE, assert_one_error

pytest.importorskip("matplotlib", reason="the plots extra (matplotlib) is not installed")
Image = pytest.importorskip("PIL.Image", reason="Pillow is needed to read the PNGs back")

FIGURES = ("curves", "weights", "confusion", "mistakes", "noise")
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def plot(offline_env: dict[str, str]) -> Run:
    """``digitnet ARGS...`` in a subprocess, with the offline sample as the default data."""
    def run(*args: Any, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
        command = (prefix or digitnet_command()) + [str(a) for a in args]
        return subprocess.run(command, capture_output=True, text=True, env=offline_env,
                              timeout=120)
    return run


@pytest.fixture(scope="module")
def model(plot: Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo network trained for three epochs on the offline sample."""
    out = tmp_path_factory.mktemp("plots") / "model.npz"
    result = plot("train", "--epochs", 3, "--quiet", "--out", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def sample(offline_env: dict[str, str]) -> Any:
    """The test set the figures use: the offline sample's 1,000 test digits, as the CLI sees it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DIGITNET_DATA_DIR", raising=False)
        data = load_dataset("default", download=False,
                            cache_dir=Path(offline_env["XDG_CACHE_HOME"]) / "digitnet")
    assert data.name == "mnist-sample" and data.y_test.size == 1000
    return data


def svg_texts(path: Path) -> list[str]:
    """Every text of an SVG (digitnet's SVGs keep text as text), after checking it is SVG."""
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert float(root.attrib["width"].removesuffix("pt")) > 200
    return [text.text or "" for text in root.iter("{http://www.w3.org/2000/svg}text")]


def assert_png_drawn(path: Path) -> None:
    """A real PNG of a plausible size that is not blank."""
    with Image.open(path) as picture:
        assert picture.format == "PNG"
        assert picture.width >= 400 and picture.height >= 250, picture.size
        pixels = np.asarray(picture.convert("L"), dtype=np.float64)
    assert pixels.var() > 100, pixels.var()  # ink on paper, not one colour
    assert (pixels < 128).mean() > 0.005  # some of it dark


# --- each figure, through the command line, as PNG and SVG -----------------------------------
@pytest.mark.parametrize("what", FIGURES)
def test_each_figure_renders_as_png_and_svg(plot: Run, model: Path, sample: Any, tmp_path: Path,
                                            what: str) -> None:
    for suffix in (".png", ".svg"):
        out = tmp_path / "figures" / f"{what}{suffix}"
        result = plot("plot", model, "--what", what, "--out", out)
        assert result.returncode == 0, result.stderr
        assert f"Saved the {what} figure of {model} to {out}" in result.stdout
        assert ("Test set: the 5,000-digit MNIST sample" in result.stdout) == (
            what in ("confusion", "mistakes", "noise"))
        assert "Traceback" not in result.stderr
        assert out.stat().st_size > 10_000
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        f"{what}.png", f"{what}.svg"]  # and no temporary file left behind
    assert_png_drawn(tmp_path / "figures" / f"{what}.png")
    texts = svg_texts(tmp_path / "figures" / f"{what}.svg")
    CONTENTS[what](texts, load_model(model).network, sample)


def curves_shown(texts: list[str], network: Network, sample: Any) -> None:
    """The model card's history: three epochs of cost and test accuracy."""
    assert "How model.npz learned (784-16-16-10, the demo preset)" in texts
    assert {"Cost (lower is better)", "Accuracy (higher is better)", "test", "3"} <= set(texts)


def weights_shown(texts: list[str], network: Network, sample: Any) -> None:
    assert [t for t in texts if t.startswith("neuron ")] == [f"neuron {j}" for j in range(16)]


def confusion_shown(texts: list[str], network: Network, sample: Any) -> None:
    """Each diagonal count, and the accuracy in the title."""
    predicted = network.predict(sample.x_test)
    for digit in range(10):
        assert str(int(np.sum((predicted == digit) & (sample.y_test == digit)))) in texts
    accuracy = np.mean(predicted == sample.y_test)
    assert any(text.startswith(f"{accuracy:.2%} of 1,000 test images") for text in texts)


def mistakes_shown(texts: list[str], network: Network, sample: Any) -> None:
    """Exactly the test digits where predict != label, in order, with predict_proba's max."""
    predicted = network.predict(sample.x_test)
    sure = network.predict_proba(sample.x_test).max(axis=1)
    wrong = np.flatnonzero(predicted != sample.y_test)
    assert 0 < wrong.size < 1000
    titles = [t for t in texts if " -> " in t and t.endswith("%)")]
    assert titles == [f"{sample.y_test[i]} -> {predicted[i]} ({sure[i]:.0%})"
                      for i in wrong[:40]]
    assert any(t.startswith(f"{wrong.size} of 1,000 test images") for t in texts)


def noise_shown(texts: list[str], network: Network, sample: Any) -> None:
    """The median max-probability on 2,000 uniform images of seed 0, and on the test digits."""
    noise = np.random.default_rng(0).random((2000, 784)).astype(np.float32)
    on_noise = np.median(network.predict_proba(noise).max(axis=1))
    on_digits = np.median(network.predict_proba(sample.x_test).max(axis=1))
    text = " ".join(texts)
    assert f"with a median confidence of {on_noise:.0%} (real digits: {on_digits:.0%})" in text
    assert "2,000 random-noise images" in text and "1,000 test images" in text


CONTENTS = {"curves": curves_shown, "weights": weights_shown, "confusion": confusion_shown,
            "mistakes": mistakes_shown, "noise": noise_shown}


def test_the_noise_seed_changes_the_noise(plot: Run, model: Path, tmp_path: Path) -> None:
    network = load_model(model).network

    def example(seed: int) -> str:
        """How the figure titles the first noise image of ``seed``."""
        noise = np.random.default_rng(seed).random((1, 784)).astype(np.float32)
        return (f"random noise:\nthe network says {network.predict(noise)[0]}\n"
                f"({network.predict_proba(noise).max():.0%} sure)")

    seed = next(s for s in range(1, 50) if example(s) != example(0))  # tells the seeds apart
    out = tmp_path / "noise.svg"
    assert plot("plot", model, "--what", "noise", "--seed", seed, "--out", out).returncode == 0
    assert example(seed) in "\n".join(svg_texts(out))


@pytest.mark.mnist
def test_a_figure_on_real_mnist(plot: Run, model: Path, mnist_dir: Path,
                                tmp_path: Path) -> None:
    out = tmp_path / "confusion.png"
    result = plot("plot", model, "--what", "confusion", "--dataset", "mnist",
                  "--data-dir", mnist_dir, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Test set: MNIST, 60,000 training + 10,000 test images" in result.stdout
    assert_png_drawn(out)


def test_help_lists_the_figures(plot: Run) -> None:
    result = plot("plot", "--help")
    assert result.returncode == 0
    for what in FIGURES:
        assert f"  {what} " in result.stdout
    assert "pip install 'digitnet[plots]'" in result.stdout
    assert "draw a figure of a model" in plot("--help").stdout


# --- bad input: one line, a non-zero exit, nothing written ------------------------------------
def test_bad_options_are_one_line(plot: Run, model: Path, tmp_path: Path) -> None:
    out = tmp_path / "figure.png"
    assert_one_error(plot("plot", model, "--what", "loss", "--out", out),
                     "--what loss", "curves, weights, confusion, mistakes, noise",
                     code=DIGITNET_USAGE)
    assert_one_error(plot("plot", model, "--what", "curves", "--out", tmp_path / "f.jpg"),
                     "f.jpg", ".png or .svg", code=DIGITNET_USAGE)
    assert_one_error(plot("plot", model, "--what", "curves", "--out", tmp_path),
                     "is a folder", code=DIGITNET_USAGE)
    assert not list(tmp_path.iterdir())


def test_bad_files_are_one_line(plot: Run, model: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(model.read_bytes()[:500])
    assert_one_error(plot("plot", damaged, "--what", "weights", "--out", tmp_path / "w.png"),
                     str(damaged), code=DIGITNET_ERROR)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert_one_error(plot("plot", model, "--what", "weights", "--out", blocker / "w.png"),
                     str(blocker / "w.png"), "in the way", code=DIGITNET_ERROR)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "damaged.npz"]


def test_a_model_without_history_has_no_curves(plot: Run, tmp_path: Path) -> None:
    bare = save_model(tmp_path / "bare.npz", Network([784, 30, 10], seed=1))
    out = tmp_path / "curves.png"
    out.write_bytes(b"an earlier figure")
    result = plot("plot", bare, "--what", "curves", "--out", out)
    assert_one_error(result, "bare.npz", "no training history", code=DIGITNET_ERROR)
    assert out.read_bytes() == b"an earlier figure"  # left as it was
    assert plot("plot", bare, "--what", "weights", "--out", out).returncode == 0
    assert_png_drawn(out)


def test_a_network_that_does_not_fit(plot: Run, tmp_path: Path) -> None:
    odd = save_model(tmp_path / "odd.npz", Network([10, 5, 10], seed=1))
    assert_one_error(plot("plot", odd, "--what", "weights", "--out", tmp_path / "w.png"),
                     "odd.npz", "not a square image", code=DIGITNET_ERROR)
    assert_one_error(plot("plot", odd, "--what", "mistakes", "--out", tmp_path / "m.png"),
                     "odd.npz", "10 inputs", code=DIGITNET_ERROR)


def test_without_matplotlib_says_which_extra(plot: Run, model: Path, tmp_path: Path) -> None:
    no_plots = [sys.executable, "-c", "import sys; sys.modules['matplotlib'] = None; "
                "from digitnet.cli import main; raise SystemExit(main(sys.argv[1:]))"]
    result = plot("plot", model, "--what", "weights", "--out", tmp_path / "w.png",
                  prefix=no_plots)
    assert_one_error(result, "pip install 'digitnet[plots]'", code=DIGITNET_ERROR)


# --- the numbers behind the figures --------------------------------------------------------
@pytest.mark.parametrize(("output", "cost"), [("softmax", "categorical_cross_entropy"),
                                              ("sigmoid", "quadratic")])
def test_answers_and_mistakes_match_predict(output: str, cost: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("digitnet.metrics.EVALUATION_CHUNK", 7)  # several chunks
    network = Network([12, 6, 10], output_activation=output, cost=cost, dtype=np.float64,
                      seed=3)
    rng = np.random.default_rng(0)
    X, labels = rng.random((50, 12)), rng.integers(0, 10, 50)
    result = answers(network, X)
    np.testing.assert_array_equal(result.predicted, network.predict(X))
    np.testing.assert_allclose(result.confidence, network.predict_proba(X).max(axis=1))
    found = mistakes(network, X, labels)
    wrong = [i for i in range(50) if network.predict(X[i]) != labels[i]]
    assert found.indices.tolist() == wrong and found.count == 50
    np.testing.assert_array_equal(found.labels, labels[wrong])
    np.testing.assert_array_equal(found.predicted, network.predict(X)[wrong])
    np.testing.assert_allclose(found.confidence, network.predict_proba(X)[wrong].max(axis=1))
    assert found.error_rate == len(wrong) / 50
    with pytest.raises(InputError, match="labels"):
        mistakes(network, X, labels[:-1])


def test_uniform_noise_is_seeded_and_in_range() -> None:
    first = uniform_noise(3000, 784, np.random.default_rng(5))
    assert first.shape == (3000, 784) and first.dtype == np.float32
    assert first.min() >= 0 and first.max() <= 1
    assert abs(first.mean() - 0.5) < 0.01 and abs(first.var() - 1 / 12) < 0.01
    np.testing.assert_array_equal(first, uniform_noise(3000, 784, np.random.default_rng(5)))
    assert not np.array_equal(first, uniform_noise(3000, 784, np.random.default_rng(6)))
    with pytest.raises(ConfigError, match="at least 1"):
        uniform_noise(0, 784, np.random.default_rng(5))


# --- the drawing functions on their own ------------------------------------------------------
def test_hidden_neurons_picture(tmp_path: Path) -> None:
    path = plot_hidden_neurons(Network([784, 16, 16, 10]), tmp_path / "neurons.png")
    with Image.open(path) as picture:
        assert picture.format == "PNG" and picture.width > 300
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(ConfigError, match="not a square"):
        plot_hidden_neurons(Network([10, 3]), tmp_path / "x.png")


def test_history_and_confusion_pictures(tmp_path: Path) -> None:
    epochs = [{"epoch": i, "train_cost": 1 / i, "test_accuracy": 0.9 + i / 100,
               "validation_accuracy": None} for i in range(1, 4)]
    with Image.open(plot_history(epochs, tmp_path / "h.png")) as picture:
        assert picture.size[0] > picture.size[1]
    with pytest.raises(ConfigError, match="no training history"):
        plot_history([], tmp_path / "empty.png")
    confusion = np.diag(np.full(10, 90)) + 1
    with Image.open(plot_confusion(confusion, tmp_path / "c.png")) as picture:
        assert picture.format == "PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.png", "h.png"]


def test_no_mistakes_is_said_in_words(tmp_path: Path) -> None:
    network = Network([4, 10], seed=0)
    X = np.eye(4)
    found = mistakes(network, X, network.predict(X))
    assert found.indices.size == 0
    texts = svg_texts(plot_mistakes(X, found, tmp_path / "none.svg"))
    assert "No mistakes: all 4 test images were read right." in texts
