"""What the page is shown of a network while it learns, as JSON-ready values.

After every epoch (and once before the first): the incoming weights of the first
``WEIGHT_IMAGES`` neurons of the first layer, each a 28x28 picture of what the neuron looks for,
and the network's outputs on ten fixed test digits, one of each class. With every epoch's record
(costs, accuracies) comes its diagnosis (:mod:`digitnet.diagnostics`): every problem as one
sentence, and every layer's numbers. The page only draws these; nothing is computed there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.activations import Array
from digitnet.diagnostics import Diagnosis
from digitnet.history import EpochRecord
from digitnet.network import Network

WEIGHT_IMAGES = 16  # first-layer neurons whose weights are shown
WEIGHT_DECIMALS = 3  # enough for a picture, a third of the JSON of full floats
PIXEL_DECIMALS = 3


def fixed_digits(labels: NDArray[np.integer], classes: int = 10) -> NDArray[np.intp]:
    """The position of the first example of each class 0..classes-1 (those present)."""
    firsts = [np.flatnonzero(labels == digit) for digit in range(classes)]
    return np.array([found[0] for found in firsts if found.size], dtype=np.intp)


def digits_json(images: Array, labels: NDArray[np.integer],
                positions: NDArray[np.intp]) -> dict[str, Any]:
    """The fixed test digits: their positions in the test set, labels and pixels."""
    return {"positions": positions.tolist(), "labels": labels[positions].tolist(),
            "images": np.round(images[positions], PIXEL_DECIMALS).tolist()}


def network_json(network: Network, digits: Array) -> dict[str, Any]:
    """The first layer's weight pictures and the outputs on ``digits`` (k, n_in).

    ``weights[j]`` holds neuron j's n_in incoming weights; ``outputs[i]`` the output layer's
    activations on digit i; ``answers[i]`` its answer (the most active output).
    """
    shown = network.weights[0][:WEIGHT_IMAGES]  # (<= 16, n_in)
    outputs = network.feedforward(digits)  # (k, n_out)
    return {"weights": np.round(shown.astype(np.float64), WEIGHT_DECIMALS).tolist(),
            "outputs": np.round(outputs.astype(np.float64), 4).tolist(),
            "answers": outputs.argmax(axis=1).tolist()}


def diagnosis_json(diagnosis: Diagnosis | None) -> dict[str, Any] | None:
    """Every problem in words (``sentence``: what, the numbers, why, what to try) and every
    layer's health: saturated and dead neurons (counts and which), gradient and step sizes."""
    if diagnosis is None:
        return None
    problems = [{"kind": p.kind, "layer": p.layer, "message": p.message, "remedy": p.remedy,
                 "sentence": p.sentence} for p in diagnosis.problems]
    layers = [{"layer": h.layer, "neurons": h.neurons, "activation": h.activation,
               "saturated": len(h.saturated), "dead": len(h.dead),
               "saturated_neurons": list(h.saturated), "dead_neurons": list(h.dead),
               "gradient_norm": h.gradient_norm, "update_ratio": h.update_ratio,
               "growth": h.growth} for h in diagnosis.layers]
    return {"problems": problems, "layers": layers}


def epoch_json(record: EpochRecord, batches: int, network: Network,
               digits: Array) -> dict[str, Any]:
    """An epoch's event: its record, its diagnosis and the network's pictures after it."""
    return {"epoch": record.epoch, "batches": batches, "learning_rate": record.learning_rate,
            "train_cost": record.train_cost, "seconds": record.seconds,
            "validation_cost": record.validation_cost,
            "validation_accuracy": record.validation_accuracy,
            "test_cost": record.test_cost, "test_accuracy": record.test_accuracy,
            "diagnosis": diagnosis_json(record.diagnosis), **network_json(network, digits)}
