"""``DigitNetClassifier``: digitnet's network as a scikit-learn estimator (``digitnet[sklearn]``)::

    from digitnet.sklearn import DigitNetClassifier
    clf = DigitNetClassifier(hidden_layer_sizes=(100,), epochs=10, random_state=0)
    clf.fit(X_train, y_train).score(X_test, y_test)

It drops into ``Pipeline``, ``GridSearchCV`` and ``cross_val_score`` like ``MLPClassifier``, and
follows scikit-learn's conventions: ``__init__`` only stores its parameters (the fields of
:class:`~digitnet.config.TrainingConfig`, with ``hidden_layer_sizes`` for the layers between
the inputs and the outputs, ``random_state`` for the seed and ``validation_fraction`` for the
held-out share, plus ``warm_start`` and ``verbose``); ``fit`` checks them by building a
``TrainingConfig`` and trains with digitnet's own :func:`~digitnet.training.train`; everything
learned ends in ``_``. Labels may be any values (``classes_`` holds them, sorted; output neuron
k stands for ``classes_[k]``), inputs any number of features.

scikit-learn's layout of the parameters is the transpose of digitnet's: ``coefs_[l]`` is
(n_in, n_out), so ``z = a @ coefs_[l] + intercepts_[l]``; digitnet's ``weights[l]`` is
(n_out, n_in), ``z = a @ W.T + b``. ``coefs_`` and ``intercepts_`` are views of the network's
arrays (``network_``), as ``MLPClassifier``'s are its own.

``early_stopping`` is digitnet's patience in epochs (0: never). When it is on, ``fit`` holds out
``validation_fraction`` of the samples (a seeded random choice), records the accuracy on them
after every epoch (``validation_scores_``) and keeps the best epoch's parameters. ``partial_fit``
trains one epoch on the data it is given and keeps the optimiser's state between calls; ``fit``
with ``warm_start=True`` goes on from the fitted parameters with a fresh optimiser, as
scikit-learn's MLP does.

``save(path)`` writes a digitnet model file (the class labels in its card's notes) that every
``digitnet`` command can use; ``DigitNetClassifier.load(path)`` reads any digitnet model file as a
fitted estimator.
"""

from .estimator import DigitNetClassifier

__all__ = ["DigitNetClassifier"]
