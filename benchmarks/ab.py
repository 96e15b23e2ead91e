"""An interleaved A/B of training speed: this checkout against an earlier commit, same machine.

    python benchmarks/ab.py --base 23b81b7 [--rounds 7] [--epochs 3] [--presets nielsen 3b1b]
    python benchmarks/ab.py --base 23b81b7 --in-process [--rounds 40]

The earlier commit is checked out into a temporary git worktree. Each round runs ``--epochs``
epochs (each from a fresh network) of each preset on 50,000 MNIST images in a fresh process for A
(the base) and then for B (this checkout), so that a machine that gets busier or quieter affects
both alike; the table gives the median seconds per epoch over every sample, the fastest, and
B / A for both. (On a shared virtual machine single epochs vary by half; one BLAS thread,
``OPENBLAS_NUM_THREADS=1``, takes away most of it for the small 3b1b matrices.)
The epoch is ``train(...)`` with no validation or test set,
everything the loop does included (after this refactor: the per-epoch diagnosis too).

``--in-process`` measures the other way, which this machine's noise needs: both versions are
imported side by side into one process (as ``digitnet_a`` and ``digitnet_b``; the training
code imports itself relatively), and each of ``--rounds`` pairs trains one epoch with A and one
with B, in alternating order; the table gives each side's median seconds per epoch and the
median of the pairs' ratios B / A, with its quartiles.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ONE_EPOCH = """
import sys, time
from digitnet import PRESETS, train
from digitnet.data import load_dataset
data = load_dataset("mnist", data_dir=sys.argv[2], download=False)
config = PRESETS[sys.argv[1]].replace(epochs=1, validation_size=0)
from digitnet import Network
for _ in range(int(sys.argv[3])):
    network = Network(config.layers, config.activation, config.output_activation, config.cost,
                      config.init, config.dtype, config.seed)
    started = time.perf_counter()
    train(network, data.x_train[:50000], data.y_train[:50000], config)
    print(time.perf_counter() - started)
"""


def epoch_seconds(source: Path, preset: str, data_dir: Path, epochs: int) -> list[float]:
    """``epochs`` epochs of ``preset`` with the digitnet in ``source``, in a fresh process."""
    environment = {**os.environ, "PYTHONPATH": str(source)}
    result = subprocess.run([sys.executable, "-c", ONE_EPOCH, preset, str(data_dir), str(epochs)],
                            capture_output=True, text=True, env=environment, check=True)
    return [float(line) for line in result.stdout.split()]


PAIRS = """
import statistics, sys, time
import digitnet_a, digitnet_b
from digitnet.data import load_dataset
data = load_dataset("mnist", data_dir=sys.argv[2], download=False)
X, y = data.x_train[:50000], data.y_train[:50000]
def epoch(package):
    config = package.PRESETS[sys.argv[1]].replace(epochs=1, validation_size=0)
    network = package.Network(config.layers, config.activation, config.output_activation,
                              config.cost, config.init, config.dtype, config.seed)
    started = time.perf_counter()
    package.train(network, X, y, config)
    return time.perf_counter() - started
for pair in range(int(sys.argv[3])):
    first, second = (digitnet_a, digitnet_b) if pair % 2 == 0 else (digitnet_b, digitnet_a)
    seconds = {first: epoch(first), second: epoch(second)}
    print(f"{seconds[digitnet_a]:.5f} {seconds[digitnet_b]:.5f}")
"""


def paired_epochs(sides: Path, preset: str, data_dir: Path, pairs: int
                  ) -> list[tuple[float, float]]:
    """(A, B) seconds for ``pairs`` pairs of epochs of ``preset``, in one fresh process."""
    environment = {**os.environ, "PYTHONPATH": f"{sides}{os.pathsep}{ROOT / 'src'}"}
    result = subprocess.run([sys.executable, "-c", PAIRS, preset, str(data_dir), str(pairs)],
                            capture_output=True, text=True, env=environment, check=True)
    return [(float(a), float(b)) for a, b in (line.split() for line in result.stdout.splitlines())]


def in_process(base: Path, args: argparse.Namespace) -> None:
    """The table of ``--in-process``: the median ratio of A and B trained side by side."""
    sides = base.parent / "sides"
    shutil.copytree(base / "src/digitnet", sides / "digitnet_a")
    shutil.copytree(ROOT / "src/digitnet", sides / "digitnet_b")
    load = os.getloadavg()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"A = {args.base}, B = this checkout, in one process; {args.rounds} pairs of epochs; "
          f"BLAS threads {threads}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print("| preset | A s/epoch (median) | B s/epoch (median) | B / A (median of the pairs) "
          "| quartiles |")
    print("| --- | ---: | ---: | ---: | --- |")
    for preset in args.presets:
        pairs = paired_epochs(sides, preset, args.data_dir, args.rounds)
        ratios = [b / a for a, b in pairs]
        low, _, high = statistics.quantiles(ratios, n=4)
        a_median, b_median = (statistics.median(side) for side in zip(*pairs, strict=True))
        print(f"| {preset} | {a_median:.3f} | {b_median:.3f} | {statistics.median(ratios):.3f} "
              f"| {low:.3f}-{high:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the earlier commit (A)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per process")
    parser.add_argument("--presets", nargs="+", default=["nielsen", "3b1b"])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data/mnist")
    parser.add_argument("--in-process", action="store_true",
                        help="A and B side by side in one process, in pairs of epochs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base),
                        args.base], check=True, capture_output=True)
        try:
            if args.in_process:
                in_process(base, args)
                return
            samples = {(p, side): [] for p in args.presets for side in "AB"}
            for _ in range(args.rounds):
                for preset in args.presets:
                    samples[preset, "A"] += epoch_seconds(base / "src", preset, args.data_dir,
                                                          args.epochs)
                    samples[preset, "B"] += epoch_seconds(ROOT / "src", preset, args.data_dir,
                                                          args.epochs)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False, capture_output=True)
    load = os.getloadavg()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"A = {args.base}, B = this checkout; {args.rounds} interleaved rounds of {args.epochs} "
          f"epochs; BLAS threads {threads}; load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f}\n")
    print("| preset | A s/epoch (median) | B s/epoch (median) | B / A | A fastest | B fastest "
          "| B / A |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for preset in args.presets:
        a, b = (statistics.median(samples[preset, side]) for side in "AB")
        a_min, b_min = (min(samples[preset, side]) for side in "AB")
        print(f"| {preset} | {a:.3f} | {b:.3f} | {b / a:.3f} | {a_min:.3f} | {b_min:.3f} "
              f"| {b_min / a_min:.3f} |")


if __name__ == "__main__":
    main()
