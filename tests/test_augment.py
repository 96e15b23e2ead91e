"""Augmentation: the affine warp against scipy.ndimage, the formulas, determinism, the wiring."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from digitnet import PRESETS, ConfigError, TrainingConfig, train
from digitnet.augment import (
    CENTRE,
    SIDE,
    Augmentation,
    bilinear,
    elastic_basis,
    elastic_displacements,
    gaussian_matrix,
    random_affine,
    source_points,
)
from digitnet.descent import gradient_step
from digitnet.metrics import one_hot

STRONG = Augmentation(rotation=30, scale=0.3, shear=20, translation=4, elastic_alpha=40,
                      elastic_sigma=4)


def images(m: int = 6, dtype: type = np.float64, seed: int = 0) -> np.ndarray:
    """m images (m, 784) in [0, 1]: random pixels under a smooth blob, so that both the
    pixel-level detail and large shapes are tested."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:SIDE, 0:SIDE]
    blob = np.exp(-((x - 12) ** 2 + (y - 15) ** 2) / 60.0).ravel()
    return (rng.random((m, SIDE * SIDE)) * blob).astype(dtype)


def scipy_affine(image: np.ndarray, A: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The same transform by scipy: output[o] = input[M o + offset] in (row, column) order."""
    swap = np.array([[0, 1], [1, 0]])  # (x, y) <-> (row, column)
    M = swap @ np.linalg.inv(A) @ swap
    c = np.array([CENTRE, CENTRE])
    offset = c - M @ (c + t[::-1])
    out = ndimage.affine_transform(image.reshape(SIDE, SIDE), M, offset, order=1,
                                   mode="grid-constant", cval=0.0)
    return np.asarray(out).ravel()


def test_random_affine_warp_matches_scipy_ndimage() -> None:
    X = images(6)
    A, t = random_affine(6, np.random.default_rng(1), rotation=40, scale=0.3, shear=25,
                         translation=8)
    out = bilinear(X, source_points(A, t, dtype=np.float64))
    for i in range(6):
        np.testing.assert_allclose(out[i], scipy_affine(X[i], A[i], t[i]), rtol=0, atol=1e-12)
    assert out.sum() > 0.3 * X.sum()  # the digits stay on the page, mostly


def test_float32_warp_matches_scipy_to_float32_precision() -> None:
    X = images(4, np.float32)
    A, t = random_affine(4, np.random.default_rng(2), rotation=15, scale=0.15, shear=10,
                         translation=2)
    out = bilinear(X, source_points(A, t, dtype=np.float32))
    assert out.dtype == np.float32
    for i in range(4):
        np.testing.assert_allclose(out[i], scipy_affine(X[i].astype(np.float64), A[i], t[i]),
                                   rtol=0, atol=2e-5)


def test_affine_matrix_is_rotation_times_shear_times_scaling() -> None:
    """A = R(theta) H(phi) S(s_x, s_y), with the parameters recovered from the same draws."""
    rng = np.random.default_rng(3)
    A, t = random_affine(5, np.random.default_rng(3), 20, 0.2, 10, 3)
    u = rng.uniform(-1.0, 1.0, size=(5, 6))
    for i in range(5):
        theta, phi = np.radians(20 * u[i, 0]), np.radians(10 * u[i, 1])
        R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        H = np.array([[1.0, np.tan(phi)], [0.0, 1.0]])
        S = np.diag([1 + 0.2 * u[i, 2], 1 + 0.2 * u[i, 3]])
        np.testing.assert_allclose(A[i], R @ H @ S, atol=1e-12)
        np.testing.assert_allclose(t[i], 3 * u[i, 4:6], atol=1e-12)


def test_whole_pixel_moves_and_quarter_turns_are_exact() -> None:
    X = images(2)
    square = X.reshape(2, SIDE, SIDE)
    identity = np.tile(np.eye(2), (2, 1, 1))
    moved = bilinear(X, source_points(identity, np.array([[2.0, 1.0]] * 2), dtype=np.float64))
    expected = np.zeros_like(square)
    expected[:, 1:, 2:] = square[:, :-1, :-2]  # t = (2, 1): two columns right, one row down
    np.testing.assert_array_equal(moved.reshape(2, SIDE, SIDE), expected)
    quarter = np.tile(np.array([[0.0, -1.0], [1.0, 0.0]]), (2, 1, 1))  # R(90 degrees)
    turned = bilinear(X, source_points(quarter, np.zeros((2, 2)), dtype=np.float64))
    # y points down, so +90 degrees turns the picture clockwise: np.rot90 with k = -1
    np.testing.assert_allclose(turned.reshape(2, SIDE, SIDE), np.rot90(square, -1, (1, 2)),
                               atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_identity_parameters_give_the_input_back(dtype: type) -> None:
    X = images(5, dtype)
    none = Augmentation()
    assert not none
    out = none(X, np.random.default_rng(0))
    np.testing.assert_array_equal(out, X)
    assert out.dtype == dtype and out is not X


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_dtypes_and_pixel_range_are_kept(dtype: type) -> None:
    X = images(300, dtype)  # more than one chunk
    X[:, 200] = 1.0
    out = STRONG(X, np.random.default_rng(0))
    assert out.shape == X.shape and out.dtype == dtype
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert not np.allclose(out, X)


def test_deterministic_for_a_seed_and_different_for_another() -> None:
    X = images(40, np.float32)
    first = STRONG(X, np.random.default_rng(7))
    again = STRONG(X, np.random.default_rng(7))
    other = STRONG(X, np.random.default_rng(8))
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 0.1


def test_elastic_only_displaces_smoothly_by_alpha() -> None:
    """d = alpha G U G^T: neighbouring displacements agree, and twice alpha is twice as far."""
    basis = elastic_basis(4.0)
    d = elastic_displacements(500, np.random.default_rng(0), 10.0, basis, np.float64)
    d2 = elastic_displacements(500, np.random.default_rng(0), 20.0, basis, np.float64)
    assert d.shape == (2, 500, SIDE * SIDE)
    np.testing.assert_allclose(d2, 2 * d, rtol=1e-12)
    fields = d.reshape(2, 500, SIDE, SIDE)
    step = np.abs(np.diff(fields, axis=3)).mean()
    assert step < 0.2 * np.abs(fields).mean()  # smooth: a pixel moves almost like its neighbour


@pytest.mark.parametrize("sigma", [2.0, 4.0, 6.0])
def test_elastic_basis_gives_the_gaussian_smoothed_field_covariance(sigma: float) -> None:
    """W Z W^T has the covariance of G U G^T when Cov(each row) is W W^T = G G^T."""
    G, W = gaussian_matrix(sigma), elastic_basis(sigma)
    assert W.shape[1] < SIDE
    np.testing.assert_allclose(W @ W.T, G @ G.T, rtol=0, atol=1e-3 * np.abs(G @ G.T).max())
    np.testing.assert_allclose(G, G.T)
    k = np.arange(SIDE) - SIDE // 2  # row SIDE // 2: g(i - k) = exp(-k^2 / (2 sigma^2)) / sum
    g = np.exp(-k**2 / (2 * sigma**2)) * (np.abs(k) <= 4 * sigma)
    np.testing.assert_allclose(G[SIDE // 2] / G[SIDE // 2].max(), g, atol=1e-12)
    if 4 * sigma < SIDE // 2:  # the whole Gaussian fits: it sums to 1
        np.testing.assert_allclose(G[SIDE // 2].sum(), 1.0, atol=1e-12)


def test_elastic_field_matches_the_plain_recipe_in_size() -> None:
    """The plain recipe, u ~ U(-1, 1) smoothed by G U G^T, moves pixels as far on average."""
    rng = np.random.default_rng(0)
    G = gaussian_matrix(4.0)
    plain = 34 * G @ rng.uniform(-1, 1, (4000, SIDE, SIDE)) @ G.T
    fast = elastic_displacements(2000, rng, 34.0, elastic_basis(4.0), np.float64)
    ratio = fast.std(axis=(0, 1)) / plain.reshape(4000, -1).std(axis=0)  # per pixel
    assert abs(ratio.mean() - 1) < 0.02 and ratio.min() > 0.85 and ratio.max() < 1.15


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"rotation": -1.0}, "rotation must be a finite number >= 0"),
     ({"shear": float("nan")}, "shear must be a finite number >= 0"),
     ({"rotation": 180.0}, "below 180 degrees"),
     ({"scale": 1.0}, "scale must be below 1"),
     ({"elastic_alpha": 30.0, "elastic_sigma": 0.0}, "needs elastic_sigma > 0")],
)
def test_impossible_strengths_are_refused(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Augmentation(**changes)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=message):
        PRESETS["modern"].replace(**changes)


def test_augmentation_needs_28x28_images() -> None:
    with pytest.raises(ConfigError, match="28x28 images: the first layer must have 784"):
        TrainingConfig(layers=(100, 10), rotation=5.0)
    assert not TrainingConfig(layers=(100, 10)).augmentation()


def test_config_carries_the_strengths_and_old_records_still_load() -> None:
    config = PRESETS["modern"].replace(rotation=10.0, elastic_alpha=30.0, elastic_sigma=5.0)
    assert config.augmentation() == Augmentation(10.0, 0.0, 0.0, 0.0, 30.0, 5.0)
    assert TrainingConfig.from_dict(config.to_dict()) == config
    old = {k: v for k, v in PRESETS["modern"].to_dict().items()
           if k not in ("rotation", "scale", "shear", "translation", "elastic_alpha",
                        "elastic_sigma")}
    assert not TrainingConfig.from_dict(old).augmentation()
    for name in ("3b1b", "nielsen", "modern", "3b1b-tuned", "demo"):
        assert not PRESETS[name].augmentation()


def test_training_with_augmentation_is_deterministic_and_differs_from_without() -> None:
    X = images(200, np.float32)
    y = np.arange(200) % 10
    base = TrainingConfig(layers=(784, 20, 10), activation="relu", output_activation="softmax",
                          cost="categorical_cross_entropy", init="he", optimizer="adam",
                          learning_rate=0.01, mini_batch_size=32, epochs=2)
    results = []
    for config in (base.replace(rotation=10.0, elastic_alpha=20.0),) * 2 + (base,):
        net = config.build_network()
        history = train(net, X, y, config)
        assert history.stop_reason == "completed"
        results.append(np.concatenate([p.ravel() for p in net.parameters()]))
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.allclose(results[0], results[2])


def test_without_augmentation_training_is_the_plain_loop() -> None:
    """No augmentation draws nothing: the same result as shuffling and stepping by hand."""
    X, y = images(120, np.float32), np.arange(120) % 10
    config = PRESETS["3b1b-tuned"].replace(epochs=2, layers=(784, 12, 10), dropout=0.2)
    net, by_hand = config.build_network(), config.build_network()
    train(net, X, y, config)
    rng, Y = np.random.default_rng([config.seed, 1]), one_hot(y, 10, np.float32)
    optimizer = config.make_optimizer()
    for epoch in range(config.epochs):
        order = rng.permutation(120)
        for k in range(0, 120, config.mini_batch_size):
            rows = order[k:k + config.mini_batch_size]
            gradient_step(by_hand, optimizer, X[rows], Y[rows], config.learning_rate_at(epoch),
                          config, rng)
    for mine, theirs in zip(net.parameters(), by_hand.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize(("batch", "epochs", "clean_finish", "clean"),
                         [(16, 2, 0.0, 0), (50, 2, 0.0, 0), (32, 4, 0.25, 1)])
def test_augmentation_draws_per_mini_batch_before_its_step(batch: int, epochs: int,
                                                           clean_finish: float,
                                                           clean: int) -> None:
    """train = shuffle; for each mini-batch: distort it with the run's generator, then step
    (dropout drawing next). Only the images change, each mini-batch keeps its labels, and the
    draws depend on nothing but the mini-batch, so a run resumed mid-epoch redraws them. The
    last ``clean`` epochs (the clean finish) take the images as they are and draw nothing."""
    X, y = images(120, np.float32), np.arange(120) % 10
    config = PRESETS["3b1b-tuned"].replace(epochs=epochs, layers=(784, 12, 10), dropout=0.2,
                                           mini_batch_size=batch, rotation=15.0, scale=0.1,
                                           shear=5.0, translation=2.0, elastic_alpha=30.0,
                                           clean_finish=clean_finish)
    net, by_hand = config.build_network(), config.build_network()
    train(net, X, y, config)
    rng, Y = np.random.default_rng([config.seed, 1]), one_hot(y, 10, np.float32)
    optimizer, augmentation = config.make_optimizer(), config.augmentation()
    for epoch in range(config.epochs):
        order = rng.permutation(120)
        for k in range(0, 120, batch):
            rows = order[k:k + batch]
            distorted = X[rows]
            if epoch < epochs - clean:
                distorted = augmentation(X[rows], rng)  # (<= batch, 784)
                assert distorted.shape == X[rows].shape and not np.allclose(distorted, X[rows])
                assert distorted.min() >= 0.0 and distorted.max() <= 1.0
            gradient_step(by_hand, optimizer, distorted, Y[rows], config.learning_rate_at(epoch),
                          config, rng)
    for mine, theirs in zip(net.parameters(), by_hand.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize(("fraction", "epochs", "clean"),
                         [(0.1, 50, 5), (0.1, 25, 3), (0.1, 4, 0), (0.5, 1, 1), (0.0, 50, 0)])
def test_the_clean_finish_is_a_fraction_of_the_epochs_rounded_half_up(
        fraction: float, epochs: int, clean: int) -> None:
    config = PRESETS["best-augmented"].replace(clean_finish=fraction, epochs=epochs)
    assert config.clean_epochs == clean
    assert [config.distorts(e) for e in range(epochs)] == [e < epochs - clean
                                                         for e in range(epochs)]
    # without distortions there is nothing to finish without
    assert not any(PRESETS["best"].replace(clean_finish=fraction).distorts(e) for e in range(3))


@pytest.mark.parametrize("fraction", [-0.1, 1.0, float("nan")])
def test_an_impossible_clean_finish_is_refused(fraction: float) -> None:
    with pytest.raises(ConfigError, match="the clean finish must be a fraction in"):
        PRESETS["best-augmented"].replace(clean_finish=fraction)
