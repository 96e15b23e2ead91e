"""``digitnet export`` (ONNX, safetensors) and ``digitnet import``: same answers elsewhere.

ONNX Runtime must give the same digit on all 10,000 MNIST test images and probabilities within
1e-5 of digitnet's; export then import must give identical arrays; PyTorch must load the
exported tensors (and digitnet PyTorch's) and agree. Bad files and impossible shapes get one
line. The commands run in process through ``digitnet.cli.main``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitnet import PRESETS, Network, train
from digitnet.cli import main
from digitnet.errors import MissingExtraError
from digitnet.extras import require
from digitnet.model_card import ModelCard
from digitnet.model_io import Model, load_model, save_model

onnx = pytest.importorskip("onnx", reason="onnx is not installed (pip install 'digitnet[onnx]')")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed "
                          "(pip install 'digitnet[onnx]')")
safetensors_numpy = pytest.importorskip("safetensors.numpy", reason="safetensors is not "
                                        "installed (pip install 'digitnet[safetensors]')")

KINDS = [("relu", "softmax", "categorical_cross_entropy", "float32"),
         ("sigmoid", "sigmoid", "quadratic", "float32"),
         ("leaky_relu", "identity", "quadratic", "float64"),
         ("tanh", "tanh", "quadratic", "float64")]


def run_cli(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_error(result: tuple[int, str, str], *words: str, code: int = 1) -> None:
    """Exit ``code``, one ``digitnet: error:`` line on stderr holding every word."""
    returned, _, err = result
    lines = err.strip().splitlines()
    assert returned == code and len(lines) == 1, result
    assert lines[0].startswith("digitnet: error: ") and "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


def saved(tmp_path: Path, network: Network, name: str = "model.npz") -> Path:
    return save_model(tmp_path / name, network, ModelCard(network.architecture))


def onnx_answers(path: Path, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probabilities, labels = session.run(["probabilities", "label"], {"input": X})
    return probabilities, labels


@pytest.fixture(scope="module")
def mnist_model(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[Path, Any]:
    """A 784-16-16-10 network trained for one epoch on MNIST, saved; and the data."""
    from digitnet.data import load_dataset

    data = load_dataset("mnist", data_dir=mnist_dir)
    config = PRESETS["3b1b-tuned"].replace(epochs=1)
    network = config.build_network()
    history = train(network, data.x_train, data.y_train, config,
                    test=(data.x_test, data.y_test))
    card = ModelCard(network.architecture, config, preset="3b1b-tuned",
                     epochs=tuple(history.epochs))
    return save_model(tmp_path_factory.mktemp("mnist") / "m.npz", network, card), data


@pytest.mark.mnist
def test_onnx_runtime_agrees_on_all_mnist_test_images(mnist_model: Any, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    path, data = mnist_model
    out = tmp_path / "m.onnx"
    code, printed, _ = run_cli(capsys, "export", path, "--format", "onnx", "--out", out)
    assert code == 0 and f"Wrote {out}" in printed
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    network = load_model(path).network
    probabilities, labels = onnx_answers(out, data.x_test)
    assert data.x_test.shape == (10_000, 784)
    np.testing.assert_array_equal(labels, network.predict(data.x_test))
    assert np.abs(probabilities - network.predict_proba(data.x_test)).max() <= 1e-5
    metadata = {p.key: p.value for p in model.metadata_props}
    assert metadata["description"] == model.doc_string
    assert model.doc_string.startswith("digitnet network 784-16-16-10 (relu hidden")
    assert "preset 3b1b-tuned" in model.doc_string
    card = ModelCard.from_json(metadata["digitnet.model_card"])
    assert card.config == load_model(path).card.config


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: "-".join(k[:2]) + "-" + k[3])
def test_onnx_graph_matches_every_activation(kind: tuple[str, str, str, str],
                                             tmp_path: Path) -> None:
    from digitnet.interop.onnx import export_onnx

    activation, output, cost, dtype = kind
    network = Network([30, 12, 7, 5], activation, output, cost, "xavier", dtype, seed=2)
    path = export_onnx(Model(network, ModelCard(network.architecture)), tmp_path / "n.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    X = np.random.default_rng(1).normal(size=(200, 30)).astype(dtype)
    X[0] = -50.0  # outputs that are all clipped to 0 give 1/5 each
    probabilities, labels = onnx_answers(path, X)
    assert probabilities.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(labels, network.predict(X))
    np.testing.assert_allclose(probabilities, network.predict_proba(X), rtol=0, atol=1e-5)


def test_safetensors_export_then_import_gives_identical_arrays(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    network = Network([20, 9, 4], "tanh", "softmax", "categorical_cross_entropy", "he",
                      "float64", seed=4)
    config = PRESETS["modern"].replace(layers=(20, 9, 4), activation="tanh", dtype="float64")
    path = save_model(tmp_path / "m.npz", network, ModelCard(network.architecture, config))
    tensors_path = tmp_path / "m.safetensors"
    assert run_cli(capsys, "export", path, "--format", "safetensors", "--out", tensors_path
                   )[0] == 0
    tensors = safetensors_numpy.load_file(str(tensors_path))
    assert sorted(tensors) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert tensors["0.weight"].shape == (9, 20)  # torch.nn.Linear's (out, in)
    code, printed, _ = run_cli(capsys, "import", tensors_path, "--out", tmp_path / "back.npz")
    assert code == 0 and "Saved the model to" in printed
    back = load_model(tmp_path / "back.npz")
    for mine, theirs in zip(network.parameters(), back.network.parameters(), strict=True):
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
    assert back.card.config == config and back.card.architecture == network.architecture
    assert run_cli(capsys, "info", tmp_path / "back.npz")[0] == 0


def test_import_a_plain_mlp_with_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    rng = np.random.default_rng(5)
    tensors = {"net.0.weight": rng.normal(size=(8, 6)).astype(np.float32),
               "net.0.bias": rng.normal(size=8).astype(np.float32),
               "net.2.weight": rng.normal(size=(3, 8)).astype(np.float32)}  # Linear(bias=False)
    path = tmp_path / "plain.safetensors"
    safetensors_numpy.save_file(tensors, str(path))
    out = tmp_path / "plain.npz"
    assert_one_error(run_cli(capsys, "import", path, "--out", out), "--activation")
    assert not out.exists()
    code, _, _ = run_cli(capsys, "import", path, "--out", out, "--activation", "relu",
                         "--output-activation", "softmax", "--layers", "6,8,3")
    assert code == 0
    network = load_model(out).network
    X = rng.normal(size=(10, 6)).astype(np.float32)
    z = np.maximum(X @ tensors["net.0.weight"].T + tensors["net.0.bias"], 0) @ \
        tensors["net.2.weight"].T
    np.testing.assert_array_equal(network.predict(X), z.argmax(axis=1))
    assert network.cost.name == "categorical_cross_entropy"
    assert load_model(out).card.notes["imported_from"] == "plain.safetensors"


def write_tensors(tmp_path: Path, tensors: dict[str, np.ndarray],
                  metadata: dict[str, str] | None = None) -> Path:
    path = tmp_path / f"bad{len(list(tmp_path.glob('bad*')))}.safetensors"
    safetensors_numpy.save_file(tensors, str(path), metadata=metadata)
    return path


def test_bad_files_and_impossible_shapes_get_one_line(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    f32 = np.float32
    flags = ["--activation", "relu", "--output-activation", "softmax"]
    out = tmp_path / "out.npz"
    cases: list[tuple[Path, list[str], tuple[str, ...], int]] = []
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!")
    cases.append((garbage, flags, ("not a readable safetensors file",), 1))
    cases.append((tmp_path / "missing.safetensors", flags, ("no such file",), 1))
    chain = {"0.weight": np.zeros((16, 784), f32), "0.bias": np.zeros(16, f32),
             "2.weight": np.zeros((10, 32), f32), "2.bias": np.zeros(10, f32)}
    cases.append((write_tensors(tmp_path, chain), flags, ("takes 32 inputs", "gives 16"), 1))
    bias = {"0.weight": np.zeros((4, 3), f32), "0.bias": np.zeros(5, f32)}
    cases.append((write_tensors(tmp_path, bias), flags, ("layer 0", "(5,)"), 1))
    other = {"0.weight": np.zeros((4, 3), f32), "1.running_mean": np.zeros(4, f32)}
    cases.append((write_tensors(tmp_path, other), flags, ("1.running_mean", "Linear"), 1))
    ints = {"0.weight": np.zeros((4, 3), np.int32)}
    cases.append((write_tensors(tmp_path, ints), flags, ("floating point",), 1))
    good = {"0.weight": np.zeros((4, 3), f32)}
    cases.append((write_tensors(tmp_path, good), [*flags, "--layers", "3,5"],
                  ("[3, 4]", "--layers"), 1))
    cases.append((write_tensors(tmp_path, good, {"architecture": "{oops"}), flags,
                  ("architecture",), 1))
    cases.append((write_tensors(tmp_path, good), ["--activation", "softmax",
                                                  "--output-activation", "softmax"],
                  ("output activation",), 2))
    for path, extra, words, code in cases:
        assert_one_error(run_cli(capsys, "import", path, "--out", out, *extra), *words,
                         code=code)
    assert not out.exists()
    not_a_model = tmp_path / "x.npz"
    not_a_model.write_text("hello")
    assert_one_error(run_cli(capsys, "export", not_a_model, "--format", "onnx", "--out",
                             tmp_path / "x.onnx"), "not a digitnet model file")
    assert not (tmp_path / "x.onnx").exists()


def test_a_missing_extra_is_named_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(MissingExtraError, match=r"pip install 'digitnet\[onnx\]'"):
        require("digitnet_no_such_module", "onnx", "exporting to ONNX")
    network = Network([4, 3], "relu", "softmax", "categorical_cross_entropy")
    path = saved(tmp_path, network)
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now fails
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    assert_one_error(run_cli(capsys, "export", path, "--format", "onnx", "--out",
                             tmp_path / "m.onnx"), "needs onnx", "digitnet[onnx]")
    assert_one_error(run_cli(capsys, "export", path, "--format", "safetensors", "--out",
                             tmp_path / "m.st"), "digitnet[safetensors]")


def test_exported_metadata_describes_the_network(tmp_path: Path) -> None:
    from digitnet.interop.safetensors import export_safetensors

    network = Network([784, 16, 16, 10], "relu", "softmax", "categorical_cross_entropy")
    path = export_safetensors(Model(network, ModelCard(network.architecture)),
                              tmp_path / "m.safetensors")
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as stream:
        metadata = stream.metadata()
    assert metadata["format"] == "digitnet-mlp"
    assert json.loads(metadata["architecture"])["layers"] == [784, 16, 16, 10]
    assert metadata["pytorch"] == ("Sequential(Linear(784, 16), ReLU(), Linear(16, 16), ReLU(), "
                                   "Linear(16, 10), Softmax(dim=1))")


def test_pytorch_loads_the_export_and_digitnet_loads_pytorch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (the round trip runs "
                                "where it is, as in the benchmarks' environment)")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    from digitnet.interop.safetensors import export_safetensors, import_safetensors

    network = Network([784, 16, 16, 10], "sigmoid", "softmax", "categorical_cross_entropy",
                      "xavier", seed=7)
    path = export_safetensors(Model(network, ModelCard(network.architecture)),
                              tmp_path / "digitnet.safetensors")
    model = torch.nn.Sequential(torch.nn.Linear(784, 16), torch.nn.Sigmoid(),
                                torch.nn.Linear(16, 16), torch.nn.Sigmoid(),
                                torch.nn.Linear(16, 10), torch.nn.Softmax(dim=1))
    model.load_state_dict(safetensors_torch.load_file(str(path)), strict=True)
    X = np.random.default_rng(8).random((500, 784), dtype=np.float32)
    with torch.no_grad():
        theirs = model(torch.from_numpy(X)).numpy()
    np.testing.assert_array_equal(theirs.argmax(axis=1), network.predict(X))
    np.testing.assert_allclose(theirs, network.predict_proba(X), atol=1e-5)

    torch.manual_seed(0)  # and the other way: a PyTorch MLP becomes a digitnet model
    theirs_model = torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.ReLU(),
                                       torch.nn.Linear(32, 10))
    torch_path = tmp_path / "torch.safetensors"
    safetensors_torch.save_file(theirs_model.state_dict(), str(torch_path))
    imported = import_safetensors(torch_path, tmp_path / "from-torch.npz", activation="relu",
                                  output_activation="softmax")
    with torch.no_grad():
        logits = theirs_model(torch.from_numpy(X)).numpy()
    np.testing.assert_array_equal(imported.network.predict(X), logits.argmax(axis=1))
    np.testing.assert_allclose(imported.network.predict_proba(X),
                               torch.softmax(torch.from_numpy(logits), 1).numpy(), atol=1e-5)
