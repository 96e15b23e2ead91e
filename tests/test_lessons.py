"""The lessons: each notebook matches its plain-text source, carries no outputs, and runs.

A lesson is written as a jupytext "percent" script in ``lessons/source/`` (reviewable as text)
and committed as the notebook built from it (``make notebooks``), with no outputs. Running one
here executes it top to bottom in a fresh kernel of this Python, as a learner would; its cells
assert the facts the text states. With real MNIST in reach the lessons use it; otherwise they
run on the offline sample and say so.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from conftest import find_mnist_dir

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
SOURCES = sorted((LESSONS / "source").glob("[0-9][0-9]-*.py"))
NAMES = [source.stem for source in SOURCES]
EXPECTED = ["01-what-a-network-is", "02-gradient-descent", "03-backpropagation-intuitively",
            "04-backpropagation-calculus"]
CELL_SECONDS = 300  # a generous bound for one cell on a busy machine


def test_the_four_lessons_are_there() -> None:
    assert NAMES == EXPECTED
    assert sorted(p.stem for p in LESSONS.glob("*.ipynb")) == EXPECTED


def test_notebooks_are_built_from_their_sources() -> None:
    spec = importlib.util.spec_from_file_location("build", LESSONS / "source" / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.build(check=True) == [], "out of date: run `make notebooks`"


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_no_outputs(name: str) -> None:
    import nbformat

    notebook = nbformat.read(LESSONS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, \
                f"lessons/{name}.ipynb has outputs: run `make notebooks` before committing"
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A Jupyter path whose python3 kernel is this very Python, and where to find MNIST."""
    jupyter = tmp_path_factory.mktemp("jupyter")
    spec = jupyter / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (digitnet tests)", "language": "python"}))
    env = {"JUPYTER_PATH": str(jupyter),
           "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache")),  # no MNIST from a cache
           # The lessons' matrices are small: one BLAS thread per kernel keeps them from
           # fighting over the two shared cores (ten times faster on a busy machine).
           "OPENBLAS_NUM_THREADS": "1"}
    folder, problem = find_mnist_dir()
    if problem is None:
        env["DIGITNET_DATA_DIR"] = str(folder)
    return env


@pytest.mark.parametrize("name", NAMES)
def test_lesson_runs_top_to_bottom(name: str, kernel_env: dict[str, str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat
    from nbclient import NotebookClient

    for key, value in kernel_env.items():
        monkeypatch.setenv(key, value)
    notebook = nbformat.read(LESSONS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=CELL_SECONDS, kernel_name="python3",
                            resources={"metadata": {"path": str(LESSONS)}})
    client.execute()  # raises CellExecutionError, naming the cell, when an assertion fails
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 4, f"{name} drew {len(figures)} figures"
    first = next(o for o in outputs if o.output_type == "stream").text
    if "DIGITNET_DATA_DIR" in kernel_env:
        assert first.startswith("MNIST, 60,000 training + 10,000 test images"), first
    else:  # the offline sample must be announced first
        assert first.startswith("USING THE 5,000-DIGIT SAMPLE"), first


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_make_lessons_opens_jupyter_listing_the_four_lessons(tmp_path: Path) -> None:
    """The command ``make lessons`` runs, from this environment: JupyterLab lists the lessons."""
    dry_run = subprocess.run(["make", "-n", "-s", "lessons"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, check=True)
    command = dry_run.stdout.strip().splitlines()[-1].split()  # the last line starts Jupyter
    assert command[0].endswith("/jupyter") and command[1] == "lab"
    assert "--ServerApp.ip=127.0.0.1" in command and command[-1] == "lessons/"
    command[0] = str(Path(sys.executable).parent / "jupyter")  # this environment's Jupyter
    port, token = free_port(), "lessons-test-token"
    command += ["--no-browser", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}"]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "HOME": str(tmp_path)}
    log = tmp_path / "jupyter.log"
    with log.open("w") as stream:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stream, stderr=stream)
    try:
        base = f"http://127.0.0.1:{port}/api/contents"
        listing = wait_for_json(f"{base}?token={token}", server, log)
        names = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
        assert names == [f"{name}.ipynb" for name in EXPECTED]
        lesson = wait_for_json(f"{base}/{names[0]}?token={token}", server, log)
        assert lesson["type"] == "notebook" and lesson["content"]["cells"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: no proxy


def wait_for_json(url: str, server: subprocess.Popen[bytes], log: Path,
                  seconds: float = 90) -> dict[str, Any]:
    """GET url until the server answers (it takes a few seconds to start)."""
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            raise AssertionError(f"jupyter lab exited early:\n{log.read_text()[-2000:]}")
        try:
            with LOCAL.open(url, timeout=10) as response:
                result: dict[str, Any] = json.load(response)
                return result
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
