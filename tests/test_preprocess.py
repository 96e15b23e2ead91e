"""Preparing user pictures the MNIST way: stages, centring, odd modes, and bad input."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from digitnet.data import PreparedDigit, load_image, prepare_digit, read_idx
from digitnet.errors import ImageError


def _png_bytes(image: Any, fmt: str = "PNG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _centre_of_mass(field: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(field.shape)
    return float((rows * field).sum() / field.sum()), float((cols * field).sum() / field.sum())


def _ink_box(field: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(field.any(axis=1))
    cols = np.flatnonzero(field.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def _check_mnist_like(prepared: PreparedDigit) -> None:
    """28x28 in [0, 1], ink inside 20x20 with the longer side 20, centre of mass at (14, 14)."""
    centred = prepared.centred
    assert centred.shape == (28, 28) and centred.dtype == np.float32
    assert centred.min() >= 0 and centred.max() == pytest.approx(1.0)
    height, width = _ink_box(centred)
    assert max(height, width) == 20 and min(height, width) <= 20
    row, col = _centre_of_mass(centred)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5
    np.testing.assert_array_equal(prepared.vector, centred.reshape(784))
    assert prepared.vector.dtype == np.float32


@pytest.mark.parametrize("digit", range(10))
@pytest.mark.parametrize(
    ("left", "top", "height", "stroke"),
    [(40, 30, 300, 30), (380, 200, 150, 14), (250, 10, 380, 45)],
)
def test_drawn_digit_comes_out_centred_by_mass_in_a_20_box(
    digit_drawer: Callable[..., Any], digit: int, left: int, top: int, height: int, stroke: int
) -> None:
    image = digit_drawer(digit, canvas=(600, 400), left=left, top=top, height=height,
                         stroke=stroke)
    prepared = prepare_digit(image)
    _check_mnist_like(prepared)
    assert prepared.was_inverted
    assert prepared.grayscale.shape == (400, 600)
    assert prepared.inverted.shape == (400, 600)
    assert prepared.inverted[0, 0] == 0 and prepared.inverted.max() == 1
    assert max(prepared.scaled.shape) == 20
    for stage in (prepared.grayscale, prepared.inverted, prepared.cropped, prepared.scaled):
        assert stage.dtype == np.float32 and stage.ndim == 2
        assert stage.min() >= 0 and stage.max() <= 1


def test_cropped_stage_is_the_ink_bounding_box(digit_drawer: Callable[..., Any]) -> None:
    prepared = prepare_digit(digit_drawer(1, left=300, top=50, height=300, stroke=20))
    # the "1" spans x from 0.18 to 0.36 of 300 px and y over 300 px, plus round caps
    height, width = prepared.cropped.shape
    assert 300 + 20 - 2 <= height <= 300 + 20 + 2
    assert 54 + 20 - 4 <= width <= 54 + 20 + 4


def test_light_on_dark_is_not_inverted_and_gives_the_same_digit(
    digit_drawer: Callable[..., Any],
) -> None:
    dark_on_light = prepare_digit(digit_drawer(4, left=100))
    light_on_dark = prepare_digit(digit_drawer(4, left=100, ink=255, paper=0))
    assert not light_on_dark.was_inverted
    np.testing.assert_allclose(light_on_dark.centred, dark_on_light.centred, atol=1e-6)


def test_grey_paper_and_grey_ink_are_stretched(digit_drawer: Callable[..., Any]) -> None:
    plain = prepare_digit(digit_drawer(8)).centred
    faint = prepare_digit(digit_drawer(8, ink=120, paper=200)).centred
    np.testing.assert_allclose(faint, plain, atol=1e-5)


def test_an_mnist_image_passes_through_unchanged_or_nearly(mnist_dir: Path) -> None:
    images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")[:100]
    correlations = []
    for image in images:
        centred = prepare_digit(image).centred
        correlations.append(np.corrcoef(centred.ravel(), image.ravel())[0, 1])
    assert np.median(correlations) > 0.99 and min(correlations) > 0.75


def test_preparing_twice_changes_nothing(digit_drawer: Callable[..., Any]) -> None:
    once = prepare_digit(digit_drawer(2, left=333, stroke=25)).centred
    np.testing.assert_array_equal(prepare_digit(once).centred, once)


def _modes(base: Any) -> dict[str, bytes]:
    """The same drawing saved in many modes and formats."""
    ink_mask = Image.eval(base, lambda v: 255 - v)
    dark_rgba = Image.new("RGBA", base.size, (0, 0, 0, 0))  # transparent *black* background
    dark_rgba.paste((20, 20, 20, 255), mask=ink_mask)
    white_rgba = Image.new("RGBA", base.size, (255, 255, 255, 0))
    white_rgba.paste((255, 255, 255, 255), mask=ink_mask)
    palette_transparent = base.convert("P")
    pixels = np.asarray(base)
    return {
        "1": _png_bytes(base.convert("1")),
        "L": _png_bytes(base),
        "LA": _png_bytes(base.convert("LA")),
        "P": _png_bytes(base.convert("P")),
        "P+transparency": _png_bytes(palette_transparent,
                                     transparency=palette_transparent.getpixel((0, 0))),
        "RGB": _png_bytes(base.convert("RGB")),
        "RGBA dark ink": _png_bytes(dark_rgba),
        "RGBA light ink": _png_bytes(white_rgba),
        "CMYK": _png_bytes(base.convert("RGB").convert("CMYK"), "TIFF"),
        "I;16": _png_bytes(Image.fromarray(pixels.astype(np.uint16) * 257)),
        "I": _png_bytes(Image.fromarray(pixels.astype(np.int32) * 257), "TIFF"),
        "F": _png_bytes(Image.fromarray(pixels.astype(np.float32) / 255), "TIFF"),
        "JPEG": _png_bytes(base.convert("RGB"), "JPEG", quality=75),
        "WebP": _png_bytes(base.convert("RGBA"), "WEBP", lossless=True),
        "LAB": _png_bytes(base.convert("RGB").convert("LAB"), "TIFF"),
    }


def test_every_odd_mode_gives_the_same_digit(digit_drawer: Callable[..., Any]) -> None:
    base = digit_drawer(3, left=300, top=50)
    reference = prepare_digit(base).centred
    for name, data in _modes(base).items():
        image = load_image(data)
        centred = prepare_digit(image).centred
        correlation = np.corrcoef(centred.ravel(), reference.ravel())[0, 1]
        assert correlation > 0.98, f"{name} ({image.mode}): correlation {correlation:.3f}"


def test_la_and_lab_images_are_read(digit_drawer: Callable[..., Any]) -> None:
    """Found by fuzzing: Pillow converts La only to LA, and LAB not to L at all."""
    base = digit_drawer(3, left=300, top=50)
    reference = prepare_digit(base).centred
    for mode in ("La", "LAB"):
        image = base.convert("LA").convert("La") if mode == "La" else base.convert("RGB").convert(
            "LAB")
        centred = prepare_digit(image).centred
        assert np.corrcoef(centred.ravel(), reference.ravel())[0, 1] > 0.98, mode


def test_a_dds_file_with_unknown_pixel_flags_is_an_image_error(
        digit_drawer: Callable[..., Any]) -> None:
    """Found by fuzzing: Pillow's DDS reader raises NotImplementedError for these flags."""
    data = bytearray(_png_bytes(digit_drawer(1, canvas=(40, 40), left=5, top=5, height=30,
                                             stroke=4).convert("RGB"), "DDS"))
    data[80:84] = struct.pack("<I", 0x02000000)  # the pixel format's flags
    with pytest.raises(NotImplementedError):
        Image.open(io.BytesIO(bytes(data))).load()
    with pytest.raises(ImageError, match="cannot read image the uploaded image: Unknown pixel"):
        load_image(bytes(data))


