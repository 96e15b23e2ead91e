"""The network: a stack of fully connected layers, its forward pass and backpropagation.

Layer l (counting from 0) holds ``weights[l]``, shape (n_out, n_in), and ``biases[l]``, shape
(n_out,). Each layer turns the activations of the layer before it into its own::

    z = W a + b          the weighted inputs
    a' = sigma(z)        the activations

A whole mini-batch goes through at once: the examples are the rows of ``A`` (m, n_in), so the
same formula reads ``Z = A @ W.T + b`` (m, n_out). There is no loop over examples anywhere.

Backpropagation computes the gradient of the cost with the chain rule, layer by layer from the
output back to the input. With delta^l = dC/dz^l (the error of layer l), the four equations are::

    BP1  delta^L = grad_a C (*) sigma'(z^L)              error of the output layer
    BP2  delta^l = (W^{l+1}.T delta^{l+1}) (*) sigma'(z^l) error moved one layer back
    BP3  dC/db^l = delta^l
    BP4  dC/dW^l = delta^l (a^{l-1}).T

(*) is the element-wise product. ``output_error`` is BP1, ``backward`` BP2; BP3 and BP4, averaged
over the batch, are in :mod:`digitnet.gradients`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .activations import ACTIVATIONS, Activation, Array
from .architecture import (
    Architecture,
    checked_batch,
    compatible_cost,
    hidden_activation,
    resolve_dtype,
    validate_sizes,
)
from .dropout import dropout_mask
from .errors import InputError
from .gradients import Gradient, LayerGradient
from .initializers import INITIALIZERS
from .registry import lookup


@dataclass(slots=True)
class ForwardPass:
    """Everything the forward pass computed that backpropagation needs.

    ``inputs[l]`` is what layer l received (``inputs[0]`` is the batch X), ``zs[l]`` its weighted
    inputs and ``activations[l]`` its activations sigma(z). With dropout, ``masks[l]`` zeroes
    some hidden neurons and ``inputs[l + 1] = activations[l] * masks[l]``; with input dropout,
    ``inputs[0] = X * input_mask``.
    """

    inputs: list[Array]
    zs: list[Array]
    activations: list[Array]
    masks: list[Array | None]
    input_mask: Array | None = None

    @property
    def output(self) -> Array:
        """The output layer's activations, (m, n_out)."""
        return self.activations[-1]


