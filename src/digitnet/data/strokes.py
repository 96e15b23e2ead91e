"""Stroke width: measured, and brought to MNIST's when a picture's is far from it.

**Measuring.** A stroke of length L and width w covers A = L w pixels, and its outline crosses
E = 2 L (|cos t| + |sin t|) pixel edges when it runs at angle t; averaged over every angle that
factor is 4/pi, so ``w = 8 A / (pi E)``. Divided by the longer side of the digit's box, it is
the digit's relative stroke width, which does not depend on the picture's size.

**MNIST's.** Measured the same way on the 10,000 MNIST test digits (pixels above 1/2 in their
20x20 box): the median is ``TARGET``, and 98% of them lie between ``THIN`` and ``THICK``
(``tests/test_pictures.py`` measures them again).

**Normalising.** A digit whose strokes lie outside [THIN, THICK] (a hairline pen on a page, a
marker on a sticky note) is drawn as a mask (ink above half its peak) on a canvas whose longer
side is ``WORK_SIDE`` pixels (shrunk by taking the maximum of each block, so a hairline survives),
then thickened or thinned by a disk of radius ``r = round(|TARGET * side - w| / 2)``: dilation
(a pixel becomes ink when ink lies within r of it) or erosion (it stays ink only when every
pixel within r is ink) moves each side of a stroke by r. The mask's hard edges are smoothed
when it is scaled down to 20x20, as MNIST's were. Pillow and SciPy (for the morphology) are
imported inside the functions.
"""

from __future__ import annotations

import math

import numpy as np

from digitnet.extras import require

TARGET = 0.127  # MNIST's median relative stroke width
THIN = 0.068  # 1% of MNIST digits are thinner
THICK = 0.240  # 1% are thicker
WORK_SIDE = 64  # strokes are normalised on a canvas of this longer side


def stroke_width(mask: np.ndarray) -> float:
    """The stroke width in pixels of the ink ``mask`` (h, w) bool: 8 A / (pi E), 0 if empty."""
    framed = np.pad(mask, 1).astype(np.int8)  # (h + 2, w + 2): edges at the border count too
    edges = (np.count_nonzero(np.diff(framed, axis=0))
             + np.count_nonzero(np.diff(framed, axis=1)))
    area = int(np.count_nonzero(mask))
    return 8 * area / (math.pi * edges) if edges else 0.0


def relative_stroke_width(mask: np.ndarray) -> float:
    """The stroke width divided by the longer side of the ink's box (0 for no ink)."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return 0.0
    side = max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
    return stroke_width(mask) / float(side)


def _on_work_canvas(mask: np.ndarray) -> np.ndarray:
    """``mask`` (h, w) redrawn with its longer side about WORK_SIDE: block maxima, or nearest."""
    require("PIL", "images", "preparing pictures")
    from PIL import Image

    h, w = mask.shape
    if max(h, w) > WORK_SIDE:
        k = math.ceil(max(h, w) / WORK_SIDE)
        padded = np.pad(mask, ((0, -h % k), (0, -w % k)))
        blocks = padded.reshape(padded.shape[0] // k, k, padded.shape[1] // k, k)
        pooled = np.asarray(blocks.any(axis=(1, 3)))  # (~h/k, ~w/k): any ink in the block
        return pooled
    factor = WORK_SIDE / max(h, w)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    picture = Image.fromarray(mask.astype(np.uint8) * 255).resize(size, Image.Resampling.NEAREST)
    return np.asarray(picture) > 127


def morphology(mask: np.ndarray, radius: int, thicken: bool) -> np.ndarray:
    """Dilate (``thicken``) or erode ``mask`` (h, w) bool by a disk of ``radius`` pixels
    (outside the picture is no ink)."""
    ndimage = require("scipy.ndimage", "images", "preparing pictures")
    rows, cols = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    disk = rows * rows + cols * cols <= radius * radius  # (2r + 1, 2r + 1)
    change = ndimage.binary_dilation if thicken else ndimage.binary_erosion
    return np.asarray(change(mask, structure=disk, border_value=0), bool)


def normalise_strokes(cropped: np.ndarray) -> tuple[np.ndarray, float]:
    """(h, w) ink in [0, 1] -> (the digit with MNIST-like strokes, its relative stroke width).

    A digit whose relative stroke width lies within [THIN, THICK] comes back as it is; others
    come back as a thickened or thinned mask (float32, 0 or 1), cropped to its ink.
    """
    peak = float(cropped.max(initial=0.0))
    mask = cropped > peak / 2  # (h, w)
    relative = relative_stroke_width(mask)
    if peak == 0 or THIN <= relative <= THICK:
        return cropped, relative
    canvas = _on_work_canvas(mask)  # (h', w'), longer side about WORK_SIDE
    side = max(canvas.shape)
    radius = round(abs(TARGET * side - stroke_width(canvas)) / 2)
    changed = morphology(canvas, radius, thicken=relative < THIN) if radius else canvas
    if not changed.any():  # eroded away: keep the strokes as they were
        changed = canvas
    rows = np.flatnonzero(changed.any(axis=1))
    cols = np.flatnonzero(changed.any(axis=0))
    result = changed[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float32)
    return result, relative
