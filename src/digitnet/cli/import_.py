"""``digitnet import FILE.safetensors --out MODEL``: a PyTorch MLP as a digitnet model file.

The file holds the state dict of ``torch.nn.Sequential(Linear, activation, Linear, ...)``;
the layer sizes come from its tensors, the activations from the flags or, for a file that
``digitnet export`` wrote, from its metadata. See :mod:`digitnet.interop.safetensors`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..activations import ACTIVATIONS
from ..costs import COSTS
from ..run_checks import parse_layers
from .errors import ExitCode
from .options import names

SUMMARY = "turn a PyTorch MLP saved as safetensors into a model file"
DESCRIPTION = """Turn the weights of a PyTorch MLP, torch.nn.Sequential(Linear, activation,
Linear, ...), saved with safetensors (0.weight, 0.bias, 2.weight, ...),
into a digitnet model file that every digitnet command and the page use.

The layer sizes come from the tensors; the activations from the flags or,
for a file written by 'digitnet export', from its metadata."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", type=Path, help="a .safetensors file")
    parser.add_argument("--out", required=True, type=Path, metavar="MODEL",
                        help="the model file to write (.npz)")
    parser.add_argument("--layers", metavar="SIZES",
                        help="the sizes the tensors must have, e.g. 784,16,16,10 (a check)")
    parser.add_argument("--activation", metavar="NAME",
                        help=f"the hidden layers' activation ({names(ACTIVATIONS)})")
    parser.add_argument("--output-activation", metavar="NAME",
                        help="the output layer's activation (softmax for a network trained "
                             "with CrossEntropyLoss on its logits)")
    parser.add_argument("--cost", metavar="NAME",
                        help=f"the cost for further training ({names(COSTS)}; default: "
                             "categorical_cross_entropy after softmax, else quadratic)")


def run(args: argparse.Namespace) -> ExitCode:
    from ..interop.safetensors import import_safetensors

    layers = None if args.layers is None else parse_layers(args.layers)
    model = import_safetensors(args.file, args.out, layers=layers,
                               activation=args.activation,
                               output_activation=args.output_activation, cost=args.cost)
    print(f"Imported {args.file}: {model.network}")
    print(f"Saved the model to {args.out}")
    print(f"Look at it with: digitnet info {args.out}   or measure it: digitnet evaluate "
          f"{args.out}")
    return ExitCode.OK