class Network:
    """A fully connected feed-forward network.

    >>> net = Network([784, 16, 16, 10])
    >>> net.num_parameters
    13002

    ``activation`` is used by the hidden layers and ``output_activation`` by the last one;
    ``cost`` is what training minimises. Names resolve through ``ACTIVATIONS``, ``COSTS`` and
    ``INITIALIZERS``. The same seed always gives the same initial weights.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "sigmoid",
                 output_activation: str = "sigmoid", cost: str = "quadratic",
                 init: str = "normal", dtype: DTypeLike = np.float32, seed: int = 0) -> None:
        self.sizes = validate_sizes(sizes)
        self.activation = hidden_activation(activation)
        self.output_activation = lookup(ACTIVATIONS, output_activation, "activation")
        self.cost = compatible_cost(cost, output_activation)
        self.dtype = resolve_dtype(dtype)
        initialize = lookup(INITIALIZERS, init, "initialisation")
        rng = np.random.default_rng(seed)
        self.weights: list[Array] = []
        self.biases: list[Array] = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            w, b = initialize(n_in, n_out, rng)
            self.weights.append(w.astype(self.dtype))  # (n_out, n_in)
            self.biases.append(b.astype(self.dtype))  # (n_out,)

    @classmethod
    def from_arrays(cls, weights: Sequence[Array], biases: Sequence[Array],
                    activation: str = "sigmoid", output_activation: str = "sigmoid",
                    cost: str = "quadratic") -> Network:
        """A network with the given parameters (copied); shapes must chain layer to layer."""
        if len(weights) != len(biases) or not weights:
            raise InputError(f"got {len(weights)} weight matrices and {len(biases)} bias vectors")
        sizes = [np.shape(weights[0])[-1]] + [np.shape(w)[0] for w in weights]
        network = cls(sizes, activation, output_activation, cost, "xavier",
                      np.asarray(weights[0]).dtype, seed=0)
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
            expected = (sizes[layer + 1], sizes[layer])
            if np.shape(w) != expected or np.shape(b) != (sizes[layer + 1],):
                raise InputError(f"layer {layer}: weights {np.shape(w)} and biases "
                                 f"{np.shape(b)} do not chain; expected {expected} and "
                                 f"({sizes[layer + 1]},)")
        network.set_parameters(weights, biases)
        return network

    @property
    def num_layers(self) -> int:
        """The number of layers of weights (one fewer than the number of layers of neurons)."""
        return len(self.weights)

    @property
    def architecture(self) -> Architecture:
        """The shape and kind of this network, as plain data."""
        return Architecture(tuple(self.sizes), self.activation.name, self.output_activation.name,
                            self.cost.name, np.dtype(self.dtype).name)

    @property
    def num_parameters(self) -> int:
        """How many weights and biases there are: sum over layers of n_out * n_in + n_out."""
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases, strict=True))

    def layer_activation(self, layer: int) -> Activation:
        """The activation of layer ``layer`` (0-based): hidden ones, then the output one."""
        return self.output_activation if layer == len(self.weights) - 1 else self.activation

    def parameters(self) -> list[Array]:
        """The arrays that learning changes, in place: [W_0, b_0, W_1, b_1, ...]."""
        return [p for pair in zip(self.weights, self.biases, strict=True) for p in pair]

    def __repr__(self) -> str:
        shape = "-".join(str(n) for n in self.sizes)
        return (
            f"Network({shape}: {self.activation.name} hidden, {self.output_activation.name} "
            f"output, {self.cost.name} cost, {self.num_parameters:,} parameters, "
            f"{np.dtype(self.dtype).name})"
        )

    # --- the forward pass: a' = sigma(W a + b), layer by layer -------------------------------
    def forward(self, X: Array, dropout: float = 0.0, rng: np.random.Generator | None = None,
                input_dropout: float = 0.0) -> ForwardPass:
        """Feed the batch X (m, n_in) through every layer, keeping z and a for backprop.

        With ``dropout`` p > 0 (training only), each hidden activation is kept with probability
        1 - p and scaled by 1 / (1 - p), so that its expected value does not change;
        ``input_dropout`` does the same to the pixels of X.
        """
        input_mask = None
        if input_dropout > 0.0:
            input_mask = dropout_mask(X.shape, input_dropout, rng, self.dtype)
            X = X * input_mask  # (m, n_in)
        inputs: list[Array] = [X]
        zs: list[Array] = []
        activations: list[Array] = []
        masks: list[Array | None] = []
        a = X
        last = self.num_layers - 1
        for layer, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = a @ w.T  # (m, n_out)
            z += b
            a = self.layer_activation(layer)(z)  # (m, n_out)
            zs.append(z)
            activations.append(a)
            mask = None
            if dropout > 0.0 and layer < last:
                mask = dropout_mask(a.shape, dropout, rng, self.dtype)
                a = a * mask  # (m, n_out)
            masks.append(mask)
            inputs.append(a)
        return ForwardPass(inputs[:-1], zs, activations, masks, input_mask)

    def feedforward(self, X: Array, start: int = 0) -> Array:
        """The network as a function: X (m, n_in) -> output activations (m, n_out).

        One example (n_in,) gives one output (n_out,). With ``start`` = l, X holds layer l's
        activations (m, sizes[l]) and only the layers after it are computed.
        """
        a = checked_batch(X, self.sizes[start], self.dtype)
        for layer in range(start, self.num_layers):
            z = a @ self.weights[layer].T  # (m, n_out)
            z += self.biases[layer]
            a = self.layer_activation(layer)(z)
        return a[0] if np.ndim(X) == 1 else a

    def predict_proba(self, X: Array) -> Array:
        """Class probabilities (m, n_out), each row summing to 1 (see :meth:`probabilities`)."""
        p = self.probabilities(np.atleast_2d(self.feedforward(X)))
        return p[0] if np.ndim(X) == 1 else p

    def probabilities(self, output: Array) -> Array:
        """Output activations (m, n_out) as probabilities: p_j = a_j / sum_i a_i.

        Softmax outputs are probabilities already; other outputs are clipped at 0 and divided by
        their row sum (a row of zeros gives 1/n_out each).
        """
        if self.output_activation.name == "softmax":
            return output
        a = np.clip(output, 0.0, None)
        total = a.sum(axis=1, keepdims=True)  # (m, 1)
        p: Array = np.divide(a, total, out=np.full_like(a, 1.0 / a.shape[1]), where=total > 0)
        return p

    def predict(self, X: Array) -> NDArray[np.intp]:
        """The digit each row of X is taken for: the index of the most active output neuron."""
        labels: NDArray[np.intp] = np.argmax(self.feedforward(X), axis=-1)
        return labels

    def cost_value(self, X: Array, Y: Array) -> float:
        """The cost C averaged over the examples of X (m, n_in), desired outputs Y (m, n_out)."""
        return self.cost.value(np.atleast_2d(self.feedforward(X)), np.atleast_2d(Y))

    # --- backpropagation -----------------------------------------------------------------------
    def output_error(self, forward: ForwardPass, Y: Array) -> Array:
        """BP1: each example's error of the output layer, delta^L = dC_x/dz^L; (m, n_L).

        ``Y`` (m, n_L) holds the desired outputs. The cost gives dC_x/da^L and the output
        activation turns it into dC_x/dz^L (simplified to a - y where the pair allows it).
        """
        L = self.num_layers - 1
        return self.cost.output_delta(forward.zs[L], forward.activations[L], Y,
                                      self.output_activation)

    def backward(self, forward: ForwardPass, delta: Array, input_gradient: bool = False
                 ) -> Gradient:
        """Backpropagation: from the output error delta^L (m, n_L), every layer's gradient.

        Walks from the output layer back to the first, moving each example's error one layer
        back with BP2; BP3 and BP4 turn each layer's error into its (dC/dW, dC/db) (see
        :class:`~digitnet.gradients.LayerGradient`): the gradient of the mean cost, never a
        step. ``input_gradient`` carries the error on to the input: dC/dX, (m, n_in). ``delta``
        is usually :meth:`output_error`; any dJ/dz^L gives the gradient of that J instead.
        """
        derivative = self.activation.derivative
        assert derivative is not None  # hidden activations are element-wise
        layers: list[LayerGradient] = []
        for layer in range(self.num_layers - 1, -1, -1):
            layers.append(LayerGradient(delta, forward.inputs[layer]))
            if layer > 0:
                grad_a = delta @ self.weights[layer]  # (m, n_in): W.T delta, as rows
                mask = forward.masks[layer - 1]
                if mask is not None:
                    grad_a *= mask  # a dropped neuron passes no error back
                z, a = forward.zs[layer - 1], forward.activations[layer - 1]
                grad_a *= derivative(z, a)  # BP2, in place (grad_a is ours): (m, n_in)
                delta = grad_a
        layers.reverse()
        inputs = None
        if input_gradient:
            inputs = (delta @ self.weights[0]) * (1.0 / delta.shape[0])  # (m, n_in)
            if forward.input_mask is not None:
                inputs *= forward.input_mask  # a dropped pixel has no effect on the cost
        return Gradient(layers, inputs)

    def gradients(
        self, X: Array, Y: Array, dropout: float = 0.0, rng: np.random.Generator | None = None
    ) -> list[tuple[Array, Array]]:
        """The gradient of the mean cost over X (m, n_in), Y (m, n_out): [(dW, db), ...].

        One (dC/dW, dC/db) per layer, with the shapes of (weights[l], biases[l]).
        """
        X = self.check_inputs(X)
        Y = np.asarray(Y, dtype=self.dtype)
        if Y.shape != (X.shape[0], self.sizes[-1]):
            raise InputError(f"Y has shape {Y.shape}, expected {(X.shape[0], self.sizes[-1])}")
        forward = self.forward(X, dropout, rng)
        return self.backward(forward, self.output_error(forward, Y)).pairs()

    def check_inputs(self, X: Array) -> Array:
        """X as a (m, n_in) array of this network's dtype; a clear error for anything else."""
        return checked_batch(X, self.sizes[0], self.dtype)

    def copy(self) -> Network:
        """A deep copy: same architecture, its own parameter arrays."""
        clone = object.__new__(Network)
        clone.__dict__.update(self.__dict__)
        clone.weights = [w.copy() for w in self.weights]
        clone.biases = [b.copy() for b in self.biases]
        return clone

    def set_parameters(self, weights: Sequence[Array], biases: Sequence[Array]) -> None:
        """Copy values into the existing arrays (keeping their identity for the optimiser)."""
        for mine, theirs in zip(self.weights + self.biases, list(weights) + list(biases),
                                strict=True):
            mine[...] = theirs
