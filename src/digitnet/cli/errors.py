"""How the command line fails: exit codes, and one line on stderr for every expected error."""

from __future__ import annotations

import enum
import signal
import sys

from ..errors import DigitnetError

PROG = "digitnet"


class ExitCode(enum.IntEnum):
    """What ``digitnet`` returns to the shell."""

    OK = 0
    ERROR = 1  # a file, data or model problem; an unreadable image
    USAGE = 2  # an impossible option (argparse uses 2 for its own usage errors too)
    FAILED = 3  # training diverged or ended at chance level: saved beside, as NAME.failed.npz
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT); train saves what was learned first
    TERMINATED = 143  # SIGTERM (128 + 15), from timeout, systemd, Docker: saved like Ctrl-C

    @classmethod
    def stopped_by(cls, signum: int | None) -> ExitCode:
        """The code of a command stopped by signal ``signum`` (128 + its number)."""
        return cls.TERMINATED if signum == signal.SIGTERM else cls.INTERRUPTED


class CommandError(DigitnetError):
    """A problem the command line finds itself (a missing optional package, a wrong model)."""


def fail(message: str) -> None:
    """Print ``digitnet: error: message`` as one line on stderr."""
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"{PROG}: error: {text}", file=sys.stderr, flush=True)
