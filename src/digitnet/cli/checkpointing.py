"""``digitnet train --checkpoint DIR`` and ``--resume DIR``: a run saved as it goes, continued
exactly after a crash, a kill or a stop (see digitnet.checkpoints for what is saved).

A checkpoint is written after every epoch, every ``--checkpoint-every N`` mini-batches if asked,
and when the run stops (Ctrl-C, SIGTERM, the end). ``--resume DIR`` takes the whole recipe from
the checkpoint, so the flags that would change it are refused; the training data are checked to
be the same.
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoints import (
    Checkpoint,
    checkpoint_file,
    load_checkpoint,
    save_checkpoint,
)
from ..errors import CheckpointError, ConfigError
from ..history import Progress
from ..model_io import remove_leftovers
from .errors import CommandError
from .options import TRAINING_OPTIONS
from .progress import Display
from .signals import saving

# The flags --resume takes from the checkpoint instead: giving one would change the run.
RECIPE_FLAGS = [("--preset", "preset"), ("--like", "like"), ("--dataset", "dataset"),
                ("--checkpoint", "checkpoint"),
                *((flag, dest) for flag, dest, _, _ in TRAINING_OPTIONS)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--checkpoint [DIR]``, ``--checkpoint-every N`` and ``--resume DIR``."""
    parser.add_argument(
        "--checkpoint", nargs="?", const=True, type=Path, metavar="DIR",
        help="save the run in the folder DIR after every epoch and when it stops, so that "
             "--resume DIR can continue it after a crash or a kill (DIR left out: the model's "
             "path with .checkpoint instead of .npz)")
    parser.add_argument(
        "--checkpoint-every", type=int, metavar="N",
        help="with --checkpoint or --resume, save also every N mini-batches (for long epochs)")
    parser.add_argument(
        "--resume", type=Path, metavar="DIR",
        help="continue the run saved in DIR where it stopped, with its recipe: the weights are "
             "those of a run never stopped, bit for bit")


def checkpoint_folder(args: argparse.Namespace, out: Path) -> Path | None:
    """Where a new run saves its checkpoints (None: nowhere); refuses a folder that holds the
    checkpoint of a run still going, so that nothing is lost by mistake."""
    if args.checkpoint_every is not None and args.checkpoint_every < 1:
        raise ConfigError(f"--checkpoint-every {args.checkpoint_every}: give a number of "
                          "mini-batches of at least 1")
    if args.checkpoint is None:
        if args.checkpoint_every is not None:
            raise ConfigError("--checkpoint-every needs --checkpoint DIR (where to save)")
        return None
    folder: Path = out.with_suffix(".checkpoint") if args.checkpoint is True else args.checkpoint
    if checkpoint_file(folder).exists():
        try:
            unfinished = load_checkpoint(folder).finished is None
        except CheckpointError as error:
            raise CommandError(f"{error}; remove it or choose another folder") from None
        if unfinished:
            raise CommandError(f"{folder} holds the checkpoint of a run not finished: continue "
                               f"it with --resume {folder}, or choose another folder")
    return folder


def resumed(args: argparse.Namespace) -> tuple[Checkpoint, dict[str, Any]]:
    """The checkpoint in ``--resume DIR`` and its recipe (preset, dataset, data_dir, out,
    every): refuses recipe flags, and a run that has finished."""
    given = [flag for flag, dest in RECIPE_FLAGS if getattr(args, dest) is not None]
    if given:
        raise ConfigError(f"--resume {args.resume} continues the run with the recipe saved "
                          f"there; leave out {', '.join(given)}")
    checkpoint = load_checkpoint(args.resume)
    remove_leftovers(checkpoint_file(args.resume))  # of a write cut short by a kill
    if checkpoint.finished is not None:
        raise CommandError(f"{args.resume}: the run saved there has finished "
                           f"({checkpoint.state.history.message}); its model is "
                           f"{nearby(Path(checkpoint.finished))}")
    recipe = dict(checkpoint.recipe)
    for key, kinds in (("preset", (str, type(None))), ("dataset", str), ("out", str),
                       ("data_dir", (str, type(None))), ("every", int)):
        if not isinstance(recipe.get(key), kinds) or isinstance(recipe.get(key), bool):
            raise CheckpointError(f"{checkpoint_file(args.resume)}: the recipe's {key} is "
                                  f"{recipe.get(key)!r}"[:200])
    return checkpoint, recipe


def nearby(path: Path) -> Path:
    """``path`` (saved absolute) relative to the working folder when it lies below it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def data_record(data: Any) -> dict[str, Any]:
    """What a checkpoint records of the data it learns from, to check them on resuming."""
    return {"name": data.name, "sizes": data.counts,
            "fingerprint": fingerprint(data.x_train, data.y_train, data.x_val, data.y_val)}


def fingerprint(*arrays: np.ndarray[Any, Any], every: int = 16) -> str:
    """A hash of the arrays' shapes and types and of every ``every``-th row of each (all the
    labels, a sample of the images: another dataset, split or order changes it; hashing every
    pixel of MNIST would take a good part of a second)."""
    digest = hashlib.blake2b(digest_size=16)
    for whole in arrays:
        digest.update(f"{whole.dtype.str}{whole.shape};".encode())
        digest.update((whole[::every] if whole.ndim > 1 else whole).tobytes())
    return digest.hexdigest()


def check_same_data(folder: Path, saved: Any, data: Any) -> None:
    """CommandError unless ``data`` are the data the run in ``folder`` learned from."""
    now = data_record(data)
    if saved != now:
        sizes = saved.get("sizes") if isinstance(saved, dict) else None
        was = sizes.get("train") if isinstance(sizes, dict) else "?"
        raise CommandError(
            f"{folder}: these training data ({now['name']}, {now['sizes']['train']} images) "
            f"are not those the run learned from ({saved.get('name')}, {was} images); give "
            "--data-dir the folder of the same files")


@dataclass
class Checkpointer:
    """The training callback when checkpoints are asked for: a checkpoint after every epoch
    and every ``every`` mini-batches (0: never within an epoch), then the display's work."""

    display: Display
    folder: Path
    every: int
    checkpoint: Checkpoint

    def __call__(self, progress: Progress) -> bool:
        step = progress.epoch * progress.num_batches + progress.batch + 1
        within = progress.record is None and progress.batch + 1 < progress.num_batches
        if progress.record is not None or (within and self.every and step % self.every == 0):
            self.save()
        return self.display(progress)

    def save(self, finished: Path | None = None) -> None:
        """Write the checkpoint (``finished``: the run has ended, its model saved there)."""
        self.checkpoint.finished = None if finished is None else str(finished)
        with saving(checkpoint_file(self.folder), "the checkpoint"):
            save_checkpoint(self.folder, self.checkpoint)
