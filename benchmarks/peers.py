"""The peers digitnet is measured against, each trained on exactly digitnet's recipe.

* ``TorchMLP``: the same layers in PyTorch CPU, started from digitnet's initial weights, fed the
  same mini-batches in the same order (the order digitnet's ``train`` draws), with the same
  cost, optimiser and hyperparameters.
* ``SklearnMLP``: scikit-learn's ``MLPClassifier``, one ``partial_fit`` per epoch. It always
  minimises log-loss (softmax + cross-entropy for several classes): it has no quadratic cost.
* ``ClassicNetwork``: the classic book's ``network.py``, one example at a time through
  backpropagation (column vectors, a Python loop over the mini-batch), in NumPy float32.
  Reference code for speed only: it is not how digitnet computes.

Every peer offers ``train_epoch(X, y, order) -> seconds``, which trains one epoch on the rows of
X in the given order, and ``predict_proba(X)`` for the inference workloads. The heavy imports
(torch, sklearn) happen inside the classes, so a missing peer only skips its columns.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from digitnet import Network, TrainingConfig

Array = np.ndarray


def available(peer: str) -> str | None:
    """None if the peer's library imports, else why not (for the 'skipped' note)."""
    module = {"torch": "torch", "sklearn": "sklearn", "classic": "numpy"}[peer]
    try:
        __import__(module)
    except ImportError as error:
        return f"not installed ({error})"
    return None


# --- PyTorch --------------------------------------------------------------------------------
class TorchMLP:
    """digitnet's network in PyTorch: Linear layers holding a copy of ``network``'s parameters."""

    def __init__(self, network: Network, config: TrainingConfig, threads: int) -> None:
        import torch

        torch.set_num_threads(threads)
        self.torch = torch
        self.config = config
        activations = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}
        layers: list[Any] = []
        for index, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
            linear = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(w))  # (n_out, n_in), as in digitnet
                linear.bias.copy_(torch.from_numpy(b))
            layers.append(linear)
            if index < network.num_layers - 1:
                layers.append(activations[config.activation]())
        self.model = torch.nn.Sequential(*layers)  # outputs z^L; the output activation below
        self.quadratic = config.cost == "quadratic"
        if config.optimizer == "sgd":
            self.optimizer: Any = torch.optim.SGD(self.model.parameters(), lr=config.learning_rate)
        elif config.optimizer == "adam":
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate,
                                              betas=(0.9, 0.999), eps=1e-8)
        else:
            raise ValueError(f"no PyTorch peer for optimizer {config.optimizer}")

    def loss(self, z: Any, y: Any) -> Any:
        """The batch's mean cost: quadratic after sigmoid, or softmax + cross-entropy (fused)."""
        F = self.torch.nn.functional
        if self.quadratic:  # C = 1/(2m) sum ||sigma(z) - y||^2, y one-hot
            return 0.5 * (self.torch.sigmoid(z) - y).pow(2).sum(dim=1).mean()
        return F.cross_entropy(z, y)  # y: class indices

    def train_epoch(self, X: Array, y: Array, order: Array) -> float:
        torch = self.torch
        m = self.config.mini_batch_size
        inputs = torch.from_numpy(X)  # shares memory with X
        if self.quadratic:
            targets = torch.from_numpy(np.eye(10, dtype=np.float32)[y])
        else:
            targets = torch.from_numpy(y.astype(np.int64))
        order_t = torch.from_numpy(order.astype(np.int64))
        self.model.train()
        started = time.perf_counter()
        for start in range(0, len(order), m):
            rows = order_t[start:start + m]
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss(self.model(inputs[rows]), targets[rows])
            loss.backward()
            self.optimizer.step()
            loss.item()  # digitnet records every batch's cost: so does the peer
        return time.perf_counter() - started

    def predict_proba(self, X: Array) -> Array:
        torch = self.torch
        with torch.inference_mode():
            z = self.model(torch.from_numpy(np.atleast_2d(X)))
            a = torch.sigmoid(z) if self.quadratic else torch.softmax(z, dim=1)
            return a.numpy()


