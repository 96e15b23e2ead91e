"""Finding the one digit on a page, rule by rule: boxes, which pieces are one mark, specks,
the digit and its rivals (``digitnet.data.components``), each at the edge of its rule."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.data.components import (
    JOIN_GAP,
    MIN_PIXELS,
    SIMILAR_HEIGHT,
    SIMILAR_INK,
    SPECK,
    Box,
    _together,
    find_digit,
    label_pieces,
    marks,
)
from digitnet.errors import ImageError


def test_a_box_counts_both_of_its_edges() -> None:
    box = Box(top=2, left=3, bottom=5, right=9)
    assert (box.height, box.width) == (4, 7)
    assert Box(4, 4, 4, 4).height == Box(4, 4, 4, 4).width == 1  # a single pixel
    assert box.union(Box(0, 6, 3, 12)) == Box(0, 3, 5, 12)


@pytest.mark.parametrize(("b", "together"), [
    (Box(20, 4, 29, 15), True),  # 6 columns shared, more than half of the narrower (10)
    (Box(20, 5, 29, 16), True),  # 5: exactly half
    (Box(20, 6, 29, 17), False),  # 4: less, and 10 rows apart
])
def test_pieces_one_above_the_other_are_one_mark_from_half_the_narrower_width(
        b: Box, together: bool) -> None:
    a = Box(0, 0, 9, 9)  # 10 x 10; b is 10 x 12
    assert _together(a, b) is together
    assert _together(b, a) is together


@pytest.mark.parametrize(("b", "together"), [
    (Box(0, 25, 49, 44), True),  # 6 columns apart (25 - 19): JOIN_GAP of the 50 rows
    (Box(0, 26, 49, 45), False),  # 7 apart
    (Box(55, 12, 104, 31), True),  # 8 columns shared (less than half of 20), 6 rows apart
    (Box(56, 12, 105, 31), False),  # 7 rows apart
])
def test_pieces_close_to_each_other_are_one_mark(b: Box, together: bool) -> None:
    a = Box(0, 0, 49, 19)  # 50 tall, 20 wide: a gap of 0.12 * 50 = 6 pixels joins
    assert pytest.approx(6) == JOIN_GAP * 50
    assert _together(a, b) is together
    assert _together(b, a) is together


def test_marks_join_pieces_through_their_neighbours_and_leave_specks_out() -> None:
    """Three upright bars 50 pixels tall, each 6 columns from the next (JOIN_GAP of 50): the
    first and the last are 16 apart, yet all three are one mark, joined through the middle one.
    Far away, a small square is a mark of its own; of two specks, the one with at least
    ``SPECK`` of the largest piece's ink is kept."""
    ink = np.zeros((60, 100), np.float32)
    for left in (0, 10, 20):
        ink[0:50, left:left + 5] = 1.0  # 250 of ink each
    ink[0:8, 60:68] = 0.5  # 32
    speck = SPECK * 250 / 4  # a 2 x 2 speck of SPECK of the largest piece's ink
    ink[52:54, 90:92] = 1.05 * speck
    ink[57:59, 95:97] = 0.95 * speck
    labels = label_pieces(ink > 0)
    found = marks(ink, labels)
    assert [m.ink for m in found] == pytest.approx([750.0, 32.0, 4.2 * speck], rel=1e-5)
    assert found[0].box == Box(0, 0, 49, 24)
    assert sorted(found[0].labels) == sorted(int(labels[0, left]) for left in (0, 10, 20))
    assert found[1].box == Box(0, 60, 7, 67)
    assert found[2].box == Box(52, 90, 53, 91)
    assert marks(np.zeros((5, 5)), np.zeros((5, 5), np.int64)) == []


def test_the_digit_needs_twelve_pixels_of_ink_above_the_threshold() -> None:
    ink = np.zeros((30, 30), np.float32)
    ink[5:5 + MIN_PIXELS, 10] = 0.8  # a thin upright stroke of exactly 12 pixels
    box, cleaned = find_digit(ink, threshold=0.5)
    assert box == Box(5, 10, 16, 10)
    np.testing.assert_array_equal(cleaned, ink)
    ink[5, 10] = 0.5  # at the threshold is not above it: 11 pixels
    with pytest.raises(ImageError, match="no digit found"):
        find_digit(ink, threshold=0.5)


def two_marks(rival_height: int, rival_ink: float) -> np.ndarray:
    """A digit of 20 x 10 pixels (200 of ink) and, far from it, a rival ``rival_height`` tall
    and 2 wide holding ``rival_ink`` of the digit's ink."""
    ink = np.zeros((40, 80), np.float32)
    ink[10:30, 5:15] = 1.0
    ink[2:2 + rival_height, 60:62] = rival_ink * 200 / (2 * rival_height)  # its piece is no. 1
    return ink


def test_a_second_mark_half_as_tall_with_a_fifth_of_the_ink_is_a_second_digit() -> None:
    height = round(SIMILAR_HEIGHT * 20)
    with pytest.raises(ImageError, match=r"several digits found \(2 marks"):
        find_digit(two_marks(height, SIMILAR_INK), threshold=0.01)
    for rival in (two_marks(height - 1, SIMILAR_INK), two_marks(height, SIMILAR_INK * 0.9)):
        box, cleaned = find_digit(rival, threshold=0.01)  # the smaller mark is left out ...
        assert box == Box(10, 5, 29, 14)
        assert cleaned[:, 60:62].max() == 0.0  # ... and erased
        np.testing.assert_array_equal(cleaned[:, :40], rival[:, :40])


def test_pieces_are_joined_even_when_the_largest_mark_stands_alone() -> None:
    """The joining goes on past a mark that has no partner: here the largest piece stands
    alone, and the two bars after it must still become one mark."""
    ink = np.zeros((60, 100), np.float32)
    ink[0:20, 0:20] = 1.0  # 400 of ink, far from the bars
    ink[0:50, 60:65] = 0.5  # two bars 50 tall, 6 columns apart: one mark of 250
    ink[0:50, 70:75] = 0.5
    found = marks(ink, label_pieces(ink > 0))
    assert [(m.box, m.ink) for m in found] == [(Box(0, 0, 19, 19), 400.0),
                                              (Box(0, 60, 49, 74), 250.0)]
