"""Fuzzing pictures, Pillow's decoding included: whatever the bytes, ``load_image`` then
``prepare_digit`` give a prepared digit or an ImageError with a one-line message. Random bytes
behind each format's magic, real files of every format and mode with a few bytes changed,
headers that declare huge or zero sizes (decompression bombs), images of every Pillow mode,
and arrays of every shape and type.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import draw_digit
from digitnet.data import PreparedDigit, load_image, prepare_digit
from digitnet.errors import ImageError
from fuzzing import INTERESTING_INTS, Tally, mutated, one_of_weighted

Image = pytest.importorskip("PIL.Image", reason="the images extra (Pillow) is not installed")

MODES = ("1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr",
         "LAB", "HSV", "I", "I;16", "I;16L", "I;16B", "I;16N", "F")
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "ICO", "PPM", "TGA", "PCX", "SGI",
           "IM", "DDS", "QOI", "JPEG2000", "SPIDER", "XBM", "MSP", "BLP", "DIB", "ICNS", "PDF")
MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"GIF87a", b"BM", b"II*\x00",
         b"MM\x00*", b"RIFF\x00\x00\x00\x00WEBP", b"\x00\x00\x01\x00", b"P5\n", b"P6\n",
         b"qoif", b"DDS ", b"\x01\xda", b"\x0a\x05\x01\x08", b"%!PS-Adobe-3.0 EPSF-3.0\n",
         b"8BPS", b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"icns", b"BLP2", b"#define")


def prepare(source: bytes | Any) -> PreparedDigit:
    image = load_image(source) if isinstance(source, bytes) else source
    return prepare_digit(image)


def check(tally: Tally, target: str, source: bytes | Any) -> None:
    prepared = tally.check(target, lambda: prepare(source), ImageError)
    if prepared is not None:  # what comes out is a 28x28 digit in [0, 1]
        vector = prepared.vector
        assert vector.shape == (784,) and vector.dtype == np.float32
        assert np.isfinite(vector).all() and vector.min() >= 0 and vector.max() <= 1


@functools.lru_cache
def real_files() -> tuple[bytes, ...]:
    """A small drawn digit saved in every format and mode Pillow writes, an animation too."""
    digit = draw_digit(3, canvas=(36, 40), left=8, top=4, height=30, stroke=5)
    files = []
    for fmt in FORMATS:
        for mode in MODES:
            stream = io.BytesIO()
            try:
                digit.convert(mode).save(stream, format=fmt)
            except (OSError, ValueError, KeyError, TypeError):
                continue  # Pillow cannot write this mode in this format
            files.append(stream.getvalue())
    frames = [digit, draw_digit(7, canvas=(36, 40), left=8, top=4, height=30, stroke=5)]
    for fmt in ("GIF", "TIFF", "WEBP", "PNG"):
        stream = io.BytesIO()
        frames[0].save(stream, format=fmt, save_all=True, append_images=frames[1:])
        files.append(stream.getvalue())
    return tuple(files)


@given(magic=st.sampled_from(MAGIC) | st.just(b""), rest=st.binary(max_size=300))
def test_random_bytes(fuzz_tally: Tally, magic: bytes, rest: bytes) -> None:
    check(fuzz_tally, "images: load_image + prepare_digit, random bytes", magic + rest)


@given(data=st.data())
def test_mutated_real_files(fuzz_tally: Tally, data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(real_files()))
    check(fuzz_tally, "images: load_image + prepare_digit, mutated real files",
          data.draw(mutated(original, max_edits=3)))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


sides = st.integers(0, 64) | st.integers(0, 10_000) | st.sampled_from(INTERESTING_INTS)


@st.composite
def png_headers(draw: st.DrawFn) -> bytes:
    """A PNG with correct checksums whose header declares any size, depth and colour type;
    its pixels are all there (a stripe: a small file for a large image), cut short, or noise."""
    width, height = draw(sides), draw(sides)
    depth = draw(st.sampled_from((1, 2, 4, 8, 16)) | st.integers(0, 255))
    colour = draw(st.sampled_from((0, 2, 3, 4, 6)) | st.integers(0, 255))
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0,
                         draw(st.sampled_from((0, 1))))
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour, 1)
    row = (width * channels * depth + 7) // 8 + 1
    kind = draw(st.sampled_from(("stripe", "short", "noise")))
    if kind == "stripe" and row <= 1 << 20 and row * height <= 8_000_000:  # a bar: a "digit"
        line = bytes(row // 3) + b"\xff" * (row // 3)
        pixels = zlib.compress((line + bytes(row - len(line))) * height, 1)
    elif kind == "short":
        pixels = zlib.compress(bytes(min(row * height, 4096)) [:draw(st.integers(0, 99))], 1)
    else:
        pixels = draw(st.binary(max_size=64))
    palette = png_chunk(b"PLTE", bytes(range(48))) if colour == 3 else b""
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + palette
            + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b""))


@st.composite
def bmp_headers(draw: st.DrawFn) -> bytes:
    """A BMP whose info header declares any size (negative heights are top-down), depth and
    compression, followed by a little data."""
    signed = sides.map(lambda n: n - 2**32 if n >= 2**31 else n) | st.integers(-10_000, 0)
    width, height = draw(signed), draw(signed)
    bits = draw(st.sampled_from((1, 4, 8, 16, 24, 32)) | st.integers(0, 65535))
    compression = draw(st.integers(0, 6) | st.sampled_from(INTERESTING_INTS))
    colours = draw(st.integers(0, 300) | st.sampled_from(INTERESTING_INTS))
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bits, compression, 0, 2835, 2835,
                       colours, 0)
    body = draw(st.binary(max_size=128))
    offset = draw(st.just(54) | st.integers(0, 300))
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + len(body), 0, 0, offset) + info + body


@st.composite
def gif_headers(draw: st.DrawFn) -> bytes:
    """A GIF whose screen and first image declare any 16-bit sizes, with a little LZW data."""
    screen = struct.pack("<HHBBB", draw(sides) & 0xFFFF, draw(sides) & 0xFFFF,
                         draw(st.integers(0, 255)), 0, 0)
    image = b"," + struct.pack("<HHHHB", draw(st.integers(0, 65535)), draw(st.integers(0, 65535)),
                               draw(sides) & 0xFFFF, draw(sides) & 0xFFFF, 0)
    return (b"GIF89a" + screen + b"\x00" * 6 * draw(st.integers(0, 2)) + image
            + bytes([draw(st.integers(0, 12))]) + draw(st.binary(max_size=40)) + b"\x00;")


@st.composite
def netpbm_headers(draw: st.DrawFn) -> bytes:
    """A PGM/PPM/PBM whose text header declares any size and maximum value."""
    magic = draw(st.sampled_from((b"P1", b"P2", b"P3", b"P4", b"P5", b"P6", b"Pf", b"PF")))
    maxval = draw(st.sampled_from((b"1", b"255", b"65535", b"0", b"-1", b"70000")))
    return (magic + b"\n%d %d\n" % (draw(sides), draw(sides)) + maxval + b"\n"
            + draw(st.binary(max_size=200)))


@given(content=one_of_weighted((3, png_headers()), (2, bmp_headers()), (1, gif_headers()),
                               (1, netpbm_headers())))
def test_headers_declaring_any_size(fuzz_tally: Tally, content: bytes) -> None:
    check(fuzz_tally, "images: headers declaring huge or odd sizes (bombs)", content)


@st.composite
def odd_images(draw: st.DrawFn) -> Any:
    """A Pillow image of any mode filled with random bytes, maybe with transparency, maybe
    saved and read back in a format that keeps the mode."""
    mode = draw(st.sampled_from(MODES))
    size = (draw(st.integers(1, 48)), draw(st.integers(1, 48)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    probe = Image.new(mode, (1, 1))
    length = len(probe.tobytes()) * size[0] * size[1] + 16  # enough for any packing
    image = Image.frombytes(mode, size, rng.bytes(length))
    if mode == "F" and draw(st.booleans()):
        image = Image.fromarray(rng.normal(0, 300, size[::-1]).astype(np.float32), mode="F")
    if mode in ("P", "L", "RGB") and draw(st.booleans()):
        image.info["transparency"] = draw(st.integers(0, 255)) if mode != "RGB" else (0, 0, 0)
    return image


@given(image=odd_images())
def test_images_of_every_mode(fuzz_tally: Tally, image: Any) -> None:
    check(fuzz_tally, "images: prepare_digit, every Pillow mode", image)


ARRAY_SHAPES = st.sampled_from(((1, 1), (1, 5), (28, 28), (9, 13, 1), (9, 13, 2), (9, 13, 3),
                                (9, 13, 4), (9, 13, 5), (0, 4), (4,), (2, 2, 2, 2), ()))
ARRAY_TYPES = st.sampled_from((np.uint8, np.int16, np.int64, np.float16, np.float32, np.float64,
                               np.bool_, np.complex64))


@given(shape=ARRAY_SHAPES, dtype=ARRAY_TYPES, seed=st.integers(0, 2**32 - 1),
       special=st.sampled_from((None, np.nan, np.inf, -np.inf, -1.0, 1e30, 255.0)))
def test_arrays_of_every_shape_and_type(fuzz_tally: Tally, shape: tuple[int, ...], dtype: Any,
                                        seed: int, special: float | None) -> None:
    values = np.random.default_rng(seed).uniform(0, 300, shape)
    if special is not None and values.size:
        values.flat[seed % values.size] = special
    with np.errstate(invalid="ignore", over="ignore"):
        array = values.astype(dtype)
    check(fuzz_tally, "images: prepare_digit, arrays of every shape and type", array)
