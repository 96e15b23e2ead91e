"""The optional packages behind digitnet's extras, and the one way to import them.

The engine needs only NumPy. Each face needs more, installed as an extra of the package
(``pip install 'digitnet[EXTRA]'``)::

    images   Pillow                                       reading pictures
    plots    matplotlib                                   drawing figures (digitnet.plots)
    cli      tqdm, Pillow                                 progress bars; digitnet predict
    web      FastAPI, uvicorn, python-multipart, Pillow   the web page (digitnet serve)
    data     pooch                                        downloading datasets
    sklearn  scikit-learn                                 digitnet.sklearn
    onnx     onnx, onnxruntime                            digitnet export --format onnx
    safetensors  safetensors                              export and import for PyTorch

Code that needs one of them calls :func:`require` where it is used, never at import time, so
a missing package becomes one line naming the extra to install (``reading pictures needs
Pillow, which is not installed: pip install 'digitnet[images]'``) instead of a
ModuleNotFoundError. Code that can do without one (the progress bars) asks :func:`optional`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingExtraError

# import name -> the name pip knows the package by
DISTRIBUTIONS = {
    "PIL": "Pillow",
    "matplotlib": "matplotlib",
    "tqdm": "tqdm",
    "fastapi": "FastAPI",
    "uvicorn": "uvicorn",
    "python_multipart": "python-multipart",
    "sklearn": "scikit-learn",
}


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise MissingExtraError naming ``purpose`` and ``extra``.

    ``require("PIL", "images", "reading pictures")`` returns the PIL package when Pillow is
    installed; otherwise the error says
    ``reading pictures needs Pillow, which is not installed: pip install 'digitnet[images]'``.
    A package that is installed but cannot import one of its own dependencies is named too.
    """
    top = module.split(".")[0]
    package = DISTRIBUTIONS.get(top, top)
    try:
        return importlib.import_module(module)
    except ImportError as error:
        missing = (error.name or top).split(".")[0]
        if missing in (top, module):
            problem = f"{package}, which is not installed"
        else:  # installed, but broken: one of its own dependencies is missing
            problem = f"{package}, which cannot be imported ({missing} is missing)"
        raise MissingExtraError(f"{purpose} needs {problem}: pip install 'digitnet[{extra}]'",
                                name=top) from None


def optional(module: str) -> ModuleType | None:
    """Import ``module`` if it is installed, else None (for packages digitnet can do without)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None
