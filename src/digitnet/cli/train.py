"""``digitnet train``: a recipe plus flags, the data, training with a display, the model file.

The recipe is a preset, or with ``--like MODEL`` the configuration saved in a model file; every
flag overrides one of its fields. Ctrl-C stops after the current mini-batch and still saves:
the SIGINT handler is installed only while the loop runs and restored afterwards.
"""

from __future__ import annotations

import argparse
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import TrainingConfig
from ..errors import ConfigError
from ..history import History, StopReason
from ..network import Network
from ..presets import PRESETS
from ..registry import lookup
from ..runs import TrainedRun, save_run, train_run
from .errors import CommandError, ExitCode, fail
from .options import PRESET_HELP, add_data_options, add_training_flags, apply_flags
from .progress import Display, load_data

IMAGE_PIXELS = 28 * 28
NUM_CLASSES = 10


SUMMARY = "train a network and save it to a model file"
DESCRIPTION = """Train a network on handwritten digits and save it to a model file.

Start from a preset (a named recipe) and change any of its options with
the flags below. Ctrl-C stops after the current mini-batch and still
saves what the network has learned so far."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``digitnet train``."""
    recipe = parser.add_mutually_exclusive_group()
    recipe.add_argument("--preset", default=None, metavar="NAME", help=PRESET_HELP)
    recipe.add_argument("--like", type=Path, metavar="MODEL",
                        help="train again with the recipe saved in this model file (its "
                             "configuration, preset and dataset); flags still override")
    add_training_flags(parser)
    add_data_options(parser, "the recipe's, else 'default'")
    parser.add_argument("--out", type=Path, metavar="PATH",
                        help="where to save the model (default: models/PRESET.npz, or "
                             "NAME-again.npz beside the model of --like NAME.npz)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar and no line per epoch, only the summary")


@dataclass(frozen=True)
class Recipe:
    """What to train and where to put it, from the command line."""

    config: TrainingConfig
    preset: str | None
    dataset: str
    data_dir: Path | None
    out: Path


def recipe_from_args(args: argparse.Namespace) -> Recipe:
    """The preset, or the configuration of ``--like MODEL``, with every given flag applied."""
    if args.like is None:
        preset = args.preset or "demo"
        return Recipe(apply_flags(lookup(PRESETS, preset, "preset"), args), preset,
                      args.dataset or "default", args.data_dir,
                      args.out or Path("models") / f"{preset}.npz")
    from ..model_io import load_model

    model = load_model(args.like)
    if model.card.config is None:
        raise CommandError(f"{args.like}: the model file does not record how it was trained, "
                           "so --like cannot repeat it")
    dataset, data_dir = model.training_data(args.data_dir)
    return Recipe(apply_flags(model.card.config, args), model.card.preset,
                  args.dataset or dataset or "default", data_dir,
                  args.out or args.like.with_name(f"{args.like.stem}-again.npz"))


def run(args: argparse.Namespace) -> ExitCode:
    recipe = recipe_from_args(args)
    return train_and_save(recipe.config, recipe.preset, recipe.dataset, recipe.data_dir,
                          recipe.out, args.quiet)


def check_layers_fit(layers: tuple[int, ...], inputs: int, classes: int, data: str) -> None:
    """The first layer must take every pixel, the last give one output per class."""
    shape = ",".join(map(str, layers))
    if layers[0] != inputs:
        raise ConfigError(f"--layers {shape}: the first layer must have {inputs} neurons, one "
                          f"per pixel of the {data} images, not {layers[0]}")
    if layers[-1] != classes:
        raise ConfigError(f"--layers {shape}: the last layer must have {classes} neurons, one "
                          f"per class of the {data} images, not {layers[-1]}")


def train_and_save(config: TrainingConfig, preset: str | None, dataset_name: str,
                   data_dir: Path | None, out: Path, quiet: bool) -> ExitCode:
    """Load the data, train, save the model with its card, and say what happened."""
    check_layers_fit(config.layers, IMAGE_PIXELS, NUM_CLASSES, "digit")
    if out.is_dir():
        raise ConfigError(f"--out {out}: is a folder; give the path of a .npz file")
    data = load_data(dataset_name, data_dir, config.validation_size, quiet)
    check_layers_fit(config.layers, data.x_train.shape[1], NUM_CLASSES, data.name)
    counts = data.counts
    print(f"Data: {data.description}; training on {counts['train']:,} images"
          + (f", validating on {counts['validation']:,}" if counts["validation"] else "")
          + f", testing on {counts['test']:,}", flush=True)
    network = config.build_network()
    print(f"{network}; {config.optimizer}, eta {config.learning_rate:g} ({config.schedule}), "
          f"mini-batches of {config.mini_batch_size}, {config.epochs} epochs, seed {config.seed}",
          flush=True)
    run = train_interruptibly(network, data, config, preset, dataset_name, quiet)
    saved = save_run(run, out)
    history = run.history
    summary(history, run.test_accuracy, counts["test"], run.seconds, saved)
    last = history.epochs[-1].diagnosis if history.epochs else None
    if last and not run.failure:
        for problem in last.problems:
            print(f"warning (still, after the last epoch): {problem.sentence}", flush=True)
    if run.failure:
        fail(f"training failed: {run.failure} The network was saved to {saved} for a look; "
             f"{out} was not replaced.")
        return ExitCode.FAILED
    return ExitCode.INTERRUPTED if history.stop_reason == StopReason.INTERRUPTED else ExitCode.OK


def train_interruptibly(network: Network, data: Any, config: TrainingConfig, preset: str | None,
                        dataset_name: str, quiet: bool) -> TrainedRun:
    """Train and measure with Ctrl-C meaning "stop after this mini-batch"."""
    display = Display(config.epochs, quiet)
    previous = signal.signal(signal.SIGINT, display.request_stop)
    try:
        if not quiet:
            print("Training (Ctrl-C stops after the current mini-batch and saves)", flush=True)
        return train_run(config, data, preset, dataset_name, callback=display, network=network)
    finally:
        signal.signal(signal.SIGINT, previous)
        display.close_bar()


def summary(history: History, test_accuracy: float, test_count: int, seconds: float,
            saved: Path) -> None:
    """The closing lines on stdout: how training stopped, accuracy, time, where the model is."""
    if history.stop_reason == StopReason.INTERRUPTED:
        print(f"Interrupted: {history.message}; saved what was learned so far.", flush=True)
    elif history.stop_reason == StopReason.EARLY_STOPPING:
        print(f"Stopped early: {history.message}", flush=True)
    print(f"Test accuracy: {test_accuracy:.2%} on {test_count:,} test images", flush=True)
    print(f"Time: {seconds:.1f} s", flush=True)
    print(f"Saved the model to {saved}", flush=True)
    print(f"Look at it with: digitnet info {saved}   or try it with: digitnet serve {saved}",
          flush=True)
