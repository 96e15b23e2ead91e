"""``digitnet serve [MODEL]``: the drawing page, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import argparse
import contextlib
import importlib
from pathlib import Path

from ..errors import MissingExtraError
from ..extras import require
from .errors import CommandError, ExitCode

# What the page needs besides digitnet itself: the web extra (Starlette comes with FastAPI).
WEB_PACKAGES = ("fastapi", "uvicorn", "python_multipart", "PIL")


def newest_model(folder: Path) -> Path | None:
    """The most recently modified ``*.npz`` in ``folder``, or None."""
    candidates = [p for p in folder.glob("*.npz") if p.is_file()] if folder.is_dir() else []
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def run_serve(args: argparse.Namespace) -> ExitCode:
    for package in WEB_PACKAGES:
        require(package, "web", "the web page")
    try:
        run = importlib.import_module("digitnet.web").run
    except MissingExtraError:
        raise
    except ImportError as error:
        raise CommandError(f"the web app cannot be loaded: {error}") from None
    except AttributeError:
        raise CommandError("the web app has no run() function (digitnet.web)") from None
    from ..model_io import load_model

    model_path: Path | None = args.model
    if model_path is None:
        model_path = newest_model(Path("models"))
        if model_path is not None:
            print(f"Serving the newest model in models/: {model_path}", flush=True)
    if model_path is None:
        from ..presets import PRESETS
        from .train import train_and_save

        model_path = Path("models") / "demo.npz"
        print(f"No model given and none in models/: training a quick one (the demo preset) "
              f"into {model_path} first", flush=True)
        code = train_and_save(PRESETS["demo"], "demo", "default", args.data_dir, model_path,
                              quiet=False)
        if code != ExitCode.OK:
            return code
    load_model(model_path)  # one clear line for a damaged file, before the server starts
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a server is meant to stop
        run(model_path, args.host, args.port, args.data_dir)
    print("digitnet: stopped serving", flush=True)
    return ExitCode.OK
