"""The weights as safetensors, named the way PyTorch names a ``Sequential`` MLP's, and back.

``torch.nn.Sequential(Linear(784, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 10))`` has the
state dict ``0.weight`` (16, 784), ``0.bias`` (16,), ``2.weight`` (16, 16), ``2.bias``,
``4.weight`` (10, 16), ``4.bias``: the activations between the Linear layers have no parameters,
and ``Linear`` keeps its weight as (out_features, in_features), exactly digitnet's W (n_out, n_in).
So export writes layer l's arrays, unchanged, as ``{2l}.weight`` and ``{2l}.bias``, and
``load_state_dict`` takes them as they are. The file's metadata (strings) says the rest::

    format               digitnet-mlp
    architecture         JSON: layers, activation, output_activation, cost, dtype
    pytorch              the Sequential that loads the file, e.g. "Sequential(Linear(784, 16),
                         ReLU(), Linear(16, 10), Softmax(dim=1))"
    description          the model card's one-line description
    digitnet.model_card  the whole model card, as JSON

Import reads any file of ``N.weight`` / ``N.bias`` pairs (one common prefix such as ``net.``
allowed; a missing bias is a zero bias), ordered by N, whose shapes chain. The activations are
not in the tensors: they come from the flags, else from the metadata. A file that digitnet
exported comes back with its model card and identical arrays.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..architecture import Architecture
from ..errors import DigitnetError, ModelFileError
from ..extras import require
from ..model_card import ModelCard
from ..model_io import Model, save_model, write_file_atomically
from ..network import Network
from .description import describe

FORMAT = "digitnet-mlp"
TORCH_MODULES = {"sigmoid": "Sigmoid()", "relu": "ReLU()", "leaky_relu": "LeakyReLU(0.01)",
                 "tanh": "Tanh()", "identity": "Identity()", "softmax": "Softmax(dim=1)"}
TENSOR_NAME = re.compile(r"(?P<prefix>.*?)(?P<index>\d+)\.(?P<kind>weight|bias)")


def torch_sequential(arch: Architecture) -> str:
    """The PyTorch module whose state dict these tensors are, as text."""
    modules = []
    for n_in, n_out in zip(arch.layers[:-1], arch.layers[1:], strict=True):
        modules += [f"Linear({n_in}, {n_out})", TORCH_MODULES[arch.activation]]
    modules[-1] = TORCH_MODULES[arch.output_activation]
    return f"Sequential({', '.join(modules)})"


def export_safetensors(model: Model, path: str | Path) -> Path:
    """Write ``model``'s arrays as safetensors at ``path`` (atomically); returns the path."""
    numpy_io = require("safetensors.numpy", "safetensors", "exporting to safetensors")
    network, arch = model.network, model.card.architecture
    tensors: dict[str, Any] = {}
    for layer, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        tensors[f"{2 * layer}.weight"] = np.ascontiguousarray(w)  # (n_out, n_in)
        tensors[f"{2 * layer}.bias"] = np.ascontiguousarray(b)  # (n_out,)
    metadata = {"format": FORMAT, "architecture": json.dumps(arch.to_dict()),
                "pytorch": torch_sequential(arch), "description": describe(model.card),
                "digitnet.model_card": model.card.to_json()}
    data = numpy_io.save(tensors, metadata=metadata)
    write_file_atomically(Path(path), lambda stream: stream.write(data))
    return Path(path)


def read_safetensors(path: Path) -> tuple[dict[str, np.ndarray[Any, Any]], dict[str, str]]:
    """The tensors and the metadata of a safetensors file; ModelFileError if it is not one."""
    safetensors = require("safetensors", "safetensors", "importing safetensors")
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    try:
        with safetensors.safe_open(str(path), framework="np") as stream:
            metadata = dict(stream.metadata() or {})
            tensors = {name: stream.get_tensor(name) for name in stream.keys()}  # noqa: SIM118
    except Exception as error:  # the library raises its own SafetensorError, TypeError, ...
        reason = " ".join(str(error).split())[:200]
        raise ModelFileError(f"{path}: not a readable safetensors file ({reason})") from None
    return tensors, metadata


