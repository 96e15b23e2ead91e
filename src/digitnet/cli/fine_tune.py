"""``digitnet train --fine-tune MODEL --dataset my-digits``: teach a model your handwriting.

Your saved digits (``--my-digits DIR``, else the user's folder) are split, with the run's seed,
into a quarter held out for measuring and the rest to learn from (see
:func:`digitnet.fine_tuning.hold_out`); the model goes on learning from the rest mixed with a
sample of the images it first learned from (:func:`digitnet.fine_tuning.mix`), for a few epochs
at a tenth of its learning rate (``--epochs``, ``--lr`` and the other training flags still
override). Its accuracy on the held-out digits and on its original test set is printed before
and after, and the result saved beside the model as NAME-my-digits.npz (or ``--out``); the
original is left as it is.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..model_card import DatasetRecord
from .errors import CommandError, ExitCode
from .options import apply_flags
from .progress import Display, load_data
from .signals import saving


def accuracies(network: Any, own: tuple[Any, Any], base: Any) -> tuple[float, float]:
    """The accuracy on one's own held-out digits and on the original test set."""
    from ..metrics import evaluate

    return (evaluate(network, *own).accuracy,
            evaluate(network, base.x_test, base.y_test).accuracy)


def check_args(args: argparse.Namespace) -> None:
    """Fine-tuning reads my-digits and writes one model file: no other dataset, no checkpoint."""
    from ..data.sources import MY_DIGITS

    if (args.dataset or MY_DIGITS) != MY_DIGITS:
        raise ConfigError(f"--fine-tune learns from your own digits: --dataset {MY_DIGITS}, "
                          f"not {args.dataset}")
    if args.checkpoint is not None or args.checkpoint_every is not None:
        raise ConfigError("--fine-tune is a short run: it takes no --checkpoint")


def run(args: argparse.Namespace) -> ExitCode:
    """Fine-tune ``args.fine_tune`` on the my-digits folder ``args.my_digits``."""
    from ..data.dataset import Dataset
    from ..data.sources import MY_DIGITS
    from ..fine_tuning import fine_tuning_config, hold_out, mix
    from ..model_io import load_model
    from ..training_state import TrainingState
    from .train import Recipe, train_interruptibly

    check_args(args)
    model = load_model(args.fine_tune)
    if model.card.config is None:
        raise CommandError(f"{args.fine_tune}: the model file does not record how it was "
                           "trained, so there is no recipe to fine-tune with")
    config = apply_flags(fine_tuning_config(model.card.config), args)
    own = load_data(MY_DIGITS, args.my_digits, 0, quiet=True)
    rng = np.random.default_rng(config.seed)
    learn, held = hold_out((own.x_test, own.y_test), rng)
    name, folder = model.training_data(args.data_dir)
    base = load_data(name or "default", folder, 0, args.quiet)
    network = model.network
    before = accuracies(network, held, base)
    x, y = mix(learn, (base.x_train, base.y_train), rng)
    print(f"Fine-tuning on {own.description} ({len(learn[1]):,} to learn from, "
          f"{len(held[1]):,} held out to measure), mixed with images of {base.description}: "
          f"{len(y):,} images an epoch, {config.epochs} epochs, eta {config.learning_rate:g}",
          flush=True)
    mixed = Dataset("mixed", "", "", x.astype(network.dtype), y, base.x_test, base.y_test)
    out = args.out or args.fine_tune.with_name(f"{args.fine_tune.stem}-my-digits.npz")
    trained = train_interruptibly(network, mixed, Recipe(config, model.card.preset, MY_DIGITS,
                                                         None, out),
                                  TrainingState.start(network, config),
                                  Display(config.epochs, args.quiet), None)
    if trained.failure:
        raise CommandError(f"fine-tuning failed: {trained.failure} {out} was not written")
    after = accuracies(network, held, base)
    for what, old, new, count in (("your held-out digits", before[0], after[0], len(held[1])),
                                  ("its test set", before[1], after[1], len(base.y_test))):
        print(f"Accuracy on {what} ({count:,} images): {old:.2%} -> {new:.2%}", flush=True)
    card = dataclasses.replace(
        trained.card, dataset=dataclasses.replace(
            model.card.dataset or DatasetRecord(base.name, source=base.source),
            description=f"{base.description}, and {own.description}", requested=MY_DIGITS),
        notes={"fine_tuned_from": str(args.fine_tune), "my_digits": {
            "folder": own.source, "learned_from": len(learn[1]), "held_out": len(held[1]),
            "accuracy_before": before[0], "accuracy_after": after[0]}})
    return save(out, network, card)


def save(out: Path, network: Any, card: Any) -> ExitCode:
    from ..model_io import save_model

    with saving(out, "the model"):
        saved = save_model(out, network, card)
    print(f"Saved the fine-tuned model to {saved} (not calibrated: digitnet calibrate "
          f"{saved} fits its temperature)", flush=True)
    return ExitCode.OK
