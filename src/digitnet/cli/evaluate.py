"""``digitnet evaluate MODEL``: accuracy, accuracy per digit and the confusion matrix."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .errors import CommandError, ExitCode
from .options import add_data_options, add_json_option, add_model_argument, data_folder
from .output import finite_or_none, percent, print_json

if TYPE_CHECKING:
    from ..model_io import Model
    from ..network import Network


def test_set_for(model: Model, dataset: str | None, data_dir: Path | None) -> Any:
    """The dataset to measure on: the given one, else the one the model was trained on.

    A download, if one is needed, shows the same progress bar as ``digitnet train``; the
    offline sample is never downloaded.
    """
    from ..data import load_dataset
    from .progress import load_data

    if dataset is not None:
        return load_data(dataset, data_dir, validation_size=0, quiet=False)
    name, folder = model.training_data(data_dir)
    if model.card.dataset is not None and model.card.dataset.name == "mnist-sample":
        return load_dataset("default", data_dir=folder, download=False)
    return load_data(name or "default", folder, validation_size=0, quiet=False)


def check_fits(network: Network, data: Any, model_path: Path) -> None:
    """CommandError unless the network takes the data's images and has an output per label."""
    if network.sizes[0] != data.x_test.shape[1] or network.sizes[-1] < int(data.y_test.max()) + 1:
        raise CommandError(f"{model_path}: the network takes {network.sizes[0]} inputs and gives "
                           f"{network.sizes[-1]} outputs, which does not fit {data.name}")


SUMMARY = "measure a model on a test set"
DESCRIPTION = """Measure a model on the test set of the dataset it was trained on:
accuracy, accuracy per digit, and the confusion matrix. With --attack EPS, on copies of the
test images that each have every pixel moved by EPS the way that fools the network most (the
fast gradient sign method): how easily it is fooled."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    add_data_options(parser, "the one the model was trained on")
    parser.add_argument("--attack", type=float, default=0.0, metavar="EPS",
                        help="measure on adversarial copies of the test images, every pixel "
                             "moved by EPS in [0, 1] (fast gradient sign; default 0: none)")
    add_json_option(parser)


def run(args: argparse.Namespace) -> ExitCode:
    from ..adversarial import attacked
    from ..metrics import evaluate
    from ..model_io import load_model

    if not 0.0 <= args.attack <= 1.0:  # also refuses nan
        raise ConfigError(f"--attack must be in [0, 1] (pixels lie in [0, 1]), got {args.attack}")
    model = load_model(args.model)
    data = test_set_for(model, args.dataset, data_folder(args))
    network = model.network
    check_fits(network, data, args.model)
    X = data.x_test
    if args.attack:
        X = attacked(network, X, data.y_test, args.attack)
    result = evaluate(network, X, data.y_test)
    per_class = [finite_or_none(round(float(v), 6)) for v in result.per_class_accuracy]
    if args.json:
        print_json({
            "model": str(args.model),
            "dataset": {"name": data.name, "description": data.description},
            "attack": args.attack,
            "count": result.count,
            "accuracy": result.accuracy,
            "cost": finite_or_none(result.cost),
            "per_class_accuracy": per_class,
            "confusion_matrix": result.confusion.tolist(),
        })
        return ExitCode.OK
    correct = int(result.confusion.trace())
    print(f"Model: {args.model}: {network}")
    print(f"Test set: {data.description}")
    if args.attack:
        print(f"Attacked: every image moved by {args.attack:g} per pixel the way that fools the "
              "network most (fast gradient sign)")
    print(f"Accuracy: {result.accuracy:.2%} ({correct:,} of {result.count:,} right), "
          f"cost {result.cost:.4f}")
    print()
    print("digit  accuracy  images")
    totals = result.confusion.sum(axis=1)
    for digit, (accuracy, total) in enumerate(zip(per_class, totals, strict=True)):
        print(f"{digit:5d}  {percent(accuracy):>8}  {total:6,}")
    print()
    print("Confusion matrix: row = the true digit, column = what the network said")
    classes = result.confusion.shape[0]
    print("true " + "".join(f"{j:>6d}" for j in range(classes)))
    for i, row in enumerate(result.confusion):
        print(f"{i:4d} " + "".join(f"{count:6d}" for count in row))
    return ExitCode.OK
