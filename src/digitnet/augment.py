"""Data augmentation: new training digits drawn from old ones, a whole batch at a time.

A digit turned a little, made a little larger or narrower, slanted, moved or wobbled is still the
same digit, so training on such variants teaches the network what does not matter. Two kinds of
distortion, combined into one resampling of each image:

* an **affine** transform: rotation by theta, scaling by (s_x, s_y), a horizontal shear of angle
  phi and a translation t. Around the image centre c, the pixel at p moves to
  ``p' = A (p - c) + c + t`` with ``A = R(theta) H(phi) S(s_x, s_y)``;
* an **elastic** distortion (Simard, Steinkraus and Platt 2003): each pixel also moves by its own
  displacement, a field of random numbers u(p), one per pixel and direction, smoothed by a
  Gaussian of standard deviation sigma and scaled by alpha: ``d = alpha (G_sigma * u)``. A small
  sigma gives noise, a large one an almost rigid shift; around 4-6 pixels it looks like a
  hand's wobble.

Every output pixel p' then reads the input at its source point (``source_points``)::

    p = A^{-1} (p' - c - t) + c + d(p')

between pixels, by bilinear interpolation (``bilinear``), with black beyond the border. All
images of a batch are handled at once: one (2, 2) matrix per image, the source points of every
pixel of every image in one array, and one gather with NumPy fancy indexing: no loop over images
(only over chunks of CHUNK images, so that the work arrays stay in the processor's cache). All
randomness comes from the ``numpy.random.Generator`` passed in. Pixels stay in [0, 1] and the
labels do not change (only images are returned).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import DTypeLike

from digitnet.activations import Array
from digitnet.errors import ConfigError

SIDE = 28  # images are SIDE x SIDE pixels, rows of SIDE**2 = 784 values
CENTRE = (SIDE - 1) / 2  # the centre of the image, 13.5, in pixel coordinates
PAD = 2  # black pixels around each image when sampling: any source point outside reads black
CHUNK = 256  # images distorted at once (a few MB of work arrays)


@dataclass(frozen=True)
class Augmentation:
    """How strongly to distort: each number is the largest change, drawn uniformly per image.

    rotation       degrees, theta ~ U(-rotation, rotation)
    scale          fraction, s_x and s_y ~ U(1 - scale, 1 + scale), drawn independently
    shear          degrees, phi ~ U(-shear, shear): x moves by tan(phi) y
    translation    pixels, t_x and t_y ~ U(-translation, translation)
    elastic_alpha  alpha, how far the elastic field moves pixels (0: no elastic distortion)
    elastic_sigma  sigma, the smoothness of the elastic field, in pixels

    All strengths zero (the default) is no augmentation at all, and such an Augmentation is
    false. Simard et al. used alpha = 34 and sigma = 4 on MNIST.
    """

    rotation: float = 0.0
    scale: float = 0.0
    shear: float = 0.0
    translation: float = 0.0
    elastic_alpha: float = 0.0
    elastic_sigma: float = 4.0
    basis: Array = field(init=False, repr=False, compare=False)  # see elastic_basis

    def __post_init__(self) -> None:
        for name in ("rotation", "scale", "shear", "translation", "elastic_alpha",
                     "elastic_sigma"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ConfigError(f"{name} must be a finite number >= 0, got {value}")
        if self.rotation >= 180 or self.shear >= 90:
            raise ConfigError(f"rotation must be below 180 degrees and shear below 90, got "
                              f"{self.rotation} and {self.shear}")
        if self.scale >= 1:
            raise ConfigError(f"scale must be below 1 (a factor 1 - scale > 0), got {self.scale}")
        if self.elastic_alpha > 0 and self.elastic_sigma <= 0:
            raise ConfigError("an elastic distortion (elastic_alpha > 0) needs elastic_sigma > 0")
        basis = elastic_basis(self.elastic_sigma) if self.elastic_alpha > 0 else np.zeros(0)
        object.__setattr__(self, "basis", basis)

    def __bool__(self) -> bool:
        return any((self.rotation, self.scale, self.shear, self.translation, self.elastic_alpha))

    def describe(self) -> str:
        """In words, e.g. 'images distorted: rotation 10 deg, elastic alpha 34 sigma 4'."""
        parts = [(self.rotation, f"rotation {self.rotation:g} deg"),
                 (self.scale, f"scale {self.scale:g}"),
                 (self.shear, f"shear {self.shear:g} deg"),
                 (self.translation, f"translation {self.translation:g} px"),
                 (self.elastic_alpha,
                  f"elastic alpha {self.elastic_alpha:g} sigma {self.elastic_sigma:g}")]
        return "images distorted: " + ", ".join(text for value, text in parts if value)

    def __call__(self, X: Array, rng: np.random.Generator) -> Array:
        """Distorted copies of the images X (m, 784) in [0, 1]: a new draw for every image."""
        out = np.empty_like(X)  # (m, 784)
        for start in range(0, X.shape[0], CHUNK):
            images = X[start:start + CHUNK]  # (<= CHUNK, 784)
            m = images.shape[0]
            A, t = random_affine(m, rng, self.rotation, self.scale, self.shear, self.translation)
            d = None
            if self.elastic_alpha > 0:
                d = elastic_displacements(m, rng, self.elastic_alpha, self.basis, X.dtype)
            out[start:start + m] = bilinear(images, source_points(A, t, d, X.dtype))
        return out


def random_affine(m: int, rng: np.random.Generator, rotation: float = 0.0, scale: float = 0.0,
                  shear: float = 0.0, translation: float = 0.0) -> tuple[Array, Array]:
    """m random affine transforms: matrices A (m, 2, 2) and translations t (m, 2), in (x, y).

    A = R(theta) H(phi) S(s_x, s_y), with
        R = [[cos theta, -sin theta], [sin theta, cos theta]]   (rotation)
        H = [[1, tan phi], [0, 1]]                              (shear: x moves by tan(phi) y)
        S = [[s_x, 0], [0, s_y]]                                (scaling)
    and every parameter drawn uniformly within the given strength (see :class:`Augmentation`).
    """
    u = rng.uniform(-1.0, 1.0, size=(m, 6))  # one row of draws per image
    theta, phi = np.radians(rotation) * u[:, 0], np.radians(shear) * u[:, 1]  # (m,)
    s_x, s_y = 1.0 + scale * u[:, 2], 1.0 + scale * u[:, 3]  # (m,)
    cos, sin, tan = np.cos(theta), np.sin(theta), np.tan(phi)
    # R H S multiplied out: R H = [[cos, cos tan - sin], [sin, sin tan + cos]], columns times S.
    A = np.empty((m, 2, 2))
    A[:, 0, 0], A[:, 0, 1] = cos * s_x, (cos * tan - sin) * s_y
    A[:, 1, 0], A[:, 1, 1] = sin * s_x, (sin * tan + cos) * s_y
    t = translation * u[:, 4:6]  # (m, 2)
    return A, t


def gaussian_matrix(sigma: float, n: int = SIDE) -> Array:
    """The (n, n) matrix G of a 1-d convolution with a Gaussian: (G u)_i = sum_k g(i - k) u_k.

    g(k) = exp(-k^2 / (2 sigma^2)), normalised to sum 1 over |k| <= 4 sigma, 0 beyond; values
    beyond the border count as 0. Multiplying by G is convolving, so smoothing a field U in both
    directions is G U G^T (the 2-d Gaussian is separable).
    """
    radius = math.ceil(4 * sigma)
    k = np.arange(-radius, radius + 1)
    g = np.exp(-k**2 / (2 * sigma**2))
    g /= g.sum()
    offsets = np.arange(n)[:, None] - np.arange(n)[None, :]  # (n, n): i - k
    G: Array = np.where(np.abs(offsets) <= radius, g[np.clip(offsets + radius, 0, 2 * radius)],
                        0.0)
    return G


def elastic_basis(sigma: float) -> Array:
    """W (28, k): the few smooth patterns that Gaussian smoothing keeps (see below).

    G is symmetric: G = Q Lambda Q^T, with orthonormal eigenvectors Q (smooth waves) and
    eigenvalues Lambda, so a smoothed field is G U G^T = Q Lambda (Q^T U Q) Lambda Q^T: weights
    (Q^T U Q)_ij on the patterns (lambda_i q_i)(lambda_j q_j)^T. Eigenvalues below 1% of the
    largest are dropped (W = Q_k Lambda_k): their patterns would move pixels by less than 1% as
    much. For sigma = 4, k = 8 of 28.
    """
    eigenvalues, Q = np.linalg.eigh(gaussian_matrix(sigma))  # ascending
    keep = np.abs(eigenvalues) >= 0.01 * np.abs(eigenvalues).max()
    W: Array = Q[:, keep] * eigenvalues[keep]  # (28, k)
    return W


def elastic_displacements(m: int, rng: np.random.Generator, alpha: float, basis: Array,
                          dtype: DTypeLike = np.float32) -> Array:
    """Simard et al.'s random displacement fields d (2, m, 784): d[0] moves x, d[1] moves y.

    The plain recipe: u ~ U(-1, 1) for every pixel and direction, d = alpha G U G^T (the
    Gaussian smoothing, separable: see :func:`gaussian_matrix`). Here the same smoothing is done
    in the basis of :func:`elastic_basis`: d = alpha W Z W^T with only k x k numbers per field,
    Z ~ U(-1, 1). In place of Q^T U Q they have the same mean (0) and covariance (1/3 times the
    identity: an orthonormal change of basis keeps the covariance of independent entries), so
    the field has the plain recipe's mean and covariance; both are close to Gaussian, each
    displacement being a weighted sum of many independent draws. For all 2m fields at once.
    """
    W = basis.astype(dtype)  # (28, k)
    k = W.shape[1]
    Z = rng.random((2 * m, k, k), dtype=np.float32).astype(dtype, copy=False)
    Z *= 2 * alpha
    Z -= alpha  # (2m, k, k): alpha u, u ~ U(-1, 1)
    d: Array = W @ Z @ W.T  # (2m, 28, 28)
    return d.reshape(2, m, SIDE * SIDE)  # (2, m, 784)


def source_points(A: Array, t: Array, d: Array | None = None,
                  dtype: DTypeLike = np.float32) -> Array:
    """Where each output pixel reads the input: p = A^{-1} (p' - c - t) + c + d(p'); (2, m, 784).

    ``A`` (m, 2, 2) and ``t`` (m, 2) describe the forward transforms (see
    :func:`random_affine`); ``d`` (2, m, 784) optional elastic displacements. A point is (x, y)
    in pixels, x the column and y the row, (0, 0) the centre of the top-left pixel; the result
    holds all x in [0] and all y in [1], in ``dtype``. With B = A^{-1}, the source point is an
    affine function of the output pixel p': p = B p' + (c - B (c + t)).
    """
    det = A[:, 0, 0] * A[:, 1, 1] - A[:, 0, 1] * A[:, 1, 0]  # (m,)
    B = np.stack((np.stack((A[:, 1, 1], -A[:, 0, 1]), -1),
                  np.stack((-A[:, 1, 0], A[:, 0, 0]), -1)), 1) / det[:, None, None]  # (m, 2, 2)
    offset = CENTRE - np.einsum("mij,mj->mi", B, CENTRE + t)  # (m, 2): c - B (c + t)
    # Row i of [B | offset] times (x, y, 1) of each pixel gives coordinate i of its source point:
    # all of them at once, a (2, m, 3) by (3, 784) matrix product.
    coefficients = np.concatenate((B, offset[:, :, None]), axis=2).transpose(1, 0, 2)
    y, x = np.mgrid[0:SIDE, 0:SIDE].reshape(2, SIDE * SIDE)
    pixels = np.stack((x, y, np.ones_like(x))).astype(dtype)  # (3, 784): x, y, 1 of each p'
    points: Array = coefficients.astype(dtype) @ pixels  # (2, m, 784)
    if d is not None:
        points += d
    return points


def bilinear(X: Array, points: Array) -> Array:
    """The images X (m, 784) read at the points (2, m, 784) by bilinear interpolation; (m, 784).

    With x0 = floor(x), f = x - x0 (and likewise y0, g), the value at (x, y) is
        top + g (bottom - top),  top = I[y0, x0] + f (I[y0, x0 + 1] - I[y0, x0])
                                 bottom = I[y0 + 1, x0] + f (I[y0 + 1, x0 + 1] - I[y0 + 1, x0])
    where I is 0 outside the image. Each image is padded with PAD black pixels, and points are
    clipped to at most 1.5 pixels outside it: all four neighbours of such a point are black
    anyway. ``points`` is overwritten.
    """
    m, side = X.shape[0], SIDE + 2 * PAD
    padded = np.zeros((m, side, side), X.dtype)
    padded[:, PAD:-PAD, PAD:-PAD] = X.reshape(m, SIDE, SIDE)
    np.clip(points, -1.5, SIDE + 0.5, out=points)
    corner = np.floor(points)  # (2, m, 784): x0 and y0
    points -= corner  # (2, m, 784): f and g, in [0, 1)
    f, g = points[0], points[1]
    # [y0, x0] of image i in all padded images: (i side + y0 + PAD) side + x0 + PAD (whole
    # numbers below 2^24, exact in float32 as long as m < 16,384)
    first = (np.arange(m, dtype=points.dtype) * side + PAD) * side + PAD  # (m,)
    index = corner[1] * side
    index += corner[0]
    index += first[:, None]
    index = index.astype(np.intp)  # (m, 784)
    flat = padded.reshape(-1)  # flat[k:][index] is flat[index + k], without a new index array
    top: Array = flat[index]  # (m, 784), and likewise the three other neighbours
    top_right = flat[1:][index]
    bottom, bottom_right = flat[side:][index], flat[side + 1:][index]
    top_right -= top
    top_right *= f
    top += top_right  # top = I[y0, x0] + f (I[y0, x0 + 1] - I[y0, x0])
    bottom_right -= bottom
    bottom_right *= f
    bottom += bottom_right  # bottom, likewise one row down
    bottom -= top
    bottom *= g
    top += bottom  # top + g (bottom - top)
    np.clip(top, 0.0, 1.0, out=top)
    return top
