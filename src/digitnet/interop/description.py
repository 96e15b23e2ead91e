"""One line that says what a model is, for the metadata of exported files."""

from __future__ import annotations

from ..model_card import ModelCard


def describe(card: ModelCard) -> str:
    """E.g. ``digitnet network 784-16-16-10 (relu hidden, softmax output, ...); preset demo;
    trained on MNIST ... for 8 epochs (completed); test accuracy 96.28%; digitnet 0.1.0``."""
    arch = card.architecture
    shape = "-".join(str(n) for n in arch.layers)
    parts = [f"digitnet network {shape} ({arch.activation} hidden, {arch.output_activation} "
             f"output, {arch.cost} cost, {arch.num_parameters:,} parameters, {arch.dtype})"]
    if card.preset:
        parts.append(f"preset {card.preset}")
    if card.dataset is not None or card.epochs:
        data = card.dataset.description or card.dataset.name if card.dataset else "data"
        reason = f" ({card.stop_reason.value})" if card.stop_reason else ""
        parts.append(f"trained on {data} for {len(card.epochs)} epochs{reason}")
    if card.results is not None and card.results.test_accuracy is not None:
        parts.append(f"test accuracy {card.results.test_accuracy:.2%}")
    parts.append(f"digitnet {card.version}" + (f", saved {card.saved}" if card.saved else ""))
    return "; ".join(parts)
