"""``digitnet predict MODEL IMAGE...``: read the digit in each picture."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..calibration import DEFAULT_MIN_CONFIDENCE, Verdict
from ..errors import ConfigError, ImageError
from .errors import CommandError, ExitCode, fail
from .options import add_json_option, add_model_argument
from .output import print_json

IMAGE_PIXELS = 28 * 28


SUMMARY = "read the digit in your own pictures"
DESCRIPTION = """Read the digit in each picture: the picture is prepared the way MNIST
images were made (grayscale, white on black, cropped, scaled to 20x20,
centred by mass in 28x28), then the network gives its 10 probabilities
(calibrated, when the model file holds a temperature: digitnet calibrate).
An answer less sure than --min-confidence says "not sure" and names the
two most likely digits."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("images", metavar="IMAGE", nargs="+", type=Path,
                        help="picture files (PNG, JPEG, ...) of one digit each")
    parser.add_argument("--min-confidence", type=float, default=None, metavar="P",
                        help="answers whose largest probability is below P (0..1) are "
                             "'not sure' (default: "
                             f"{DEFAULT_MIN_CONFIDENCE:g}; 0 always answers)")
    add_json_option(parser)


def answer_line(path: Path, verdict: Verdict, probabilities: Any, threshold: float) -> str:
    """``seven.png: 7  (99.9% sure)   0:0.000 ...`` or ``x.png: not sure (maybe 4 or 9) ...``."""
    shown = "  ".join(f"{d}:{p:.3f}" for d, p in enumerate(probabilities))
    if verdict.sure:
        return f"{path}: {verdict.digit}  ({verdict.confidence:.1%} sure)   {shown}"
    first, second = verdict.maybe
    return (f"{path}: not sure (maybe {first} or {second})  ({first}: {verdict.confidence:.1%}, "
            f"below {threshold:.0%})   {shown}")


def run(args: argparse.Namespace) -> ExitCode:
    from ..calibration import calibrated_probabilities, check_min_confidence, judge
    from ..data import load_image, prepare_digit
    from ..model_io import load_model

    threshold = DEFAULT_MIN_CONFIDENCE if args.min_confidence is None else args.min_confidence
    try:
        check_min_confidence(threshold)
    except ConfigError as error:
        raise ConfigError(f"--min-confidence {threshold:g}: {error}") from None
    model = load_model(args.model)
    network = model.network
    if network.sizes[0] != IMAGE_PIXELS:
        raise CommandError(f"{args.model}: the network takes {network.sizes[0]} inputs, not "
                           f"the {IMAGE_PIXELS} pixels of a 28x28 digit")
    code = ExitCode.OK
    predictions = []
    for path in args.images:
        try:
            vector = prepare_digit(load_image(path)).vector  # (784,)
        except ImageError as error:
            message = str(error)
            fail(message if str(path) in message else f"{path}: {message}")
            code = ExitCode.ERROR
            continue
        probabilities = calibrated_probabilities(
            network, vector.astype(network.dtype), model.card.temperature)  # (10,)
        verdict = judge(probabilities, threshold)
        predictions.append({"image": str(path), "digit": verdict.digit, "sure": verdict.sure,
                            "maybe": list(verdict.maybe),
                            "probabilities": [round(float(p), 6) for p in probabilities]})
        if not args.json:
            print(answer_line(path, verdict, probabilities, threshold), flush=True)
    if args.json:
        print_json({"model": str(args.model), "min_confidence": threshold,
                    "temperature": model.card.temperature, "predictions": predictions})
    return code
