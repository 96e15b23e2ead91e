"""The argument parser of ``digitnet`` and its subcommands, built fresh on every call."""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import PROG
from .options import HelpFormatter, add_data_options, add_json_option, add_model_argument


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``digitnet`` and its subcommands."""
    from ..version import __version__
    from .evaluate import run_evaluate
    from .export import add_export_command
    from .import_ import add_import_command
    from .info import run_info
    from .predict import run_predict
    from .serve import run_serve
    from .train import add_train_options, run_train

    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=HelpFormatter,
        description="A neural network for handwritten digits, written from scratch in NumPy.\n\n"
                    "Train a network, measure it, ask it about your own pictures, look inside\n"
                    "a model file, or open the web page where you can draw digits.",
        epilog="Run 'digitnet COMMAND --help' for the options of each command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, description=description,
                                   formatter_class=HelpFormatter)

    train = command("train", "train a network and save it to a model file",
                    "Train a network on handwritten digits and save it to a model file.\n\n"
                    "Start from a preset (a named recipe) and change any of its options with\n"
                    "the flags below. Ctrl-C stops after the current mini-batch and still\n"
                    "saves what the network has learned so far.")
    add_train_options(train)
    train.set_defaults(run=run_train)

    evaluate = command("evaluate", "measure a model on a test set",
                       "Measure a model on the test set of the dataset it was trained on:\n"
                       "accuracy, accuracy per digit, and the confusion matrix.")
    add_model_argument(evaluate)
    add_data_options(evaluate, "the one the model was trained on")
    add_json_option(evaluate)
    evaluate.set_defaults(run=run_evaluate)

    predict = command("predict", "read the digit in your own pictures",
                      "Read the digit in each picture: the picture is prepared the way MNIST\n"
                      "images were made (grayscale, white on black, cropped, scaled to 20x20,\n"
                      "centred by mass in 28x28), then the network gives its 10 probabilities.")
    add_model_argument(predict)
    predict.add_argument("images", metavar="IMAGE", nargs="+", type=Path,
                         help="picture files (PNG, JPEG, ...) of one digit each")
    add_json_option(predict)
    predict.set_defaults(run=run_predict)

    info = command("info", "describe a model file",
                   "Describe a model file: its architecture, how many parameters it has, how\n"
                   "it was trained (options, data, epochs, time) and how well it did.")
    add_model_argument(info)
    add_json_option(info)
    info.set_defaults(run=run_info)

    serve = command("serve", "open the web page where you can draw digits",
                    "Serve the web page where you draw a digit and watch the network read it.\n\n"
                    "Without MODEL it uses the newest .npz file in ./models/, and if there is\n"
                    "none it first trains a quick one (the 'demo' preset) into models/demo.npz.")
    serve.add_argument("model", metavar="MODEL", nargs="?", type=Path,
                       help="the model file to serve (default: the newest in ./models/)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on; 127.0.0.1 is this computer only")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on")
    serve.add_argument("--data-dir", type=Path, metavar="DIR",
                       help="folder holding MNIST's four files, for the page's sample digits "
                            "and for training the quick model")
    serve.set_defaults(run=run_serve)

    add_export_command(command)
    add_import_command(command)
    return parser
