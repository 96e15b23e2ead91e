"""Preparing user pictures the MNIST way: stages, centring, odd modes, and bad input."""

from __future__ import annotations

import io
import struct
import sys
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from digitnet.data import PreparedDigit, load_image, prepare_digit, read_idx
from digitnet.data.ink import is_dark_on_light
from digitnet.data.preprocess import MAX_PIXELS, _array_to_grayscale, to_grayscale
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


VALUES = np.array([[0, 64, 128], [192, 255, 32]], np.uint8)
OPAQUE = np.full(VALUES.shape, 255, np.uint8)


def composited(values: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The documented rule: onto white when the visible ink is dark, onto black otherwise."""
    luma, opacity = values / 255, alpha / 255
    ink = (luma * opacity).sum() / opacity.sum() if opacity.sum() else 0.0
    return opacity * luma + (1 - opacity) * (1.0 if ink < 0.5 else 0.0)


def with_alpha(mode: str, values: np.ndarray, alpha: np.ndarray) -> Any:
    grey, opacity = Image.fromarray(values), Image.fromarray(alpha)
    return Image.merge("LA", (grey, opacity)) if mode == "LA" else \
        Image.merge("RGBA", (grey, grey, grey, opacity))


def palette_with_a_transparent_grey() -> Any:
    image = Image.fromarray(VALUES).convert("P")
    image.info["transparency"] = image.getpixel((2, 0))  # the 128 grey
    return image


HALF = np.array([[255, 255, 128], [255, 0, 255]], np.uint8)
GREYSCALES = {
    "L": (Image.fromarray(VALUES), VALUES / 255),
    "RGB": (Image.fromarray(VALUES).convert("RGB"), VALUES / 255),
    "P": (Image.fromarray(VALUES).convert("P"), VALUES / 255),
    "CMYK": (Image.fromarray(VALUES).convert("RGB").convert("CMYK"), VALUES / 255),
    "1": (Image.fromarray(VALUES > 127), (VALUES > 127).astype(float)),
    "I;16": (Image.fromarray(VALUES.astype(np.uint16) * 257), VALUES / 255),
    "I, 16-bit range": (Image.fromarray(VALUES.astype(np.int32) * 257), VALUES / 255),
    "I, 8-bit range": (Image.fromarray(VALUES.astype(np.int32)), VALUES / 255),
    "F, 8-bit range": (Image.fromarray(VALUES.astype(np.float32) - 10), (VALUES - 10.0) / 255),
    "F in [0, 1]": (Image.fromarray(VALUES.astype(np.float32) / 255), VALUES / 255),
    "LA": (with_alpha("LA", VALUES, HALF), composited(VALUES, HALF)),
    "RGBA": (with_alpha("RGBA", VALUES, HALF), composited(VALUES, HALF)),
    "RGBA opaque": (with_alpha("RGBA", VALUES, OPAQUE), VALUES / 255),
    "RGBA light ink": (with_alpha("RGBA", 255 - VALUES, HALF), composited(255 - VALUES, HALF)),
    "RGBA invisible": (with_alpha("RGBA", VALUES, 0 * HALF), np.ones(VALUES.shape)),
    "La": (with_alpha("LA", VALUES, HALF).convert("La"),
           composited(*np.moveaxis(np.asarray(with_alpha("LA", VALUES, HALF).convert("La")
                                              .convert("LA")), 2, 0))),
    "P with transparency": (palette_with_a_transparent_grey(),
                            composited(VALUES, np.where(VALUES == 128, 0, 255))),
    # the edges of each rule: 256 is 16-bit; past 65535 or below 0, clipped; a float above 1
    # is 8-bit, past 255 clipped; ink of exactly 0.5 goes onto black; a faint pixel counts
    "I, 256": (Image.fromarray(np.array([[0, 256, 2]] * 2, np.int32)),
               np.array([[0, 256, 2]] * 2) / 65535),
    "I, out of range": (Image.fromarray(np.array([[-5, 70_000, 300]] * 2, np.int32)),
                        np.array([[0, 65535, 300]] * 2) / 65535),
    "F, 2": (Image.fromarray(np.array([[0, 2, 0.5]] * 2, np.float32)),
             np.array([[0, 2, 0.5]] * 2) / 255),
    "F, out of range": (Image.fromarray(np.array([[-3, 300, 128]] * 2, np.float32)),
                        np.array([[0, 255, 128]] * 2) / 255),
    "RGBA ink of 0.5": (with_alpha("RGBA", np.array([[0, 255, 0]] * 2, np.uint8),
                                   np.array([[128, 128, 0]] * 2, np.uint8)),
                        np.array([[0, 128 / 255, 0]] * 2)),
    "RGBA one faint light pixel": (with_alpha("RGBA", np.full((2, 3), 255, np.uint8),
                                              np.array([[100, 0, 0], [0] * 3], np.uint8)),
                                   np.array([[100 / 255, 0, 0], [0] * 3])),
}


@pytest.mark.parametrize("mode", list(GREYSCALES))
def test_grayscale_of_every_mode_by_hand(mode: str) -> None:
    """The first stage: luminance in [0, 1] whatever the mode; 16-bit scaled by 65535, floats
    above 1 by 255; transparency composited (see ``composited``)."""
    image, expected = GREYSCALES[mode]
    grayscale = to_grayscale(image)
    assert grayscale.dtype == np.float32 and grayscale.shape == expected.shape
    np.testing.assert_allclose(grayscale, np.clip(expected, 0, 1), atol=1e-6)


def test_non_finite_float_pictures_are_refused() -> None:
    with pytest.raises(ImageError, match="non-finite"):
        to_grayscale(Image.fromarray(np.array([[0.0, np.nan]], np.float32)))


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
    with pytest.raises(ImageError, match=message) as error:
        load_image(data)
    assert "the uploaded image" in str(error.value)  # bytes have no file name to show


def png_bytes(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_single_row_or_column_is_a_picture() -> None:
    for size in ((1, 3), (3, 1), (1, 1)):
        frame = load_image(png_bytes(Image.new("L", size, 200)))
        assert frame.size == size and frame.getpixel((0, 0)) == 200


@pytest.mark.parametrize("size", [(0, 5), (5, 0)])
def test_a_picture_without_pixels_is_refused(size: tuple[int, int],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow's decoders refuse such files themselves; the check stands behind them."""
    monkeypatch.setattr(Image, "open", lambda stream: Image.new("L", size))
    with pytest.raises(ImageError, match="the image has no pixels"):
        load_image(b"any bytes")


def test_without_pillow_loading_a_picture_names_the_extra(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from digitnet.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "PIL", None)  # import PIL now fails
    with pytest.raises(MissingExtraError, match=r"reading pictures needs Pillow.*images"):
        load_image(b"any bytes")


def test_a_decoder_error_without_a_message_is_named_by_its_type(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(stream: Any) -> Any:
        raise EOFError

    monkeypatch.setattr(Image, "open", fail)
    with pytest.raises(ImageError, match=r"^cannot read image the uploaded image: EOFError$"):
        load_image(b"any bytes")


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


@pytest.mark.parametrize(("width", "height"), [
    (8000, 8000), (10_000, 10_000), (100_000, 100_000), (MAX_PIXELS + 1, 1)])
def test_decompression_bombs_are_refused_before_decoding(width: int, height: int) -> None:
    """Past MAX_PIXELS, refused from the header alone; (10,000)^2 is past Pillow's own warning
    limit too, which must not escape as a warning."""
    limit = Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ImageError, match="too large"):
            load_image(_png_header_only(width, height))
    assert limit == Image.MAX_IMAGE_PIXELS  # Pillow's global is left alone


def test_a_picture_of_max_pixels_is_not_too_large() -> None:
    with pytest.raises(ImageError) as error:  # decoding fails: the header promises more data
        load_image(_png_header_only(MAX_PIXELS, 1))
    assert "too large" not in str(error.value)


def test_large_photos_are_reduced_first(digit_drawer: Callable[..., Any]) -> None:
    image = digit_drawer(9, canvas=(3000, 2000), left=900, top=200, height=1500, stroke=150)
    prepared = prepare_digit(image)
    assert prepared.grayscale.shape == (683, 1024)
    _check_mnist_like(prepared)


@pytest.mark.parametrize(
    "array",
    [
        np.pad(np.full((10, 2), 255, np.uint8), 9),
        np.pad(np.ones((10, 2), np.float64), 9),
        np.stack([np.pad(np.full((10, 2), 200, np.uint8), 9)] * 3, axis=2),
    ],
)
def test_arrays_are_accepted(array: np.ndarray) -> None:
    # a bar 10 by 2: a stroke as wide as MNIST's for its height (a 10 by 4 one would be thinned)
    prepared = prepare_digit(array)
    assert prepared.scaled.shape == (20, 4)
    _check_mnist_like(prepared)


R, G, B = VALUES, 255 - VALUES, np.array([[10, 20, 30], [40, 50, 60]], np.uint8)
LUMA = (0.299 * R + 0.587 * G + 0.114 * B) / 255  # ITU-R 601
FLOATS = np.array([[0.0, 0.25, 0.5], [0.75, 1.0, 0.1]])
ARRAYS = {
    "uint8": (VALUES, VALUES / 255),
    "uint8, one channel": (VALUES[:, :, None], VALUES / 255),
    "uint8 RGB": (np.stack([R, G, B], axis=2), LUMA),
    "uint8 RGBA, alpha ignored": (np.stack([R, G, B, 255 - B], axis=2), LUMA),
    "floats in [0, 1]": (FLOATS, FLOATS),
    "float RGB in [0, 1]": (np.stack([FLOATS, FLOATS / 2, 1 - FLOATS], axis=2),
                            0.299 * FLOATS + 0.587 * FLOATS / 2 + 0.114 * (1 - FLOATS)),
    "floats of 8 bits": (np.array([[0.0, 1.5, 0.5], [255.0, 300.0, -2.0]]),
                         np.array([[0.0, 1.5, 0.5], [255.0, 255.0, 0.0]]) / 255),
    "whole numbers of 8 bits": (VALUES.astype(np.int64), VALUES / 255),
    "floats just past 1 are of 8 bits": (np.array([[0.0, 1.5], [2.0, 0.5]]),
                                         np.array([[0.0, 1.5], [2.0, 0.5]]) / 255),
}


@pytest.mark.parametrize("kind", list(ARRAYS))
def test_grayscale_of_every_array_by_hand(kind: str) -> None:
    """Arrays: uint8 over 255, RGB(A) by luma, floats as they are when at most 1, else over
    255; clipped to [0, 1]."""
    array, expected = ARRAYS[kind]
    grayscale = _array_to_grayscale(array)
    assert grayscale.dtype == np.float32 and grayscale.shape == expected.shape
    np.testing.assert_allclose(grayscale, expected, atol=1e-6)


def test_the_bottom_row_and_the_right_column_count_for_themselves() -> None:
    """Top row light, bottom row dark, a grey line between: the paper is the median of the
    border, the grey, so the light top is the ink (light on dark). Counting the top row twice,
    for the bottom one, would make the paper light instead."""
    array = np.full((3, 100), 0.2)
    array[0], array[2] = 1.0, 0.0
    assert not is_dark_on_light(array)
    assert not is_dark_on_light(array.T)  # the same with the left and right columns


def test_the_top_and_bottom_rows_are_part_of_the_border() -> None:
    """The background is the median of all four edges: here the top and bottom rows are mostly
    light (60 of 100 pixels), the middle row dark, so the picture is dark on light."""
    array = np.zeros((3, 100))
    array[[0, 2], :60] = 1.0
    assert is_dark_on_light(array)
    assert is_dark_on_light(array.T)  # and so are the left and right columns


@pytest.mark.parametrize(("background", "inverted"), [(0.2, False), (0.5, False), (0.51, True)])
def test_dark_on_light_means_a_background_above_one_half(background: float,
                                                         inverted: bool) -> None:
    array = np.full((28, 28), background)
    array[8:20, 12:16] = 0.0 if inverted else 1.0
    prepared = prepare_digit(array)
    assert prepared.was_inverted == inverted
    assert prepared.inverted.max() == 1.0 and prepared.inverted[0, 0] == 0.0


@pytest.mark.parametrize("mode", ["P", "1", "P with transparency"])
def test_large_palette_and_bilevel_pictures_are_reduced_like_grey_ones(
        mode: str, digit_drawer: Callable[..., Any]) -> None:
    grey = digit_drawer(4, canvas=(2400, 1600), left=700, top=200, height=1200, stroke=120)
    if mode == "P with transparency":
        picture = grey.convert("P")
        picture.info["transparency"] = picture.getpixel((0, 0))  # the white paper
    else:
        picture = grey.convert(mode)
    prepared = prepare_digit(picture)
    assert prepared.grayscale.shape == (683, 1024)
    np.testing.assert_allclose(prepared.centred, prepare_digit(grey).centred, atol=0.05)


def test_a_long_thin_picture_is_reduced_by_its_longer_side(
        digit_drawer: Callable[..., Any]) -> None:
    image = digit_drawer(1, canvas=(3000, 600), left=1400, top=50, height=500, stroke=60)
    assert prepare_digit(image).grayscale.shape == (205, 1024)
    exact = digit_drawer(1, canvas=(1024, 600), left=400, top=50, height=500, stroke=60)
    assert prepare_digit(exact).grayscale.shape == (600, 1024)  # not reduced: small enough


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((5, 5, 2)), "2-D"),
        (np.zeros(784), "2-D"),
        (np.zeros((0, 5)), "2-D"),
        (np.full((5, 5), np.nan), "non-finite"),
        (np.ones((5, 5), np.complex64), "real numbers"),
    ],
)
def test_bad_arrays_give_image_errors(array: np.ndarray, message: str) -> None:
    with pytest.raises(ImageError, match=message):
        prepare_digit(array)
