"""digitnet against PyTorch CPU, scikit-learn and the classic per-example loop, on real MNIST.

    python benchmarks/run.py [--quick] [--out benchmarks/results.md] [--threads N]
                             [--data-dir ../shared/data/mnist] [--only 1 3 5]

Prints a Markdown table and writes it to ``--out``. Every contender gets the same data (float32),
batch size, hyperparameters, initial weights and BLAS thread count; timings are interleaved
(A B C, A B C, ...) and the table shows medians. Peers that are not installed are named as
skipped. ``--quick`` is a smoke test: 5,000 training images (times scaled to 50,000), one repeat.

Workloads (the numbers of the issue):
  1 nielsen 784-30-10 and 2 3b1b 784-16-16-10: sigmoid, quadratic cost, SGD eta 3.0, batch 10;
  3 modern 784-800-10: ReLU, softmax + cross-entropy, He init, Adam 1e-3, batch 128;
  4 deeper 784-512-256-10: the modern recipe with batch 64;
  5 inference with workload 3's network: one image's latency, 10,000 images' time;
  6 time to 98% test accuracy, modern preset (60,000 images), digitnet vs PyTorch;
  7 peak memory while training workload 3, each contender in its own subprocess;
  plus the float32 GEMM ceiling (2048^3) and each workload's achieved GFLOP/s.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from digitnet import PRESETS, Network, Progress, TrainingConfig, train
from digitnet.data import load_dataset
from peers import ClassicNetwork, SklearnMLP, TorchMLP, available  # beside this script

ROOT = Path(__file__).resolve().parents[1]
PEERS = ("torch", "sklearn", "classic")
PEER_NAMES = {"torch": "PyTorch", "sklearn": "scikit-learn", "classic": "per-example loop"}
OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
TRAIN_SIZE = 50_000

EPOCH_WORKLOADS: dict[int, tuple[str, TrainingConfig]] = {
    1: ("nielsen 784-30-10, batch 10", PRESETS["nielsen"]),
    2: ("3b1b 784-16-16-10, batch 10", PRESETS["3b1b"]),
    3: ("modern 784-800-10, batch 128", PRESETS["modern"]),
    4: ("deeper 784-512-256-10, batch 64",
        PRESETS["modern"].replace(layers=(784, 512, 256, 10), mini_batch_size=64)),
}


@dataclass
class Row:
    """One line of the table: a measured quantity for digitnet and each peer (None: not run)."""

    number: str
    workload: str
    unit: str
    values: dict[str, list[float]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    epochs: dict[str, list[int]] = field(default_factory=dict)
    target: str = ""
    met: str = ""
    higher_is_better: bool = False

    def median(self, who: str) -> float | None:
        samples = self.values.get(who)
        return statistics.median(samples) if samples else None

    def ratio(self, peer: str) -> float | None:
        """peer / digitnet for times and memory: above 1 means digitnet is ahead."""
        ours, theirs = self.median("digitnet"), self.median(peer)
        if ours is None or theirs is None or ours <= 0:
            return None
        return ours / theirs if self.higher_is_better else theirs / ours


# --- helpers ----------------------------------------------------------------------------------
def make_network(config: TrainingConfig) -> Network:
    return Network(config.layers, config.activation, config.output_activation, config.cost,
                   config.init, config.dtype, config.seed)


def epoch_order(config: TrainingConfig, n: int, epochs: int) -> list[np.ndarray]:
    """The mini-batch orders digitnet's ``train`` draws (same generator, same seed)."""
    rng = np.random.default_rng([config.seed, 1])
    return [rng.permutation(n) for _ in range(epochs)]


def make_peer(peer: str, network: Network, config: TrainingConfig, threads: int) -> Any:
    if peer == "torch":
        return TorchMLP(network, config, threads)
    if peer == "sklearn":
        return SklearnMLP(network, config, seed=config.seed)
    return ClassicNetwork(network, config)


def classic_applies(config: TrainingConfig) -> bool:
    """The classic code is sigmoid neurons, quadratic cost and plain SGD only."""
    return (config.activation, config.output_activation, config.cost, config.optimizer) == (
        "sigmoid", "sigmoid", "quadratic", "sgd")


