"""Reading IDX files, the format MNIST and Fashion-MNIST are published in.

An IDX file is a 4-byte magic number ``00 00 TT NN`` (``TT`` the element type, ``NN`` the number of
dimensions), then ``NN`` big-endian uint32 sizes, then the elements in C order, big-endian. The
published files are gzipped; :func:`read_idx` accepts either, telling them apart by the gzip magic
bytes ``1f 8b``, and decompresses no more than the header inside declares. Every way a file can
be wrong (a bad magic number, a shape too large to hold, a truncated payload, trailing bytes, a
corrupt gzip stream) becomes one :class:`~digitnet.errors.DataError` that names the file.
"""

from __future__ import annotations

import gzip
import io
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from digitnet.errors import DataError

GZIP_MAGIC = b"\x1f\x8b"

# IDX element type code -> big-endian NumPy dtype.
IDX_DTYPES: dict[int, str] = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}

MAX_NDIM = 8
MAX_BYTES = 1 << 31  # 2 GiB of elements: far above any digit dataset (MNIST's largest is 47 MB)


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzipped or raw, into a native-endian array.

    Returns an array of shape ``(d0, d1, ...)`` as declared in the header, e.g. ``(60000, 28, 28)``
    uint8 for MNIST training images and ``(60000,)`` uint8 for its labels.

    Raises:
        DataError: the file is missing or unreadable, the gzip stream is corrupt, or the IDX
            header or payload length is wrong.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_idx(decompress_if_gzip(raw, str(path)), str(path))


def decompress_if_gzip(raw: bytes, name: str) -> bytes:
    """Return ``raw`` itself, or its decompressed content when it starts with the gzip magic.

    Only as much is decompressed as the IDX header inside declares, plus one byte to notice
    trailing data, so a small file that expands to gigabytes (a "gzip bomb") is refused
    without ever being held in memory.
    """
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            head = stream.read(4)
            if len(head) == 4 and head[3] <= MAX_NDIM:
                head += stream.read(4 * head[3])
            dtype, shape, _ = parse_header(head, name)
            return head + stream.read(payload_size(dtype, shape) + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{name}: corrupt gzip data ({exc})") from None


def parse_header(data: bytes, name: str) -> tuple[np.dtype, tuple[int, ...], int]:
    """The element type, the shape and the header's length, read from the start of ``data``."""
    if len(data) < 4:
        raise DataError(f"{name}: not an IDX file: only {len(data)} bytes, need a 4-byte header")
    zero0, zero1, type_code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0:
        raise DataError(f"{name}: not an IDX file: magic number {data[:4].hex()} "
                        "does not start with 0000")
    if type_code not in IDX_DTYPES:
        raise DataError(f"{name}: unknown IDX element type 0x{type_code:02x}")
    if not 1 <= ndim <= MAX_NDIM:
        raise DataError(f"{name}: IDX header declares {ndim} dimensions, expected 1..{MAX_NDIM}")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError(f"{name}: truncated IDX header: {len(data)} bytes, "
                        f"need {header_size} for {ndim} dimensions")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = np.dtype(IDX_DTYPES[type_code])
    # The zero-free product too: NumPy refuses a shape like (0, 2**31, 2**31) even though it
    # holds nothing.
    if math.prod(n for n in shape if n) * dtype.itemsize > MAX_BYTES:
        raise DataError(f"{name}: IDX header declares shape {shape} of {dtype.name}, more than "
                        f"the {MAX_BYTES:,} bytes digitnet reads")
    return dtype, shape, header_size


def payload_size(dtype: np.dtype, shape: tuple[int, ...]) -> int:
    """The number of bytes of data that follow a header declaring ``shape`` of ``dtype``."""
    return math.prod(shape) * dtype.itemsize


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse the uncompressed bytes of an IDX file; ``name`` is used in error messages.

    Returns the array of shape ``(d0, d1, ...)`` declared in the header, in native byte order.
    """
    dtype, shape, header_size = parse_header(data, name)
    expected = payload_size(dtype, shape)
    actual = len(data) - header_size
    if actual < expected:
        raise DataError(f"{name}: truncated: shape {shape} needs {expected} bytes of data, "
                        f"found {actual}")
    if actual > expected:
        raise DataError(f"{name}: unexpected trailing bytes after the {expected} bytes of data "
                        f"for shape {shape}")
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a native-endian, writable copy


def write_idx(array: np.ndarray) -> bytes:
    """Return the uncompressed IDX bytes of ``array`` (the inverse of :func:`parse_idx`)."""
    codes = {np.dtype(big).newbyteorder("="): code for code, big in IDX_DTYPES.items()}
    native = np.dtype(array.dtype).newbyteorder("=")
    if native not in codes:
        raise DataError(f"cannot write dtype {array.dtype} as IDX")
    if not 1 <= array.ndim <= MAX_NDIM:
        raise DataError(f"cannot write a {array.ndim}-dimensional array as IDX")
    header = bytes([0, 0, codes[native], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=IDX_DTYPES[codes[native]]).tobytes()
