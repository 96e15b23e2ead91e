"""The errors digitnet raises: one base class, one subclass per kind of problem.

Every message is one line that names the thing at fault (a file, an option, a value) and what is
wrong with it, so that the command line can print it as it is and the web API can return it.
"""

from __future__ import annotations


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
