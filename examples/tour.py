"""A tour of digitnet in one script: build, check, train, look inside, fool, learn from one.

    python examples/tour.py [--data-dir ../shared/data/mnist] [--out tour]

Every step is one idea of the classic introduction to neural networks.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from digitnet import PRESETS, Network, check_gradients, train
from digitnet.data import load_dataset, one_hot
from digitnet.explain import chain_rule, nudges, one_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--out", type=Path, default=Path("tour"))
    args = parser.parse_args()

    # 1. A network is a function of 784 numbers to 10 numbers, with 13,002 knobs.
    net = Network([784, 16, 16, 10], activation="sigmoid", output_activation="sigmoid",
                  cost="quadratic", init="normal", seed=0)
    print(net)

    # 2. Backpropagation is just the chain rule: check it against central differences.
    small = Network([6, 5, 3], dtype=np.float64, seed=1)
    rng = np.random.default_rng(0)
    X, Y = rng.random((4, 6)), one_hot(rng.integers(0, 3, 4), 3, np.float64)
    check = check_gradients(small, X, Y)
    print(f"gradient check, largest relative error: {check.max_relative_error:.1e}")

    # 3. Learning is gradient descent on the cost, one shuffled mini-batch at a time.
    data = load_dataset("default", data_dir=args.data_dir)
    print(data.description)
    config = PRESETS["3b1b"].replace(epochs=3, validation_size=0)
    history = train(net, data.x_train, data.y_train, config, test=(data.x_test, data.y_test),
                    callback=lambda p: print(f"epoch {p.record.epoch}: test accuracy "
                                             f"{p.record.test_accuracy:.2%}") if p.record else None)

    # 4. Look inside: what does each first-layer neuron look for?
    try:
        from digitnet.plots import plot_hidden_neurons, plot_history

        print("pictures:", plot_hidden_neurons(net, args.out / "neurons.png"),
              plot_history(history.to_dict()["epochs"], args.out / "history.png"))
    except ImportError:
        print("(install digitnet[plots] for the pictures)")

    # 5. It answers confidently even for random noise: it only ever saw digits.
    noise = np.random.default_rng(2).random((1, 784), dtype=np.float32)
    print(f"random noise is a {net.predict(noise)[0]}, "
          f"output activation {net.feedforward(noise).max():.2f}")

    # 6. How it learns from one example (the page's "How it learns" panel): what the example
    #    wants of the outputs, the chain rule for one weight with numbers, one step downhill.
    x, label = data.x_test[0], int(data.y_test[0])
    wants = nudges(net, x, label)
    print(f"a test image of a {label}: cost {wants.cost:.4f}; its output {label} wants a nudge "
          f"of {wants.output_nudges[label]:+.4f}")
    rule = chain_rule(net, x, label, layer=3, neuron=label, input=0)
    print(f"dC/dw = a_k {rule.input_activation:.4f} x sigma'(z) {rule.sigma_prime:.4f} x dC/da "
          f"{rule.activation_gradient:+.4f} = {rule.gradient:+.3e} "
          f"(central difference: {rule.numerical:+.3e})")
    step = one_step(net, x, label, learning_rate=0.5)
    print(f"one step on it: cost {step.cost_before:.5f} -> {step.cost_after:.5f}")


if __name__ == "__main__":
    main()
