"""A network trained on MNIST reads digits drawn as strokes and prepared the MNIST way.

The drawings (10 digits x 8 variants: sizes, positions on a large canvas, stroke widths from
10 to 48 px, +-12 degree slants, a stretched canvas, light ink on dark) go through
``prepare_digit`` exactly as a user's picture would. Measured with a 784-100-10 ReLU/softmax
network after one epoch of Adam (seeds 0, 1, 2): 77, 75 and 76 of 80 right (93.8-96.3%), against
10% for chance; the floor below leaves room for platform differences.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitnet import Network, TrainingConfig, train
from digitnet.data import load_dataset, prepare_digit

ACCURACY_FLOOR = 0.85


def _variants(draw: Callable[..., Any], digit: int) -> list[Any]:
    """Eight drawings of ``digit`` on 600x400 (or other) white canvases."""
    return [
        draw(digit, left=60, top=40, height=300, stroke=30),
        draw(digit, left=350, top=180, height=180, stroke=16),
        draw(digit, left=200, top=20, height=360, stroke=48),
        draw(digit, canvas=(300, 300), left=100, top=60, height=180, stroke=20),
        draw(digit, left=250, top=60, height=280, stroke=10).rotate(12, fillcolor=255),
        draw(digit, left=250, top=60, height=280, stroke=36).rotate(-12, fillcolor=255),
        draw(digit, left=100, top=50, height=300, stroke=28).resize((900, 400)),
        draw(digit, left=120, top=50, height=300, stroke=28, ink=255, paper=0),
    ]


@pytest.mark.mnist
def test_network_trained_on_mnist_reads_synthetic_drawings(
    mnist_dir: Path, digit_drawer: Callable[..., Any]
) -> None:
    data = load_dataset("mnist", data_dir=mnist_dir, download=False)
    config = TrainingConfig(layers=(784, 100, 10), activation="relu",
                            output_activation="softmax", cost="categorical_cross_entropy",
                            init="he", optimizer="adam", learning_rate=1e-3,
                            mini_batch_size=64, epochs=1, seed=0)
    network = Network(config.layers, config.activation, config.output_activation, config.cost,
                      config.init, seed=config.seed)
    history = train(network, data.x_train, data.y_train, config,
                    test=(data.x_test, data.y_test))
    assert (history.epochs[-1].test_accuracy or 0.0) > 0.9  # the network itself is sound

    vectors, labels = [], []
    for digit in range(10):
        for image in _variants(digit_drawer, digit):
            vectors.append(prepare_digit(image).vector)  # (784,)
            labels.append(digit)
    predicted = network.predict(np.array(vectors))  # (80,)
    truth = np.array(labels)
    accuracy = float((predicted == truth).mean())
    wrong = [f"{t}->{p}" for t, p in zip(truth, predicted, strict=True) if t != p]
    assert accuracy >= ACCURACY_FLOOR, (f"{accuracy:.1%} of {len(truth)} drawings right "
                                        f"(chance is 10%); mistakes: {', '.join(wrong)}")
