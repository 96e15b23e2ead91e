"""The IDX reader: the real MNIST files, and every way a copy of one can be broken."""

from __future__ import annotations

import contextlib
import gzip
import struct
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from digitnet.data import read_idx
from digitnet.data.idx import parse_idx, write_idx
from digitnet.errors import DataError

TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
DTYPES = [np.uint8, np.int8, np.dtype(">i2"), np.int16, np.int32, np.float32, np.float64]


def test_real_mnist_shapes_and_label_counts(mnist_dir: Path) -> None:
    train_images = read_idx(mnist_dir / "train-images-idx3-ubyte.gz")
    train_labels = read_idx(mnist_dir / "train-labels-idx1-ubyte.gz")
    test_images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    test_labels = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    assert train_images.shape == (60000, 28, 28) and train_images.dtype == np.uint8
    assert test_images.shape == (10000, 28, 28) and test_images.dtype == np.uint8
    assert np.bincount(train_labels).tolist() == TRAIN_LABEL_COUNTS
    assert np.bincount(test_labels).tolist() == TEST_LABEL_COUNTS
    assert train_images.max() == 255 and train_images.min() == 0


def test_raw_and_gzipped_copies_read_the_same(mnist_dir: Path, tmp_path: Path) -> None:
    raw = gzip.decompress((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (tmp_path / "labels").write_bytes(raw)
    expected = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(read_idx(tmp_path / "labels"), expected)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda b: b[:-1], "truncated"),
        (lambda b: b[: len(b) // 2], "truncated"),
        (lambda b: b + b"\x00\x00", "trailing"),
        (lambda b: b"\x01" + b[1:], "magic"),
        (lambda b: b[:2] + b"\x42" + b[3:], "element type"),
        # a labels file claiming 3 dims: labels read as sizes give a shape too large to hold
        (lambda b: b[:3] + b"\x03" + b[4:], "declares shape"),
        (lambda b: b[:6], "truncated IDX header"),
        (lambda b: b"", "only 0 bytes"),
    ],
)
def test_broken_copies_of_real_labels_give_data_errors(
    mnist_dir: Path, tmp_path: Path, mangle: Callable[[bytes], bytes], message: str
) -> None:
    raw = gzip.decompress((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    broken = tmp_path / "t10k-labels-idx1-ubyte"
    broken.write_bytes(mangle(raw))
    with pytest.raises(DataError, match=message) as info:
        read_idx(broken)
    assert str(broken) in str(info.value) and "\n" not in str(info.value)


def test_truncated_and_corrupt_gzip_give_data_errors(mnist_dir: Path, tmp_path: Path) -> None:
    packed = (mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()
    cut = tmp_path / "cut.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DataError, match="corrupt gzip"):
        read_idx(cut)
    flipped = bytearray(packed)
    flipped[len(flipped) // 2] ^= 0xFF
    bad = tmp_path / "bad.gz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(DataError, match="corrupt gzip"):
        read_idx(bad)


def test_a_gzip_bomb_is_refused_without_being_unpacked(tmp_path: Path) -> None:
    """A header declaring 16 bytes, then 64 MB of zeros packed into 300 kB: reading stops one
    byte past the 16, so memory never holds the 64 MB."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # wbits 31: a gzip stream
    chunks = [packer.compress(write_idx(np.zeros(16, np.uint8)))]
    zeros = bytes(1 << 20)
    chunks += [packer.compress(zeros) for _ in range(64)] + [packer.flush()]
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(b"".join(chunks))
    assert bomb.stat().st_size < 400_000
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="trailing bytes after the 16 bytes"):
            read_idx(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # far below the 64 MB it would unpack to


def test_a_shape_too_large_to_hold_is_refused_from_the_header(tmp_path: Path) -> None:
    for shape in ((2**31, 2), (0, 2**31 - 1, 2**31 - 1)):  # the second holds nothing, still
        header = bytes([0, 0, 0x08, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
        path = tmp_path / "huge.idx"
        path.write_bytes(header)
        with pytest.raises(DataError, match=r"declares shape .* more than the 2,147,483,648"):
            read_idx(path)
        path.write_bytes(gzip.compress(header))
        with pytest.raises(DataError, match="declares shape"):
            read_idx(path)


def test_missing_file_gives_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"cannot read .*nothing-here"):
        read_idx(tmp_path / "nothing-here")


arrays = st.sampled_from(DTYPES).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=4, min_side=0,
                                                     max_side=6)))


@given(array=arrays, gzipped=st.booleans())
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_round_trip(tmp_path: Path, array: np.ndarray, gzipped: bool) -> None:
    data = write_idx(array)
    path = tmp_path / "round.idx"
    path.write_bytes(gzip.compress(data) if gzipped else data)
    back = read_idx(path)
    assert back.shape == array.shape and back.dtype == array.dtype.newbyteorder("=")
    np.testing.assert_array_equal(back, array)


@given(array=arrays.filter(lambda a: a.size > 0), data=st.data())
@settings(max_examples=150, deadline=None)
def test_any_truncation_is_a_data_error(array: np.ndarray, data: st.DataObject) -> None:
    encoded = write_idx(array)
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(DataError):
        parse_idx(encoded[:cut], "cut")


@given(array=arrays, data=st.data())
@settings(max_examples=200, deadline=None)
def test_header_corruption_is_a_data_error_or_a_consistent_array(
    array: np.ndarray, data: st.DataObject
) -> None:
    encoded = bytearray(write_idx(array))
    header_size = 4 + 4 * array.ndim
    position = data.draw(st.integers(0, header_size - 1))
    encoded[position] = data.draw(st.integers(0, 255))
    try:
        result = parse_idx(bytes(encoded), "mangled")
    except DataError as error:
        assert "mangled" in str(error)
    else:  # whatever the header now says, the array it produced must match it exactly
        assert result.nbytes == len(encoded) - (4 + 4 * result.ndim)


@given(junk=st.binary(max_size=64))
@settings(max_examples=200, deadline=None)
def test_random_bytes_never_raise_anything_but_data_error(junk: bytes) -> None:
    with contextlib.suppress(DataError):
        parse_idx(junk, "junk")
