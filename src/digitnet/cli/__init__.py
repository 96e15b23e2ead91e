"""The ``digitnet`` command: train, sweep, evaluate, predict, info, plot, serve, export, import.

``main`` parses the command line (:mod:`.parser`) and turns every expected failure into one line
on stderr (``digitnet: error: ...``) and an exit code from :class:`ExitCode` (:mod:`.errors`).
Each subcommand lives in a module of its own (:mod:`.train`, :mod:`.sweep`, :mod:`.evaluate`,
:mod:`.predict`, :mod:`.info`, :mod:`.plot`, :mod:`.serve`, :mod:`.export`, :mod:`.import_`).
Nothing is built at import time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ..errors import ConfigError, DigitnetError
from .errors import CommandError, ExitCode, fail

__all__ = ["CommandError", "ExitCode", "fail", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    from .parser import build_parser

    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ConfigError as error:
        fail(str(error))
        return ExitCode.USAGE
    except DigitnetError as error:
        fail(str(error))
        return ExitCode.ERROR
    except BrokenPipeError:  # the reader went away (``digitnet info --json m.npz | head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.ERROR
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        fail(f"{where}{error.strerror or error}")
        return ExitCode.ERROR
    except KeyboardInterrupt as error:  # a second Ctrl-C or SIGTERM (see progress.Display)
        code = ExitCode.stopped_by(error.args[0] if error.args else None)
        fail("terminated" if code == ExitCode.TERMINATED else "interrupted")
        return code
    except Exception as error:  # a bug: still one line, but one that says so
        fail(f"unexpected {type(error).__name__}: {error} (a bug in digitnet; please report it)")
        return ExitCode.ERROR
