"""A digitnet network as an ONNX graph, for ONNX Runtime and every tool that reads ONNX.

The graph is the network's own formula, one layer at a time::

    z  = Gemm(a, W, b, transB=1)   z = a W^T + b, with W kept (n_out, n_in) as digitnet keeps it
    a' = sigma(z)                  Sigmoid, Relu, LeakyRelu(alpha=0.01), Tanh or Identity;
                                   Softmax(axis=1) for a softmax output layer

and after the last layer the two answers of ``Network.predict_proba`` and ``Network.predict``::

    probabilities  softmax outputs as they are; any other output clipped at 0 (Relu) and
                   divided by its row sum (ReduceSum, Div), a row of zeros giving 1/n_out each
                   (Greater, Where)                                           (batch, n_out)
    label          ArgMax of the output activations, int64                   (batch,)

The input is ``input`` (batch, n_in) in the network's dtype (float32 or float64). The model card
goes along: its one-line description is the model's ``doc_string`` and ``description`` metadata,
and the whole card, as JSON, the ``digitnet.model_card`` metadata. Opset 17 and IR version 8 keep
the file readable by ONNX Runtime 1.13 and later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..activations import LEAKY_SLOPE
from ..extras import require
from ..model_card import ModelCard
from ..model_io import Model, write_file_atomically
from ..network import Network
from ..version import __version__
from .description import describe

OPSET = 17
IR_VERSION = 8
# digitnet's activation -> (ONNX operator, its attributes).
OPERATORS: dict[str, tuple[str, dict[str, Any]]] = {
    "sigmoid": ("Sigmoid", {}),
    "relu": ("Relu", {}),
    "leaky_relu": ("LeakyRelu", {"alpha": LEAKY_SLOPE}),
    "tanh": ("Tanh", {}),
    "identity": ("Identity", {}),
    "softmax": ("Softmax", {"axis": 1}),
}


def to_onnx(network: Network, card: ModelCard) -> Any:
    """The ONNX model (an ``onnx.ModelProto``) computing ``network``, checked by onnx.checker."""
    onnx = require("onnx", "onnx", "exporting to ONNX")
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    dtype = np.dtype(network.dtype)
    element = helper.np_dtype_to_tensor_dtype(dtype)
    nodes, initializers = [], []
    a = "input"
    for layer, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        initializers += [numpy_helper.from_array(w, f"weights_{layer}"),  # (n_out, n_in)
                         numpy_helper.from_array(b, f"biases_{layer}")]  # (n_out,)
        z = f"z_{layer}"
        nodes.append(helper.make_node("Gemm", [a, f"weights_{layer}", f"biases_{layer}"], [z],
                                      transB=1, name=f"layer_{layer}"))  # (batch, n_out)
        a = f"a_{layer}"
        operator, attributes = OPERATORS[network.layer_activation(layer).name]
        nodes.append(helper.make_node(operator, [z], [a], name=f"activation_{layer}",
                                      **attributes))
    nodes.append(helper.make_node("ArgMax", [a], ["label"], axis=1, keepdims=0))  # (batch,)
    if network.output_activation.name == "softmax":
        nodes.append(helper.make_node("Identity", [a], ["probabilities"]))
    else:
        more, constants = normalisation(helper, numpy_helper, a, network.sizes[-1], dtype)
        nodes += more
        initializers += constants
    n_in, n_out = network.sizes[0], network.sizes[-1]
    graph = helper.make_graph(
        nodes, "digitnet", [helper.make_tensor_value_info("input", element, ["batch", n_in])],
        [helper.make_tensor_value_info("probabilities", element, ["batch", n_out]),
         helper.make_tensor_value_info("label", onnx.TensorProto.INT64, ["batch"])],
        initializers)
    description = describe(card)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION, producer_name="digitnet",
                              producer_version=__version__, doc_string=description)
    helper.set_model_props(model, {"description": description,
                                   "digitnet.model_card": card.to_json()})
    onnx.checker.check_model(model, full_check=True)
    return model


def normalisation(helper: Any, numpy_helper: Any, a: str, n_out: int, dtype: np.dtype[Any]
                  ) -> tuple[list[Any], list[Any]]:
    """Nodes for p = max(a, 0) / sum_i max(a_i, 0) per row, or 1/n_out each for a zero sum."""
    constants = [numpy_helper.from_array(np.array([1], np.int64), "sum_axes"),
                 numpy_helper.from_array(np.zeros((), dtype), "zero"),
                 numpy_helper.from_array(np.full((), 1.0 / n_out, dtype), "uniform")]
    nodes = [
        helper.make_node("Relu", [a], ["clipped"]),  # (batch, n_out)
        helper.make_node("ReduceSum", ["clipped", "sum_axes"], ["total"], keepdims=1),  # (b, 1)
        helper.make_node("Div", ["clipped", "total"], ["shares"]),
        helper.make_node("Greater", ["total", "zero"], ["positive"]),
        helper.make_node("Where", ["positive", "shares", "uniform"], ["probabilities"]),
    ]
    return nodes, constants


def export_onnx(model: Model, path: str | Path) -> Path:
    """Write ``model`` as an ONNX file at ``path`` (atomically); returns the path."""
    data = to_onnx(model.network, model.card).SerializeToString()
    write_file_atomically(Path(path), lambda stream: stream.write(data))
    return Path(path)
