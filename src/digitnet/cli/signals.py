"""Ctrl-C and SIGTERM while ``digitnet train`` runs: stop after the current mini-batch, save.

SIGTERM is what ``timeout``, systemd, Docker and CI runners send to end a program; ``train``
treats it like Ctrl-C (SIGINT). The handlers are installed only while the loop runs and restored
afterwards; both signals are held back while a file is saved (:func:`saving`), so a second one
lands just after the file is complete, never between creating its temporary file and renaming
it into place.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from ..runs import signals_held_back
from .errors import CommandError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[int, FrameType | None], Any]


@contextlib.contextmanager
def stop_requests(handler: Handler) -> Iterator[None]:
    """Call ``handler`` on Ctrl-C (SIGINT) and SIGTERM within the block; restore afterwards."""
    previous = {number: signal.signal(number, handler) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


@contextlib.contextmanager
def saving(path: Path, what: str) -> Iterator[None]:
    """Write ``what`` to ``path`` within the block with stop signals held back; a failure (a
    full disk, a read-only folder) becomes one line: the file there before is unchanged."""
    try:
        with signals_held_back():
            yield
    except OSError as error:
        raise CommandError(f"could not save {what} to {path}: {error.strerror or error}; the "
                           f"file there before, if any, is unchanged") from None
