"""Turning one forward pass into what the page draws: layers, strongest connections, stages.

Nothing here touches the web stack; every function takes the network and NumPy arrays and
returns the pydantic models of :mod:`digitnet.web.schemas`.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from numpy.typing import NDArray

from digitnet.activations import Array
from digitnet.data import PreparedDigit
from digitnet.network import Network
from digitnet.web.schemas import LayerState, Prediction, Stage

MAX_SHOWN = 64  # neurons drawn per layer; larger layers show their most active ones
MAX_CONNECTIONS = 60  # strongest connections drawn between two layers
DIGITS = 5  # decimals kept in the JSON
STAGE_SIDE = 280  # stage pictures are sent at most this large


def rounded(values: Array) -> list[float]:
    """A flat list of floats rounded to ``DIGITS`` decimals (smaller JSON, same picture)."""
    result: list[float] = np.round(np.asarray(values, np.float64).ravel(), DIGITS).tolist()
    return result


def shown_neurons(activations: Array, limit: int = MAX_SHOWN) -> NDArray[np.intp]:
    """Indices (<= limit,) of the neurons to draw: all, or the most active ones, in order."""
    n = activations.shape[0]
    if n <= limit:
        return np.arange(n)
    strongest = np.argpartition(-np.abs(activations), limit - 1)[:limit]
    return np.sort(strongest)


def strongest_connections(weights: Array, a_in: Array, sources: NDArray[np.intp],
                          targets: NDArray[np.intp],
                          limit: int = MAX_CONNECTIONS) -> list[tuple[int, int, float]]:
    """The ``limit`` largest contributions |w_jk a_k| from shown sources to shown targets.

    ``weights`` (n_out, n_in); ``a_in`` (n_in,) the activations flowing in. Each contribution
    w_jk a_k is one term of the weighted sum z_j.
    """
    contributions = weights[np.ix_(targets, sources)] * a_in[sources]  # (t, s)
    flat = np.abs(contributions).ravel()
    count = min(limit, int(np.count_nonzero(flat)))
    if count == 0:
        return []
    best = np.argpartition(-flat, count - 1)[:count]
    rows, cols = np.unravel_index(best, contributions.shape)
    return [(int(sources[c]), int(targets[r]), round(float(contributions[r, c]), DIGITS))
            for r, c in zip(rows, cols, strict=True)]


def explain(network: Network, x: Array, stages: list[Stage] | None = None) -> Prediction:
    """Feed one input x (n_in,) forward and describe every layer and its strongest links."""
    forward = network.forward(network.check_inputs(x))
    probabilities = np.atleast_2d(network.predict_proba(x))[0]  # (n_out,)
    inputs = forward.inputs[0][0]  # (n_in,)
    L = network.num_layers
    shown = [np.arange(inputs.shape[0])] + [shown_neurons(a[0]) for a in forward.activations]
    layers = [LayerState(index=0, kind="input", size=inputs.shape[0], activation=None, z=None,
                         activations=rounded(inputs), shown=shown[0].tolist())]
    for layer in range(1, L + 1):
        layers.append(LayerState(
            index=layer, kind="output" if layer == L else "hidden", size=network.sizes[layer],
            activation=network.layer_activation(layer - 1).name,
            z=rounded(forward.zs[layer - 1][0]),
            activations=rounded(forward.activations[layer - 1][0]),
            shown=shown[layer].tolist()))
    connections = [
        strongest_connections(network.weights[layer], forward.inputs[layer][0], shown[layer],
                              shown[layer + 1])
        for layer in range(L)
    ]
    digit = int(np.argmax(forward.activations[-1][0]))
    return Prediction(digit=digit, confidence=round(float(probabilities[digit]), DIGITS),
                      probabilities=rounded(probabilities), layers=layers,
                      connections=connections, stages=stages)


STAGE_CAPTIONS = {
    "grayscale": "your drawing, in shades of grey",
    "inverted": "the ink alone, white on black like MNIST: paper, light and noise taken away",
    "cropped": "cropped to the digit (specks and other marks left out)",
    "scaled": "strokes as wide as MNIST's, scaled so the longer side is 20 px",
    "centred": "centred by mass in 28x28: what the network sees",
}


def png_data_url(image: Array, max_side: int = STAGE_SIDE) -> str:
    """A grayscale (h, w) array in [0, 1] as a ``data:image/png;base64`` URL.

    Pictures larger than ``max_side`` are shrunk (they are shown small anyway).
    """
    from PIL import Image

    pixels = np.clip(np.round(np.asarray(image, np.float64) * 255), 0, 255).astype(np.uint8)
    picture = Image.fromarray(pixels)  # uint8 (h, w): mode "L"
    if max(picture.size) > max_side:
        picture.thumbnail((max_side, max_side), Image.Resampling.BOX)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def describe_stages(prepared: PreparedDigit) -> list[Stage]:
    """Every preparation stage of a picture, as small PNG pictures with captions."""
    result = []
    for name, caption in STAGE_CAPTIONS.items():
        image = getattr(prepared, name)
        result.append(Stage(name=name, caption=caption, width=image.shape[1],
                            height=image.shape[0], image=png_data_url(image)))
    return result