def interleave(contenders: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Run each contender once per round, round after round (A B C A B C ...)."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            samples[name].append(run())
    return samples


def flops_per_epoch(layers: tuple[int, ...], n: int) -> float:
    """About 6 x examples x weights: forward, backward to the inputs, and the weight gradient."""
    weights = sum(a * b for a, b in itertools.pairwise(layers))
    return 6.0 * n * weights


# --- workloads 1-4: seconds per epoch ----------------------------------------------------------
def epoch_workload(number: int, data: dict[str, np.ndarray], args: argparse.Namespace,
                   skipped: dict[str, str]) -> Row:
    title, config = EPOCH_WORKLOADS[number]
    n = args.train_size
    X, y = data["x"][:n], data["y"][:n]
    scale = TRAIN_SIZE / n
    order = epoch_order(config, n, 1)[0]
    warm_order = np.arange(1000)
    row = Row(str(number), title, "s / epoch")
    single = config.replace(epochs=1)
    network = make_network(config)

    def run_digitnet() -> float:
        return train(network, X, y, single).epochs[0].seconds * scale

    contenders: dict[str, Callable[[], float]] = {"digitnet": run_digitnet}
    train(network, X[:1000], y[:1000], single)  # warm-up
    for peer in PEERS:
        if peer in skipped:
            row.notes[peer] = "skipped"
            continue
        if peer == "classic" and not classic_applies(config):
            row.notes[peer] = "n/a"
            continue
        model = make_peer(peer, make_network(config), config, args.threads)
        model.train_epoch(X[:1000], y[:1000], warm_order)  # warm-up
        contenders[peer] = (lambda model=model: model.train_epoch(X, y, order) * scale)
    row.values = interleave(contenders, args.repeats)
    if number in (1, 2):
        row.target = "PyTorch >= 8x, per-example >= 10x"
        row.met = verdict([row.ratio("torch"), row.ratio("classic")], [8.0, 10.0])
    else:
        row.target = "PyTorch >= 1.1x" + (", >= 80% of GEMM peak" if number == 3 else "")
    return row


def verdict(ratios: list[float | None], needed: list[float]) -> str:
    known = [(r, k) for r, k in zip(ratios, needed, strict=True) if r is not None]
    if not known:
        return "not measured"
    return "yes" if all(r >= k for r, k in known) else "no"


# --- workload 5: inference ---------------------------------------------------------------------
def inference_workload(data: dict[str, np.ndarray], args: argparse.Namespace,
                       skipped: dict[str, str]) -> list[Row]:
    config = PRESETS["modern"]
    network = make_network(config)
    image, images = data["x_test"][0], data["x_test"][:10_000]
    predictors: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "digitnet": network.feedforward}
    latency = Row("5a", "inference, one image (784-800-10)", "µs",
                  target="below PyTorch's")
    batch = Row("5b", "inference, 10,000 images (784-800-10)", "ms",
                target="at most PyTorch's (throughput at least)")
    for peer in PEERS:
        if peer in skipped or peer == "classic":
            note = "skipped" if peer in skipped else "n/a"
            latency.notes[peer] = batch.notes[peer] = note
            continue
        model = make_peer(peer, network, config, args.threads)
        if peer == "sklearn":  # fit once on a few rows, then give it digitnet's parameters
            model.train_epoch(data["x"][:256], data["y"][:256], np.arange(256))
            model.model.coefs_ = [w.T.copy() for w in network.weights]
            model.model.intercepts_ = [b.copy() for b in network.biases]
        predictors[peer] = model.predict_proba
    for predict in predictors.values():  # warm-up, and the same answers from everyone
        np.testing.assert_allclose(np.atleast_2d(predict(images[:100])),
                                   np.atleast_2d(network.feedforward(images[:100])), atol=1e-4)

    def one_image(predict: Callable[[np.ndarray], np.ndarray]) -> Callable[[], list[float]]:
        def block() -> list[float]:
            times = []
            for _ in range(200):
                started = time.perf_counter_ns()
                predict(image)
                times.append((time.perf_counter_ns() - started) / 1000)
            return times
        return block

    samples: dict[str, list[float]] = {name: [] for name in predictors}
    for _ in range(10 if not args.quick else 2):
        for name, predict in predictors.items():
            samples[name] += one_image(predict)()
    latency.values = samples

    def many(predict: Callable[[np.ndarray], np.ndarray]) -> Callable[[], float]:
        def run() -> float:
            started = time.perf_counter()
            predict(images)
            return (time.perf_counter() - started) * 1000
        return run

    batch.values = interleave({name: many(p) for name, p in predictors.items()},
                              max(5, args.repeats))
    latency.met = verdict([latency.ratio("torch")], [1.0000001])
    batch.met = verdict([batch.ratio("torch")], [1.0])
    return [latency, batch]


