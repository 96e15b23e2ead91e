"""What backpropagation returns: the gradient of the mean cost, layer by layer.

For a mini-batch of m examples the cost is the mean C = (1/m) sum_x C_x, so every derivative is
the mean of the examples' own derivatives. Backpropagation finds, for every layer l, each
example's error delta^l_x = dC_x/dz^l (BP1 for the last layer, BP2 for the ones before); the
last two equations turn those errors into the gradient::

    BP3  dC/db^l = (1/m) sum_x delta^l_x
    BP4  dC/dW^l = (1/m) sum_x delta^l_x (a^{l-1}_x)^T      a sum of outer products

With examples in rows, BP4 is one matrix product: ``delta.T @ inputs / m``. A ``LayerGradient``
keeps the two factors and forms the product when it is asked for, so plain gradient descent can
scale the small factor delta by eta instead of the large product (see ``SGD``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .activations import Array


@dataclass(slots=True)
class LayerGradient:
    """One layer's part of the gradient, for a batch of m examples.

    delta          (m, n_out)  each example's error delta^l_x = dC_x/dz^l
    inputs         (m, n_in)   the activations a^{l-1}_x the layer received (after dropout)
    weight_decay   lambda of an L2 term (lambda/2) sum w^2 added to the cost, with ``weights``
                   the layer's current weights W (n_out, n_in) it is taken from
    """

    delta: Array
    inputs: Array
    weight_decay: float = 0.0
    decayed: Array | None = field(default=None, repr=False)

    @property
    def m(self) -> int:
        """The number of examples."""
        return int(self.delta.shape[0])

    @property
    def weights(self) -> Array:
        """dC/dW = (1/m) sum_x delta_x a_x^T (BP4), + lambda W with weight decay; (n_out, n_in).

        Computed on each access: read it once.
        """
        gradient: Array = (self.delta * (1.0 / self.m)).T @ self.inputs  # (n_out, n_in)
        if self.weight_decay:
            assert self.decayed is not None
            gradient += self.weight_decay * self.decayed  # d/dW (lambda/2) sum w^2 = lambda W
        return gradient

    @property
    def biases(self) -> Array:
        """dC/db = (1/m) sum_x delta_x (BP3); (n_out,). Biases are never decayed."""
        gradient: Array = self.delta.mean(axis=0)  # (n_out,)
        return gradient


@dataclass(slots=True)
class Gradient:
    """The gradient of the mean cost over a batch, from one backward pass.

    ``layers[l]`` belongs to ``network.weights[l]`` and ``network.biases[l]``. ``inputs`` is
    dC/dX (m, n_in), the gradient with respect to the batch itself (row x is (1/m) dC_x/dx),
    when it was asked for; None otherwise.
    """

    layers: list[LayerGradient]
    inputs: Array | None = None

    def __iter__(self) -> Iterator[LayerGradient]:
        return iter(self.layers)

    def pairs(self) -> list[tuple[Array, Array]]:
        """[(dC/dW^0, dC/db^0), (dC/dW^1, dC/db^1), ...]."""
        return [(layer.weights, layer.biases) for layer in self.layers]

    def arrays(self) -> list[Array]:
        """[dC/dW^0, dC/db^0, dC/dW^1, ...], in the order of ``Network.parameters()``."""
        return [array for layer in self.layers for array in (layer.weights, layer.biases)]

    def with_weight_decay(self, weight_decay: float, weights: Sequence[Array]) -> Gradient:
        """The gradient of C + (lambda/2) sum w^2: every dC/dW gains lambda W (biases do not).

        The one place where weight decay enters learning, for every optimiser.
        """
        return Gradient([LayerGradient(layer.delta, layer.inputs, weight_decay, w)
                         for layer, w in zip(self.layers, weights, strict=True)], self.inputs)
