"""DigitNetClassifier against scikit-learn's MLPClassifier: the same settings, the same run.

    python benchmarks/sklearn_estimator.py [--epochs 10] [--repeats 3] [--hidden 100]
                                           [--batch 128] [--threads 1]
                                           [--data-dir ../shared/data/mnist]

Both estimators get the same float32 MNIST arrays (60,000 training images scaled to [0, 1],
10,000 test images), one hidden layer of ReLU neurons, softmax + cross-entropy (MLPClassifier's
only choice), Adam with learning rate 1e-3, the same mini-batch size and number of epochs, no L2
penalty, no early stopping, shuffling on, and the same BLAS threads (they share this process;
``--threads``, default 1: on a busy shared machine, two BLAS threads that wait for each other
turn small slowdowns into large ones).
What differs: each draws its own initial weights (digitnet He-normal, scikit-learn Glorot-
uniform) and shuffles with its own generator. MLPClassifier runs every epoch (its tolerance
stop is switched off) and its convergence warning is silenced.

Fits are interleaved (digitnet, scikit-learn, digitnet, ...), each repeat with its own seed;
the table shows the median fit time (wall clock, and the CPU time of all the process's
threads, which a busy shared machine disturbs less), its range, and the test accuracy of every
repeat. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def contenders(args: argparse.Namespace) -> dict[str, Callable[[int], Any]]:
    """name -> a function of the seed that builds an unfitted estimator."""
    from sklearn.neural_network import MLPClassifier

    from digitnet.sklearn import DigitNetClassifier

    def digitnet(seed: int) -> Any:
        return DigitNetClassifier(hidden_layer_sizes=(args.hidden,), learning_rate=1e-3,
                                  mini_batch_size=args.batch, epochs=args.epochs,
                                  dtype="float32", random_state=seed)

    def sklearn(seed: int) -> Any:
        return MLPClassifier(hidden_layer_sizes=(args.hidden,), activation="relu",
                             solver="adam", alpha=0.0, learning_rate_init=1e-3,
                             batch_size=args.batch, max_iter=args.epochs, shuffle=True,
                             tol=0.0, n_iter_no_change=args.epochs + 1, random_state=seed)

    return {"DigitNetClassifier": digitnet, "MLPClassifier": sklearn}


def measure(make: Callable[[int], Any], seed: int, data: dict[str, np.ndarray]
            ) -> tuple[float, float, float, int]:
    """(fit seconds, fit CPU seconds, test accuracy, epochs run) of one estimator."""
    from sklearn.exceptions import ConvergenceWarning

    estimator = make(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started, cpu = time.perf_counter(), time.process_time()
        estimator.fit(data["x"], data["y"])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    accuracy = float(estimator.score(data["x_test"], data["y_test"]))
    return seconds, cpu, accuracy, estimator.n_iter_


def header(args: argparse.Namespace) -> list[str]:
    import sklearn
    from threadpoolctl import threadpool_info

    cpu = next((line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    blas = "; ".join(f"{lib['internal_api']} {lib.get('version')} ({lib.get('architecture')}, "
                     f"{lib['num_threads']} threads)" for lib in threadpool_info())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [f"Measured {datetime.datetime.now().isoformat(timespec='minutes')} on {cpu}, "
            f"{os.cpu_count()} cores; load average at start {load}. Python "
            f"{platform.python_version()}, NumPy {np.__version__}, scikit-learn "
            f"{sklearn.__version__}; BLAS: {blas}.",
            "",
            f"MNIST: 60,000 training images, 10,000 test images (float32). Both: 784-"
            f"{args.hidden}-10, ReLU, softmax + cross-entropy, Adam 1e-3, batch {args.batch}, "
            f"{args.epochs} epochs, no L2, no early stopping; {args.threads} BLAS thread(s); "
            f"{args.repeats} interleaved repeats (seeds 0, 1, ...)."]


def table(results: dict[str, list[tuple[float, float, float, int]]], epochs: int) -> list[str]:
    lines = ["| estimator | fit time (median) | range | CPU time (median) | fit time per epoch "
             "| test accuracy per repeat | epochs |",
             "| --- | ---: | ---: | ---: | ---: | --- | ---: |"]
    wall, cpu = {}, {}
    for name, runs in results.items():
        times = [run[0] for run in runs]
        wall[name], cpu[name] = statistics.median(times), statistics.median(r[1] for r in runs)
        accuracies = " / ".join(f"{run[2]:.2%}" for run in runs)
        lines.append(f"| `{name}` | {wall[name]:.2f} s | {min(times):.2f}-{max(times):.2f} s | "
                     f"{cpu[name]:.2f} s | {wall[name] / epochs:.2f} s | {accuracies} | "
                     f"{runs[0][3]} |")
    ratios = [reference["MLPClassifier"] / reference["DigitNetClassifier"]
              for reference in (wall, cpu)]
    lines += ["", f"MLPClassifier / DigitNetClassifier: {ratios[0]:.2f}x the fit time, "
              f"{ratios[1]:.2f}x the CPU time (above 1: digitnet is faster)."]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for both")
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data/mnist")
    args = parser.parse_args(argv)
    present = [name for name in OPENBLAS_VARIABLES if name in os.environ]
    if present:  # they pin an old, slow OpenBLAS kernel: run again without them
        env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARIABLES}
        os.execve(sys.executable, [sys.executable, __file__, *(argv or sys.argv[1:])], env)
    import sklearn.neural_network  # noqa: F401  (loads SciPy's BLAS too, before the limit)
    from threadpoolctl import threadpool_limits

    from digitnet.data import load_dataset

    threadpool_limits(limits=args.threads)

    data_set = load_dataset("mnist", data_dir=args.data_dir, download=False)
    data = {"x": data_set.x_train, "y": data_set.y_train, "x_test": data_set.x_test,
            "y_test": data_set.y_test}
    print("\n".join(header(args)), flush=True)
    results: dict[str, list[tuple[float, float, float, int]]] = {}
    for seed in range(args.repeats):
        for name, make in contenders(args).items():
            results.setdefault(name, []).append(measure(make, seed, data))
            print(f"  repeat {seed + 1}: {name} {results[name][-1][0]:.2f} s", file=sys.stderr,
                  flush=True)
    print()
    print("\n".join(table(results, args.epochs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
