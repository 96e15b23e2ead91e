"""``digitnet train``: a recipe plus flags, the data, training with a display, the model file.

The recipe is a preset, or with ``--like MODEL`` the configuration saved in a model file; every
flag overrides one of its fields. Ctrl-C stops after the current mini-batch and still saves:
the SIGINT handler is installed only while the loop runs and restored afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import TrainingConfig
from ..errors import ConfigError
from ..history import History, StopReason
from ..model_card import DatasetRecord, ModelCard, Results
from ..presets import PRESETS
from ..registry import lookup
from .calibrate import after_training
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
    recipe.add_argument("--fine-tune", type=Path, metavar="MODEL",
                        help="go on training this model on your own digits (--dataset "
                             "my-digits, --data-dir their folder) mixed with its own training "
                             "images, 5 epochs at a tenth of its learning rate; saved as "
                             "MODEL-my-digits.npz")
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
    if args.fine_tune is not None:
        from .fine_tune import run as fine_tune

        return fine_tune(args)
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
    from ..metrics import evaluate
    from ..model_io import save_model

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
    history, seconds = train_interruptibly(network, data, config, quiet)
    with quiet_numpy():
        test = evaluate(network, data.x_test, data.y_test)
        val = evaluate(network, data.x_val, data.y_val) if counts["validation"] else None
    failure = why_failed(history, test.accuracy, data.y_test)
    card = ModelCard(
        architecture=config.architecture, config=config, preset=preset,
        dataset=DatasetRecord(data.name, data.description, dataset_name, data.source, counts),
        results=results(history, test.accuracy, test.cost, val.accuracy if val else None),
        epochs=tuple(history.epochs), stop_reason=history.stop_reason, message=history.message,
        seconds=round(seconds, 3), temperature=None if failure else after_training(network, data))
    with interrupts_held_back():
        saved = save_model(failed_path(out) if failure else out, network, card)
    summary(history, test.accuracy, counts["test"], seconds, saved)
    last = history.epochs[-1].diagnosis if history.epochs else None
    if last and not failure:
        for problem in last.problems:
            print(f"warning (still, after the last epoch): {problem.sentence}", flush=True)
    if failure:
        fail(f"training failed: {failure} The network was saved to {saved} for a look; "
             f"{out} was not replaced.")
        return ExitCode.FAILED
    return ExitCode.INTERRUPTED if history.stop_reason == StopReason.INTERRUPTED else ExitCode.OK


def failed_path(out: Path) -> Path:
    """Where a failed run is saved: beside ``out``, as NAME.failed.npz."""
    return out.with_name(f"{out.stem}.failed.npz")


def why_failed(history: History, test_accuracy: float, test_labels: Any) -> str | None:
    """The explanation of a failed run (diverged, or at chance level), or None."""
    from ..diagnostics import at_chance_level, majority_share

    if history.stop_reason == StopReason.DIVERGED:
        return history.message
    if history.stop_reason == StopReason.INTERRUPTED:
        return None  # stopped by the user, perhaps before it could learn anything
    if not at_chance_level(test_accuracy, test_labels):
        return None
    last = history.epochs[-1].diagnosis if history.epochs else None
    problems = [p for p in last.problems if p.kind != "chance"] if last else []
    remedies = list(dict.fromkeys(p.remedy for p in problems if p.remedy))  # each once
    return (f"the test accuracy {test_accuracy:.2%} is no better than always answering the "
            f"most common digit ({majority_share(test_labels):.2%})"
            + "".join(f"; {p.message}" for p in problems)
            + (f". What to try: {'; '.join(remedies)}." if remedies else "."))


@contextlib.contextmanager
def interrupts_held_back() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back while a model is saved: a second Ctrl-C then interrupts just
    after the file is complete, never between creating its temporary file and cleaning up."""
    if not hasattr(signal, "pthread_sigmask"):  # not on Windows: saving is still atomic there
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def quiet_numpy() -> Any:
    """Parameters kept from just before a divergence can still be huge: measuring them may
    overflow, which the one-line divergence message has already explained."""
    import numpy as np

    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


def train_interruptibly(network: Any, data: Any, config: TrainingConfig,
                        quiet: bool) -> tuple[History, float]:
    """Run the training loop with Ctrl-C meaning "stop after this mini-batch"."""
    from ..training import train

    validation = (data.x_val, data.y_val) if len(data.y_val) else None
    display = Display(config.epochs, quiet)
    previous = signal.signal(signal.SIGINT, display.request_stop)
    started = time.perf_counter()
    try:
        if not quiet:
            print("Training (Ctrl-C stops after the current mini-batch and saves)", flush=True)
        history = train(network, data.x_train, data.y_train, config, validation=validation,
                        test=(data.x_test, data.y_test), callback=display)
    finally:
        signal.signal(signal.SIGINT, previous)
        display.close_bar()
    return history, time.perf_counter() - started


def results(history: History, test_accuracy: float, test_cost: float,
            validation_accuracy: float | None) -> Results:
    key = "validation_accuracy" if validation_accuracy is not None else "test_accuracy"
    best = history.best_epoch(key)
    return Results(
        test_accuracy=test_accuracy, test_cost=test_cost,
        validation_accuracy=validation_accuracy, best_epoch=best.epoch if best else None,
        epochs_trained=len(history.epochs),
        final_train_cost=history.epochs[-1].train_cost if history.epochs else None)


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
