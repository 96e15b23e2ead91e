"""Fine-tuning on your own digits without forgetting the others.

A network trained on MNIST and then trained on a few dozen of one person's digits alone would
soon read those well and forget what it knew (catastrophic forgetting): every step would pull
the weights towards the new digits only. So the new digits are mixed into a sample of the
original training images, repeated so that they make about ``OWN_SHARE`` of the mix, and the
network is trained on the mix for a few epochs with a smaller learning rate: each mini-batch
then holds both kinds, and each step keeps the old digits right while learning the new ones.

A quarter of one's digits (``HELD_OUT``) is kept out of the mix (:func:`hold_out`), so that the
accuracy on them, before and after, measures how well the network reads that handwriting, not
how well it remembers the very pictures it learned from.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .activations import Array
from .config import TrainingConfig
from .errors import InputError

OWN_SHARE = 0.2  # the share of the user's digits in the mix
BASE_IMAGES = 12_000  # original training images in the mix
EPOCHS = 5
LEARNING_RATE_FACTOR = 0.1  # the fine-tuning learning rate, as a share of the original one
HELD_OUT = 0.25  # the share of one's digits kept out of fine-tuning, to measure it
MIN_DIGITS = 4


def hold_out(own: tuple[Array, NDArray[np.integer]], rng: np.random.Generator,
             share: float = HELD_OUT
             ) -> tuple[tuple[Array, NDArray[np.integer]], tuple[Array, NDArray[np.integer]]]:
    """Split own = (X (m, n), labels (m,)) at random into (to learn from, held out), the held
    out part max(1, round(share m)) images. Raises InputError for fewer than ``MIN_DIGITS``."""
    x, y = own
    m = len(y)
    if m < MIN_DIGITS or len(x) != m:
        raise InputError(f"fine-tuning needs at least {MIN_DIGITS} of your digits with one "
                         f"label each (some to learn from, some to measure on), got {m}")
    order = rng.permutation(m)  # (m,)
    held = order[:max(1, round(share * m))]
    learn = order[len(held):]
    return (x[learn], y[learn]), (x[held], y[held])


def mix(own: tuple[Array, NDArray[np.integer]], base: tuple[Array, NDArray[np.integer]],
        rng: np.random.Generator, base_images: int = BASE_IMAGES,
        own_share: float = OWN_SHARE) -> tuple[Array, NDArray[np.int64]]:
    """``base_images`` images drawn from ``base`` = (X, labels) without replacement, and the
    images of ``own`` repeated k times, k = max(1, round(s b / ((1 - s) m))) for s the share,
    b the base images and m one's own: about ``own_share`` of the result. The training loop
    shuffles them. Returns X (b + k m, n) and labels (b + k m,)."""
    own_x, own_y = own
    base_x, base_y = base
    if len(own_y) == 0 or len(own_y) != len(own_x) or len(base_y) != len(base_x):
        raise InputError(f"mixing needs images with one label each: got {len(own_x)} own "
                         f"images with {len(own_y)} labels, {len(base_x)} others with "
                         f"{len(base_y)}")
    if not 0 < own_share < 1:
        raise InputError(f"the share of one's own digits must lie between 0 and 1, got "
                         f"{own_share}")
    count = min(base_images, len(base_y))
    chosen = rng.choice(len(base_y), size=count, replace=False)  # (b,)
    repeats = max(1, round(own_share * count / ((1 - own_share) * len(own_y))))
    x = np.concatenate([base_x[chosen], np.tile(own_x, (repeats, 1))]).astype(base_x.dtype)
    y = np.concatenate([base_y[chosen], np.tile(own_y, repeats)]).astype(np.int64)
    return x, y


def fine_tuning_config(config: TrainingConfig) -> TrainingConfig:
    """The recipe to fine-tune with: the original one for ``EPOCHS`` epochs at a tenth of its
    learning rate, constant, on every image given (no validation split, no early stopping),
    every epoch distorted if the recipe distorts (a few of one's own digits, repeated many
    times, are learnt by heart sooner than tens of thousands)."""
    return config.replace(epochs=EPOCHS, learning_rate=config.learning_rate
                          * LEARNING_RATE_FACTOR, schedule="constant", validation_size=0,
                          early_stopping=0, clean_finish=0.0)
