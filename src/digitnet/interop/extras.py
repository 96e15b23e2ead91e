"""The optional packages of the interop modules, and writing their files safely.

``require("onnx", "onnx")`` imports a package that lives behind an extra of
``pip install 'digitnet[EXTRA]'``; when it is missing, :class:`MissingExtraError` says in one
line which extra brings it.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path
from types import ModuleType

from ..errors import DigitnetError
from ..model_io import current_umask


class MissingExtraError(DigitnetError, ImportError):
    """An optional package is not installed; the message names the extra that installs it."""


def require(module: str, extra: str, purpose: str = "") -> ModuleType:
    """``import module``, or MissingExtraError: "... needs X: pip install 'digitnet[extra]'"."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        what = purpose or "this part of digitnet"
        raise MissingExtraError(f"{what} needs {package}, which is not installed: "
                                f"pip install 'digitnet[{extra}]'") from None


def write_bytes_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    A file already at ``path`` is replaced whole or not at all.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes it private (0600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
