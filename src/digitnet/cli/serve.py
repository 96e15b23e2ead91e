"""``digitnet serve [MODEL]``: the drawing page, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import argparse
import contextlib
import importlib
from pathlib import Path

from ..errors import MissingExtraError
from ..extras import require
from .errors import CommandError, ExitCode
from .options import add_my_digits_option

# What the page needs besides digitnet itself: the web extra (Starlette comes with FastAPI).
WEB_PACKAGES = ("fastapi", "uvicorn", "python_multipart", "PIL", "scipy")


def newest_model(folder: Path) -> Path | None:
    """The most recently modified ``*.npz`` in ``folder`` (failed runs left out), or None."""
    candidates = ([p for p in folder.glob("*.npz")
                   if p.is_file() and not p.name.endswith(".failed.npz")]
                  if folder.is_dir() else [])
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


SUMMARY = "open the web page where you can draw digits"
DESCRIPTION = """Serve the web page where you draw a digit and watch the network read it.

Without MODEL it uses the newest .npz file in ./models/, and if there is
none it first trains a quick one (the 'demo' preset) into models/demo.npz."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", nargs="?", type=Path,
                        help="the model file to serve (default: the newest in ./models/)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on; 127.0.0.1 is this computer only")
    parser.add_argument("--port", type=int, default=8000, help="the port to listen on")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="serve from N processes (uvicorn workers) sharing the port; each "
                             "loads the model, and live training needs 1 (default: 1)")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="folder holding MNIST's four files, for the page's sample digits "
                             "and for training the quick model")
    add_my_digits_option(parser)


def run(args: argparse.Namespace) -> ExitCode:
    if args.workers < 1:
        raise CommandError(f"--workers must be at least 1, got {args.workers}")
    for package in WEB_PACKAGES:
        require(package, "web", "the web page")
    try:
        serve_page = importlib.import_module("digitnet.web").run
    except MissingExtraError:
        raise
    except ImportError as error:
        raise CommandError(f"the web app cannot be loaded: {error}") from None
    except AttributeError:
        raise CommandError("the web app has no run() function (digitnet.web)") from None
    from ..data.my_digits import default_folder
    from ..model_io import load_model

    model_path: Path | None = args.model
    if model_path is None:
        model_path = newest_model(Path("models"))
        if model_path is not None:
            print(f"Serving the newest model in models/: {model_path}", flush=True)
    if model_path is None:
        from ..presets import PRESETS
        from .train import Recipe, train_and_save

        model_path = Path("models") / "demo.npz"
        print(f"No model given and none in models/: training a quick one (the demo preset) "
              f"into {model_path} first", flush=True)
        code = train_and_save(Recipe(PRESETS["demo"], "demo", "default", args.data_dir,
                                     model_path), quiet=False)
        if code != ExitCode.OK:
            return code
    load_model(model_path)  # one clear line for a damaged file, before the server starts
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a server is meant to stop
        serve_page(model_path, args.host, args.port, args.data_dir, args.workers,
                   my_digits_dir=args.my_digits or default_folder())
    print("digitnet: stopped serving", flush=True)
    return ExitCode.OK