def test_a_tall_16_bit_picture_is_reduced_like_an_8_bit_one(
        digit_drawer: Callable[..., Any]) -> None:
    """Found by fuzzing: Pillow's thumbnail of a 4x2731 16-bit PNG raised "image has wrong
    mode"; 16-bit pictures larger than 1024 px are reduced as floats now."""
    base = digit_drawer(1, canvas=(300, 1500), left=60, top=200, height=1000, stroke=60)
    wide = Image.fromarray(np.asarray(base).astype(np.uint16) * 257)
    assert wide.mode.startswith("I;16")
    reference = prepare_digit(base).centred
    centred = prepare_digit(load_image(_png_bytes(wide))).centred
    assert np.corrcoef(centred.ravel(), reference.ravel())[0, 1] > 0.98
    narrow = Image.new("I;16", (4, 2731), 0)  # the fuzzer's shape: all border, so no digit
    narrow.paste(65535, (1, 500, 3, 2000))
    with pytest.raises(ImageError, match="no digit found"):
        prepare_digit(load_image(_png_bytes(narrow)))


def test_signalling_nan_pixels_give_one_error_and_no_warning() -> None:
    """Found by fuzzing: casting a float32 signalling NaN to float64 warned before the check."""
    image = Image.frombytes("F", (2, 1), struct.pack("<II", 0x7F800001, 0x3F000000))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ImageError, match="non-finite"):
            prepare_digit(image)


