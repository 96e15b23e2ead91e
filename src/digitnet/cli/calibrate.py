"""``digitnet calibrate MODEL``: fit a model's temperature and save it in its model file.

The temperature T (see :mod:`digitnet.calibration`) is fitted on digits the network never
learned from: its validation images when it was trained with ``--validation-size``, else the
first half of its test set, and the expected calibration error is measured, before and after,
on its test set (its second half in the second case). ``digitnet train`` does the same by itself
when it has validation images.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CommandError, ExitCode
from .options import add_data_options, add_model_argument, data_folder
from .signals import saving

if TYPE_CHECKING:
    from ..calibration import TemperatureFit

SUMMARY = "fit calibrated probabilities (temperature scaling) and save them in the model"
DESCRIPTION = """Make a model's probabilities honest: fit the one number T that divides its
scores (temperature scaling) on digits it never learned from, report the
expected calibration error before and after, and save T in the model file.
Then 'digitnet predict', the page and 'digitnet plot --what calibration'
use it. T is fitted on the validation images when the model was trained
with some (--validation-size), else on the first half of the test set and
measured on the second."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    add_data_options(parser, "the one the model was trained on")
    parser.add_argument("--out", type=Path, metavar="PATH",
                        help="where to save the calibrated model (default: MODEL itself, "
                             "replaced atomically)")


def describe(fit: TemperatureFit, fitted_on: str, checked_on: str) -> str:
    """``Calibration: temperature 1.31, fitted on ...; expected calibration error ...``."""
    return (f"Calibration: temperature {fit.temperature:.3f}, fitted on {fit.fitted_on:,} "
            f"{fitted_on}; expected calibration error on {fit.checked_on:,} {checked_on}: "
            f"{fit.ece_before:.2%} -> {fit.ece_after:.2%}")


def describe_training(fit: TemperatureFit | None) -> str:
    """What ``digitnet train`` says of the temperature it fitted on its validation images."""
    if fit is None:
        return ("Calibration: none (no validation images; add --validation-size N, or run "
                "digitnet calibrate on the model)")
    return describe(fit, "validation images", "test images")


def run(args: argparse.Namespace) -> ExitCode:
    from ..calibration import calibrate
    from ..model_io import load_model, save_model
    from .evaluate import check_fits, test_set_for
    from .progress import load_data

    model = load_model(args.model)
    config = model.card.config
    if args.dataset is None and config is not None and config.validation_size:
        name, folder = model.training_data(args.data_dir)
        data = load_data(name or "default", folder, config.validation_size, quiet=False)
        check_fits(model.network, data, args.model)
        fit = calibrate(model.network, (data.x_val, data.y_val), (data.x_test, data.y_test))
        line = describe(fit, "validation images", "test images")
    else:
        data = test_set_for(model, args.dataset, data_folder(args))
        check_fits(model.network, data, args.model)
        half = len(data.y_test) // 2
        if half == 0:
            raise CommandError(f"{data.description}: calibrating needs at least 2 test images")
        fit = calibrate(model.network, (data.x_test[:half], data.y_test[:half]),
                        (data.x_test[half:], data.y_test[half:]))
        line = describe(fit, "test images (the first half)", "others (the second half)")
    print(f"Data: {data.description}")
    print(line)
    out = args.out or args.model
    with saving(out, "the model"):
        save_model(out, model.network,
                   dataclasses.replace(model.card, temperature=fit.temperature))
    print(f"Saved the model with its temperature to {out}")
    return ExitCode.OK
