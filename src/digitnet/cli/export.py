"""``digitnet export MODEL --format onnx|safetensors --out FILE``: a model for other tools.

ONNX for ONNX Runtime (and every runtime that reads ONNX), safetensors for PyTorch; see
:mod:`digitnet.interop.onnx` and :mod:`digitnet.interop.safetensors` for what the files hold.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import ExitCode
from .options import add_model_argument

FORMATS = ("onnx", "safetensors")


SUMMARY = "write a model for ONNX Runtime or PyTorch"
DESCRIPTION = """Write a model file in a format other tools run:

  onnx         an ONNX graph (ONNX Runtime gives the same digits and
               probabilities), the model card in its metadata
  safetensors  the weights as a torch.nn.Sequential MLP's state dict
               (0.weight, 0.bias, 2.weight, ...), the architecture in its
               metadata"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--format", required=True, choices=FORMATS, help="onnx or safetensors")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE",
                        help="the file to write (replaced atomically if it exists)")


def run(args: argparse.Namespace) -> ExitCode:
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