# --- workload 6: time to 98% -------------------------------------------------------------------
def time_to_accuracy(data: dict[str, np.ndarray], args: argparse.Namespace,
                     skipped: dict[str, str]) -> Row:
    goal = 0.98 if not args.quick else 0.90
    n = data["x_all"].shape[0] if not args.quick else 10_000
    config = PRESETS["modern"]
    X, y = data["x_all"][:n], data["y_all"][:n]
    test = (data["x_test"], data["y_test"])
    row = Row("6", f"time to {goal:.0%} test accuracy, modern ({n:,} images)", "s",
              target="no slower than PyTorch")
    epochs_needed = row.epochs
    epochs_needed["digitnet"] = []

    def run_digitnet() -> float:
        network = make_network(config)

        def stop(progress: Progress) -> bool:
            record = progress.record
            return record is not None and (record.test_accuracy or 0.0) >= goal

        history = train(network, X, y, config, test=test, callback=stop)
        reached = (history.epochs[-1].test_accuracy or 0.0) >= goal
        epochs_needed["digitnet"].append(len(history.epochs))
        return sum(e.seconds for e in history.epochs) if reached else float("inf")

    contenders: dict[str, Callable[[], float]] = {"digitnet": run_digitnet}
    if "torch" in skipped:
        row.notes["torch"] = "skipped"
    else:
        orders = epoch_order(config, n, config.epochs)
        epochs_needed["torch"] = []

        def run_torch() -> float:
            model = TorchMLP(make_network(config), config, args.threads)
            total = 0.0
            for epoch, order in enumerate(orders):
                total += model.train_epoch(X, y, order)
                started = time.perf_counter()
                accuracy = float(np.mean(model.predict_proba(test[0]).argmax(axis=1) == test[1]))
                total += time.perf_counter() - started
                if accuracy >= goal:
                    epochs_needed["torch"].append(epoch + 1)
                    return total
            return float("inf")

        contenders["torch"] = run_torch
    row.notes["sklearn"] = row.notes["classic"] = "n/a"
    row.values = interleave(contenders, args.repeats)
    row.met = verdict([row.ratio("torch")], [1.0])
    return row


