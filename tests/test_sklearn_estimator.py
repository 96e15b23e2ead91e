"""DigitNetClassifier: scikit-learn's own estimator checks, and the estimator at work.

The data are scikit-learn's 1,797 8x8 digits (shipped inside scikit-learn, so no download and
no MNIST needed) and small synthetic sets.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="scikit-learn is not installed (pip install "
                    "'digitnet[sklearn]')")

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from digitnet import Network, TrainingConfig
from digitnet.cli import main
from digitnet.model_card import ModelCard
from digitnet.model_io import load_model, save_model
from digitnet.sklearn import DigitNetClassifier

# Checks of scikit-learn's suite that cannot apply to DigitNetClassifier, with the reason.
# None: every check applies and passes (xfail_strict keeps this list honest).
NOT_APPLICABLE: dict[str, str] = {}

CLASSIC = DigitNetClassifier(hidden_layer_sizes=(16, 16), activation="sigmoid",
                             output_activation="sigmoid", cost="quadratic", init="xavier",
                             optimizer="sgd", learning_rate=3.0, mini_batch_size=10,
                             early_stopping=3, dtype="float64")


@parametrize_with_checks([DigitNetClassifier(), CLASSIC],
                         expected_failed_checks=lambda estimator: NOT_APPLICABLE,
                         xfail_strict=True)
def test_scikit_learn_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits scaled to [0, 1]: (X_train, X_test, y_train, y_test)."""
    X, y = load_digits(return_X_y=True)
    parts: list[np.ndarray] = train_test_split(X / 16.0, y, test_size=0.25, random_state=0)
    return parts[0], parts[1], parts[2], parts[3]


def test_grid_search_over_a_pipeline(digits: Any) -> None:
    X_train, X_test, y_train, y_test = digits
    pipeline = Pipeline([("scale", MinMaxScaler()),
                         ("net", DigitNetClassifier(epochs=8, random_state=0))])
    grid = GridSearchCV(pipeline, {"net__hidden_layer_sizes": [(16,), (64,)],
                                   "net__learning_rate": [1e-3, 3e-3]}, cv=2)
    grid.fit(X_train, y_train)
    assert set(grid.best_params_) == {"net__hidden_layer_sizes", "net__learning_rate"}
    assert grid.best_score_ > 0.9
    assert grid.score(X_test, y_test) > 0.9
    assert grid.best_estimator_.named_steps["net"].n_iter_ == 8


def test_cross_val_score(digits: Any) -> None:
    X_train, _, y_train, _ = digits
    scores = cross_val_score(DigitNetClassifier(epochs=10, random_state=0), X_train, y_train,
                             cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85


def test_string_labels_and_any_number_of_features() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0, 4], [4, 0, 0], [0, 4, 0]], float)  # 3 features, 3 classes
    labels = np.array(["cat", "ant", "bee"])
    which = rng.integers(0, 3, 300)
    X = centres[which] + rng.normal(size=(300, 3))
    clf = DigitNetClassifier(hidden_layer_sizes=8, learning_rate=0.01, random_state=0)
    clf.fit(X, labels[which])
    assert list(clf.classes_) == ["ant", "bee", "cat"]
    assert clf.n_features_in_ == 3 and clf.coefs_[0].shape == (3, 8)
    assert set(clf.predict(X)) <= set(labels)
    assert clf.score(X, labels[which]) > 0.9
    proba = clf.predict_proba(centres)  # columns follow classes_: ant, bee, cat
    assert list(clf.classes_[proba.argmax(axis=1)]) == ["cat", "ant", "bee"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_coefs_are_scikit_learns_layout(digits: Any) -> None:
    X_train, X_test, y_train, _ = digits
    clf = DigitNetClassifier(hidden_layer_sizes=(20, 12), epochs=2, random_state=0)
    clf.fit(X_train, y_train)
    mlp = MLPClassifier(hidden_layer_sizes=(20, 12), max_iter=2).fit(X_train, y_train)
    assert [c.shape for c in clf.coefs_] == [c.shape for c in mlp.coefs_]  # (n_in, n_out)
    assert [b.shape for b in clf.intercepts_] == [b.shape for b in mlp.intercepts_]
    assert all(np.shares_memory(c, w) for c, w in zip(clf.coefs_, clf.network_.weights,
                                                      strict=True))
    a = X_test
    for c, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1], strict=True):
        a = np.maximum(a @ c + b, 0)  # relu(a W^T + b), written scikit-learn's way
    z = a @ clf.coefs_[-1] + clf.intercepts_[-1]
    softmax = np.exp(z - z.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X_test), softmax, atol=1e-5)


