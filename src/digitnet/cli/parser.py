"""The argument parser of ``digitnet`` and its subcommands, built fresh on every call.

Each subcommand is a module of this package with a ``SUMMARY``, a ``DESCRIPTION``,
``add_arguments(parser)`` and ``run(args) -> ExitCode``; ``SUBCOMMANDS`` lists them in the order
``digitnet --help`` shows them (``import_`` is the module of ``digitnet import``: ``import`` is
a Python keyword).
"""

from __future__ import annotations

import argparse
import importlib
from typing import NoReturn

from .errors import PROG
from .options import HelpFormatter

SUBCOMMANDS = ("train", "sweep", "evaluate", "predict", "calibrate", "info", "plot", "serve",
               "export",
               "import_")


class Parser(argparse.ArgumentParser):
    """argparse's parser with its errors on one line: the problem and where the help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``digitnet`` and every subcommand."""
    from ..version import __version__

    # Options are never abbreviated: "--output" must not quietly mean "--output-activation".
    parser = Parser(
        prog=PROG, formatter_class=HelpFormatter, allow_abbrev=False,
        description="A neural network for handwritten digits, written from scratch in NumPy.\n\n"
                    "Train a network, measure it, ask it about your own pictures, look inside\n"
                    "a model file, draw figures of it, or open the web page where you can draw\n"
                    "digits.",
        epilog="Run 'digitnet COMMAND --help' for the options of each command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"{__package__}.{name}")
        command = commands.add_parser(name.rstrip("_"), help=module.SUMMARY,
                                      description=module.DESCRIPTION,
                                      formatter_class=HelpFormatter, allow_abbrev=False)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser
