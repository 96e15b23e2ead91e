"""What is mutated and how: the modules and the tests that concern them, the operators, and
the hand-written mutants of issue #9."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = Path("src/digitnet")

CORE_TESTS = ("test_activations_costs.py", "test_network.py", "test_optimizers.py",
              "test_fast_paths.py", "test_training.py", "test_gradcheck.py")
# Module (relative to src/digitnet) -> the test files that concern it, quickest first.
TARGETS: dict[str, tuple[str, ...]] = {
    "activations.py": ("test_activations_costs.py", "test_fast_paths.py", "test_network.py",
                       "test_gradcheck.py"),
    "costs.py": ("test_activations_costs.py", "test_fast_paths.py", "test_gradcheck.py",
                 "test_training.py"),
    "network.py": CORE_TESTS,
    "dropout.py": ("test_training.py", "test_network.py"),
    "gradients.py": ("test_optimizers.py", "test_fast_paths.py", "test_training.py",
                     "test_gradcheck.py"),
    "optimizers.py": ("test_optimizers.py", "test_fast_paths.py", "test_training.py"),
    "schedules.py": ("test_optimizers.py", "test_training.py"),
    "initializers.py": ("test_network.py", "test_training.py"),
    "gradcheck.py": ("test_gradcheck.py",),
    "descent.py": ("test_training.py", "test_optimizers.py", "test_adversarial.py"),
    "adversarial.py": ("test_adversarial.py",),
    "training.py": ("test_training.py", "test_training_state.py", "test_fast_paths.py",
                    "test_optimizers.py", "test_diagnostics.py", "test_checkpoints.py",
                    "test_augment.py"),
    "training_state.py": ("test_training_state.py", "test_training.py", "test_stopping.py",
                          "test_checkpoints.py"),
    "stopping.py": ("test_stopping.py", "test_training.py"),
    "history.py": ("test_stopping.py", "test_training.py"),
    "metrics.py": ("test_metrics.py", "test_training.py"),
    "targets.py": ("test_metrics.py", "test_training.py"),
    "data/preprocess.py": ("test_preprocess.py", "test_pictures.py"),
    "data/ink.py": ("test_pictures.py", "test_preprocess.py"),
    "data/components.py": ("test_components.py", "test_pictures.py", "test_preprocess.py"),
}

# Attribute names that a slip of the finger could swap for one another.
SIBLINGS: dict[str, tuple[str, ...]] = {
    "inputs": ("activations",), "activations": ("inputs", "zs"), "zs": ("activations",),
    "weights": ("biases",), "biases": ("weights",), "mean": ("sum",), "sum": ("mean",),
    "min": ("max",), "max": ("min",), "minimum": ("maximum",), "maximum": ("minimum",),
    "argmin": ("argmax",), "argmax": ("argmin",), "beta1": ("beta2",), "beta2": ("beta1",),
    "zeros_like": ("ones_like",), "ones_like": ("zeros_like",), "floor": ("ceil",),
    "ceil": ("floor",),
}
CALL_SIBLINGS = {"max": "min", "min": "max", "any": "all", "all": "any"}
BINARY: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Pow: ast.Mult,
}
COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}

# The gaps a first mutation probe found (issue #9), written out by hand: (module, old, new, what).
NAMED: tuple[tuple[str, str, str, str], ...] = (
    ("network.py", "LayerGradient(delta, forward.inputs[layer])",
     "LayerGradient(delta, forward.activations[layer - 1] if layer else forward.inputs[0])",
     "BP4 reads the activations before the dropout mask"),
    ("optimizers.py", "b -= eta * layer.biases\n",
     "b -= eta * (layer.biases + layer.weight_decay * b)\n",
     "weight decay also applied to the biases"),
    ("optimizers.py", "        gradients = gradient.arrays()\n        if not self.m:",
     "        gradients = [g + (layer.weight_decay * layer.decayed"
     " if g.ndim == 2 and layer.weight_decay else 0)"
     " for g, layer in zip(gradient.arrays(), [x for x in gradient for _ in (0, 1)],"
     " strict=True)]\n        if not self.m:",
     "Adam adds the L2 term a second time"),
    ("gradients.py", "for array in (layer.weights, layer.biases)]",
     "for array in (layer.weights + (layer.weight_decay * layer.decayed"
     " if layer.decayed is not None else 0), layer.biases)]",
     "the L2 term doubled for every optimiser but SGD"),
    ("gradcheck.py", "    return GradientCheck(worst_rel, worst_abs, count)",
     "    return GradientCheck(0.0, 0.0, count)", "the gradient check hard-wired to no error"),
    ("gradcheck.py", "    return compare_gradients(network.gradients(X, Y),\n"
     "                             numerical_gradients(network, X, Y, epsilon))",
     "    return GradientCheck(0.0, 0.0, network.num_parameters)",
     "check_gradients hard-wired to no error"),
    ("training_state.py", "self.rng.permutation(n)", "np.arange(n)", "no shuffling"),
    ("metrics.py", "(labels, predicted), 1)", "(predicted, labels), 1)",
     "confusion matrix transposed"),
    ("training.py", "        self.state.early.restore_best()\n", "        pass\n",
     "the best parameters not restored when patience never ran out"),
    ("training.py", "        state.guard.remember()\n", "        pass\n",
     "the divergence fallback stays the initial parameters"),
)