def test_partial_fit(digits: Any) -> None:
    X_train, X_test, y_train, y_test = digits
    clf = DigitNetClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X_train, y_train)
    chunks = np.array_split(np.arange(len(y_train)), 4)
    first = chunks[0][y_train[chunks[0]] < 5]  # the first chunk shows only five digits
    clf.partial_fit(X_train[first], y_train[first], classes=np.arange(10))
    assert list(clf.classes_) == list(range(10)) and clf.n_iter_ == 1
    for _ in range(5):
        for rows in chunks:
            clf.partial_fit(X_train[rows], y_train[rows])
    assert clf.n_iter_ == 21 and len(clf.loss_curve_) == 21
    assert clf.loss_curve_[-1] < clf.loss_curve_[1] / 2
    assert clf.score(X_test, y_test) > 0.9
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X_train[:5], np.full(5, 10))
    with pytest.raises(ValueError, match="not the same"):
        clf.partial_fit(X_train[:5], y_train[:5], classes=np.arange(11))
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X_train[:5, :10], y_train[:5])


def test_warm_start_continues_and_cold_start_starts_over(digits: Any) -> None:
    X_train, _, y_train, _ = digits
    clf = DigitNetClassifier(epochs=3, random_state=0, warm_start=True).fit(X_train, y_train)
    clf.fit(X_train, y_train)
    assert clf.n_iter_ == 6 and len(clf.loss_curve_) == 6
    assert clf.loss_curve_[3] < clf.loss_curve_[0]
    clf.set_params(warm_start=False).fit(X_train, y_train)
    assert clf.n_iter_ == 3
    with pytest.raises(ValueError, match="same classes"):
        clf.set_params(warm_start=True).fit(X_train, y_train % 5)


def test_early_stopping_records_validation_scores(digits: Any) -> None:
    X_train, _, y_train, _ = digits
    clf = DigitNetClassifier(epochs=40, early_stopping=2, validation_fraction=0.2,
                             learning_rate=0.01, random_state=0).fit(X_train, y_train)
    scores = clf.validation_scores_
    assert scores is not None and len(scores) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.best_validation_score_ == max(scores) > 0.9
    assert clf.best_loss_ is None
    assert clf.config_.validation_size == int(np.ceil(0.2 * len(y_train)))
    plain = DigitNetClassifier(epochs=2, random_state=0).fit(X_train, y_train)
    assert plain.validation_scores_ is None and plain.best_validation_score_ is None
    assert plain.best_loss_ == min(plain.loss_curve_)
    with pytest.raises(ValueError, match="validation_fraction"):
        DigitNetClassifier(early_stopping=2, validation_fraction=1.5).fit(X_train, y_train)


def test_feature_names_are_kept(digits: Any, tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas", reason="pandas is not installed")
    X_train, _, y_train, _ = digits
    frame = pandas.DataFrame(X_train, columns=[f"pixel{i}" for i in range(64)])
    clf = DigitNetClassifier(epochs=1, random_state=0).fit(frame, y_train)
    assert list(clf.feature_names_in_) == list(frame.columns)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame.rename(columns={"pixel0": "other"}))
    loaded = DigitNetClassifier.load(clf.save(tmp_path / "named.npz"))
    assert list(loaded.feature_names_in_) == list(frame.columns)


