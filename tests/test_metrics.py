"""Accuracy, the confusion matrix and evaluation, on cases small enough to count by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitnet import ConfigError, InputError, Network, accuracy, confusion_matrix, evaluate, one_hot
from digitnet.metrics import (
    EVALUATION_CHUNK,
    Evaluation,
    Mistakes,
    answers,
    mistakes,
    predict_in_chunks,
    uniform_noise,
)


def test_confusion_matrix_rows_are_true_classes_and_columns_predictions() -> None:
    """counts[i, j] = how many examples of true class i were predicted as class j."""
    labels = np.array([0, 0, 0, 1, 2, 2])
    predicted = np.array([0, 1, 1, 1, 0, 2])
    expected = np.array([[1, 2, 0],   # two 0s taken for 1s
                         [0, 1, 0],
                         [1, 0, 1]])  # one 2 taken for a 0
    counts = confusion_matrix(predicted, labels, num_classes=3)
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == np.int64
    assert confusion_matrix(predicted, labels).shape == (10, 10)  # ten digits by default


def test_accuracy_is_the_fraction_right() -> None:
    assert accuracy(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4])) == 0.75
    assert math.isnan(accuracy(np.array([], int), np.array([], int)))


def test_per_class_accuracy_is_the_diagonal_over_the_row_sums() -> None:
    confusion = np.array([[1, 2, 0], [0, 1, 0], [0, 0, 0]])
    result = Evaluation(0.0, 0.5, confusion)
    np.testing.assert_allclose(result.per_class_accuracy[:2], [1 / 3, 1.0])
    assert math.isnan(result.per_class_accuracy[2])  # no example of class 2
    assert result.count == 4


def linear_network() -> Network:
    """Four inputs, three outputs, output j = x_j: the prediction is the index of the largest
    of the first three inputs."""
    return Network.from_arrays([np.eye(3, 4)], [np.zeros(3)], "identity", "identity",
                               "quadratic")


def test_evaluate_counts_what_the_network_predicts() -> None:
    X = np.array([[1.0, 0, 0, 5], [0, 1, 0, 5], [0, 0, 1, 5], [0, 2, 0, 5]])
    labels = np.array([0, 1, 1, 2])  # right, right, 2 for a 1, 1 for a 2
    result = evaluate(linear_network(), X, labels)
    assert result.accuracy == 0.5
    np.testing.assert_array_equal(result.confusion, [[1, 0, 0], [0, 1, 1], [0, 1, 0]])
    # quadratic cost: (1/2m) sum ||a - y||^2 = (0 + 0 + 2 + 5) / 8
    assert result.cost == pytest.approx(7 / 8)
    empty = evaluate(linear_network(), np.zeros((0, 4)), np.zeros(0, int))
    assert math.isnan(empty.cost) and math.isnan(empty.accuracy) and empty.count == 0


def test_predictions_in_chunks_equal_one_pass() -> None:
    net = Network([5, 4, 3], dtype=np.float64, seed=0)
    X = np.random.default_rng(0).random((2 * EVALUATION_CHUNK + 3, 5))  # three chunks
    labels, output = predict_in_chunks(net, X)
    np.testing.assert_allclose(output, net.feedforward(X), rtol=1e-12)
    np.testing.assert_array_equal(labels, net.predict(X))


def test_predictions_of_an_empty_set_have_the_output_shape() -> None:
    net = Network([5, 4, 3], seed=0)
    labels, output = predict_in_chunks(net, np.zeros((0, 5), np.float32))
    assert labels.shape == (0,) and output.shape == (0, 3)
    assert evaluate(net, np.zeros((0, 5), np.float32), np.zeros(0, int)).confusion.shape == (3, 3)


def test_answers_and_mistakes_by_hand() -> None:
    """Confidence = the largest of p_j = a_j / sum_i a_i (identity outputs, see probabilities);
    the mistakes are the rows whose answer is not their label, in the order of the set."""
    X = np.array([[1.0, 0, 0, 5], [0, 3, 1, 5], [0, 0, 2, 5], [1, 1, 2, 5]])
    said = answers(linear_network(), X)
    np.testing.assert_array_equal(said.predicted, [0, 1, 2, 2])
    np.testing.assert_allclose(said.confidence, [1.0, 0.75, 1.0, 0.5])
    wrong = mistakes(linear_network(), X, np.array([0, 2, 2, 0]))
    np.testing.assert_array_equal(wrong.indices, [1, 3])
    np.testing.assert_array_equal(wrong.labels, [2, 0])
    np.testing.assert_array_equal(wrong.predicted, [1, 2])
    np.testing.assert_allclose(wrong.confidence, [0.75, 0.5])
    assert wrong.count == 4 and wrong.error_rate == 0.5
    empty = np.zeros(0, int)
    none = Mistakes(empty, empty, empty, empty.astype(float), count=0)
    assert math.isnan(none.error_rate)
    with pytest.raises(InputError, match=r"4 examples but labels of shape \(3,\)"):
        mistakes(linear_network(), X, np.array([0, 2, 2]))


def test_uniform_noise() -> None:
    noise = uniform_noise(50, 7, np.random.default_rng(0))
    assert noise.shape == (50, 7) and noise.dtype == np.float32
    assert noise.min() >= 0.0 and noise.max() < 1.0 and 0.4 < noise.mean() < 0.6
    assert uniform_noise(1, 3, np.random.default_rng(0), np.float64).dtype == np.float64
    with pytest.raises(ConfigError, match="at least 1, got 0"):
        uniform_noise(0, 3, np.random.default_rng(0))


def test_one_hot() -> None:
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    ten = one_hot(np.array([9, 0]))  # ten digits, float32, by default
    assert ten.shape == (2, 10) and ten.dtype == np.float32 and ten[0, 9] == ten[1, 0] == 1
    assert one_hot(np.array([1]), 2, np.float64).dtype == np.float64
    assert one_hot(np.zeros(0, int), 4).shape == (0, 4)
    for bad, found in ((np.array([0, 3]), "0..3"), (np.array([2, -1]), "-1..2")):
        with pytest.raises(InputError, match=rf"lie in 0\.\.2, found {found}"):
            one_hot(bad, 3)
    with pytest.raises(InputError, match="one-dimensional"):
        one_hot(np.zeros((2, 2), int), 3)
