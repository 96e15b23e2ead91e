"""``digitnet predict MODEL IMAGE...``: read the digit in each picture."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ImageError
from .errors import CommandError, ExitCode, fail
from .options import add_json_option, add_model_argument
from .output import print_json

IMAGE_PIXELS = 28 * 28


SUMMARY = "read the digit in your own pictures"
DESCRIPTION = """Read the digit in each picture: the picture is prepared the way MNIST
images were made (grayscale, white on black, cropped, scaled to 20x20,
centred by mass in 28x28), then the network gives its 10 probabilities."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("images", metavar="IMAGE", nargs="+", type=Path,
                        help="picture files (PNG, JPEG, ...) of one digit each")
    add_json_option(parser)


def run(args: argparse.Namespace) -> ExitCode:
    from ..data import load_image, prepare_digit
    from ..model_io import load_model

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
        probabilities = network.predict_proba(vector[None, :].astype(network.dtype))[0]  # (10,)
        digit = int(probabilities.argmax())
        predictions.append({"image": str(path), "digit": digit,
                            "probabilities": [round(float(p), 6) for p in probabilities]})
        if not args.json:
            shown = "  ".join(f"{d}:{p:.3f}" for d, p in enumerate(probabilities))
            print(f"{path}: {digit}  ({probabilities[digit]:.1%} sure)   {shown}", flush=True)
    if args.json:
        print_json({"model": str(args.model), "predictions": predictions})
    return code
