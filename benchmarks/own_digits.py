"""Digits that are not MNIST, made to look scanned, and how well models read them.

    python benchmarks/own_digits.py make DIR [--count 1000] [--seed 0] [--plain]
    python benchmarks/own_digits.py read DIR MODEL [MODEL ...]

``make`` writes DIR/NNNN.png (or .jpg) and DIR/labels.csv (``file,label``, the layout of a
my-digits folder), deterministically for a seed on a given set of fonts. Half of the digits are
typed: rendered from the system's TrueType fonts (``fc-list``: DejaVu, Liberation, ...) in
every weight; half are handwritten: the stroke digits of ``tests/conftest.py`` with every point
jittered, drawn with a pen from a hairline to a marker. Each is then slanted, sheared and
stretched, and put on a page the way a phone or scanner sees it: anywhere on a page of 400 to
1,600 pixels, dark ink on light paper (one in ten light on dark), uneven light (a gradient and
a vignette), ink bleed (blur), paper noise, dust specks, and for half of them JPEG artefacts.
``--plain`` makes the same digits, in the same places, in black on white paper and nothing
else: what the preparation faced before pictures became hard.

``read`` prepares every picture with the ``digitnet.data.prepare_digit`` it imports (run it
with ``PYTHONPATH=OLD/src`` to measure an older version) and prints each model's accuracy; a
picture the preparation refuses counts as wrong and is counted apart.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CONFTEST = Path(__file__).resolve().parents[1] / "tests" / "conftest.py"
GLYPH = 256  # digits are drawn this tall before they are distorted and placed


def stroke_shapes() -> dict[int, list[list[tuple[float, float]]]]:
    """The stroke digits of tests/conftest.py (each a list of polylines in a 0.6 x 1 box)."""
    sys.path.insert(0, str(CONFTEST.parent))  # conftest imports its neighbours (fuzzing.py)
    spec = importlib.util.spec_from_file_location("digitnet_test_strokes", CONFTEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    strokes: dict[int, list[list[tuple[float, float]]]] = module.STROKES
    return strokes


def system_fonts() -> list[str]:
    """TrueType and OpenType font files known to fontconfig, sorted (none without fc-list)."""
    try:
        listing = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True,
                                 text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return sorted({line for line in listing.splitlines() if line.endswith((".ttf", ".otf"))})


def typed_digit(digit: int, font_path: str) -> Image.Image:
    """A digit rendered from a font: white on black, mode L, cropped to its ink."""
    font = ImageFont.truetype(font_path, GLYPH)
    canvas = Image.new("L", (2 * GLYPH, 2 * GLYPH), 0)
    ImageDraw.Draw(canvas).text((GLYPH // 2, GLYPH // 4), str(digit), fill=255, font=font)
    box = canvas.getbbox()
    return canvas.crop(box) if box else canvas


def handwritten_digit(digit: int, shapes: dict[int, Any], rng: np.random.Generator) -> Image.Image:
    """A stroke digit with every point jittered, drawn with a random pen width."""
    width = int(GLYPH * rng.uniform(0.015, 0.25))  # from a hairline to a marker
    margin = width + 8
    canvas = Image.new("L", (int(0.6 * GLYPH) + 2 * margin, GLYPH + 2 * margin), 0)
    pen = ImageDraw.Draw(canvas)
    for line in shapes[digit]:
        jitter = rng.normal(0, 0.025, (len(line), 2)).cumsum(axis=0) * 0.5  # a wobbly hand
        points = [(margin + (x + dx) * GLYPH, margin + (y + dy) * GLYPH)
                  for (x, y), (dx, dy) in zip(line, jitter, strict=True)]
        pen.line(points, fill=255, width=max(1, width), joint="curve")
        for x, y in (points[0], points[-1]):
            r = width / 2
            pen.ellipse((x - r, y - r, x + r, y + r), fill=255)
    box = canvas.getbbox()
    return canvas.crop(box) if box else canvas


def distort(glyph: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Slant (+-15 degrees), shear (+-0.25) and stretch (0.8..1.2) a white-on-black glyph."""
    angle = np.radians(rng.uniform(-15, 15))
    shear, stretch = rng.uniform(-0.25, 0.25), rng.uniform(0.8, 1.2)
    w, h = glyph.size
    side = int(2 * max(w, h))
    padded = Image.new("L", (side, side), 0)
    padded.paste(glyph, ((side - w) // 2, (side - h) // 2))
    c, s = np.cos(angle), np.sin(angle)
    forward = np.array([[c, -s], [s, c]]) @ np.array([[stretch, shear], [0, 1]])
    inverse = np.linalg.inv(forward)  # Pillow maps output pixels back to input pixels
    centre = np.array([side / 2, side / 2])
    offset = centre - inverse @ centre
    coefficients = (inverse[0, 0], inverse[0, 1], offset[0], inverse[1, 0], inverse[1, 1],
                    offset[1])
    warped = padded.transform((side, side), Image.Transform.AFFINE, coefficients,
                              Image.Resampling.BILINEAR)
    box = warped.getbbox()
    return warped.crop(box) if box else warped


def lighting(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """(height, width) factors in (0, 1]: a gradient across the page and a vignette."""
    rows, cols = np.mgrid[0:height, 0:width]
    u, v = cols / width - 0.5, rows / height - 0.5
    direction = rng.uniform(0, 2 * np.pi)
    gradient = (np.cos(direction) * u + np.sin(direction) * v + 0.71) / 1.42  # 0..1
    vignette = (u**2 + v**2) / 0.5
    light = 1 - rng.uniform(0, 0.3) * gradient - rng.uniform(0, 0.25) * vignette
    result: np.ndarray = light
    return result


def placed(glyph: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """The ink of ``glyph`` (1 where the pen was) somewhere on a page of 400..1600 pixels a
    side, 6% to 60% of its height (at least 40 pixels): (h, w) floats in [0, 1]."""
    page_w, page_h = (int(v) for v in rng.integers(400, 1601, 2))
    digit_h = max(40, int(rng.uniform(0.06, 0.6) * min(page_w, page_h)))
    scale = digit_h / glyph.size[1]
    glyph = glyph.resize((max(1, round(glyph.size[0] * scale)), digit_h),
                         Image.Resampling.LANCZOS)
    layer = Image.new("L", (page_w, page_h), 0)
    layer.paste(glyph, (int(rng.integers(0, max(1, page_w - glyph.size[0]))),
                        int(rng.integers(0, max(1, page_h - glyph.size[1])))))
    return np.asarray(layer, np.float64) / 255


def scanned(ink: np.ndarray, rng: np.random.Generator | None) -> Image.Image:
    """The page of ``ink`` (h, w) as a phone or scanner sees it: ink bleed, paper and pen of
    some shade (one page in ten light on dark), uneven light, noise and dust; black on white
    and nothing else when ``rng`` is None (``--plain``)."""
    if rng is None:
        return Image.fromarray(np.round(255 * (1 - ink)).astype(np.uint8))
    height, width = ink.shape
    bled = Image.fromarray(np.round(255 * ink).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(rng.uniform(0, 2.0)))
    ink = np.asarray(bled, np.float64) / 255
    light_on_dark = rng.random() < 0.1
    paper, pen = ((rng.uniform(0.05, 0.3), rng.uniform(0.75, 1.0)) if light_on_dark
                  else (rng.uniform(0.72, 0.97), rng.uniform(0.0, 0.35)))
    page = (paper + (pen - paper) * ink) * lighting(height, width, rng)  # (h, w)
    page += rng.normal(0, rng.uniform(0, 0.05), page.shape)  # paper grain, sensor noise
    for _ in range(int(rng.integers(0, 15))):  # dust specks
        y, x = int(rng.integers(0, height)), int(rng.integers(0, width))
        r = int(rng.integers(1, 4))
        page[max(0, y - r):y + r, max(0, x - r):x + r] = pen
    return Image.fromarray(np.clip(np.round(page * 255), 0, 255).astype(np.uint8))


def make(folder: Path, count: int, seed: int, plain: bool = False) -> None:
    """Write ``count`` pictures and labels.csv into ``folder`` (``plain``: the same digits in
    the same places, black on white, nothing else). Picture i draws from its own generators,
    seeded (seed, i, ...): the glyph and its place, then the scanning."""
    fonts, shapes = system_fonts(), stroke_shapes()
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for index in range(count):
        rng, scan = (np.random.default_rng([seed, index, part]) for part in (0, 1))
        digit = index % 10
        typed = bool(fonts) and index % 20 < 10
        glyph = (typed_digit(digit, fonts[int(rng.integers(len(fonts)))]) if typed
                 else handwritten_digit(digit, shapes, rng))
        picture = scanned(placed(distort(glyph, rng), rng), None if plain else scan)
        quality = None if plain or scan.random() < 0.5 else int(scan.integers(20, 90))
        name = f"{index:04d}.{'png' if quality is None else 'jpg'}"
        picture.save(folder / name, **({} if quality is None else {"quality": quality}))
        rows.append((name, digit))
    with (folder / "labels.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["file", "label"])
        writer.writerows(rows)
    print(f"Wrote {count} pictures and labels.csv to {folder} ({len(fonts)} fonts)")


def read(folder: Path, models: list[Path]) -> None:
    """Each model's accuracy on the pictures of ``folder``, prepared by prepare_digit."""
    import digitnet
    from digitnet.data import load_image, prepare_digit
    from digitnet.errors import ImageError
    from digitnet.model_io import load_model

    print(f"Preparing with {Path(digitnet.__file__).parent}")

    with (folder / "labels.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    vectors, labels, refused = [], [], 0
    for row in rows:
        try:
            vectors.append(prepare_digit(load_image(folder / row["file"])).vector)
            labels.append(int(row["label"]))
        except ImageError:
            refused += 1
    x, y = np.array(vectors), np.array(labels)
    print(f"{len(rows)} pictures, {refused} refused by the preparation (counted as wrong)")
    for path in models:
        network = load_model(path).network
        right = int(np.count_nonzero(network.predict(x.astype(network.dtype)) == y))
        print(f"{path}: {right / len(rows):.1%} ({right} of {len(rows)} right)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    making = commands.add_parser("make", help="write the pictures and labels.csv")
    making.add_argument("folder", type=Path)
    making.add_argument("--count", type=int, default=1000)
    making.add_argument("--seed", type=int, default=0)
    making.add_argument("--plain", action="store_true",
                        help="black ink on white paper: no light, noise, dust, bleed or JPEG")
    reading = commands.add_parser("read", help="how well models read them")
    reading.add_argument("folder", type=Path)
    reading.add_argument("models", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "make":
        make(args.folder, args.count, args.seed, args.plain)
    else:
        read(args.folder, args.models)
    return 0


if __name__ == "__main__":
    sys.exit(main())
