"""``digitnet export MODEL --format onnx|safetensors --out FILE``: a model for other tools.

ONNX for ONNX Runtime (and every runtime that reads ONNX), safetensors for PyTorch; see
:mod:`digitnet.interop.onnx` and :mod:`digitnet.interop.safetensors` for what the files hold.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from .errors import ExitCode
from .options import add_model_argument

FORMATS = ("onnx", "safetensors")


def add_export_command(command: Callable[[str, str, str], argparse.ArgumentParser]) -> None:
    """Register ``digitnet export`` with the parser's ``command`` helper."""
    export = command("export", "write a model for ONNX Runtime or PyTorch",
                     "Write a model file in a format other tools run:\n\n"
                     "  onnx         an ONNX graph (ONNX Runtime gives the same digits and\n"
                     "               probabilities), the model card in its metadata\n"
                     "  safetensors  the weights as a torch.nn.Sequential MLP's state dict\n"
                     "               (0.weight, 0.bias, 2.weight, ...), the architecture in its\n"
                     "               metadata")
    add_model_argument(export)
    export.add_argument("--format", required=True, choices=FORMATS,
                        help="onnx or safetensors")
    export.add_argument("--out", required=True, type=Path, metavar="FILE",
                        help="the file to write (replaced atomically if it exists)")
    export.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> ExitCode:
    from ..interop.description import describe
    from ..model_io import load_model

    model = load_model(args.model)
    if args.format == "onnx":
        from ..interop.onnx import export_onnx

        path = export_onnx(model, args.out)
        usage = (f'onnxruntime.InferenceSession("{path}").run(None, {{"input": X}}) gives '
                 "[probabilities, label]")
    else:
        from ..interop.safetensors import export_safetensors, torch_sequential

        path = export_safetensors(model, args.out)
        usage = (f"torch.nn.{torch_sequential(model.card.architecture)} loads it with "
                 f'load_state_dict(safetensors.torch.load_file("{path}"))')
    print(f"Wrote {path} ({args.format}, {path.stat().st_size:,} bytes): {describe(model.card)}")
    print(f"Use it: {usage}")
    return ExitCode.OK
