"""``digitnet plot MODEL --what WHAT --out FILE``: one figure of a model, as PNG or SVG.

The numbers come from the core (the model card's history, :mod:`digitnet.metrics`); drawing
them is :mod:`digitnet.plots`' job.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .errors import CommandError, ExitCode
from .evaluate import check_fits, test_set_for
from .options import add_data_options, add_model_argument, data_folder

if TYPE_CHECKING:
    from ..model_io import Model

NOISE_IMAGES = 2_000
# What each figure shows, as ``digitnet plot --help`` lists it.
FIGURES = {
    "curves": "the learning curves: cost and accuracy per epoch, from the model file",
    "weights": "the first layer's weights, one 28x28 picture per hidden neuron",
    "confusion": "the confusion matrix on the test set: which digit is taken for which",
    "mistakes": "a grid of misclassified test digits: true -> answer (confidence)",
    "noise": f"how sure it is of {NOISE_IMAGES:,} random-noise images, next to the test digits",
    "calibration": "a reliability diagram: how often it is right when it is so sure, "
                   "before and after calibration",
}
DATA_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST",
              "mnist-sample": "the MNIST sample"}

SUMMARY = "draw a figure of a model (learning curves, weights, mistakes, ...)"
DESCRIPTION = """Draw one figure of a model and write it to a PNG or SVG file (by the file's
suffix). Needs matplotlib: pip install 'digitnet[plots]'.

""" + "\n".join(f"  {name:<10} {text}" for name, text in FIGURES.items()) + """

confusion, mistakes, noise and calibration use the test set of the dataset the model was trained on
(recorded in the model file) unless --dataset/--data-dir say otherwise."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--what", required=True, metavar="|".join(FIGURES),
                        help="which figure to draw (see above)")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE",
                        help="where to write the figure: a .png or .svg file")
    add_data_options(parser, "the one the model was trained on")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="the seed of the random-noise images (--what noise; default: 0)")


def run(args: argparse.Namespace) -> ExitCode:
    from ..model_io import load_model
    from ..plots import figure_format

    if args.what not in FIGURES:
        raise ConfigError(f"--what {args.what}: unknown figure; choose one of "
                          f"{', '.join(FIGURES)}")
    try:
        figure_format(args.out)
    except ConfigError as error:
        raise ConfigError(f"--out {error}") from None
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        raise CommandError("digitnet plot needs matplotlib, which is not installed: "
                           "pip install 'digitnet[plots]'") from None
    model = load_model(args.model)
    path = DRAW[args.what](model, args)
    print(f"Saved the {args.what} figure of {args.model} to {path}")
    return ExitCode.OK


def draw_curves(model: Model, args: argparse.Namespace) -> Path:
    from ..plots import plot_history

    if not model.card.epochs:
        raise CommandError(f"{args.model}: the model file has no training history (it was "
                           "not saved by 'digitnet train'), so there are no learning curves "
                           "to draw; --what weights, confusion, mistakes and noise still work")
    epochs = [dataclasses.asdict(record) for record in model.card.epochs]
    card = model.card
    made = f", the {card.preset} preset" if card.preset else ""
    title = f"How {args.model.name} learned ({'-'.join(map(str, card.architecture.layers))}{made})"
    return plot_history(epochs, args.out, title=title)


def draw_weights(model: Model, args: argparse.Namespace) -> Path:
    from ..plots import plot_hidden_neurons

    try:
        return plot_hidden_neurons(model.network, args.out)
    except ConfigError as error:  # a network that does not take square images
        raise CommandError(f"{args.model}: {error}") from None


def draw_confusion(model: Model, args: argparse.Namespace) -> Path:
    from ..metrics import evaluate
    from ..plots import plot_confusion

    data = test_data(model, args)
    result = evaluate(model.network, data.x_test, data.y_test)
    title = (f"{result.accuracy:.2%} of {result.count:,} test images of {data_name(data)} "
             "right\nrow = the true digit, column = the network's answer")
    return plot_confusion(result.confusion, args.out, title=title)


def draw_mistakes(model: Model, args: argparse.Namespace) -> Path:
    from ..metrics import mistakes
    from ..plots import plot_mistakes

    data = test_data(model, args)
    found = mistakes(model.network, data.x_test, data.y_test)
    return plot_mistakes(data.x_test, found, args.out,
                         what=f"test images of {data_name(data)}")


def draw_noise(model: Model, args: argparse.Namespace) -> Path:
    import numpy as np

    from ..metrics import answers, uniform_noise
    from ..plots import plot_confidence

    data = test_data(model, args)
    network = model.network
    noise = uniform_noise(NOISE_IMAGES, network.sizes[0], np.random.default_rng(args.seed),
                          network.dtype)  # (2000, 784)
    return plot_confidence(answers(network, noise), answers(network, data.x_test), args.out,
                           example=noise[0], what=f"test images of {data_name(data)}")


def draw_calibration(model: Model, args: argparse.Namespace) -> Path:
    from ..calibration import calibrated_probabilities, reliability
    from ..plots import plot_reliability

    data = test_data(model, args)
    network, temperature = model.network, model.card.temperature
    curves = {"its own probabilities": reliability(
        calibrated_probabilities(network, data.x_test, None), data.y_test)}
    if temperature is not None:
        curves[f"calibrated, T = {temperature:.2f}"] = reliability(
            calibrated_probabilities(network, data.x_test, temperature), data.y_test)
    title = (f"{data.y_test.size:,} test images of {data_name(data)}"
             + ("" if temperature is not None else
                "\n(no temperature in the model file: digitnet calibrate fits one)"))
    return plot_reliability(curves, args.out, title=title)


def test_data(model: Model, args: argparse.Namespace) -> Any:
    """The test set to draw from, checked to fit the network; says which one it is."""
    data = test_set_for(model, args.dataset, data_folder(args))
    check_fits(model.network, data, args.model)
    print(f"Test set: {data.description}")
    return data


def data_name(data: Any) -> str:
    return DATA_NAMES.get(data.name, str(data.name))


DRAW: dict[str, Callable[[Model, argparse.Namespace], Path]] = {
    "curves": draw_curves, "weights": draw_weights, "confusion": draw_confusion,
    "mistakes": draw_mistakes, "noise": draw_noise, "calibration": draw_calibration,
}
