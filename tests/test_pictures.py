"""Pictures people actually make: each case drawn here, then prepared the MNIST way.

Every case starts from a clean stroke digit (``draw_digit``) and spoils it the way phones,
scanners and pens do: light ink on dark, uneven light, paper noise and dust, strokes far
thinner or thicker than MNIST's, a small digit somewhere on a large page. The prepared digit
must match the clean one's (correlation of the 28x28 results). Pictures with no digit, or
with several, must say so in one line.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from digitnet.data import prepare_digit
from digitnet.data.components import label_pieces
from digitnet.data.ink import fit_background, separate_ink
from digitnet.data.preprocess import _centre_by_mass, _scale_to_box
from digitnet.data.strokes import (
    TARGET,
    THICK,
    THIN,
    morphology,
    relative_stroke_width,
    stroke_width,
)
from digitnet.errors import ImageError

Draw = Callable[..., Any]


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """The correlation of two 28x28 digits, the best over shifts of up to one pixel (centring
    by mass rounds to whole pixels, and a pixel's shift is no difference to a reader)."""
    shifted = (np.roll(b, (dr, dc), axis=(0, 1)) for dr in (-1, 0, 1) for dc in (-1, 0, 1))
    return max(float(np.corrcoef(a.ravel(), s.ravel())[0, 1]) for s in shifted)


def as_array(image: Any) -> np.ndarray:
    return np.asarray(image, np.float64) / 255  # (h, w) in [0, 1]


def to_picture(values: np.ndarray) -> Any:
    return Image.fromarray(np.clip(np.round(values * 255), 0, 255).astype(np.uint8))


def lighting(height: int, width: int, darkest: float) -> np.ndarray:
    """(height, width): full light in the top left corner, ``darkest`` in the bottom right,
    and a vignette: how a phone lights a page."""
    rows, cols = np.mgrid[0:height, 0:width]
    gradient = (rows / height + cols / width) / 2  # 0 .. 1
    vignette = ((rows / height - 0.5) ** 2 + (cols / width - 0.5) ** 2) / 0.5
    return np.asarray(1 - (1 - darkest) * (0.75 * gradient + 0.25 * vignette))


@pytest.mark.parametrize("digit", [0, 2, 4, 7, 8])
def test_light_ink_on_dark_paper_is_found_without_being_told(draw: Draw, digit: int) -> None:
    clean = prepare_digit(draw(digit, left=150))
    chalk = prepare_digit(draw(digit, left=150, ink=230, paper=40))  # chalk on a blackboard
    assert clean.was_inverted and not chalk.was_inverted
    assert correlation(chalk.centred, clean.centred) > 0.99


@pytest.mark.parametrize("digit", [1, 3, 5, 6, 9])
def test_uneven_light_is_taken_away(draw: Draw, digit: int) -> None:
    clean = prepare_digit(draw(digit, left=200)).centred
    page = as_array(draw(digit, left=200, ink=40, paper=235)) * lighting(400, 600, 0.35)
    prepared = prepare_digit(to_picture(page))
    assert prepared.was_inverted
    assert correlation(prepared.centred, clean) > 0.95
    # The paper is 0 everywhere, even in the dark corner, where it is darker than the ink
    # near the light one: no single threshold could separate them.
    assert page[-5:, -5:].mean() < page[40:60, 200:230].max() + 0.5
    paper = prepared.inverted[-60:, -60:]
    assert paper.max() < 0.05


def test_the_background_fit_is_the_lighting_itself() -> None:
    light = 0.9 * lighting(300, 400, 0.4)  # blank paper under uneven light
    fitted = fit_background(light, dark_ink=True)
    assert np.abs(fitted - light).max() < 0.03


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_paper_noise_and_dust_are_thresholded_away(draw: Draw, seed: int) -> None:
    rng = np.random.default_rng(seed)
    clean = prepare_digit(draw(3 + seed, left=180)).centred
    page = as_array(draw(3 + seed, left=180, ink=50, paper=220))
    page = page + rng.normal(0, 0.06, page.shape)  # grainy paper, a noisy sensor
    for _ in range(30):  # dust: specks as dark as the ink, anywhere
        y, x = rng.integers(0, 396), rng.integers(0, 596)
        page[y:y + 3, x:x + 3] = 50 / 255
    prepared = prepare_digit(to_picture(page))
    assert correlation(prepared.centred, clean) > 0.9
    assert max(prepared.cropped.shape) < 340  # the box holds the digit, not the specks


def marker(digit: int, stroke: int, height: int = 260) -> Any:
    """A digit drawn with a round pen ``stroke`` pixels wide (a disk stamped along every
    stroke: clean edges at any width), dark on light, 600x400."""
    from PIL import ImageDraw

    from conftest import STROKES

    image = Image.new("L", (600, 400), 255)
    pen = ImageDraw.Draw(image)
    r = stroke / 2
    for line in STROKES[digit]:
        points = np.array([(150 + x * height, 70 + y * height) for x, y in line])
        for a, b in itertools.pairwise(points):
            for t in np.linspace(0, 1, max(2, int(np.hypot(*(b - a))))):
                x, y = a + t * (b - a)
                pen.ellipse((x - r, y - r, x + r, y + r), fill=0)
    return image


@pytest.mark.parametrize(("stroke", "thinner"), [(2, True), (4, True), (100, False),
                                                 (110, False)])
def test_strokes_far_from_mnist_are_brought_to_its_width(stroke: int, thinner: bool) -> None:
    normal = prepare_digit(marker(2, 34)).centred
    prepared = prepare_digit(marker(2, stroke))
    assert (prepared.stroke_width < THIN) if thinner else (prepared.stroke_width > THICK)
    assert THIN <= relative_stroke_width(prepared.centred > 0.5) <= THICK
    assert correlation(prepared.centred, normal) > 0.8


def test_strokes_within_mnist_widths_are_left_alone(draw: Draw) -> None:
    prepared = prepare_digit(draw(6, left=150, height=300, stroke=40))
    assert THIN <= prepared.stroke_width <= THICK
    assert np.isin(prepared.scaled, [0.0, 1.0]).mean() < 0.95  # kept its grey edges


@pytest.mark.parametrize(("left", "top"), [(40, 60), (2800, 1850), (1500, 30)])
def test_a_small_digit_anywhere_on_a_large_page(draw: Draw, left: int, top: int) -> None:
    rng = np.random.default_rng(left)
    clean = prepare_digit(draw(7, left=100, height=300, stroke=36)).centred
    page = as_array(draw(7, canvas=(3000, 2000), left=left, top=top, height=110, stroke=12,
                         ink=30, paper=225))
    page = page * lighting(2000, 3000, 0.7) + rng.normal(0, 0.03, page.shape)
    for _ in range(40):
        y, x = rng.integers(0, 1990), rng.integers(0, 2990)
        page[y:y + 4, x:x + 4] = 0.1
    prepared = prepare_digit(to_picture(page))
    assert correlation(prepared.centred, clean) > 0.85
    height, width = prepared.cropped.shape
    assert 30 < height < 50 and width < 35  # 110 px of 2000, at the working size of 1024


@pytest.mark.parametrize("noise", [0.0, 0.03, 0.08])
def test_paper_with_no_digit_says_so(noise: float) -> None:
    rng = np.random.default_rng(1)
    paper = 0.85 * lighting(500, 700, 0.5) + rng.normal(0, noise, (500, 700))
    with pytest.raises(ImageError, match=r"^no digit found: the image is empty$"):
        prepare_digit(to_picture(paper))


def test_paper_with_only_dust_has_no_digit() -> None:
    paper = np.full((400, 600), 0.9)
    for y, x in ((50, 80), (300, 500), (200, 40), (120, 410)):
        paper[y:y + 2, x:x + 2] = 0.1
    with pytest.raises(ImageError, match="no digit found"):
        prepare_digit(to_picture(paper))


@pytest.mark.parametrize(("first", "second"), [(1, 7), (4, 2), (0, 0), (3, 8)])
def test_several_digits_side_by_side_are_refused(draw: Draw, first: int, second: int) -> None:
    page = np.minimum(as_array(draw(first, canvas=(700, 400), left=60, height=260)),
                      as_array(draw(second, canvas=(700, 400), left=400, height=260)))
    with pytest.raises(ImageError, match=r"^several digits found \(2 marks of similar size\)"):
        prepare_digit(to_picture(page))


def test_a_digit_with_a_smudge_beside_it_is_one_digit(draw: Draw) -> None:
    clean = prepare_digit(draw(9, left=100)).centred
    page = as_array(draw(9, left=100))
    page[300:330, 450:470] = 0  # a blot of ink, far smaller than the digit
    prepared = prepare_digit(to_picture(page))
    assert correlation(prepared.centred, clean) > 0.99


def test_a_digit_in_pieces_is_one_digit(draw: Draw) -> None:
    whole = draw(5, left=100, height=300, stroke=30)
    broken = as_array(whole)
    broken[100:112, 100:150] = 1.0  # a gap in the stroke joining the bar of the 5 to its bowl
    prepared = prepare_digit(to_picture(broken))
    assert correlation(prepared.centred, prepare_digit(whole).centred) > 0.9


def _pieces_by_search(mask: np.ndarray) -> int:
    """The number of 8-connected pieces, found by a plain depth-first search."""
    seen = np.zeros_like(mask)
    count = 0
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        count += 1
        stack = [start]
        seen[start] = True
        while stack:
            r, c = stack.pop()
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    y, x = r + dr, c + dc
                    if 0 <= y < mask.shape[0] and 0 <= x < mask.shape[1] and mask[y, x] \
                            and not seen[y, x]:
                        seen[y, x] = True
                        stack.append((y, x))
    return count


@pytest.mark.parametrize("density", [0.05, 0.3, 0.45, 0.6])
def test_pieces_are_the_connected_components(density: float) -> None:
    """Pixels touching by a side or a corner are one piece (8-connectivity, as a pen draws)."""
    rng = np.random.default_rng(int(density * 100))
    mask = rng.random((40, 50)) < density
    labels = label_pieces(mask)
    assert labels.max() == _pieces_by_search(mask)
    assert ((labels > 0) == mask).all()
    for label in range(1, int(labels.max()) + 1):  # each piece is one piece
        assert _pieces_by_search(labels == label) == 1


@pytest.mark.mnist
def test_mnist_stroke_widths_are_the_targets(mnist_dir: Path) -> None:
    """TARGET, THIN and THICK are the median, 1% and 99% of MNIST's test digits."""
    from digitnet.data import load_dataset

    images = load_dataset("mnist", data_dir=mnist_dir, download=False).x_test  # (10000, 784)
    widths = [relative_stroke_width(image.reshape(28, 28) > 0.5) for image in images]
    low, median, high = np.percentile(widths, [1, 50, 99])
    assert median == pytest.approx(TARGET, abs=0.003)
    assert low == pytest.approx(THIN, abs=0.004) and high == pytest.approx(THICK, abs=0.006)


@pytest.mark.parametrize("width", [3, 6, 12, 20])
def test_stroke_width_of_rings_of_known_width(width: int) -> None:
    rows, cols = np.mgrid[0:200, 0:200]
    radius = np.hypot(rows - 100, cols - 100)
    ring = (radius >= 70) & (radius < 70 + width)  # a stroke in every direction
    assert stroke_width(ring) == pytest.approx(width, rel=0.12)


def test_morphology_moves_each_side_of_a_stroke_by_the_radius() -> None:
    band = np.zeros((60, 60), bool)
    band[25:35, 5:55] = True  # 10 thick
    assert morphology(band, 3, thicken=True)[:, 30].sum() == 16
    assert morphology(band, 3, thicken=False)[:, 30].sum() == 4


@pytest.fixture
def draw(digit_drawer: Draw) -> Draw:
    return digit_drawer


def test_a_large_palette_picture_with_a_transparent_colour(draw: Draw) -> None:
    """A palette picture larger than the working size is turned into colour and opacity before
    it is shrunk: a box filter keeps its strokes, one pixel wide (a palette can only be shrunk
    by picking pixels, which loses most of them), and its transparent colour becomes paper
    (here it is the ink's own black, so that as plain grey the picture would be all black)."""
    clean = prepare_digit(draw(4, left=100, height=300, stroke=36)).centred
    page = draw(4, canvas=(4000, 2600), left=1400, top=500, height=1600, stroke=1, ink=1,
                paper=0, mode="P")
    page.putpalette([0, 0, 0, 0, 0, 0])  # colour 0 (the paper) and 1 (the ink): both black
    page.info["transparency"] = 0
    prepared = prepare_digit(page)
    assert correlation(prepared.centred, clean) > 0.8


def test_the_box_keeps_the_aspect_and_brings_faint_ink_to_full_strength() -> None:
    diagonal = np.eye(200, dtype=np.float32)  # one pixel wide: a tenth of that once shrunk 10x
    scaled = _scale_to_box(diagonal)
    assert scaled.shape == (20, 20)
    assert scaled.max() == pytest.approx(1.0)  # the darkest pixel is full ink, as in MNIST
    assert scaled.min() >= 0.0
    assert _scale_to_box(np.ones((200, 1), np.float32)).shape == (20, 1)  # a "1" stays 1 wide
    assert _scale_to_box(np.ones((1, 200), np.float32)).shape == (1, 20)  # and a "-" 1 high


@pytest.mark.parametrize(("corner", "expected"), [((19, 19), (19, 19)), ((0, 0), (8, 8)),
                                                  ((0, 19), (8, 19))])
def test_centring_by_mass_keeps_the_whole_box_in_the_field(corner: tuple[int, int],
                                                           expected: tuple[int, int]) -> None:
    """All the mass in a corner of a 20x20 box would put the box's centre of mass at (14, 14)
    only by pushing the box out of the 28x28 field: it stops at the field's edge instead."""
    box = np.zeros((20, 20), np.float32)
    box[corner] = 1.0
    field = _centre_by_mass(box)
    assert field.shape == (28, 28)
    assert np.argwhere(field).tolist() == [list(expected)]


def quadratic_light(height: int, width: int) -> np.ndarray:
    """(height, width): light that is a full quadratic surface, every one of its six terms
    present (the cross term u v too), u across and v down, each from -1 to 1."""
    v, u = np.mgrid[-1:1:height * 1j, -1:1:width * 1j]
    return np.asarray(0.7 + 0.08 * u - 0.06 * v - 0.05 * u * u + 0.07 * u * v - 0.04 * v * v)


@pytest.mark.parametrize("size", [(300, 480), (480, 300)])
def test_the_background_fit_finds_every_term_of_the_light(size: tuple[int, int]) -> None:
    light = quadratic_light(*size)
    fitted = fit_background(light, dark_ink=True)
    assert fitted.shape == size
    assert np.abs(fitted - light).max() < 0.02  # fitted on 48-cell averages: close, not exact


def test_the_background_fit_looks_past_the_ink(draw: Draw) -> None:
    """Under a digit the paper is fitted from the paper around it: the trimmed least squares
    leaves the ink's cells out, so the surface does not sag towards the strokes."""
    light = quadratic_light(400, 600)
    strokes = as_array(draw(3, canvas=(600, 400), left=200, top=50, height=300, stroke=30))
    page = light * (0.15 + 0.85 * strokes)  # dark ink (15% of the light) on lit paper
    fitted = fit_background(page, dark_ink=True)
    assert np.abs(fitted - light).max() < 0.02  # under the strokes as well as around them


def test_ink_is_measured_against_the_light_that_falls_on_it(draw: Draw) -> None:
    """Under light that fades from full to a third across the page, the strokes in the dim
    half are as much ink as those in the bright half: the ink is 1 - x / b, the share of the
    light b that the ink x takes away, not the difference b - x, which the dim light shrinks."""
    strokes = as_array(draw(0, canvas=(600, 400), left=150, top=50, height=300, stroke=30))
    light = np.linspace(1.0, 1 / 3, 600)[None, :] * np.ones((400, 1))  # bright left, dim right
    ink, dark_on_light = separate_ink(light * (0.2 + 0.8 * strokes))
    assert dark_on_light
    core = strokes < 0.01  # the middle of the strokes, away from their anti-aliased edges
    bright, dim = core & (np.arange(600) < 300)[None, :], core & (np.arange(600) >= 300)[None, :]
    assert bright.sum() > 500 and dim.sum() > 500
    assert np.median(ink[dim]) > 0.9 * np.median(ink[bright])
