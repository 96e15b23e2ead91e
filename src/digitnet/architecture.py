"""What a network is made of, checked: layer sizes, activations, cost and number type.

These checks are shared by :class:`~digitnet.network.Network`, the training configuration and
the model files, so an impossible architecture gets the same one-line error wherever it comes
from. :class:`Architecture` is the architecture as plain data, the way a model file records it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, Activation, Array
from .costs import COSTS, Cost
from .errors import ConfigError, InputError, shown
from .registry import lookup

DTYPES: dict[str, type[np.floating]] = {"float32": np.float32, "float64": np.float64}


@dataclass(frozen=True)
class Architecture:
    """The shape and kind of a network: everything needed to rebuild it besides its numbers.

    layers             sizes of every layer of neurons, input first: (784, 16, 16, 10)
    activation         the hidden layers' activation; output_activation the last layer's
    cost               what training minimises
    dtype              float32 or float64
    """

    layers: tuple[int, ...]
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    cost: str = "quadratic"
    dtype: str = "float32"

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(validate_sizes(self.layers)))
        hidden_activation(self.activation)
        compatible_cost(self.cost, self.output_activation)
        lookup(DTYPES, self.dtype, "dtype")

    @property
    def num_parameters(self) -> int:
        """sum over layers of n_out * n_in weights + n_out biases."""
        pairs = zip(self.layers[:-1], self.layers[1:], strict=True)
        return sum(n_out * n_in + n_out for n_in, n_out in pairs)

    def to_dict(self) -> dict[str, Any]:
        return {"layers": list(self.layers), "activation": self.activation,
                "output_activation": self.output_activation, "cost": self.cost,
                "dtype": self.dtype}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Architecture:
        """The inverse of ``to_dict`` (extra keys, such as a stored parameter count, ignored)."""
        layers = values.get("layers")
        if not isinstance(layers, list | tuple):
            raise ConfigError(f"the architecture's layers are invalid: {shown(layers)}")
        names = {key: values.get(key) for key in ("activation", "output_activation", "cost",
                                                  "dtype")}
        for key, value in names.items():
            if not isinstance(value, str):
                raise ConfigError(f"the architecture's {key} is invalid: {shown(value)}")
        return cls(tuple(layers), **names)  # type: ignore[arg-type]


def validate_sizes(sizes: Sequence[int]) -> list[int]:
    """A list of at least two positive layer sizes, or ConfigError."""
    try:
        result = [int(n) for n in sizes]
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf)
        raise ConfigError(f"layer sizes must be whole numbers, got {shown(sizes)}"
                          ) from None
    if len(result) < 2:
        raise ConfigError(
            f"a network needs at least an input and an output layer, got {result}"
        )
    if any(n < 1 for n in result) or any(n != given for n, given in zip(result, sizes,
                                                                         strict=True)):
        raise ConfigError(f"layer sizes must be positive whole numbers, got "
                          f"{shown(list(sizes))}")
    return result


def hidden_activation(name: str) -> Activation:
    """A registered element-wise activation (softmax is for the output layer only)."""
    activation = lookup(ACTIVATIONS, name, "activation")
    if not activation.elementwise:
        raise ConfigError(
            f"{name} can only be the output activation; hidden layers take one of "
            f"{', '.join(HIDDEN_ACTIVATIONS)}"
        )
    return activation


def compatible_cost(cost: str, output_activation: str) -> Cost:
    """The cost named ``cost``, if it makes sense after ``output_activation``."""
    lookup(ACTIVATIONS, output_activation, "activation")
    result = lookup(COSTS, cost, "cost")
    allowed = result.output_activations
    if allowed is not None and output_activation not in allowed:
        raise ConfigError(
            f"the {cost} cost needs outputs between 0 and 1: use output activation "
            f"{' or '.join(allowed)}, not {output_activation}"
        )
    return result


def resolve_dtype(dtype: DTypeLike) -> type[np.floating]:
    """float32 or float64 (by name or NumPy type); anything else is a ConfigError."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype)
    if name not in DTYPES:
        raise ConfigError(f"dtype must be float32 or float64, got {name}")
    return DTYPES[name]


def checked_batch(X: Array, n_in: int, dtype: type[np.floating]) -> Array:
    """X as a (m, n_in) array of ``dtype``: a single example (n_in,) becomes (1, n_in); a wrong
    shape, non-numbers, NaN or infinities raise InputError."""
    X = np.asarray(X)
    if X.ndim not in (1, 2) or X.shape[-1] != n_in:
        raise InputError(f"input has shape {X.shape}, expected (m, {n_in}) or ({n_in},)")
    if not np.issubdtype(X.dtype, np.number):
        raise InputError(f"input must be numbers, got dtype {X.dtype}")
    X = np.atleast_2d(X).astype(dtype, copy=False)
    if not np.isfinite(X).all():
        raise InputError("input contains NaN or infinite values")
    return X
