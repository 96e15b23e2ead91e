"""The errors digitnet raises: one base class, one subclass per kind of problem.

Every message is one line that names the thing at fault (a file, an option, a value) and what is
wrong with it, so that the command line can print it as it is and the web API can return it.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable


class DigitnetError(Exception):
    """Base class of every error digitnet raises on purpose."""


class ConfigError(DigitnetError, ValueError):
    """An impossible option: a layer list of one layer, a negative learning rate, ..."""


class DataError(DigitnetError):
    """A data file that is missing, truncated, corrupt or does not match what was expected."""


class DownloadError(DataError):
    """No mirror could deliver a verified copy of a data file."""


class ImageError(DataError):
    """A picture that cannot be read or holds no digit (no ink, too large, unknown format)."""


class ModelFileError(DigitnetError):
    """A model file that cannot be read or fails validation."""


class CheckpointError(DigitnetError):
    """A checkpoint that cannot be read, fails validation, or belongs to another run."""


class DivergenceError(DigitnetError, ArithmeticError):
    """Training produced a non-finite cost; the last good parameters were kept."""


class InputError(DigitnetError, ValueError):
    """Input of the wrong shape or with non-finite values, given to the network or the trainer."""


class MissingExtraError(DigitnetError, ImportError):
    """An optional package is not installed; the message names the extra that brings it."""


def shown(value: object, most: int = 120) -> str:
    """``repr(value)`` shortened to at most ``most`` characters (nested values elided).

    For messages quoting outside input, which must stay one short line whatever it holds.
    """
    short = reprlib.Repr()
    short.maxlevel, short.maxdict, short.maxlist, short.maxtuple = 2, 3, 4, 4
    short.maxstring, short.maxlong, short.maxother = 40, 40, 40
    text = short.repr(value)
    return text if len(text) <= most else text[:most - 3] + "..."


def some_of(items: Iterable[object], most: int = 5) -> str:
    """Up to ``most`` items, each shortened, then how many more: ``'a', 'b', 'c' and 7 more``."""
    listed = [shown(item, 40) for item in items]
    more = f" and {len(listed) - most} more" if len(listed) > most else ""
    return ", ".join(listed[:most]) + more


def first_line(error: object, most: int = 160) -> str:
    """The first line of ``str(error)`` (its type's name when empty), cut to ``most`` characters.

    For reasons passed on from other libraries (zipfile, NumPy, Pillow), whose messages may
    quote the damaged bytes at length.
    """
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= most else text[:most - 3] + "..."
