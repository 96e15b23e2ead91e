"""Dropout: switching units off at random while training, so that none can rely on another.

At every training step each unit (a hidden neuron, or with input dropout a pixel) is kept with
probability 1 - p and multiplied by 1 / (1 - p), or dropped (set to 0) with probability p::

    mask_j = [u_j < 1 - p] / (1 - p),   u_j ~ Uniform(0, 1)        a <- a (*) mask

Dividing by 1 - p keeps every unit's expected value as it was, so the trained network is used as
it is, with nothing dropped and nothing rescaled (Srivastava et al. 2014, "inverted" dropout).
Backpropagation multiplies the error by the same mask: a dropped unit passes no error back.
"""

from __future__ import annotations

import numpy as np

from .activations import Array
from .errors import ConfigError


def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator | None,
                 dtype: type[np.floating]) -> Array:
    """The mask (of ``shape``): 1 / (1 - p) for a kept unit, 0 for a dropped one."""
    if rng is None:
        raise ConfigError("dropout needs a random generator (rng)")
    keep = 1.0 - p
    mask: Array = (rng.random(shape, dtype=dtype) < keep) / dtype(keep)
    return mask
