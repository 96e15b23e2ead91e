"""An interleaved A/B of training speed: this checkout against an earlier commit, same machine.

    python benchmarks/ab.py --base 23b81b7 [--rounds 7] [--presets nielsen 3b1b]

The earlier commit is checked out into a temporary git worktree. Each round runs one epoch of
each preset on 50,000 MNIST images in a fresh process for A (the base) and then for B (this
checkout), so that a machine that gets busier or quieter affects both alike; the table gives the
median seconds per epoch and B / A. The epoch is ``train(...)`` with no validation or test set,
everything the loop does included (after this refactor: the per-epoch diagnosis too).
"""

from __future__ import annotations

import argparse
import os
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
network = Network(config.layers, config.activation, config.output_activation, config.cost,
                  config.init, config.dtype, config.seed)
started = time.perf_counter()
train(network, data.x_train[:50000], data.y_train[:50000], config)
print(time.perf_counter() - started)
"""


def epoch_seconds(source: Path, preset: str, data_dir: Path) -> float:
    """One epoch of ``preset`` with the digitnet in ``source``, in a fresh process."""
    environment = {**os.environ, "PYTHONPATH": str(source)}
    result = subprocess.run([sys.executable, "-c", ONE_EPOCH, preset, str(data_dir)],
                            capture_output=True, text=True, env=environment, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the earlier commit (A)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--presets", nargs="+", default=["nielsen", "3b1b"])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data/mnist")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base),
                        args.base], check=True, capture_output=True)
        try:
            samples = {(p, side): [] for p in args.presets for side in "AB"}
            for _ in range(args.rounds):
                for preset in args.presets:
                    samples[preset, "A"].append(epoch_seconds(base / "src", preset, args.data_dir))
                    samples[preset, "B"].append(epoch_seconds(ROOT / "src", preset, args.data_dir))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False, capture_output=True)
    load = os.getloadavg()
    print(f"A = {args.base}, B = this checkout; {args.rounds} interleaved rounds; load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print("| preset | A s/epoch (median) | B s/epoch (median) | B / A | A samples | B samples |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    for preset in args.presets:
        a, b = statistics.median(samples[preset, "A"]), statistics.median(samples[preset, "B"])
        raw = [" ".join(f"{s:.3f}" for s in samples[preset, side]) for side in "AB"]
        print(f"| {preset} | {a:.3f} | {b:.3f} | {b / a:.3f} | {raw[0]} | {raw[1]} |")


if __name__ == "__main__":
    main()