def linear_layers(tensors: Mapping[str, np.ndarray[Any, Any]]
                  ) -> tuple[list[np.ndarray[Any, Any]], list[np.ndarray[Any, Any]]]:
    """(weights, biases) of the Linear layers, in order; ModelFileError for anything else."""
    found: dict[int, dict[str, np.ndarray[Any, Any]]] = {}
    prefixes = set()
    for name, tensor in tensors.items():
        match = TENSOR_NAME.fullmatch(name)
        if match is None:
            raise ModelFileError(f"tensor {name!r} is not the weight or bias of a Linear layer "
                                 "(expected names such as 0.weight, 0.bias, 2.weight, ...)")
        prefixes.add(match["prefix"])
        found.setdefault(int(match["index"]), {})[match["kind"]] = tensor
    if not found:
        raise ModelFileError("the file holds no tensors")
    if len(prefixes) > 1:
        raise ModelFileError(f"the tensors belong to more than one module: "
                             f"{', '.join(sorted(p or '(none)' for p in prefixes))}")
    weights: list[np.ndarray[Any, Any]] = []
    biases: list[np.ndarray[Any, Any]] = []
    for index in sorted(found):
        pair = found[index]
        if "weight" not in pair:
            raise ModelFileError(f"layer {index} has a bias but no weight")
        w = pair["weight"]
        b = pair.get("bias", np.zeros(w.shape[:1], w.dtype))
        if w.ndim != 2 or b.shape != w.shape[:1]:
            raise ModelFileError(f"layer {index}: weight {w.shape} and bias {b.shape} are not a "
                                 "Linear layer's (out, in) and (out,)")
        if weights and w.shape[1] != weights[-1].shape[0]:
            raise ModelFileError(f"layer {index}: its weight {w.shape} takes {w.shape[1]} inputs "
                                 f"but the layer before gives {weights[-1].shape[0]}")
        weights.append(w)
        biases.append(b)
    return weights, biases


def common_dtype(arrays: list[np.ndarray[Any, Any]]) -> str:
    """float64 if any array is, else float32 (float16 widens); other kinds are an error."""
    kinds = {a.dtype for a in arrays}
    if any(kind not in (np.float16, np.float32, np.float64) for kind in kinds):
        raise ModelFileError(f"the tensors must be floating point numbers, got "
                             f"{', '.join(sorted(str(k) for k in kinds))}")
    return "float64" if np.dtype(np.float64) in kinds else "float32"


def architecture_of(metadata: Mapping[str, str], layers: tuple[int, ...],
                    flags: Mapping[str, Any]) -> Architecture:
    """The architecture: layer sizes from the tensors, the rest from the flags or metadata."""
    stored: dict[str, Any] = {}
    if "architecture" in metadata:
        try:
            stored = dict(json.loads(metadata["architecture"]))
        except (ValueError, TypeError):
            raise ModelFileError("the metadata's architecture is not a JSON object") from None
    given = {key: value for key, value in flags.items() if value is not None}
    for source, sizes in (("the metadata", stored.get("layers")),
                          ("--layers", given.get("layers"))):
        if sizes is not None and tuple(sizes) != layers:
            raise ModelFileError(f"the tensors give layers {list(layers)}, {source} says "
                                 f"{list(sizes)}")
    values = {**stored, **given}
    if "activation" not in values or "output_activation" not in values:
        raise ModelFileError("the file does not say which activations the network uses: give "
                             "--activation and --output-activation (e.g. relu and softmax)")
    output = values["output_activation"]
    default_cost = "categorical_cross_entropy" if output == "softmax" else "quadratic"
    return Architecture(layers, values["activation"], output, values.get("cost", default_cost),
                        values.get("dtype", "float32"))


def import_safetensors(path: str | Path, out: str | Path, **flags: Any) -> Model:
    """A safetensors MLP (see the module's docstring) as a digitnet model file at ``out``.

    ``flags`` may give ``layers`` (checked against the tensors), ``activation``,
    ``output_activation`` and ``cost``; they win over the file's metadata.
    """
    path = Path(path)
    tensors, metadata = read_safetensors(path)
    try:
        weights, biases = linear_layers(tensors)
        dtype = common_dtype(weights + biases)
        layers = (weights[0].shape[1], *(w.shape[0] for w in weights))
        arch = architecture_of(metadata, layers, {**flags, "dtype": dtype})
        network = Network.from_arrays([w.astype(dtype) for w in weights],
                                      [b.astype(dtype) for b in biases], arch.activation,
                                      arch.output_activation, arch.cost)
        card = card_from(metadata, arch, path)
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
    except DigitnetError as error:  # an unknown activation name, an impossible cost
        raise type(error)(f"{path}: {error}") from None
    save_model(out, network, card)
    return Model(network, card)


def card_from(metadata: Mapping[str, str], arch: Architecture, path: Path) -> ModelCard:
    """The model card digitnet exported with the tensors if it still fits, else a new one."""
    text = metadata.get("digitnet.model_card")
    if text is not None:
        card = ModelCard.from_json(text)
        if card.architecture == arch:
            return card
    notes = {"imported_from": path.name}
    if "pytorch" in metadata:
        notes["pytorch"] = metadata["pytorch"]
    return ModelCard(arch, notes=notes)
