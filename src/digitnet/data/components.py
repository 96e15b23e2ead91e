"""Finding the one digit on a page: pieces of ink, grouped into marks, the biggest one kept.

1. **Pieces.** The ink pixels (above a threshold) that touch, side or corner (8-connectivity),
   form a piece: the connected components, labelled by ``scipy.ndimage.label``.
2. **Specks.** Pieces holding less than ``SPECK`` of the largest one's ink are dust, paper grain
   or noise, and are dropped.
3. **Marks.** A digit may be drawn in several pieces (the bar of a 5, a broken stroke), so
   pieces join one mark when their boxes overlap side by side for at least half of the narrower
   one (one above the other), or when the gap between them is at most ``JOIN_GAP`` of the
   larger one's longer side.
4. **The digit** is the mark with the most ink. Another mark at least ``SIMILAR_HEIGHT`` as tall
   with at least ``SIMILAR_INK`` of its ink is a second digit: the picture holds several, and
   says so (ImageError). Smaller marks are left out.

SciPy (the ``images`` extra) is imported inside the functions, through
:func:`digitnet.extras.require`, so the rest of digitnet needs only NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitnet.errors import ImageError
from digitnet.extras import require

SPECK = 0.03  # pieces with less than this share of the largest piece's ink are specks
MIN_PIXELS = 12  # a digit has at least this many ink pixels
JOIN_GAP = 0.12  # pieces this close (share of the larger one's longer side) are one mark
SIMILAR_HEIGHT = 0.5
SIMILAR_INK = 0.2
MAX_PIECES = 40  # the largest pieces considered for marks (the rest are specks anyway)


@dataclass(frozen=True)
class Box:
    """A bounding box: rows top..bottom and columns left..right, inclusive."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def width(self) -> int:
        return self.right - self.left + 1

    def union(self, other: Box) -> Box:
        return Box(min(self.top, other.top), min(self.left, other.left),
                   max(self.bottom, other.bottom), max(self.right, other.right))


def label_pieces(mask: np.ndarray) -> np.ndarray:
    """(h, w) bool -> (h, w) int labels: 0 for background, 1..k for the 8-connected pieces."""
    ndimage = require("scipy.ndimage", "images", "preparing pictures")
    labels, _ = ndimage.label(mask, structure=np.ones((3, 3), bool))
    return np.asarray(labels, np.int64)


@dataclass(frozen=True)
class Mark:
    """Pieces of ink that belong together: their labels, box and amount of ink."""

    labels: tuple[int, ...]
    box: Box
    ink: float


def _boxes(labels: np.ndarray, count: int) -> list[Box]:
    """The bounding box of each piece 1..count."""
    ndimage = require("scipy.ndimage", "images", "preparing pictures")
    return [Box(rows.start, cols.start, rows.stop - 1, cols.stop - 1)
            for rows, cols in ndimage.find_objects(labels, count)]


def _together(a: Box, b: Box) -> bool:
    """Are two pieces one mark? One above the other, or close (see the module doc)."""
    overlap = min(a.right, b.right) - max(a.left, b.left) + 1
    if overlap >= 0.5 * min(a.width, b.width):
        return True
    gap = max(max(a.left, b.left) - min(a.right, b.right), max(a.top, b.top)
              - min(a.bottom, b.bottom), 0)
    return gap <= JOIN_GAP * max(a.height, a.width, b.height, b.width)


def marks(ink: np.ndarray, labels: np.ndarray) -> list[Mark]:
    """The marks made of the pieces ``labels`` (h, w), weighed by ``ink`` (h, w), most ink first."""
    count = int(labels.max(initial=0))
    if count == 0:
        return []
    amounts = np.bincount(labels.ravel(), weights=ink.ravel(), minlength=count + 1)[1:]
    boxes = _boxes(labels, count)
    kept = [int(i) for i in np.argsort(-amounts)[:MAX_PIECES]
            if amounts[i] >= SPECK * amounts.max()]
    groups = [[i] for i in kept]
    merged = True
    while merged:  # join marks until no two belong together
        merged = False
        for x in range(len(groups)):
            for y in range(x + 1, len(groups)):
                if any(_together(boxes[i], boxes[j]) for i in groups[x] for j in groups[y]):
                    groups[x] += groups.pop(y)
                    merged = True
                    break
            if merged:
                break
    result = []
    for group in groups:
        box = boxes[group[0]]
        for i in group[1:]:
            box = box.union(boxes[i])
        result.append(Mark(tuple(i + 1 for i in group), box, float(amounts[group].sum())))
    return sorted(result, key=lambda mark: -mark.ink)


def find_digit(ink: np.ndarray, threshold: float) -> tuple[Box, np.ndarray]:
    """The box of the one digit in ``ink`` (h, w), and the ink with every other mark erased.

    Raises:
        ImageError: no mark of at least ``MIN_PIXELS`` pixels (``no digit found``), or several
            marks of similar size (``several digits``).
    """
    labels = label_pieces(ink > threshold)  # (h, w)
    found = marks(ink, labels)
    if not found or np.isin(labels, found[0].labels).sum() < MIN_PIXELS:
        raise ImageError("no digit found: the image is empty")
    digit = found[0]
    rivals = [m for m in found[1:] if m.box.height >= SIMILAR_HEIGHT * digit.box.height
              and m.ink >= SIMILAR_INK * digit.ink]
    if rivals:
        raise ImageError(f"several digits found ({len(rivals) + 1} marks of similar size): "
                         "give one digit per picture")
    others = (labels > 0) & ~np.isin(labels, digit.labels)
    cleaned = np.where(others, 0, ink).astype(np.float32)
    return digit.box, cleaned
