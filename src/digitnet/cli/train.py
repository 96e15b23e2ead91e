"""``digitnet train``: a recipe plus flags, the data, training with a display, the model file.

The recipe is a preset, or with ``--like MODEL`` the configuration saved in a model file; every
flag overrides one of its fields; or with ``--resume DIR`` the run saved in a checkpoint (see
:mod:`.checkpointing`); or with ``--fine-tune MODEL`` a model goes on learning from your own
digits (see :mod:`.fine_tune`). A run with validation images fits the model's temperature on
them and says so (see :mod:`.calibrate`). Ctrl-C or SIGTERM stops after the current mini-batch
and still saves (see :mod:`.signals`).
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checkpoints import Checkpoint
from ..config import TrainingConfig
from ..errors import ConfigError
from ..history import History, StopReason
from ..network import Network
from ..presets import PRESETS
from ..registry import lookup
from ..run_checks import check_layers_fit
from ..runs import TrainedRun, failed_path, save_run, train_run
from ..training_state import TrainingState
from . import checkpointing
from .calibrate import describe_training
from .checkpointing import Checkpointer, nearby
from .errors import CommandError, ExitCode, fail
from .options import (
    PRESET_HELP,
    add_data_options,
    add_training_flags,
    apply_flags,
    data_folder,
)
from .progress import Display, load_data
from .signals import saving, stop_requests

IMAGE_PIXELS = 28 * 28
NUM_CLASSES = 10


SUMMARY = "train a network and save it to a model file"
DESCRIPTION = """Train a network on handwritten digits and save it to a model file.

Start from a preset (a named recipe) and change any of its options with
the flags below. Ctrl-C (or SIGTERM) stops after the current mini-batch
and still saves what the network has learned so far. With --checkpoint
the run is saved as it goes, and --resume continues it exactly."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``digitnet train``."""
    recipe = parser.add_mutually_exclusive_group()
    recipe.add_argument("--preset", default=None, metavar="NAME", help=PRESET_HELP)
    recipe.add_argument("--like", type=Path, metavar="MODEL",
                        help="train again with the recipe saved in this model file (its "
                             "configuration, preset and dataset); flags still override")
    recipe.add_argument("--fine-tune", type=Path, metavar="MODEL",
                        help="go on training this model on your own digits (--dataset "
                             "my-digits, --my-digits DIR their folder) mixed with its own "
                             "training images, 5 epochs at a tenth of its learning rate; saved "
                             "as MODEL-my-digits.npz")
    add_training_flags(parser)
    add_data_options(parser, "the recipe's, else 'default'")
    parser.add_argument("--out", type=Path, metavar="PATH",
                        help="where to save the model (default: models/PRESET.npz, or "
                             "NAME-again.npz beside the model of --like NAME.npz)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar and no line per epoch, only the summary")
    checkpointing.add_arguments(parser)


@dataclass(frozen=True)
class Recipe:
    """What to train and where to put it, from the command line."""

    config: TrainingConfig
    preset: str | None
    dataset: str
    data_dir: Path | None
    out: Path
    checkpoints: Path | None = None  # where to save the run as it goes
    every: int = 0  # ... also every N mini-batches (0: after every epoch only)
    resumed: Checkpoint | None = None  # the run to continue

    def saved(self, data: Any) -> dict[str, Any]:
        """What a checkpoint keeps of the recipe besides the configuration (absolute paths)."""
        data_dir = self.data_dir or (Path(data.source) if Path(data.source).is_dir() else None)
        return {"preset": self.preset, "dataset": self.dataset, "every": self.every,
                "data_dir": None if data_dir is None else str(data_dir.resolve()),
                "out": str(self.out.resolve())}


