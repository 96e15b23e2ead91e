"""Train the presets on real MNIST (or Fashion-MNIST) and print the README's results table.

    python benchmarks/presets.py --data-dir ../shared/data/mnist [--presets nielsen 3b1b]
                                 [--seeds 0 1 2] [--dataset fashion-mnist] [--out FILE.md]

For each preset and seed: the test accuracy after the last epoch, the best epoch's test accuracy
(and which epoch), the median seconds per epoch (training plus the per-epoch evaluation) and the
whole run's minutes, wall clock and CPU (all threads), with the load average at the end (the
machine is shared: a busy machine stretches the wall clock, and the CPU time less so).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from digitnet import PRESETS, Network, train
from digitnet.data import load_dataset


def run_preset(name: str, seed: int, data_dir: Path | None, dataset: str = "mnist"
               ) -> dict[str, float | int | str]:
    config = PRESETS[name].replace(seed=seed)
    data = load_dataset(dataset, data_dir=data_dir, validation_size=config.validation_size,
                        download=False)
    net = Network(config.layers, config.activation, config.output_activation, config.cost,
                  config.init, config.dtype, config.seed)
    wall, cpu = time.perf_counter(), time.process_time()
    history = train(net, data.x_train, data.y_train, config, test=(data.x_test, data.y_test))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    best = history.best_epoch("test_accuracy")
    assert best is not None and best.test_accuracy is not None
    final = history.epochs[-1].test_accuracy
    assert final is not None
    return {
        "preset": name, "seed": seed, "train": len(data.y_train), "epochs": len(history.epochs),
        "final": final, "best": best.test_accuracy, "best_epoch": best.epoch,
        "seconds": statistics.median(e.seconds for e in history.epochs),
        "minutes": wall / 60, "cpu_minutes": cpu / 60, "load": os.getloadavg()[0],
    }


def cpu_name() -> str:
    """The processor's model name (from /proc/cpuinfo on Linux) and the number of cores."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="default: ../shared/data/mnist for MNIST, the system's folder for "
                             "Fashion-MNIST")
    parser.add_argument("--presets", nargs="+", default=["nielsen", "3b1b", "modern", "3b1b-tuned"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.data_dir is None and args.dataset == "mnist":
        args.data_dir = Path("../shared/data/mnist")
    title = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}[args.dataset]
    lines = [
        f"{title}, measured {datetime.date.today()} on {cpu_name()}, Python "
        f"{platform.python_version()}. Seconds per epoch include the evaluation after each epoch.",
        "",
        "| preset | network | train images | seed | test accuracy, last epoch | best epoch |"
        " seconds / epoch | minutes: wall, CPU (load) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    print("\n".join(lines), flush=True)
    for name in args.presets:
        for seed in args.seeds:
            r = run_preset(name, seed, args.data_dir, args.dataset)
            shape = "-".join(map(str, PRESETS[name].layers))
            line = (f"| `{name}` | {shape} | {r['train']:,} | {seed} | {r['final']:.2%} "
                    f"(epoch {r['epochs']}) | {r['best']:.2%} (epoch {r['best_epoch']}) | "
                    f"{r['seconds']:.2f} | {r['minutes']:.1f}, {r['cpu_minutes']:.1f} "
                    f"({r['load']:.1f}) |")
            lines.append(line)
            print(line, flush=True)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
