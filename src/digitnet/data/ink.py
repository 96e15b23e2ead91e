"""Separating ink from paper: which way round, the light, the noise, the threshold.

A photo or a scan is ink on paper under some light; MNIST is clean white ink on black. Three
things stand between them, undone here one at a time:

1. **Polarity.** The border of a picture is mostly paper, so its median is the paper's level;
   the ink is the strongest departure from it: dark ink on light paper when the darkest pixel
   lies further below it than the lightest lies above.
2. **Uneven light.** The paper's level b(u, v) changes slowly across the picture. On a coarse
   grid (box averages, at most 48 cells a side) the ink is first taken out by a closing (for
   dark ink: each cell becomes the lightest value near it, then the darkest of those, which
   erases strokes narrower than the window and keeps smooth light), then the quadratic surface
   ``b = c0 + c1 u + c2 v + c3 u^2 + c4 u v + c5 v^2`` (u, v in [-1, 1]) is fitted to it by
   trimmed least squares (a few rounds, each leaving out the cells far from the fit). The
   light falls on paper and ink alike, x = b * reflectance, so dark ink is ``r = 1 - x / b``;
   light ink (chalk, a screen, the drawing pad) is ``r = x - b``. Either way ink is now bright
   and paper 0.
3. **Paper noise.** Its spread sigma is measured on the pixels below the paper (r < 0), which
   no ink reaches: 1.4826 times their median distance to it (for Gaussian noise, sigma
   itself; below two grey levels of an 8-bit picture, 0). While sigma > 0.02 the picture is
   binned: each 2x2 block becomes its mean, which halves the noise and keeps a hairline at
   half its strength (a median filter would erase it). Everything below ``4 sigma`` is paper
   and becomes 0; the rest is stretched so that the strongest ink is 1:
   ``ink = clip((r - 4 sigma) / (peak - 4 sigma))``.

A picture is empty when its strongest ink stands less than ``max(EMPTY_CONTRAST, 6 sigma)`` above
the paper. Pillow (for the box averages) and SciPy (for the closing) are imported inside the
functions.
"""

from __future__ import annotations

import numpy as np

from digitnet.errors import ImageError
from digitnet.extras import require

EMPTY_CONTRAST = 0.1  # the strongest ink must stand this far above the paper
GRID_SIDE = 48  # the background is fitted on at most this many cells a side
FIT_ROUNDS = 5
OUTLIER_SIGMAS = 2.5  # cells this many sigmas off the fit are left out of the next round
NOISY = 0.02  # paper noise above this is averaged away first
MIN_SIDE = 64  # ... but a picture is never binned below this side
DIM = 0.05  # paper is never taken for darker than this when the light is divided out
PAPER_SIGMAS = 4.0  # ink must stand this many sigmas above the paper
EMPTY_SIGMAS = 6.0
FLAT = 2 / 255  # paper within two grey levels of an 8-bit picture is flat
MAD_TO_SIGMA = 1.4826  # sigma = 1.4826 * median |e - median e| for Gaussian noise


def _coarse_grid(image: np.ndarray) -> np.ndarray:
    """(h, w) -> (h', w') box averages with max(h', w') <= GRID_SIDE."""
    require("PIL", "images", "preparing pictures")
    from PIL import Image

    h, w = image.shape
    if max(h, w) <= GRID_SIDE:
        return image.astype(np.float64)
    factor = GRID_SIDE / max(h, w)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    small = Image.fromarray(image.astype(np.float32), mode="F").resize(size, Image.Resampling.BOX)
    return np.asarray(small, np.float64)


def _surface(coefficients: np.ndarray, h: int, w: int) -> np.ndarray:
    """b (h, w) = c0 + c1 u + c2 v + c3 u^2 + c4 u v + c5 v^2 at every pixel, u, v in [-1, 1]."""
    c = coefficients.astype(np.float32)
    v = np.linspace(-1, 1, h, dtype=np.float32)[:, None]  # (h, 1)
    u = np.linspace(-1, 1, w, dtype=np.float32)[None, :]  # (1, w)
    surface: np.ndarray = (c[0] + c[2] * v + c[5] * v * v) + (c[1] + c[4] * v) * u + c[3] * u * u
    return surface


def is_dark_on_light(gray: np.ndarray) -> bool:
    """Is the ink darker than the paper? (h, w) grayscale in [0, 1].

    The border is mostly paper, so its median is the paper's level; the ink is the picture's
    strongest departure from it, downwards for dark ink on light paper, upwards for light ink.
    """
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    paper = float(np.median(border))
    return paper - float(gray.min()) > float(gray.max()) - paper


