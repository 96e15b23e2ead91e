"""The estimator itself; see :mod:`digitnet.sklearn`."""

from __future__ import annotations

import dataclasses
import numbers
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..activations import Array
from ..config import TrainingConfig
from ..extras import require
from ..history import EpochRecord, History, Progress, StopReason
from ..network import Network
from ..optimizers import Optimizer
from ..training import train

require("sklearn", "sklearn", "digitnet.sklearn")
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils.multiclass import check_classification_targets  # noqa: E402
from sklearn.utils.validation import check_is_fitted, validate_data  # noqa: E402

# The estimator's parameters that are TrainingConfig fields of the same name.
CONFIG_FIELDS = ("activation", "output_activation", "cost", "init", "optimizer", "learning_rate",
                 "momentum", "weight_decay", "schedule", "step_size", "gamma", "dropout",
                 "input_dropout", "max_norm", "label_smoothing", "adversarial", "mini_batch_size",
                 "epochs", "early_stopping", "dtype")
FLOAT_DTYPES = (np.float64, np.float32)


class DigitNetClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A fully connected network trained by digitnet, with scikit-learn's interface.

    Parameters are those of :class:`~digitnet.config.TrainingConfig` (see there), except:
    hidden_layer_sizes   the hidden layers, e.g. (100,) or (16, 16); inputs and outputs come
                         from the data
    validation_fraction  share of the samples held out when ``early_stopping`` > 0
    random_state         seed of the initial weights, the shuffling and the split (None: fresh)
    warm_start           ``fit`` continues from the fitted parameters instead of starting over
    verbose              print one line per epoch
    The defaults are a modern recipe (ReLU, softmax + cross-entropy, He init, Adam 1e-3, batch
    32, 20 epochs), not the classic one of ``TrainingConfig``.
    """

    # What fit learns (none of it exists before): declared here for the type checker.
    network_: Network
    config_: TrainingConfig
    classes_: NDArray[Any]
    n_features_in_: int
    feature_names_in_: NDArray[Any]
    n_iter_: int
    loss_curve_: list[float]
    validation_scores_: list[float] | None
    best_validation_score_: float | None
    best_loss_: float | None
    _seed: int
    _optimizer: Optimizer
    _epochs: list[EpochRecord]
    _stop: tuple[StopReason, str]

    def __init__(self, hidden_layer_sizes: Any = (100,), activation: str = "relu",
                 output_activation: str = "softmax", cost: str = "categorical_cross_entropy",
                 init: str = "he", optimizer: str = "adam", learning_rate: float = 0.001,
                 momentum: float = 0.9, weight_decay: float = 0.0, schedule: str = "constant",
                 step_size: int = 10, gamma: float = 0.1, dropout: float = 0.0,
                 input_dropout: float = 0.0, max_norm: float = 0.0,
                 label_smoothing: float = 0.0, adversarial: float = 0.0,
                 mini_batch_size: int = 32,
                 epochs: int = 20, early_stopping: int = 0,
                 validation_fraction: float = 0.1, dtype: str = "float32",
                 random_state: Any = None, warm_start: bool = False,
                 verbose: bool = False) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.cost = cost
        self.init = init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.step_size = step_size
        self.gamma = gamma
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.max_norm = max_norm
        self.label_smoothing = label_smoothing
        self.adversarial = adversarial
        self.mini_batch_size = mini_batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.dtype = dtype
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    # --- learning ------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> DigitNetClassifier:
        """Train on X (n_samples, n_features) and labels y (n_samples,); returns self."""
        return self._fit(X, y, None, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> DigitNetClassifier:
        """One epoch on X, y; the first call needs ``classes``, every label there will be."""
        return self._fit(X, y, classes, incremental=True)

    def _fit(self, X: Any, y: Any, classes: Any, incremental: bool) -> DigitNetClassifier:
        fitted = hasattr(self, "network_")
        first = not fitted or not (incremental or self.warm_start)
        X, y = validate_data(self, X, y, dtype=FLOAT_DTYPES, reset=first)
        check_classification_targets(y)
        held_out = 0 if incremental else self._held_out(X.shape[0])
        if first:
            self._start(X.shape[1], self._classes_for(y, classes, incremental))
        labels = self._encode(y, classes, incremental)
        config = self._config(X.shape[1], len(self.classes_), self._seed)
        if config.architecture != self.network_.architecture:
            raise ValueError(f"warm_start/partial_fit cannot change the network from "
                             f"{self.network_.architecture} to {config.architecture}")
        if incremental:
            epoch = min(self.n_iter_, config.epochs - 1)
            run = config.replace(epochs=1, learning_rate=config.learning_rate_at(epoch),
                                 schedule="constant", early_stopping=0)
            history = train(self.network_, X, labels, run.replace(seed=self._seed + self.n_iter_),
                            callback=self._report, optimizer=self._optimizer)
        else:
            run, validation, X, labels = self._split(config, X, labels, held_out)
            self._optimizer = run.make_optimizer()
            history = train(self.network_, X, labels, run.replace(seed=self._seed + self.n_iter_),
                            validation=validation, callback=self._report,
                            optimizer=self._optimizer)
        self.config_ = (config if incremental else run).replace(seed=self._seed)
        self._record(history, early=bool(run.early_stopping))
        return self

    def _start(self, n_features: int, classes: NDArray[Any]) -> None:
        """A fresh network and record, before the first epoch (nothing is set on an error)."""
        seed = seed_from(self.random_state)
        config = self._config(n_features, len(classes), seed)
        network = config.build_network()
        self.classes_, self._seed, self.config_, self.network_ = classes, seed, config, network
        self._optimizer = config.make_optimizer()
        self.n_iter_, self.loss_curve_, self._epochs = 0, [], []

    def _classes_for(self, y: NDArray[Any], classes: Any, incremental: bool) -> NDArray[Any]:
        if not incremental:
            return np.unique(y)
        if classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit")
        return np.unique(np.asarray(classes))

    def _encode(self, y: NDArray[Any], classes: Any, incremental: bool) -> NDArray[np.intp]:
        """The labels as output-neuron indices 0..n_classes-1; ValueError for unknown ones."""
        if classes is not None and not np.array_equal(np.unique(np.asarray(classes)),
                                                      self.classes_):
            raise ValueError(f"classes={np.unique(classes)!r} is not the same as on the first "
                             f"call to partial_fit: {self.classes_!r}")
        if not incremental and not np.array_equal(np.unique(y), self.classes_):
            raise ValueError(f"warm_start can only be used where y has the same classes as in "
                             f"the previous call to fit: {self.classes_!r}, y has "
                             f"{np.unique(y)!r}")
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y has labels {unknown!r} that are not in classes {self.classes_!r}")
        encoded: NDArray[np.intp] = np.searchsorted(self.classes_, y)
        return encoded

    def _config(self, n_features: int, n_classes: int, seed: int) -> TrainingConfig:
        """The TrainingConfig of these parameters for ``n_features`` inputs, ``n_classes``
        outputs; a ConfigError (a ValueError) names an impossible one."""
        hidden = self.hidden_layer_sizes
        hidden = (hidden,) if isinstance(hidden, numbers.Integral) else tuple(hidden)
        return TrainingConfig(layers=(n_features, *hidden, n_classes), seed=seed,
                              **{name: getattr(self, name) for name in CONFIG_FIELDS})

    def _held_out(self, n: int) -> int:
        """How many of n samples early stopping holds out: ceil(validation_fraction n), or 0."""
        if not self.early_stopping:
            return 0
        fraction = self.validation_fraction
        if not (isinstance(fraction, numbers.Real) and 0 < fraction < 1):
            raise ValueError(f"validation_fraction must be between 0 and 1, got {fraction!r}")
        n_val = int(np.ceil(fraction * n))
        if n_val >= n:
            raise ValueError(f"early stopping holds out {n_val} of {n} samples, which leaves "
                             "none to train on: give more samples")
        return n_val

    def _split(self, config: TrainingConfig, X: Array, labels: NDArray[np.intp], n_val: int
               ) -> tuple[TrainingConfig, Any, Array, NDArray[np.intp]]:
        """(config, validation set, training X, training labels): ``n_val`` samples held out
        for early stopping, a seeded random choice."""
        if not n_val:
            return config, None, X, labels
        order = np.random.default_rng([self._seed + self.n_iter_, 2]).permutation(X.shape[0])
        held, kept = order[:n_val], order[n_val:]
        return (config.replace(validation_size=n_val), (X[held], labels[held]), X[kept],
                labels[kept])

    def _record(self, history: History, early: bool, warn: bool = True) -> None:
        """Add a run's epochs to the fitted record (loss curve, validation scores, best loss)."""
        records = [dataclasses.replace(r, epoch=self.n_iter_ + r.epoch) for r in history.epochs]
        self._epochs += records
        self._stop = (history.stop_reason, history.message)
        self.n_iter_ += len(records)
        self.loss_curve_ += [r.train_cost for r in records]
        scores = [r.validation_accuracy for r in self._epochs]
        if early and all(score is not None for score in scores):
            self.validation_scores_ = [float(s or 0) for s in scores]
            self.best_validation_score_ = max(self.validation_scores_)
            self.best_loss_ = None
        else:
            self.validation_scores_ = self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else None
        if warn and history.stop_reason is StopReason.DIVERGED:
            warnings.warn(history.message, ConvergenceWarning, stacklevel=3)

    def _report(self, progress: Progress) -> bool:
        """The training callback: one line per epoch when ``verbose``; never asks to stop."""
        record = progress.record
        if self.verbose and record is not None:
            line = f"Epoch {self.n_iter_ + record.epoch}, loss = {record.train_cost:.6f}"
            if record.validation_accuracy is not None:
                line += f", validation accuracy = {record.validation_accuracy:.4f}"
            print(line, flush=True)
        return False

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "network_")

    # --- answering -----------------------------------------------------------------------------
    def predict_proba(self, X: Any) -> Array:
        """Probabilities (n_samples, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=FLOAT_DTYPES, reset=False)
        return self.network_.predict_proba(X)

    def predict_log_proba(self, X: Any) -> Array:
        """ln of :meth:`predict_proba` (-inf where a probability is 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> NDArray[Any]:
        """The label of each row: ``classes_`` of the most active output neuron."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=FLOAT_DTYPES, reset=False)
        labels: NDArray[Any] = self.classes_[self.network_.predict(X)]
        return labels

    @property
    def coefs_(self) -> list[Array]:
        """coefs_[l] (n_in, n_out) = weights[l].T, a view: scikit-learn's layout."""
        return [w.T for w in self.network_.weights]

    @property
    def intercepts_(self) -> list[Array]:
        """intercepts_[l] (n_out,) = biases[l]."""
        return list(self.network_.biases)

    # --- model files ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write a digitnet model file (atomically); its card records the labels."""
        from ..model_io import save_model
        from .model_files import card_of

        check_is_fitted(self)
        return save_model(path, self.network_, card_of(self))

    @classmethod
    def load(cls, path: str | Path) -> DigitNetClassifier:
        """Any digitnet model file as a fitted estimator (labels 0..n-1 unless it says)."""
        from ..model_io import load_model
        from .model_files import estimator_from

        return estimator_from(cls, load_model(path))


def seed_from(random_state: Any) -> int:
    """An int seed from scikit-learn's random_state: an int, a RandomState or Generator
    (one draw from it), or None (fresh entropy from the operating system)."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    raise ValueError(f"random_state must be None, an int, a RandomState or a Generator, "
                     f"got {random_state!r}")

