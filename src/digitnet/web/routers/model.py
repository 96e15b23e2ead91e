"""The model: its architecture and how it was made, and the weights of its layers and neurons.

    GET /api/model                          architecture, metadata, image size, test set
    GET /api/layers/{layer}/weights         the weights and biases into layer (1..L)
    GET /api/layers/{layer}/neurons/{n}     one neuron's incoming weights and bias

Layers are numbered as in the book: 0 is the input, L the output; the weights *into* layer l are
``network.weights[l - 1]``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam

from digitnet.web.explain import rounded
from digitnet.web.schemas import LayerWeights, ModelInfo, NeuronWeights
from digitnet.web.state import Served, ServedDep

router = APIRouter()


def layer_index(served: Served, layer: int) -> int:
    """The index into ``network.weights`` of the weights into ``layer`` (1..L), or 404."""
    L = served.network.num_layers
    if not 1 <= layer <= L:
        raise HTTPException(404, f"layer {layer} has no incoming weights: layers with "
                                 f"weights are 1..{L} (0 is the input)")
    return layer - 1


@router.get("/api/model", summary="The model: architecture, how it was made, its test set")
def describe(served: ServedDep) -> ModelInfo:
    network = served.network
    return ModelInfo(
        layers=network.sizes, activation=network.activation.name,
        output_activation=network.output_activation.name, cost=network.cost.name,
        num_parameters=network.num_parameters, description=repr(network),
        test_accuracy=served.model.test_accuracy, metadata=served.model.card.to_dict(),
        test_set=served.test_set_info(), inputs=network.sizes[0], outputs=network.sizes[-1],
        image_side=served.image_side)


@router.get("/api/layers/{layer}/weights", summary="The weights and biases into a layer")
def layer_weights(layer: int, served: ServedDep) -> LayerWeights:
    index = layer_index(served, layer)
    w, b = served.network.weights[index], served.network.biases[index]
    return LayerWeights(layer=layer, shape=(w.shape[0], w.shape[1]),
                        weights=[rounded(row) for row in w], biases=rounded(b))


@router.get("/api/layers/{layer}/neurons/{neuron}",
            summary="One neuron's incoming weights and its bias")
def neuron_weights(layer: int, neuron: Annotated[int, PathParam()],
                   served: ServedDep) -> NeuronWeights:
    index = layer_index(served, layer)
    w = served.network.weights[index]
    if not 0 <= neuron < w.shape[0]:
        raise HTTPException(404, f"layer {layer} has neurons 0..{w.shape[0] - 1}, "
                                 f"not {neuron}")
    side = served.image_side if layer == 1 else None
    return NeuronWeights(layer=layer, neuron=neuron,
                         bias=float(served.network.biases[index][neuron]),
                         weights=rounded(w[neuron]), image_side=side)