def _envelope(grid: np.ndarray, dark_ink: bool) -> np.ndarray:
    """The paper of a coarse grid (h', w') with the ink taken out: a closing (each cell the
    largest value near it, then the smallest of those) for dark ink, an opening for light ink.
    Either keeps smooth light and erases strokes narrower than a third of the grid."""
    ndimage = require("scipy.ndimage", "images", "preparing pictures")
    size = max(3, min(grid.shape) // 3) | 1  # odd
    shut = ndimage.grey_closing if dark_ink else ndimage.grey_opening
    return np.asarray(shut(grid, size=(size, size), mode="nearest"), np.float64)


def fit_background(gray: np.ndarray, dark_ink: bool) -> np.ndarray:
    """The paper's level b (h, w) of a grayscale picture under its ink.

    The surface is fitted first to the coarse grid's envelope (:func:`_envelope`), which has no
    ink but leans towards the ink near the border; the cells that depart from that fit by more
    than half the strongest departure, and their neighbours, are ink. The surface is then
    fitted to the other cells themselves by trimmed least squares: fit, keep the cells within
    ``OUTLIER_SIGMAS`` sigma of the fit, fit again, ``FIT_ROUNDS`` times. Paper that is flat
    (within ``FLAT``) gives a constant b, exactly, so a clean picture passes through unchanged.
    """
    ndimage = require("scipy.ndimage", "images", "preparing pictures")
    grid = _coarse_grid(gray)  # (h', w')
    envelope = _envelope(grid, dark_ink)  # (h', w')
    if float(np.ptp(envelope)) <= FLAT:  # flat paper: its level exactly, no surface
        return np.full(gray.shape, float(np.median(envelope)), np.float32)
    rows, cols = np.meshgrid(np.linspace(-1, 1, grid.shape[0]),
                             np.linspace(-1, 1, grid.shape[1]), indexing="ij")
    u, v = cols.ravel(), rows.ravel()  # (cells,) each
    A = np.stack([np.ones_like(u), u, v, u * u, u * v, v * v], axis=1)  # (cells, 6)
    first = A @ np.linalg.lstsq(A, envelope.ravel(), rcond=None)[0]  # (cells,)
    values = grid.ravel()
    departure = ((first - values) if dark_ink else (values - first)).reshape(grid.shape)
    ink = departure > 0.5 * max(float(departure.max()), FLAT)
    ink = ndimage.binary_dilation(ink, structure=np.ones((3, 3), bool))  # and its neighbours
    paper = ~ink.ravel()
    coefficients = np.zeros(6)
    for _ in range(FIT_ROUNDS):
        if np.count_nonzero(paper) < 2 * A.shape[1]:
            break
        coefficients = np.linalg.lstsq(A[paper], values[paper], rcond=None)[0]
        error = values - A @ coefficients  # (cells,)
        sigma = MAD_TO_SIGMA * float(np.median(np.abs(error[paper] - np.median(error[paper]))))
        paper = paper & (np.abs(error) <= OUTLIER_SIGMAS * sigma + 1e-3)
    return _surface(coefficients, *gray.shape).astype(np.float32)


def binned(image: np.ndarray) -> np.ndarray:
    """(h, w) -> (h // 2, w // 2): the mean of each 2x2 block, which halves independent noise
    (as a camera's binning does) and keeps a stroke of one pixel at half its strength."""
    h, w = (image.shape[0] // 2) * 2, (image.shape[1] // 2) * 2
    blocks = image[:h, :w].reshape(h // 2, 2, w // 2, 2)
    result: np.ndarray = blocks.mean(axis=(1, 3), dtype=np.float32)
    return result


def paper_sigma(residual: np.ndarray) -> float:
    """The paper's noise sigma, from the pixels below it (r < 0), on at most 256^2 pixels.

    Ink is above the paper (r > 0) and noise is symmetric about it, so the pixels below the
    paper are paper alone, however much ink there is: for Gaussian noise their median
    distance to it is 0.674 sigma, so sigma = 1.4826 median(-r | r < 0).
    """
    sample = residual[:: max(1, residual.shape[0] // 256), :: max(1, residual.shape[1] // 256)]
    below = -sample[sample < 0]
    sigma = MAD_TO_SIGMA * float(np.median(below)) if below.size else 0.0
    return sigma if sigma >= FLAT else 0.0


def separate_ink(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """(h, w) grayscale in [0, 1] -> (ink (h', w') in [0, 1], True if it was dark on light).

    ``ink`` is white on black with the paper at 0 and the strongest ink at 1 (see the module
    doc). Raises ImageError ``no digit found: the image is empty`` when nothing stands out.
    """
    dark_on_light = is_dark_on_light(gray)
    background = fit_background(gray, dark_on_light)  # (h, w)
    if dark_on_light:  # the light falls on ink and paper alike: the ink is 1 - x / b
        residual = (background - gray) / np.maximum(background, DIM)  # (h, w)
    else:
        residual = gray - background  # (h, w)
    sigma = paper_sigma(residual)
    while sigma > NOISY and min(residual.shape) >= 2 * MIN_SIDE:
        residual = binned(residual)
        sigma = paper_sigma(residual)
    peak = float(residual.max())
    if peak < max(EMPTY_CONTRAST, EMPTY_SIGMAS * sigma):
        raise ImageError("no digit found: the image is empty")
    floor = PAPER_SIGMAS * sigma
    ink = np.clip((residual - floor) / (peak - floor), 0, 1)
    return ink.astype(np.float32), dark_on_light