def test_saved_estimator_is_a_model_file_and_loads_back(digits: Any, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    X_train, X_test, y_train, _ = digits
    names = np.array([f"digit {d}" for d in range(10)])
    clf = DigitNetClassifier(epochs=3, random_state=0).fit(X_train, names[y_train])
    path = clf.save(tmp_path / "clf.npz")
    model = load_model(path)  # an ordinary digitnet model file
    assert model.card.config == clf.config_
    assert model.card.notes["classes"] == names.tolist()
    assert main(["info", str(path)]) == 0
    assert "Epochs:        3 of 3 (completed)" in capsys.readouterr().out
    loaded = DigitNetClassifier.load(path)
    np.testing.assert_array_equal(loaded.predict(X_test), clf.predict(X_test))
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
    assert loaded.get_params() == clf.get_params()
    assert loaded.loss_curve_ == clf.loss_curve_ and loaded.n_iter_ == 3
    loaded.set_params(warm_start=True).fit(X_train, names[y_train])  # trains on
    assert loaded.n_iter_ == 6


def test_any_model_file_loads_as_a_fitted_estimator(tmp_path: Path) -> None:
    network = Network([64, 12, 10], "relu", "softmax", "categorical_cross_entropy", "he",
                      seed=3)
    path = save_model(tmp_path / "plain.npz", network, ModelCard(network.architecture))
    clf = DigitNetClassifier.load(path)
    X = np.random.default_rng(0).random((20, 64))
    assert list(clf.classes_) == list(range(10))
    np.testing.assert_array_equal(clf.predict(X), network.predict(X))
    assert clf.hidden_layer_sizes == (12,) and clf.n_iter_ == 0


def test_impossible_parameters_are_value_errors(digits: Any) -> None:
    X_train, _, y_train, _ = digits
    for params, words in (({"learning_rate": -1.0}, "learning rate"),
                          ({"hidden_layer_sizes": (0,)}, "layer sizes"),
                          ({"activation": "softmax"}, "output activation"),
                          ({"random_state": "seven"}, "random_state"),
                          ({"max_norm": -1.0}, "max-norm")):
        with pytest.raises(ValueError, match=words) as error:
            DigitNetClassifier(**params).fit(X_train, y_train)
        assert "\n" not in str(error.value)


def test_divergence_warns_and_keeps_finite_parameters(digits: Any) -> None:
    X_train, _, y_train, _ = digits
    clf = DigitNetClassifier(output_activation="identity", cost="quadratic", optimizer="sgd",
                             learning_rate=1e4, epochs=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        clf.fit(X_train, y_train)
    assert all(np.isfinite(w).all() for w in clf.coefs_)


def test_verbose_prints_one_line_per_epoch(digits: Any,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    X_train, _, y_train, _ = digits
    DigitNetClassifier(epochs=2, verbose=True, random_state=0).fit(X_train, y_train)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["Epoch 1", "Epoch 2"]


def test_the_configuration_is_digitnets(digits: Any) -> None:
    X_train, _, y_train, _ = digits
    clf = DigitNetClassifier(hidden_layer_sizes=(30,), epochs=1, random_state=5,
                             input_dropout=0.1, max_norm=2.0, label_smoothing=0.1,
                             adversarial=0.05)
    clf.fit(X_train, y_train)
    assert isinstance(clf.config_, TrainingConfig)
    assert clf.config_.layers == (64, 30, 10) and clf.config_.seed == 5
    assert clf.config_.input_dropout == 0.1 and clf.config_.max_norm == 2.0
    assert clf.config_.label_smoothing == 0.1 and clf.config_.adversarial == 0.05
    assert max(np.linalg.norm(w, axis=0).max() for w in clf.coefs_) <= 2.0 * (1 + 1e-6)
    assert clf.network_.architecture == clf.config_.architecture


def test_import_digitnet_needs_no_optional_package() -> None:
    code = ("import sys, digitnet, digitnet.cli.parser, digitnet.interop.onnx, "
            "digitnet.interop.safetensors; digitnet.cli.parser.build_parser(); "
            "print([m for m in ('sklearn', 'onnx', 'onnxruntime', 'safetensors', 'torch') "
            "if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_without_scikit_learn_the_extra_is_named() -> None:
    code = "import sys; sys.modules['sklearn'] = None; import digitnet.sklearn"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.endswith("digitnet.sklearn needs scikit-learn, which is not installed: "
                         "pip install 'digitnet[sklearn]'"), last
