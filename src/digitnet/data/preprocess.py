"""Turning a user's picture of a digit into what MNIST images are.

The MNIST recipe, one stage at a time (each kept in :class:`PreparedDigit` so a page can show it):

1. ``grayscale``: luminance in [0, 1]; transparent pixels composited onto a background that
   contrasts with the ink.
2. ``inverted``: white digit on black. If the background (the median of the border pixels) is
   light, ``x -> 1 - x``; then the background level is subtracted and the contrast stretched so
   the background is 0 and the darkest ink 1.
3. ``cropped``: the bounding box of the pixels above ``INK_THRESHOLD``.
4. ``scaled``: resized, anti-aliased, so that the longer side is 20 px, keeping the aspect ratio.
5. ``centred``: placed in 28x28 so that its centre of mass ``(sum_i i x_i / sum_i x_i)`` falls on
   pixel (14, 14), as measured on MNIST itself, never cutting ink off at the border.

Pillow (the ``images`` extra) is imported inside the functions, through
:func:`digitnet.extras.require`, so the rest of digitnet needs only NumPy.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from digitnet.errors import ImageError, first_line
from digitnet.extras import require

if TYPE_CHECKING:
    from PIL.Image import Image

# What Pillow's format plugins raise on damaged files (found by tests/test_fuzz_images.py: a
# DDS file with unknown pixel format flags raises NotImplementedError, for one).
DECODING_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError, TypeError,
                   NotImplementedError, struct.error, ZeroDivisionError, OverflowError,
                   MemoryError)
MAX_PIXELS = 50_000_000  # larger pictures are refused before decoding (decompression bombs)
WORKING_SIDE = 1024  # pictures are reduced to at most this side before processing
EMPTY_CONTRAST = 0.1  # ink must differ from the background by this much
INK_THRESHOLD = 0.1  # after stretching, pixels above this count as ink for the bounding box
BOX_SIDE = 20
FIELD_SIDE = 28
CENTRE = 14.0  # the mean centre of mass of MNIST digits, in pixel indices


@dataclass(frozen=True, eq=False)
class PreparedDigit:
    """The stages of preparing a digit, each a float32 array in [0, 1].

    ``grayscale`` (h, w); ``inverted`` (h, w), white on black; ``cropped`` (h', w');
    ``scaled`` (<=20, <=20) with its longer side 20; ``centred`` (28, 28); ``vector`` (784,),
    ``centred`` flattened row by row, ready for the network. ``was_inverted`` tells whether the
    picture was dark on light.
    """

    grayscale: np.ndarray
    inverted: np.ndarray
    cropped: np.ndarray
    scaled: np.ndarray
    centred: np.ndarray
    vector: np.ndarray
    was_inverted: bool


def load_image(source: str | Path | bytes) -> Image:
    """Open a picture file (or its bytes) with Pillow and decode its first frame.

    Raises:
        ImageError: the file is missing or unreadable, not a picture Pillow knows, or larger
            than ``MAX_PIXELS`` (checked from the header, before decoding).
    """
    require("PIL", "images", "reading pictures")
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    name = "the uploaded image" if isinstance(source, bytes) else str(source)
    if not isinstance(source, bytes) and not Path(source).is_file():
        raise ImageError(f"cannot read image {name}: no such file")
    stream: Any = io.BytesIO(source) if isinstance(source, bytes) else Path(source)
    with warnings.catch_warnings():
        # Pillow's own bomb check warns (or raises) past its global limit; ours is lower, and is
        # applied below without touching Pillow's globals. Its other warnings are about damaged
        # files ("Corrupt EXIF data"): such a file decodes or fails below, in one line either way.
        warnings.simplefilter("ignore")
        try:
            with PILImage.open(stream) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ImageError(f"{name}: {width}x{height} pixels is too large "
                                     f"(limit {MAX_PIXELS:,} pixels)")
                if width == 0 or height == 0:
                    raise ImageError(f"{name}: the image has no pixels")
                image.seek(0)  # the first frame of an animation
                frame = image.copy()  # decodes the pixels
        except PILImage.DecompressionBombError:
            raise ImageError(f"{name}: too large to decode (decompression bomb)") from None
        except UnidentifiedImageError:
            raise ImageError(f"cannot read image {name}: not a known image format") from None
        except DECODING_ERRORS as exc:
            raise ImageError(f"cannot read image {name}: {first_line(exc)}") from None
    return frame


def to_grayscale(image: Image) -> np.ndarray:
    """Luminance (h, w) float32 in [0, 1] of a Pillow image of any mode.

    Transparency is composited onto white when the visible ink is dark and onto black when it is
    light, so a dark digit on a transparent background stays visible. 16- and 32-bit integer
    modes are scaled by their range; float modes are clipped to [0, 1].
    """
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode in ("PA", "RGBa"):
        image = image.convert("RGBA")
    elif mode == "La":  # premultiplied alpha: Pillow converts it to LA only
        image = image.convert("LA")
    elif mode in ("CMYK", "YCbCr", "LAB"):
        image = image.convert("RGB")
    elif mode == "1":
        image = image.convert("L")
    mode = image.mode
    if mode in ("RGBA", "LA"):
        alpha = np.asarray(image.getchannel("A"), np.float32) / 255  # (h, w)
        luma = np.asarray(image.convert("RGB").convert("L"), np.float32) / 255
        return _composite(luma, alpha)
    if mode.startswith("I;16"):
        return (np.asarray(image, np.float32) / 65535).astype(np.float32)
    if mode == "I":
        values = np.asarray(image, np.float64)
        scale = 65535.0 if values.max(initial=0) > 255 else 255.0
        return np.clip(values / scale, 0, 1).astype(np.float32)
    if mode == "F":
        values = np.asarray(image)  # float32: checked before any cast (a NaN would warn)
        if not np.isfinite(values).all():
            raise ImageError("the image holds non-finite pixel values")
        values = values.astype(np.float64)
        scale = 255.0 if values.max(initial=0) > 1 else 1.0
        return np.clip(values / scale, 0, 1).astype(np.float32)
    try:
        return np.asarray(image.convert("L"), np.float32) / 255
    except (ValueError, OSError):
        raise ImageError(f"unsupported image mode {mode}") from None


def _composite(luma: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Put ``luma`` (h, w) with opacity ``alpha`` (h, w) onto a background contrasting its ink."""
    if alpha.min() >= 1:
        return luma
    weight = alpha.sum()
    ink = float((luma * alpha).sum() / weight) if weight > 0 else 0.0
    background = 1.0 if ink < 0.5 else 0.0
    composite: np.ndarray = alpha * luma + (1 - alpha) * background  # (h, w)
    return composite.astype(np.float32)


