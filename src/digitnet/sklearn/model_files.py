"""A fitted ``DigitNetClassifier`` as a digitnet model file, and any model file as one.

The file is an ordinary digitnet model file (:mod:`digitnet.model_io`): the network's arrays and
a model card holding the training configuration, every epoch's record and, in the card's notes,
what scikit-learn knows beyond the network::

    notes = {"estimator": "digitnet.sklearn.DigitNetClassifier",
             "classes": [...],            # classes_: output neuron k stands for classes[k]
             "feature_names": [...]}      # feature_names_in_, when fit was given a DataFrame

A model file without these notes (one written by ``digitnet train``) is read with the labels
0..n_outputs-1, which for digits are the digits. The optimiser's state is not saved: a loaded
estimator goes on (``warm_start``, ``partial_fit``) with a fresh optimiser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelFileError
from ..history import History, StopReason
from ..model_card import ModelCard, Results

if TYPE_CHECKING:
    from ..model_io import Model
    from .estimator import DigitNetClassifier

ESTIMATOR = "digitnet.sklearn.DigitNetClassifier"


def card_of(estimator: DigitNetClassifier) -> ModelCard:
    """The model card of a fitted estimator: its configuration, history, labels."""
    epochs = tuple(estimator._epochs)
    best = max(epochs, key=lambda e: e.validation_accuracy or 0.0) if epochs else None
    results = Results(
        validation_accuracy=estimator.best_validation_score_,
        best_epoch=best.epoch if best and estimator.best_validation_score_ is not None else None,
        epochs_trained=estimator.n_iter_,
        final_train_cost=epochs[-1].train_cost if epochs else None)
    notes: dict[str, Any] = {"estimator": ESTIMATOR, "classes": estimator.classes_.tolist()}
    if hasattr(estimator, "feature_names_in_"):
        notes["feature_names"] = [str(name) for name in estimator.feature_names_in_]
    reason, message = estimator._stop
    return ModelCard(estimator.network_.architecture, config=estimator.config_,
                     results=results, epochs=epochs, stop_reason=reason, message=message,
                     seconds=sum(e.seconds for e in epochs), notes=notes)


def estimator_from(cls: type[DigitNetClassifier], model: Model) -> DigitNetClassifier:
    """A fitted estimator holding ``model``'s network, with parameters from its card."""
    from .estimator import CONFIG_FIELDS

    card, network = model.card, model.network
    arch = card.architecture
    params: dict[str, Any] = {"hidden_layer_sizes": arch.layers[1:-1],
                              "activation": arch.activation,
                              "output_activation": arch.output_activation, "cost": arch.cost,
                              "dtype": arch.dtype}
    if card.config is not None:
        params.update({name: getattr(card.config, name) for name in CONFIG_FIELDS},
                      random_state=card.config.seed)
    estimator = cls(**params)
    estimator.classes_ = labels_of(card, arch.layers[-1])
    estimator.n_features_in_ = arch.layers[0]
    names = card.notes.get("feature_names")
    if isinstance(names, list) and len(names) == arch.layers[0]:
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    estimator._seed = card.config.seed if card.config is not None else 0
    estimator.config_ = card.config or estimator._config(arch.layers[0], arch.layers[-1],
                                                            estimator._seed)
    estimator.network_ = network
    estimator._optimizer = estimator.config_.make_optimizer()
    estimator.n_iter_, estimator.loss_curve_, estimator._epochs = 0, [], []
    history = History(list(card.epochs), stop_reason=card.stop_reason or StopReason.COMPLETED,
                      message=card.message)
    estimator._record(history, early=bool(estimator.config_.early_stopping), warn=False)
    return estimator


def labels_of(card: ModelCard, n_outputs: int) -> np.ndarray[Any, Any]:
    """classes_ from the card's notes, or 0..n_outputs-1 when it does not say."""
    classes = card.notes.get("classes")
    if classes is None:
        return np.arange(n_outputs)
    if not isinstance(classes, list) or len(classes) != n_outputs:
        raise ModelFileError(f"the model card's classes must be a list of {n_outputs} labels, "
                             f"got {classes!r}"[:200])
    labels = np.asarray(classes)
    if labels.ndim != 1 or np.unique(labels).size != n_outputs:
        raise ModelFileError(f"the model card's classes must be {n_outputs} different labels")
    return labels
