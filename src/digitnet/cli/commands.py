"""The bodies of ``digitnet evaluate``, ``predict``, ``info`` and ``serve``."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ImageError
from . import CommandError, ExitCode, fail

if TYPE_CHECKING:
    from ..model_io import Model

IMAGE_PIXELS = 28 * 28


# A JSON list of numbers (or null/true/false) spread over lines by indent=2, to put on one line.
NUMBER_LIST = re.compile(r"\[\s*((?:[-+.\w]+,\s*)*[-+.\w]+)\s*\]")


def print_json(value: Any) -> None:
    """Indented JSON, with lists of numbers (probabilities, matrix rows) kept on one line."""
    text = json.dumps(value, indent=2)
    print(NUMBER_LIST.sub(lambda m: "[" + ", ".join(m[1].replace(",", " ").split()) + "]", text))


def percent(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.2%}"


def finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def section(metadata: dict[str, Any], key: str) -> dict[str, Any]:
    """``metadata[key]`` when it is a dict (model files from elsewhere may lack it), else {}."""
    value = metadata.get(key)
    return value if isinstance(value, dict) else {}


# --- evaluate ------------------------------------------------------------------------------------
def test_set_for(model: Model, dataset: str | None, data_dir: Path | None) -> Any:
    """The dataset to measure on: the given one, else the one the model was trained on.

    A download, if one is needed, shows the same progress bar as ``digitnet train``; the
    offline sample is never downloaded.
    """
    from ..data import load_dataset
    from .train import load_data

    if dataset is not None:
        return load_data(dataset, data_dir, validation_size=0, quiet=False)
    name, folder = model.training_data(data_dir)
    if section(model.metadata, "dataset").get("name") == "mnist-sample":
        return load_dataset("default", data_dir=folder, download=False)
    return load_data(name or "default", folder, validation_size=0, quiet=False)


def run_evaluate(args: argparse.Namespace) -> ExitCode:
    from ..metrics import evaluate
    from ..model_io import load_model

    model = load_model(args.model)
    data = test_set_for(model, args.dataset, args.data_dir)
    network = model.network
    if network.sizes[0] != data.x_test.shape[1] or network.sizes[-1] < int(data.y_test.max()) + 1:
        raise CommandError(f"{args.model}: the network takes {network.sizes[0]} inputs and gives "
                           f"{network.sizes[-1]} outputs, which does not fit {data.name}")
    result = evaluate(network, data.x_test, data.y_test)
    per_class = [finite_or_none(round(float(v), 6)) for v in result.per_class_accuracy]
    if args.json:
        print_json({
            "model": str(args.model),
            "dataset": {"name": data.name, "description": data.description},
            "count": result.count,
            "accuracy": result.accuracy,
            "cost": finite_or_none(result.cost),
            "per_class_accuracy": per_class,
            "confusion_matrix": result.confusion.tolist(),
        })
        return ExitCode.OK
    correct = int(result.confusion.trace())
    print(f"Model: {args.model}: {network}")
    print(f"Test set: {data.description}")
    print(f"Accuracy: {result.accuracy:.2%} ({correct:,} of {result.count:,} right), "
          f"cost {result.cost:.4f}")
    print()
    print("digit  accuracy  images")
    totals = result.confusion.sum(axis=1)
    for digit, (accuracy, total) in enumerate(zip(per_class, totals, strict=True)):
        print(f"{digit:5d}  {percent(accuracy):>8}  {total:6,}")
    print()
    print("Confusion matrix: row = the true digit, column = what the network said")
    classes = result.confusion.shape[0]
    print("true " + "".join(f"{j:>6d}" for j in range(classes)))
    for i, row in enumerate(result.confusion):
        print(f"{i:4d} " + "".join(f"{count:6d}" for count in row))
    return ExitCode.OK


# --- predict -------------------------------------------------------------------------------------
def run_predict(args: argparse.Namespace) -> ExitCode:
    from ..data import load_image, prepare_digit
    from ..model_io import load_model

    model = load_model(args.model)
    network = model.network
    if network.sizes[0] != IMAGE_PIXELS:
        raise CommandError(f"{args.model}: the network takes {network.sizes[0]} inputs, not "
                           f"the {IMAGE_PIXELS} pixels of a 28x28 digit")
    code = ExitCode.OK
    predictions = []
    for path in args.images:
        try:
            vector = prepare_digit(load_image(path)).vector  # (784,)
        except ImageError as error:
            message = str(error)
            fail(message if str(path) in message else f"{path}: {message}")
            code = ExitCode.ERROR
            continue
        probabilities = network.predict_proba(vector[None, :].astype(network.dtype))[0]  # (10,)
        digit = int(probabilities.argmax())
        predictions.append({"image": str(path), "digit": digit,
                            "probabilities": [round(float(p), 6) for p in probabilities]})
        if not args.json:
            shown = "  ".join(f"{d}:{p:.3f}" for d, p in enumerate(probabilities))
            print(f"{path}: {digit}  ({probabilities[digit]:.1%} sure)   {shown}", flush=True)
    if args.json:
        print_json({"model": str(args.model), "predictions": predictions})
    return code


# --- info ----------------------------------------------------------------------------------------
def run_info(args: argparse.Namespace) -> ExitCode:
    from ..model_io import load_model

    model = load_model(args.model)
    meta = model.metadata
    network = model.network
    if args.json:
        print_json({"path": str(args.model), "num_parameters": network.num_parameters, **meta})
        return ExitCode.OK
    arch, config = section(meta, "architecture"), section(meta, "config")
    dataset, outcome = section(meta, "dataset"), section(meta, "results")
    print(f"Model file:    {args.model}")
    print(f"Network:       {network}")
    print(f"Layers:        {' -> '.join(map(str, network.sizes))}")
    print(f"Parameters:    {network.num_parameters:,} weights and biases")
    print(f"Neurons:       {network.activation.name} hidden, {network.output_activation.name} "
          f"output; cost {network.cost.name}; {arch.get('dtype', '?')}")
    if config:
        print(f"Preset:        {meta.get('preset', '-')}")
        print("Training:      " + ", ".join(f"{key}={value}" for key, value in config.items()
                                            if key != "layers"))
    if dataset:
        print(f"Data:          {dataset.get('description', dataset.get('name', '?'))}")
    if outcome:
        print(f"Epochs:        {outcome.get('epochs_trained', '?')} of {config.get('epochs', '?')}"
              f" ({meta.get('stop_reason', '?')}) in {float(meta.get('seconds', 0)):.1f} s")
        print(f"Test accuracy: {percent(model.test_accuracy)}")
    print(f"digitnet:      version {meta.get('digitnet_version', '?')}, saved {meta.get('saved')}")
    return ExitCode.OK


# --- serve ---------------------------------------------------------------------------------------
WEB_PACKAGES = ("fastapi", "uvicorn", "starlette", "multipart", "python_multipart", "PIL")


def newest_model(folder: Path) -> Path | None:
    """The most recently modified ``*.npz`` in ``folder``, or None."""
    candidates = [p for p in folder.glob("*.npz") if p.is_file()] if folder.is_dir() else []
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def run_serve(args: argparse.Namespace) -> ExitCode:
    import importlib

    try:
        run = importlib.import_module("digitnet.web").run
    except ImportError as error:
        missing = (error.name or "").split(".")[0]
        if missing in WEB_PACKAGES:
            raise CommandError(f"the web app needs {missing}, which is not installed: "
                               "pip install 'digitnet[web]'") from None
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
