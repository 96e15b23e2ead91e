"""Learning-rate schedules: the learning rate eta_t for epoch t (counting from 0).

* ``constant``: eta_t = eta
* ``step``:     eta_t = eta * gamma^floor(t / step_size)   (e.g. divide by 10 every 10 epochs)
* ``cosine``:   eta_t = eta * (1 + cos(pi t / T)) / 2      (from eta down towards 0 over T epochs)
"""

from __future__ import annotations

import math
from collections.abc import Callable

Schedule = Callable[[float, int, int, int, float], float]


def constant(eta: float, epoch: int, epochs: int, step_size: int, gamma: float) -> float:
    """eta_t = eta."""
    return eta


def step(eta: float, epoch: int, epochs: int, step_size: int, gamma: float) -> float:
    """eta_t = eta * gamma^floor(t / step_size)."""
    return eta * gamma ** (epoch // step_size)


def cosine(eta: float, epoch: int, epochs: int, step_size: int, gamma: float) -> float:
    """eta_t = eta * (1 + cos(pi t / T)) / 2."""
    return eta * 0.5 * (1.0 + math.cos(math.pi * epoch / max(epochs, 1)))


SCHEDULES: dict[str, Schedule] = {"constant": constant, "step": step, "cosine": cosine}
