"""Optional packages: each missing one is named in one line with the extra that brings it.

The command line runs in a subprocess where the package is hidden (``sys.modules[name] = None``
makes every import of it fail, as if it were not installed); the library is checked in process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from digitnet import MissingExtraError, Network
from digitnet.extras import optional, require
from digitnet.model_io import save_model

HIDDEN = ("import sys; sys.modules[sys.argv.pop(1)] = None; "
          "from digitnet.cli import main; raise SystemExit(main(sys.argv[1:]))")


def digitnet_without(package: str, *args: object) -> subprocess.CompletedProcess[str]:
    """``digitnet ARGS`` in a Python where ``package`` cannot be imported."""
    return subprocess.run([sys.executable, "-c", HIDDEN, package, *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(tmp_path_factory.mktemp("extras") / "m.npz", Network([784, 10], seed=0))


def the_one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_predict_without_pillow_names_the_images_extra(model_file: Path, tmp_path: Path) -> None:
    Image = pytest.importorskip("PIL.Image", reason="the picture is written with Pillow here")
    picture = tmp_path / "seven.png"
    Image.new("L", (28, 28), 255).save(picture)
    result = digitnet_without("PIL", "predict", model_file, picture)
    assert the_one_line(result) == ("digitnet: error: reading pictures needs Pillow, which is "
                                    "not installed: pip install 'digitnet[images]'")


@pytest.mark.parametrize(("package", "name"), [("fastapi", "FastAPI"), ("uvicorn", "uvicorn"),
                                               ("python_multipart", "python-multipart"),
                                               ("PIL", "Pillow")])
def test_serve_without_a_web_package_names_the_web_extra(model_file: Path, package: str,
                                                         name: str) -> None:
    result = digitnet_without(package, "serve", model_file, "--port", 9)
    assert the_one_line(result) == (f"digitnet: error: the web page needs {name}, which is not "
                                    "installed: pip install 'digitnet[web]'")


def test_plots_without_matplotlib_name_the_plots_extra(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    from digitnet.plots import plot_hidden_neurons

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtraError) as raised:
        plot_hidden_neurons(Network([784, 10]), tmp_path / "weights.png")
    assert str(raised.value) == ("drawing plots needs matplotlib, which is not installed: "
                                 "pip install 'digitnet[plots]'")
    assert isinstance(raised.value, ImportError) and raised.value.name == "matplotlib"
    assert not list(tmp_path.iterdir())


def test_pictures_without_pillow_name_the_images_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from digitnet.data import load_image, prepare_digit

    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(MissingExtraError, match=r"reading pictures needs Pillow.*\[images\]"):
        load_image(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(MissingExtraError, match=r"preparing pictures needs Pillow"):
        prepare_digit(np.pad(np.ones((10, 4)), 9))  # arrays are scaled with Pillow too


def test_require_and_optional(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert require("json", "cli", "testing").dumps([1]) == "[1]"
    assert optional("json") is not None
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert optional("tqdm") is None  # the progress bars simply do without
    with pytest.raises(MissingExtraError, match=r"^drawing bars needs tqdm, which is not "
                                                r"installed: pip install 'digitnet\[cli\]'$"):
        require("tqdm", "cli", "drawing bars")
    # installed, but one of its own dependencies is missing
    (tmp_path / "brokenpkg").mkdir()
    (tmp_path / "brokenpkg" / "__init__.py").write_text("import not_installed_anywhere_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(MissingExtraError, match=r"needs brokenpkg, which cannot be imported "
                                                r"\(not_installed_anywhere_xyz is missing\)"):
        require("brokenpkg", "web", "the page")


def test_the_web_page_without_pillow_answers_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("fastapi", reason="the web extra is not installed")
    from fastapi.testclient import TestClient

    from digitnet.model_card import ModelCard
    from digitnet.model_io import Model
    from digitnet.web import create_app

    network = Network([784, 10], seed=0)
    with TestClient(create_app(Model(network, ModelCard(network.architecture)))) as client:
        monkeypatch.setitem(sys.modules, "PIL", None)
        response = client.post("/api/predict/image", files={"file": ("a.png", b"\x89PNG")})
    assert response.status_code == 422
    assert response.json() == {"error": "reading pictures needs Pillow, which is not installed: "
                                        "pip install 'digitnet[images]'"}