# --- workload 7: peak memory, one subprocess per contender -------------------------------------
def rss_kib(field_name: str) -> int:
    """VmRSS or VmHWM of this process, from /proc/self/status, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field_name} not in /proc/self/status")


def memory_child(who: str, args: argparse.Namespace) -> int:
    """Train workload 3 for one epoch; print the peak RSS above the RSS before training."""
    _, config = EPOCH_WORKLOADS[3]
    data = load_dataset("mnist", data_dir=args.data_dir, download=False)
    n = args.train_size
    X, y = np.ascontiguousarray(data.x_train[:n], dtype=np.float32), data.y_train[:n].copy()
    del data
    network = make_network(config)
    order = epoch_order(config, n, 1)[0]
    single = config.replace(epochs=1)
    model = None if who == "digitnet" else make_peer(who, network, config, args.threads)
    baseline = rss_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    if model is None:
        train(network, X, y, single)
    else:
        model.train_epoch(X, y, order)
    print(json.dumps({"peak_mib": (rss_kib("VmHWM") - baseline) / 1024}))
    return 0


def memory_workload(args: argparse.Namespace, skipped: dict[str, str]) -> Row:
    row = Row("7", "peak memory training workload 3", "MiB", target="at most PyTorch's")
    for who in ("digitnet", *PEERS):
        if who in skipped or who == "classic":
            row.notes[who] = "skipped" if who in skipped else "n/a"
            continue
        command = [sys.executable, str(Path(__file__).resolve()), "--memory-child", who,
                   "--threads", str(args.threads), "--data-dir", str(args.data_dir)]
        if args.quick:
            command.append("--quick")
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            row.notes[who] = f"failed: {result.stderr.strip().splitlines()[-1:]}"
            continue
        row.values[who] = [json.loads(result.stdout.strip().splitlines()[-1])["peak_mib"]]
    row.met = verdict([row.ratio("torch")], [1.0])
    return row


# --- the GEMM ceiling --------------------------------------------------------------------------
def gemm_ceiling(args: argparse.Namespace, skipped: dict[str, str]) -> dict[str, float]:
    """Float32 2048^3 matrix product GFLOP/s, median of interleaved runs, NumPy and PyTorch."""
    size = 2048
    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    runs: dict[str, Callable[[], float]] = {}

    def numpy_gemm() -> float:
        started = time.perf_counter()
        a @ a
        return time.perf_counter() - started

    runs["NumPy"] = numpy_gemm
    if "torch" not in skipped:
        import torch

        torch.set_num_threads(args.threads)
        t = torch.from_numpy(a)

        def torch_gemm() -> float:
            started = time.perf_counter()
            t @ t
            return time.perf_counter() - started

        runs["PyTorch"] = torch_gemm
    interleave(runs, 1)  # warm-up
    samples = interleave(runs, 5 if not args.quick else 2)
    return {name: 2 * size**3 / statistics.median(s) / 1e9 for name, s in samples.items()}


# --- the table ---------------------------------------------------------------------------------
def environment(args: argparse.Namespace, skipped: dict[str, str]) -> list[str]:
    from threadpoolctl import threadpool_info

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"]
    for peer, module in (("torch", "torch"), ("sklearn", "sklearn")):
        if peer in skipped:
            versions.append(f"{PEER_NAMES[peer]} skipped ({skipped[peer]})")
        else:
            versions.append(f"{PEER_NAMES[peer]} {__import__(module).__version__}")
    blas = "; ".join(
        f"{lib['internal_api']} {lib.get('version')} ({lib.get('architecture')} kernel, "
        f"{lib.get('threading_layer')}, {lib['num_threads']} threads, "
        f"{Path(lib['filepath']).name})"
        for lib in threadpool_info())
    lines = [
        f"Measured {datetime.datetime.now().isoformat(timespec='minutes')} on {cpu}, "
        f"{os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), "
        f"{platform.system()} {platform.release()}; load average at start {args.load_start}.",
        "",
        f"Versions: {', '.join(versions)}.",
        "",
        f"Threads: {args.threads} for everyone (BLAS via threadpoolctl, "
        f"`torch.set_num_threads({args.threads})`). Loaded BLAS: {blas}.",
    ]
    if "torch" not in skipped:
        import torch

        config = torch.__config__.show()
        wanted = ("Math Kernel", "MKL-DNN", "OpenMP", "CPU capability", "BLAS_INFO")
        details = [part.strip(" -") for line in config.splitlines() for part in line.split(", ")
                   if any(w in part for w in wanted)]
        lines += ["", f"PyTorch: {'; '.join(details)}; "
                  f"{torch.get_num_threads()} intra-op threads."]
    unset = args.unset_openblas or "none were set"
    lines += ["", f"OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for this command: {unset}."]
    return lines


def fmt(value: float | None) -> str:
    if value is None:
        return ""
    if value == float("inf"):
        return "not reached"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value < 10 else f"{value:.1f}"


def table(rows: list[Row], skipped: dict[str, str]) -> list[str]:
    head = ["#", "workload", "unit", "digitnet"]
    for peer in PEERS:
        head += [PEER_NAMES[peer], f"{PEER_NAMES[peer]} / digitnet"]
    head += ["target", "met?"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for row in rows:
        cells = [row.number, row.workload, row.unit, fmt(row.median("digitnet"))]
        epochs = row.epochs
        if epochs.get("digitnet"):
            cells[-1] += f" ({statistics.median(epochs['digitnet']):g} epochs)"
        for peer in PEERS:
            value = row.median(peer)
            if value is None:
                cells += [row.notes.get(peer, "skipped"), ""]
                continue
            text = fmt(value)
            if epochs.get(peer):
                text += f" ({statistics.median(epochs[peer]):g} epochs)"
            ratio = row.ratio(peer)
            cells += [text, f"{ratio:.2f}x" if ratio is not None else ""]
        cells += [row.target, row.met]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def gflops_table(rows: list[Row], ceiling: dict[str, float], n: int) -> list[str]:
    peak = max(ceiling.values())
    lines = [
        "| # | GFLOP per epoch (6 x examples x weights) | digitnet GFLOP/s | % of ceiling "
        "| PyTorch GFLOP/s | % of ceiling |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        if row.number not in {"1", "2", "3", "4"}:
            continue
        flops = flops_per_epoch(EPOCH_WORKLOADS[int(row.number)][1].layers, TRAIN_SIZE)
        cells = [row.number, f"{flops / 1e9:.1f}"]
        for who in ("digitnet", "torch"):
            seconds = row.median(who)
            if seconds is None:
                cells += ["", ""]
            else:
                cells += [f"{flops / seconds / 1e9:.1f}", f"{flops / seconds / 1e9 / peak:.0%}"]
        lines.append("| " + " | ".join(cells) + " |")
        if row.number == "3" and row.median("digitnet"):
            share = flops / row.median("digitnet") / 1e9 / peak  # type: ignore[operator]
            ratio = row.ratio("torch")
            torch_ok = ratio is None or ratio >= 1.1
            row.met = "yes" if torch_ok and share >= 0.8 else "no"
        elif row.number == "4":
            row.met = verdict([row.ratio("torch")], [1.1])
    return lines


def raw_samples(rows: list[Row]) -> list[str]:
    lines = ["| # | who | samples (median first) |", "| --- | --- | --- |"]
    for row in rows:
        for who, samples in row.values.items():
            if row.number == "5a":
                quartiles = np.percentile(samples, [10, 50, 90])
                text = f"p10 {quartiles[0]:.1f}, p50 {quartiles[1]:.1f}, p90 {quartiles[2]:.1f}"
            else:
                text = f"**{fmt(statistics.median(samples))}**: " + ", ".join(
                    fmt(s) for s in samples)
            lines.append(f"| {row.number} | {PEER_NAMES.get(who, who)} | {text} |")
    return lines


# --- main --------------------------------------------------------------------------------------
def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke test: small, one repeat")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data" / "mnist")
    parser.add_argument("--threads", type=int, default=0,
                        help="BLAS / PyTorch threads for everyone (default: NumPy's BLAS default)")
    parser.add_argument("--repeats", type=int, default=0, help="default 5 (1 with --quick)")
    parser.add_argument("--only", nargs="+", type=int, default=[1, 2, 3, 4, 5, 6, 7])
    parser.add_argument("--keep-openblas-env", action="store_true",
                        help="do not unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE")
    parser.add_argument("--memory-child", choices=["digitnet", *PEERS], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.repeats = args.repeats or (1 if args.quick else 5)
    args.train_size = 5_000 if args.quick else TRAIN_SIZE
    return args


def reexec_without_openblas_overrides(argv: list[str] | None) -> None:
    """Start this command again without the variables that slow a current OpenBLAS."""
    present = [name for name in OPENBLAS_VARIABLES if name in os.environ]
    if not present or os.environ.get("DIGITNET_BENCH_UNSET"):
        return
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARIABLES}
    env["DIGITNET_BENCH_UNSET"] = ", ".join(f"{n}={os.environ[n]}" for n in present)
    script = str(Path(__file__).resolve())
    os.execve(sys.executable, [sys.executable, script, *(argv or sys.argv[1:])], env)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not args.keep_openblas_env:
        reexec_without_openblas_overrides(argv)
    args.unset_openblas = os.environ.get("DIGITNET_BENCH_UNSET", "")
    from threadpoolctl import threadpool_info, threadpool_limits

    args.threads = args.threads or max(lib["num_threads"] for lib in threadpool_info())
    threadpool_limits(limits=args.threads)
    if args.memory_child:
        return memory_child(args.memory_child, args)
    skipped = {peer: why for peer in PEERS if (why := available(peer))}
    args.load_start = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    data_set = load_dataset("mnist", data_dir=args.data_dir, download=False)
    data = {"x": data_set.x_train[:TRAIN_SIZE], "y": data_set.y_train[:TRAIN_SIZE],
            "x_all": data_set.x_train, "y_all": data_set.y_train,
            "x_test": data_set.x_test, "y_test": data_set.y_test}
    header = environment(args, skipped)
    print("\n".join(header), flush=True)
    rows: list[Row] = []
    started = time.perf_counter()
    for number in args.only:
        if number in EPOCH_WORKLOADS:
            rows.append(epoch_workload(number, data, args, skipped))
        elif number == 5:
            rows += inference_workload(data, args, skipped)
        elif number == 6:
            rows.append(time_to_accuracy(data, args, skipped))
        elif number == 7:
            rows.append(memory_workload(args, skipped))
        print(f"workload {number} done after {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)
    ceiling = gemm_ceiling(args, skipped)
    gflops = gflops_table(rows, ceiling, args.train_size)
    load_end = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    peak = ", ".join(f"{name} {value:.0f}" for name, value in ceiling.items())
    lines = [
        "# digitnet benchmarks", "", *header, "",
        *table(rows, skipped), "",
        f"GEMM ceiling, float32 2048^3: {peak} GFLOP/s (the higher is the ceiling below). "
        f"Load average at the end {load_end}; whole run {time.perf_counter() - started:.0f} s.",
        "", *gflops, "",
        "Notes:",
        f"- Medians of {args.repeats} interleaved repeats (latency: 200-call blocks, "
        "interleaved); ratios are peer / digitnet, so above 1 means digitnet is faster "
        "(or smaller). Seconds per epoch are for 50,000 images"
        + (f" (measured on {args.train_size:,} and scaled)" if args.quick else "") + ".",
        "- Every contender trains from digitnet's initial weights on the same float32 arrays, "
        "with the same batch size, hyperparameters and mini-batch order (scikit-learn shuffles "
        "by itself).",
        "- scikit-learn's MLPClassifier only minimises log-loss (softmax + cross-entropy); on "
        "workloads 1-2 it cannot use the quadratic cost, so it runs the same layers, sigmoid "
        "('logistic') hidden units, SGD eta 3.0 (momentum 0, no Nesterov), batch 10, alpha 0, "
        "with log-loss. One `partial_fit` is one epoch.",
        "- The per-example loop is the classic book's network.py (one example at a time through "
        "backprop, column vectors), in NumPy float32, inside `benchmarks/peers.py`.",
        "- PyTorch uses `nn.Linear` layers, `F.cross_entropy` (fused log-softmax) or the "
        "quadratic cost on `sigmoid(z)`, `torch.optim.SGD` / `torch.optim.Adam` (defaults), "
        "and reads each mini-batch by indexing the whole training tensor.",
        "- Workload 5 uses workload 3's network: one 784-pixel NumPy image in, 10 outputs out "
        "(PyTorch: `from_numpy`, `inference_mode`, softmax, `.numpy()`).",
        "- Workload 6 counts training plus the per-epoch test evaluation, until the test "
        "accuracy first reaches the goal; PyTorch sees the same mini-batches in the same order.",
        "- Workload 7: peak resident memory (VmHWM, reset through /proc/self/clear_refs just "
        "before training) minus the resident memory after loading the data and building the "
        "model, one fresh subprocess per contender, one epoch of workload 3.",
        "- GFLOP/s: about 6 x examples x weights per epoch (forward, backward to the inputs, "
        "weight gradients), divided by the median seconds; backprop does not need the gradient "
        "of the input layer, so a contender can exceed 100% of the GEMM ceiling by this count.",
        "",
        "Raw samples:", "", *raw_samples(rows),
    ]
    text = "\n".join(lines) + "\n"
    print("\n".join(lines[len(header) + 2:]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