# --- scikit-learn ---------------------------------------------------------------------------
class SklearnMLP:
    """MLPClassifier with digitnet's layers, optimiser, batch size and learning rate.

    Plain SGD is ``solver="sgd"`` with ``momentum=0``, ``nesterovs_momentum=False`` and a constant
    learning rate; ``alpha=0`` turns off its default L2 penalty. Its cost is always log-loss.
    """

    def __init__(self, network: Network, config: TrainingConfig, seed: int = 0) -> None:
        from sklearn.neural_network import MLPClassifier

        activation = {"sigmoid": "logistic", "relu": "relu", "tanh": "tanh"}[config.activation]
        common: dict[str, Any] = {
            "hidden_layer_sizes": tuple(config.layers[1:-1]), "activation": activation,
            "batch_size": config.mini_batch_size, "learning_rate_init": config.learning_rate,
            "alpha": 0.0, "shuffle": True, "random_state": seed,
        }
        if config.optimizer == "sgd":
            self.model = MLPClassifier(solver="sgd", momentum=0.0, nesterovs_momentum=False,
                                       learning_rate="constant", **common)
        else:
            self.model = MLPClassifier(solver="adam", beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                                       **common)
        self.classes = np.arange(config.layers[-1])

    def train_epoch(self, X: Array, y: Array, order: Array) -> float:
        started = time.perf_counter()
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            self.model.partial_fit(X, y, classes=self.classes)  # one epoch, its own shuffling
        return time.perf_counter() - started

    def predict_proba(self, X: Array) -> Array:
        result: Array = self.model.predict_proba(np.atleast_2d(X))
        return result


# --- the classic per-example loop -------------------------------------------------------------
def sigmoid(z: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z: Array) -> Array:
    return sigmoid(z) * (1 - sigmoid(z))


class ClassicNetwork:
    """The classic book's network.py, as written there but in float32: one example at a time.

    Sigmoid neurons, quadratic cost, plain SGD; weights[l] (n_out, n_in), column vectors.
    """

    def __init__(self, network: Network, config: TrainingConfig) -> None:
        self.weights = [w.copy() for w in network.weights]
        self.biases = [b.reshape(-1, 1).copy() for b in network.biases]
        self.eta = np.float32(config.learning_rate)
        self.mini_batch_size = config.mini_batch_size

    def train_epoch(self, X: Array, y: Array, order: Array) -> float:
        targets = np.eye(10, dtype=np.float32)
        started = time.perf_counter()
        with np.errstate(over="ignore"):
            for start in range(0, len(order), self.mini_batch_size):
                rows = order[start:start + self.mini_batch_size]
                batch = [(X[i].reshape(-1, 1), targets[y[i]].reshape(-1, 1)) for i in rows]
                self.update_mini_batch(batch)
        return time.perf_counter() - started

    def update_mini_batch(self, mini_batch: list[tuple[Array, Array]]) -> None:
        nabla_b = [np.zeros(b.shape, np.float32) for b in self.biases]
        nabla_w = [np.zeros(w.shape, np.float32) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b, strict=True)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w, strict=True)]
        scale = self.eta / np.float32(len(mini_batch))
        self.weights = [w - scale * nw for w, nw in zip(self.weights, nabla_w, strict=True)]
        self.biases = [b - scale * nb for b, nb in zip(self.biases, nabla_b, strict=True)]

    def backprop(self, x: Array, y: Array) -> tuple[list[Array], list[Array]]:
        nabla_b: list[Array] = [np.zeros(b.shape, np.float32) for b in self.biases]
        nabla_w: list[Array] = [np.zeros(w.shape, np.float32) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights, strict=True):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = (activations[-1] - y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for layer in range(2, len(self.weights) + 1):
            sp = sigmoid_prime(zs[-layer])
            delta = np.dot(self.weights[-layer + 1].transpose(), delta) * sp
            nabla_b[-layer] = delta
            nabla_w[-layer] = np.dot(delta, activations[-layer - 1].transpose())
        return nabla_b, nabla_w

    def feedforward(self, a: Array) -> Array:
        for b, w in zip(self.biases, self.weights, strict=True):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def predict_proba(self, X: Array) -> Array:
        """One example at a time, as the classic code evaluates."""
        rows = np.atleast_2d(X)
        with np.errstate(over="ignore"):
            return np.stack([self.feedforward(x.reshape(-1, 1))[:, 0] for x in rows])