def _array_to_grayscale(array: np.ndarray) -> np.ndarray:
    """(h, w) or (h, w, channels) array -> (h, w) float32 in [0, 1]."""
    values = np.asarray(array)
    if values.dtype.kind not in "biuf":
        raise ImageError(f"expected an array of real numbers, got {values.dtype}")
    if values.ndim == 3 and values.shape[2] in (1, 3, 4):
        if values.shape[2] == 1:
            values = values[:, :, 0]
        else:
            rgb = values[:, :, :3].astype(np.float64)
            values = rgb @ np.array([0.299, 0.587, 0.114])  # (h, w) ITU-R 601 luma
            if array.dtype == np.uint8:
                values = values / 255
    if values.ndim != 2 or values.size == 0:
        raise ImageError(f"expected a 2-D grayscale array, got shape {np.shape(array)}")
    if values.dtype == np.uint8:
        return (values / np.float32(255)).astype(np.float32)
    values = values.astype(np.float64)
    if not np.isfinite(values).all():
        raise ImageError("the image holds non-finite pixel values")
    scale = 255.0 if values.max() > 1 else 1.0
    return np.clip(values / scale, 0, 1).astype(np.float32)


def prepare_digit(image: Image | np.ndarray) -> PreparedDigit:
    """Prepare a picture of one digit the way MNIST images were made (see the module doc).

    Accepts a Pillow image of any mode or an array (h, w) / (h, w, 3|4), uint8 in 0..255 or
    floats in [0, 1]. Returns every stage; ``vector`` (784,) is what the network takes.

    Raises:
        ImageError: ``"no digit found: the image is empty"`` when nothing stands out from the
            background.
    """
    if isinstance(image, np.ndarray):
        grayscale = _array_to_grayscale(image)
    else:
        grayscale = to_grayscale(_reduce(image))
    inverted, was_inverted = _white_on_black(grayscale)
    cropped = _crop_to_ink(inverted)
    scaled = _scale_to_box(cropped)
    centred = _centre_by_mass(scaled)
    return PreparedDigit(grayscale, inverted, cropped, scaled, centred,
                         centred.reshape(FIELD_SIDE * FIELD_SIDE).copy(), was_inverted)


