"""``digitnet train --fine-tune MODEL --dataset my-digits``: teach a model your handwriting.

The model goes on learning from your saved digits mixed with a sample of the images it first
learned from (see :mod:`digitnet.fine_tuning`), for a few epochs at a tenth of its learning rate
(``--epochs`` and ``--lr`` and the other training flags still override). Its accuracy on your
digits and on its original test set is printed before and after, and the result saved beside
the model as NAME-my-digits.npz (or ``--out``); the original is left as it is.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..model_card import DatasetRecord, ModelCard, Results
from .errors import CommandError, ExitCode
from .options import apply_flags
from .progress import load_data


def accuracies(network: Any, own: Any, base: Any) -> tuple[float, float]:
    """The accuracy on one's own digits and on the original test set."""
    from ..metrics import evaluate

    return (evaluate(network, own.x_test, own.y_test).accuracy,
            evaluate(network, base.x_test, base.y_test).accuracy)


def run(args: argparse.Namespace) -> ExitCode:
    """Fine-tune ``args.fine_tune`` on the my-digits folder ``args.data_dir``."""
    from ..data.sources import MY_DIGITS, Dataset
    from ..fine_tuning import fine_tuning_config, mix
    from ..model_io import load_model, save_model
    from .train import interrupts_held_back, train_interruptibly

    if (args.dataset or MY_DIGITS) != MY_DIGITS:
        raise ConfigError(f"--fine-tune learns from your own digits: --dataset {MY_DIGITS}, "
                          f"not {args.dataset}")
    model = load_model(args.fine_tune)
    if model.card.config is None:
        raise CommandError(f"{args.fine_tune}: the model file does not record how it was "
                           "trained, so there is no recipe to fine-tune with")
    config = apply_flags(fine_tuning_config(model.card.config), args)
    own = load_data(MY_DIGITS, args.data_dir, 0, quiet=True)
    name, folder = model.training_data(None)
    base = load_data(name or "default", folder, 0, args.quiet)
    network = model.network
    before = accuracies(network, own, base)
    x, y = mix((own.x_train, own.y_train), (base.x_train, base.y_train),
               np.random.default_rng(config.seed))
    print(f"Fine-tuning on {own.description}, mixed with images of {base.description}: "
          f"{len(y):,} images an epoch, {config.epochs} epochs, eta {config.learning_rate:g}",
          flush=True)
    mixed = Dataset("mixed", "", "", x.astype(network.dtype), y, base.x_test, base.y_test)
    history, seconds = train_interruptibly(network, mixed, config, args.quiet)
    after = accuracies(network, own, base)
    for what, old, new, count in (("your digits", before[0], after[0], len(own.y_test)),
                                  ("its test set", before[1], after[1], len(base.y_test))):
        print(f"Accuracy on {what} ({count:,} images): {old:.2%} -> {new:.2%}", flush=True)
    out = args.out or args.fine_tune.with_name(f"{args.fine_tune.stem}-my-digits.npz")
    card = ModelCard(
        architecture=config.architecture, config=config, preset=model.card.preset,
        dataset=dataclasses.replace(
            model.card.dataset or DatasetRecord(base.name, source=base.source),
            description=f"{base.description}, and {own.description}", requested=MY_DIGITS),
        results=Results(test_accuracy=after[1], epochs_trained=len(history.epochs)),
        epochs=tuple(history.epochs), stop_reason=history.stop_reason,
        message=history.message, seconds=round(seconds, 3),
        notes={"fine_tuned_from": str(args.fine_tune), "my_digits": {
            "folder": own.source, "count": len(own.y_test), "accuracy_before": before[0],
            "accuracy_after": after[0]}})
    with interrupts_held_back():
        saved = save_model(out, network, card)
    print(f"Saved the fine-tuned model to {saved} (not calibrated: digitnet calibrate "
          f"{saved} fits its temperature)", flush=True)
    return ExitCode.OK

