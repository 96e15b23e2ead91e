"""What the network should output for a label: the desired outputs y of the cost.

A digit d becomes the vector y with y_d = 1 and 0 elsewhere ("one-hot"): the output neuron of
the right digit fully lit, the nine others dark. The cost measures how far the outputs a are
from it, for example sum_j (a_j - y_j)^2.

Label smoothing (Szegedy et al. 2016) asks for a little less: y'_j = (1 - eps) y_j + eps / K
for K classes, so the right digit's target is 1 - eps + eps/K and each other one eps/K. A
softmax can reach such targets with finite inputs instead of driving them ever further apart
to approach 1 and 0: a brake on overconfidence, and a regulariser.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .activations import Array
from .errors import InputError


def one_hot(labels: NDArray[np.integer], num_classes: int = 10,
            dtype: type[np.floating] | np.dtype[np.floating] = np.float32) -> Array:
    """Labels (m,) as one-hot rows (m, num_classes): y_j = 1 for j = label, else 0."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise InputError(f"labels must be one-dimensional, got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise InputError(f"labels must lie in 0..{num_classes - 1}, "
                         f"found {labels.min()}..{labels.max()}")
    result = np.zeros((labels.shape[0], num_classes), dtype=dtype)  # (m, num_classes)
    result[np.arange(labels.shape[0]), labels] = 1
    return result


def smoothed(targets: Array, eps: float) -> Array:
    """One-hot rows (m, K) with label smoothing eps: y' = (1 - eps) y + eps / K."""
    if eps == 0:
        return targets
    result: Array = (1 - eps) * targets + eps / targets.shape[1]  # Python numbers keep dtype
    return result