def recipe_from_args(args: argparse.Namespace) -> Recipe:
    """The preset, or the configuration of ``--like MODEL``, with every given flag applied."""
    if args.like is None:
        preset = args.preset or "demo"
        return Recipe(apply_flags(lookup(PRESETS, preset, "preset"), args), preset,
                      args.dataset or "default", data_folder(args),
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


def recipe_to_resume(args: argparse.Namespace) -> Recipe:
    """The recipe saved with the run in ``--resume DIR``; --out and --data-dir may still say
    where the files are, --checkpoint-every how often to save."""
    checkpoint, saved = checkpointing.resumed(args)
    data_dir = args.data_dir or (saved["data_dir"] and nearby(Path(saved["data_dir"])))
    return Recipe(checkpoint.config, saved["preset"], saved["dataset"], data_dir,
                  args.out or nearby(Path(saved["out"])), args.resume,
                  args.checkpoint_every or saved["every"], checkpoint)


def run(args: argparse.Namespace) -> ExitCode:
    if args.resume is not None:
        return train_and_save(recipe_to_resume(args), args.quiet)
    if args.fine_tune is not None:
        from .fine_tune import run as fine_tune

        return fine_tune(args)
    recipe = recipe_from_args(args)
    folder = checkpointing.checkpoint_folder(args, recipe.out)
    return train_and_save(dataclasses.replace(recipe, checkpoints=folder,
                                              every=args.checkpoint_every or 0), args.quiet)


def regularisation(config: TrainingConfig) -> str:
    """What keeps the network from learning the training set by heart, in words ('' for none):
    '; weight decay 0.0001; dropout 0.5; images distorted: rotation 10 deg'."""
    distortions = config.augmentation()
    parts = [f"weight decay {config.weight_decay:g}" if config.weight_decay else "",
             f"dropout {config.dropout:g}" if config.dropout else "",
             f"input dropout {config.input_dropout:g}" if config.input_dropout else "",
             f"max-norm {config.max_norm:g}" if config.max_norm else "",
             f"label smoothing {config.label_smoothing:g}" if config.label_smoothing else "",
             f"adversarial eps {config.adversarial:g}" if config.adversarial else "",
             distortions.describe() if distortions else "",
             f"the last {config.clean_epochs} of {config.epochs} epochs undistorted"
             if distortions and config.clean_epochs else ""]
    return "".join(f"; {part}" for part in parts if part)


def train_and_save(recipe: Recipe, quiet: bool) -> ExitCode:
    """Load the data, train, save the model with its card (and the checkpoint), and say what
    happened."""
    config, out = recipe.config, recipe.out
    data = load_checked_data(recipe, quiet)
    network, state = start(recipe, data)
    print(f"{network}; {config.optimizer}, eta {config.learning_rate:g} ({config.schedule}), "
          f"mini-batches of {config.mini_batch_size}, {config.epochs} epochs, seed {config.seed}"
          + regularisation(config), flush=True)
    display = Display(config.epochs, quiet)
    saver = None if recipe.checkpoints is None else Checkpointer(
        display, recipe.checkpoints, recipe.every,
        Checkpoint(network, state, config, recipe.saved(data), checkpointing.data_record(data)))
    if saver is not None:
        saver.save()  # at once: a folder that cannot be written fails now, not after an epoch
    trained = train_interruptibly(network, data, recipe, state, display, saver)
    history, failure = trained.history, trained.failure
    if not failure:
        print(describe_training(trained.calibration), flush=True)
    with saving(failed_path(out) if failure else out, "the model"):
        saved = save_run(trained, out)
    if saver is not None:
        saver.save(finished=saved if state.ended else None)
    summary(history, trained.test_accuracy, data.counts["test"], trained.seconds, saved,
            recipe.checkpoints)
    last = history.epochs[-1].diagnosis if history.epochs else None
    if last and not failure:
        for problem in last.problems:
            print(f"warning (still, after the last epoch): {problem.sentence}", flush=True)
    if failure:
        fail(f"training failed: {failure} The network was saved to {saved} for a look; "
             f"{out} was not replaced.")
        return ExitCode.FAILED
    if history.stop_reason == StopReason.INTERRUPTED:
        return ExitCode.stopped_by(display.stopped_by)
    return ExitCode.OK


def load_checked_data(recipe: Recipe, quiet: bool) -> Any:
    """The recipe's data, once the layers are known to fit them; says what they are."""
    config, out = recipe.config, recipe.out
    check_layers_fit(config.layers, IMAGE_PIXELS, NUM_CLASSES, "digit")
    if out.is_dir():
        raise ConfigError(f"--out {out}: is a folder; give the path of a .npz file")
    data = load_data(recipe.dataset, recipe.data_dir, config.validation_size, quiet)
    check_layers_fit(config.layers, data.x_train.shape[1], NUM_CLASSES, data.name)
    counts = data.counts
    print(f"Data: {data.description}; training on {counts['train']:,} images"
          + (f", validating on {counts['validation']:,}" if counts["validation"] else "")
          + f", testing on {counts['test']:,}", flush=True)
    return data


def start(recipe: Recipe, data: Any) -> tuple[Network, TrainingState]:
    """A fresh network and training state, or those of the run to resume (on the same data)."""
    resumed = recipe.resumed
    if resumed is None:
        network = recipe.config.build_network()
        return network, TrainingState.start(network, recipe.config)
    assert recipe.checkpoints is not None
    checkpointing.check_same_data(recipe.checkpoints, resumed.data, data)
    state, epochs = resumed.state, recipe.config.epochs
    print(f"Resuming the run saved in {recipe.checkpoints}: "
          + (f"epoch {state.epoch + 1}/{epochs}" if state.epoch < epochs else "every epoch done")
          + (f", from mini-batch {state.batch + 1}" if state.batch else ""), flush=True)
    return resumed.network, state


def train_interruptibly(network: Network, data: Any, recipe: Recipe, state: TrainingState,
                        display: Display, saver: Checkpointer | None) -> TrainedRun:
    """Train and measure, with Ctrl-C and SIGTERM meaning "stop after this mini-batch" (the
    display hears them and answers the loop, through the saver when there is one)."""
    with stop_requests(display.request_stop):
        try:
            if not display.quiet and not state.ended:
                print("Training (Ctrl-C or SIGTERM stops after the current mini-batch and "
                      "saves)", flush=True)
            return train_run(recipe.config, data, recipe.preset, recipe.dataset,
                             callback=saver or display, network=network, state=state)
        finally:
            display.close_bar()


def summary(history: History, test_accuracy: float, test_count: int, seconds: float,
            saved: Path, checkpoints: Path | None) -> None:
    """The closing lines on stdout: how training stopped, accuracy, time, where the model is."""
    if history.stop_reason == StopReason.INTERRUPTED:
        print(f"Interrupted: {history.message}; saved what was learned so far.", flush=True)
        if checkpoints is not None:
            print(f"Continue with: digitnet train --resume {checkpoints}", flush=True)
    elif history.stop_reason == StopReason.EARLY_STOPPING:
        print(f"Stopped early: {history.message}", flush=True)
    print(f"Test accuracy: {test_accuracy:.2%} on {test_count:,} test images", flush=True)
    print(f"Time: {seconds:.1f} s", flush=True)
    print(f"Saved the model to {saved}", flush=True)
    print(f"Look at it with: digitnet info {saved}   or try it with: digitnet serve {saved}",
          flush=True)
