"""The one configuration object: every option of a training run, validated.

A ``TrainingConfig`` is frozen; presets are instances of it, command-line flags map onto its
fields, and it is saved into every model file, so a model always says how it was made.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .activations import ACTIVATIONS
from .architecture import DTYPES, Architecture, compatible_cost, hidden_activation, validate_sizes
from .augment import SIDE, Augmentation
from .errors import ConfigError, shown, some_of
from .initializers import INITIALIZERS
from .network import Network
from .optimizers import OPTIMIZERS, Optimizer
from .registry import lookup
from .schedules import SCHEDULES


@dataclass(frozen=True)
class TrainingConfig:
    """How to build and train a network.

    layers             sizes of every layer, input first: (784, 30, 10)
    activation         hidden layers' activation; output_activation the last layer's
    cost, init         names from COSTS and INITIALIZERS
    optimizer          sgd, momentum, nesterov or adam; learning_rate is eta
    momentum           mu, for momentum and nesterov
    weight_decay       lambda of the L2 penalty (lambda/2) sum w^2 (weights only, not biases)
    schedule           constant, step (times gamma every step_size epochs) or cosine
    dropout            probability of dropping a hidden neuron during training; input_dropout
                       the same for each input pixel
    max_norm           c of the max-norm constraint: after every step, each neuron's incoming
                       weights are scaled back to length at most c (0: no constraint)
    label_smoothing    eps: training aims at (1 - eps) y + eps / K instead of the one-hot y
    adversarial        eps of adversarial training: half of each step's cost is taken on the
                       mini-batch with every pixel moved by eps the way that raises the cost
                       most (see digitnet.adversarial; 0: none)
    mini_batch_size    examples per gradient step; epochs, passes over the training data
    validation_size    training examples held out for validation (the last ones)
    early_stopping     stop after this many epochs without a better validation accuracy
                       (0: never), and keep the best parameters seen
    rotation, scale, shear, translation, elastic_alpha, elastic_sigma
                       augmentation: every training image distorted afresh each epoch by at most
                       this much (degrees, fraction, degrees, pixels; Simard's elastic alpha and
                       sigma); all 0 is none (see digitnet.augment; 28x28 images only)
    clean_finish       the fraction of the epochs, at the end, that train on the images as
                       they are, undistorted (0.1 of 50 epochs: the last 5; see ``distorts``)
    dtype, seed        float32 or float64; the seed of every random choice
    """

    layers: tuple[int, ...] = (784, 30, 10)
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    cost: str = "quadratic"
    init: str = "normal"
    optimizer: str = "sgd"
    learning_rate: float = 3.0
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    step_size: int = 10
    gamma: float = 0.1
    dropout: float = 0.0
    input_dropout: float = 0.0
    max_norm: float = 0.0
    label_smoothing: float = 0.0
    adversarial: float = 0.0
    mini_batch_size: int = 10
    epochs: int = 30
    validation_size: int = 0
    early_stopping: int = 0
    rotation: float = 0.0
    scale: float = 0.0
    shear: float = 0.0
    translation: float = 0.0
    elastic_alpha: float = 0.0
    elastic_sigma: float = 4.0
    clean_finish: float = 0.0
    dtype: str = "float32"
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(validate_sizes(self.layers)))
        hidden_activation(self.activation)
        lookup(ACTIVATIONS, self.output_activation, "activation")
        compatible_cost(self.cost, self.output_activation)
        lookup(INITIALIZERS, self.init, "initialisation")
        lookup(OPTIMIZERS, self.optimizer, "optimizer")
        lookup(SCHEDULES, self.schedule, "schedule")
        lookup(DTYPES, self.dtype, "dtype")
        require(self.learning_rate > 0,
                f"the learning rate must be positive, got {self.learning_rate}")
        require(0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}")
        require(self.weight_decay >= 0, f"weight decay must be >= 0, got {self.weight_decay}")
        require(self.step_size >= 1, f"the schedule's step size must be >= 1, got {self.step_size}")
        require(0 < self.gamma <= 1, f"the schedule's gamma must be in (0, 1], got {self.gamma}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        require(0 <= self.input_dropout < 1,
                f"input dropout must be in [0, 1), got {self.input_dropout}")
        require(self.max_norm >= 0, f"the max-norm must be >= 0 (0: none), got {self.max_norm}")
        require(0 <= self.label_smoothing < 1,
                f"label smoothing must be in [0, 1), got {self.label_smoothing}")
        require(0 <= self.adversarial <= 1,
                f"the adversarial eps must be in [0, 1] (pixels lie in [0, 1]), "
                f"got {self.adversarial}")
        require(self.mini_batch_size >= 1,
                f"the mini-batch size must be at least 1, got {self.mini_batch_size}")
        require(self.epochs >= 1, f"epochs must be at least 1, got {self.epochs}")
        require(self.validation_size >= 0,
                f"the validation size must be >= 0, got {self.validation_size}")
        require(self.early_stopping >= 0,
                f"early stopping patience must be >= 0, got {self.early_stopping}")
        require(0 <= self.clean_finish < 1,
                f"the clean finish must be a fraction in [0, 1), got {self.clean_finish}")
        for name in ("learning_rate", "momentum", "weight_decay", "gamma", "dropout",
                     "input_dropout", "max_norm", "label_smoothing", "adversarial",
                     "clean_finish"):
            require(math.isfinite(getattr(self, name)), f"{name} must be a finite number")
        require(not self.augmentation() or self.layers[0] == SIDE * SIDE,
                f"augmentation distorts {SIDE}x{SIDE} images: the first layer must have "
                f"{SIDE * SIDE} inputs, got {self.layers[0]}")

    def replace(self, **changes: Any) -> TrainingConfig:
        """A copy with some fields changed (validated again)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"unknown training option(s): {some_of(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        result = dataclasses.asdict(self)
        result["layers"] = list(self.layers)
        return result

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainingConfig:
        """The inverse of ``to_dict``; unknown or badly typed fields raise ConfigError."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(values) - set(fields)
        if unknown:
            raise ConfigError(f"unknown training option(s): {some_of(sorted(unknown))}")
        kwargs: dict[str, Any] = {}
        for name, value in values.items():
            if name == "layers":
                if not isinstance(value, list | tuple):
                    raise ConfigError(f"layers must be a list of sizes, got {shown(value)}")
                kwargs[name] = tuple(value)
            else:
                kwargs[name] = coerce(name, value, type(getattr(cls(), name)))
        return cls(**kwargs)

    @property
    def architecture(self) -> Architecture:
        """The network these options describe (layers, activations, cost, dtype)."""
        return Architecture(self.layers, self.activation, self.output_activation, self.cost,
                            self.dtype)

    def build_network(self) -> Network:
        """A fresh network of this architecture, initialised with ``init`` from ``seed``."""
        return Network(self.layers, self.activation, self.output_activation, self.cost,
                       self.init, self.dtype, self.seed)

    def make_optimizer(self) -> Optimizer:
        """A fresh optimiser of the configured kind."""
        if self.optimizer in ("momentum", "nesterov"):
            return OPTIMIZERS[self.optimizer](momentum=self.momentum)
        return OPTIMIZERS[self.optimizer]()

    def augmentation(self) -> Augmentation:
        """The distortions of the training images (validated; false when there are none)."""
        return Augmentation(self.rotation, self.scale, self.shear, self.translation,
                            self.elastic_alpha, self.elastic_sigma)

    @property
    def clean_epochs(self) -> int:
        """How many epochs at the end train on undistorted images: clean_finish of the epochs,
        rounded half up (0.1 of 50: 5; of 25: 3; of 4: 0)."""
        return math.floor(self.clean_finish * self.epochs + 0.5)

    def distorts(self, epoch: int) -> bool:
        """True when epoch ``epoch`` (from 0) trains on distorted images: augmentation is on
        and the epoch is not one of the last ``clean_epochs``, which finish on the digits as
        they are, so that the network ends fitted to real digits rather than to distorted ones."""
        return bool(self.augmentation()) and epoch < self.epochs - self.clean_epochs

    def learning_rate_at(self, epoch: int) -> float:
        """The learning rate of epoch ``epoch`` (from 0) under the configured schedule."""
        schedule = SCHEDULES[self.schedule]
        return schedule(self.learning_rate, epoch, self.epochs, self.step_size, self.gamma)


def require(condition: bool, message: str) -> None:
    """Raise ConfigError(message) unless condition holds."""
    if not condition:
        raise ConfigError(message)


def coerce(name: str, value: Any, kind: type) -> Any:
    """``value`` as a ``kind`` (int, float or str), or ConfigError naming the option."""
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # an integer beyond 1.8e308
            raise ConfigError(f"{name} must be a number, got {shown(value)}, "
                              "too large for a float") from None
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    described = {int: "a whole number", float: "a number", str: "a name"}.get(kind, kind.__name__)
    raise ConfigError(f"{name} must be {described}, got {shown(value)}")


