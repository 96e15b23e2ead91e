"""The README's section for engineers runs as written: the grid search and the ONNX Runtime
snippet (on the real MNIST files)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digitnet import PRESETS, train
from digitnet.cli import main
from digitnet.data import load_dataset
from digitnet.metrics import evaluate
from digitnet.model_card import ModelCard
from digitnet.model_io import save_model

README = Path(__file__).resolve().parents[1] / "README.md"


def engineers_block(word: str) -> str:
    """The Python block of the engineers' section that mentions ``word``."""
    text = README.read_text()
    section = text[text.index("## For engineers"):]
    section = section[:section.index("\n## ", 1)]
    blocks = [b for b in re.findall(r"```python\n(.*?)```", section, re.S) if word in b]
    assert len(blocks) == 1, f"expected one Python block with {word} in the engineers' section"
    return blocks[0]


@pytest.mark.mnist
def test_the_grid_search_example_runs(mnist_dir: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn", reason="scikit-learn is not installed")
    code = engineers_block("GridSearchCV").replace('"../shared/data/mnist"',
                                                   repr(str(mnist_dir)))
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert float(printed[1]) > 0.9
    assert printed[2] in ("[(50, 64), (64, 10)]", "[(50, 128), (128, 10)]")
    assert (tmp_path / "models" / "grid.npz").is_file()


@pytest.mark.mnist
def test_the_onnx_runtime_example_runs(mnist_dir: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    data = load_dataset("mnist", data_dir=mnist_dir)
    config = PRESETS["demo"].replace(epochs=1)
    network = config.build_network()
    train(network, data.x_train[:10_000], data.y_train[:10_000], config)
    monkeypatch.chdir(tmp_path)
    save_model("models/demo.npz", network, ModelCard(network.architecture, config))
    assert main(["export", "models/demo.npz", "--format", "onnx", "--out",
                 "models/demo.onnx"]) == 0
    capsys.readouterr()
    code = engineers_block("onnxruntime").replace('"../shared/data/mnist"',
                                                  repr(str(mnist_dir)))
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert float(printed[0]) == evaluate(network, data.x_test, data.y_test).accuracy
    assert printed[1].startswith("digitnet network 784-16-16-10")