def _reduce(image: Image) -> Image:
    """Shrink a large picture so its longer side is at most ``WORKING_SIDE`` (box filter)."""
    from PIL import Image as PILImage

    if max(image.size) <= WORKING_SIDE:
        return image
    reduced = image.copy()
    if reduced.mode in ("P", "1"):
        reduced = reduced.convert("RGBA" if "transparency" in reduced.info else "L")
    elif reduced.mode.startswith("I;16"):  # Pillow cannot always reduce these (fuzzing found a
        # 4x2731 PNG): as F in [0, 1], the values to_grayscale gives 16-bit images anyway
        reduced = PILImage.fromarray(np.asarray(reduced, np.float32) / 65535)
    reduced.thumbnail((WORKING_SIDE, WORKING_SIDE), PILImage.Resampling.BOX)
    return reduced


def _white_on_black(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """(h, w) -> (h, w) with background 0 and the strongest ink 1; True if it was inverted."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    was_inverted = background > 0.5
    ink = 1 - gray if was_inverted else gray
    level = 1 - background if was_inverted else background
    peak = float(ink.max())
    if peak - level < EMPTY_CONTRAST:
        raise ImageError("no digit found: the image is empty")
    stretched = np.clip((ink - level) / (peak - level), 0, 1)  # background 0, ink up to 1
    return stretched.astype(np.float32), was_inverted


def _crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """(h, w) -> the smallest box holding every pixel above ``INK_THRESHOLD``."""
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    if rows.size == 0:
        raise ImageError("no digit found: the image is empty")
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _scale_to_box(cropped: np.ndarray) -> np.ndarray:
    """(h, w) -> (h', w') with max(h', w') = 20, same aspect ratio, anti-aliased (Lanczos)."""
    require("PIL", "images", "preparing pictures")
    from PIL import Image as PILImage

    h, w = cropped.shape
    factor = BOX_SIDE / max(h, w)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))  # Pillow sizes are (w, h)
    resized = PILImage.fromarray(cropped.astype(np.float32), mode="F").resize(
        size, PILImage.Resampling.LANCZOS)
    scaled = np.clip(np.asarray(resized, np.float32), 0, 1)  # Lanczos rings a little past [0, 1]
    peak = float(scaled.max())
    return (scaled / peak).astype(np.float32) if peak > 0 else scaled


def _centre_by_mass(scaled: np.ndarray) -> np.ndarray:
    """Place (h, w) <= (20, 20) in a 28x28 field with its centre of mass at (14, 14).

    The offset is the rounded difference between the centre and the digit's own centre of mass,
    clamped so that the whole box stays inside the field.
    """
    h, w = scaled.shape
    mass = float(scaled.sum())
    com_row = float(scaled.sum(axis=1) @ np.arange(h)) / mass
    com_col = float(scaled.sum(axis=0) @ np.arange(w)) / mass
    top = min(max(round(CENTRE - com_row), 0), FIELD_SIDE - h)
    left = min(max(round(CENTRE - com_col), 0), FIELD_SIDE - w)
    field = np.zeros((FIELD_SIDE, FIELD_SIDE), np.float32)  # (28, 28)
    field[top:top + h, left:left + w] = scaled
    return field