def test_animated_gif_uses_its_first_frame(digit_drawer: Callable[..., Any]) -> None:
    digit = digit_drawer(7, left=200)
    blank = Image.new("L", digit.size, 255)
    animated = load_image(_png_bytes(digit, "GIF", save_all=True, append_images=[blank]))
    _check_mnist_like(prepare_digit(animated))
    blank_first = load_image(_png_bytes(blank, "GIF", save_all=True, append_images=[digit]))
    with pytest.raises(ImageError, match="no digit found"):
        prepare_digit(blank_first)


def test_loading_from_a_path(tmp_path: Path, digit_drawer: Callable[..., Any]) -> None:
    path = tmp_path / "digit.png"
    digit_drawer(5).save(path)
    _check_mnist_like(prepare_digit(load_image(path)))
    _check_mnist_like(prepare_digit(load_image(str(path))))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"definitely not a picture" * 10, "not a known image format"),
        (b"", "not a known image format"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "cannot read image"),
    ],
)
def test_garbage_bytes_give_image_errors(data: bytes, message: str) -> None:
    with pytest.raises(ImageError, match=message):
        load_image(data)


def test_truncated_png_gives_an_image_error(digit_drawer: Callable[..., Any]) -> None:
    data = _png_bytes(digit_drawer(6))
    with pytest.raises(ImageError, match="cannot read image"):
        load_image(data[: len(data) // 2])


def test_missing_file_gives_an_image_error(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "missing.png")


@pytest.mark.parametrize(
    "image",
    [
        Image.new("L", (600, 400), 255),
        Image.new("L", (600, 400), 0),
        Image.new("RGBA", (50, 50), (0, 0, 0, 0)),
        Image.fromarray((245 + np.random.default_rng(0).integers(0, 10, (300, 300)))
                        .astype(np.uint8)),  # white paper with a little noise
    ],
)
def test_empty_pictures_give_no_digit_found(image: Any) -> None:
    with pytest.raises(ImageError, match="no digit found: the image is empty"):
        prepare_digit(image)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels but holds almost no data (a bomb's header)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))


@pytest.mark.parametrize(("width", "height"), [(8000, 8000), (100_000, 100_000)])
def test_decompression_bombs_are_refused_before_decoding(width: int, height: int) -> None:
    limit = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageError, match="too large"):
        load_image(_png_header_only(width, height))
    assert limit == Image.MAX_IMAGE_PIXELS  # Pillow's global is left alone


def test_large_photos_are_reduced_first(digit_drawer: Callable[..., Any]) -> None:
    image = digit_drawer(9, canvas=(3000, 2000), left=900, top=200, height=1500, stroke=150)
    prepared = prepare_digit(image)
    assert prepared.grayscale.shape == (683, 1024)
    _check_mnist_like(prepared)


@pytest.mark.parametrize(
    "array",
    [
        np.pad(np.full((10, 4), 255, np.uint8), 9),
        np.pad(np.ones((10, 4), np.float64), 9),
        np.stack([np.pad(np.full((10, 4), 200, np.uint8), 9)] * 3, axis=2),
    ],
)
def test_arrays_are_accepted(array: np.ndarray) -> None:
    prepared = prepare_digit(array)
    assert prepared.scaled.shape == (20, 8)
    _check_mnist_like(prepared)


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros(784), "2-D"),
        (np.zeros((0, 5)), "2-D"),
        (np.full((5, 5), np.nan), "non-finite"),
        (np.ones((5, 5), np.complex64), "real numbers"),
    ],
)
def test_bad_arrays_give_image_errors(array: np.ndarray, message: str) -> None:
    with pytest.raises(ImageError, match=message):
        prepare_digit(array)
