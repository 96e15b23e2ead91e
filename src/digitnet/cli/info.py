"""``digitnet info MODEL``: what a model file says, read from its model card."""

from __future__ import annotations

import argparse

from .errors import ExitCode
from .options import add_json_option, add_model_argument
from .output import percent, print_json

SUMMARY = "describe a model file"
DESCRIPTION = """Describe a model file: its architecture, how many parameters it has, how
it was trained (options, data, epochs, time) and how well it did."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    add_json_option(parser)


def run(args: argparse.Namespace) -> ExitCode:
    from ..model_io import load_model

    model = load_model(args.model)
    card, network = model.card, model.network
    if args.json:
        print_json({"path": str(args.model), **card.to_dict()})
        return ExitCode.OK
    print(f"Model file:    {args.model}")
    print(f"Network:       {network}")
    print(f"Layers:        {' -> '.join(map(str, network.sizes))}")
    print(f"Parameters:    {network.num_parameters:,} weights and biases")
    print(f"Neurons:       {network.activation.name} hidden, {network.output_activation.name} "
          f"output; cost {network.cost.name}; {card.architecture.dtype}")
    if card.config is not None:
        training = card.config.to_dict()
        print(f"Preset:        {card.preset or '-'}")
        print("Training:      " + ", ".join(f"{key}={value}" for key, value in training.items()
                                            if key != "layers"))
    if card.dataset is not None:
        print(f"Data:          {card.dataset.description or card.dataset.name}")
    if card.results is not None:
        planned = card.config.epochs if card.config else "?"
        reason = card.stop_reason.value if card.stop_reason else "?"
        print(f"Epochs:        {card.results.epochs_trained} of {planned} ({reason}) in "
              f"{card.seconds or 0:.1f} s")
        print(f"Test accuracy: {percent(model.test_accuracy)}")
    if card.temperature is not None:
        print(f"Calibration:   temperature {card.temperature:.3f} (its probabilities are "
              "softmax(scores / T); see digitnet calibrate)")
    diagnosis = card.epochs[-1].diagnosis if card.epochs else None
    if diagnosis is not None:
        health = "no problem found" if not diagnosis.problems else (
            f"{len(diagnosis.problems)} problem(s) after the last epoch:")
        print(f"Health:        {health}")
        for problem in diagnosis.problems:
            print(f"  - {problem.sentence}")
    print(f"digitnet:      version {card.version}, saved {card.saved}")
    return ExitCode.OK
