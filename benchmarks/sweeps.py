"""The wall time of one sweep run three ways: in one process, in 2 local worker processes, and on
a Ray cluster on 127.0.0.1 with 2 CPUs; the overhead per trial, and whether the tables agree.

    python benchmarks/sweeps.py                      # the README's sweep: 3b1b, 5 epochs,
                                                     # lr 0.01..100, seeds 0 and 1 (12 trials)
    python benchmarks/sweeps.py --epochs 1 --seeds 0 # a quicker look

The overhead per trial is (wall time x trials at once - the trials' training time) / trials:
starting workers, reading the data once per worker, saving, a worker idle at the end, and on Ray
its scheduling. The machine is shared: the load average is printed beside every figure. The
Ray cluster runs with its own HOME and temporary folder, every address on 127.0.0.1
(``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``), and is stopped by the ids of the processes it
started. Needs ``pip install 'digitnet[ray]'``; MNIST from ``--data-dir``, never downloaded.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# jsonschema imports rfc3987-syntax when it is installed (JupyterLab brings it), which builds
# parsers for seconds; Ray's agents import jsonschema and must start within a fixed 15 s.
NO_RFC3987_SYNTAX = 'raise ImportError("not needed by Ray here")\n'


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def sweep(args: argparse.Namespace, out: Path, where: list[str], env: dict[str, str]) -> dict:
    """Run the sweep; its wall time, the trials' training time, the loads, the table."""
    command = [sys.executable, "-m", "digitnet", "sweep", "--preset", "3b1b", "--epochs",
               str(args.epochs), "--grid", f"lr={args.rates}", "--seeds", args.seeds,
               "--dataset", "mnist", "--data-dir", str(args.data_dir), "--out", str(out), *where]
    before, started = load(), time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    records = [json.loads(f.read_text()) for f in (out / "trials").glob("*.json")]
    with (out / "results.csv").open() as stream:
        table = [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(stream)]
    return {"wall": wall, "training": sum(r["seconds"] for r in records),
            "trials": len(records), "load": f"{before} / {load()}", "table": table}


def start_ray(folder: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str, float]:
    """``ray start --head --block`` on 127.0.0.1; the process, the address, seconds to start."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = folder / "ray-start.log"
    started = time.perf_counter()
    with log.open("w") as stream:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block",
             "--node-ip-address", "127.0.0.1", "--port", str(port), "--num-cpus", "2",
             "--include-dashboard", "false", "--include-log-monitor", "false",
             "--disable-usage-stats", "--temp-dir", str(folder / "ray")],
            env=env, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True)
    while "Ray runtime started" not in log.read_text():
        if process.poll() is not None:
            sys.exit(f"ray start failed:\n{log.read_text()[-2000:]}")
        time.sleep(0.5)
    return process, f"127.0.0.1:{port}", time.perf_counter() - started


def stop_ray(process: subprocess.Popen[bytes]) -> None:
    """End the processes the cluster started, by their ids."""
    import psutil

    processes = [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
    process.terminate()
    _, alive = psutil.wait_procs(processes, timeout=30)
    for leftover in alive:
        leftover.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data/mnist")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rates", default="0.01,0.1,1,3,10,100")
    parser.add_argument("--seeds", default="0,1")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dn-sweeps-"))  # short: Ray's socket paths must fit
    env = dict(os.environ)
    runs = {"one process (`--jobs 1`)": (1, sweep(args, folder / "jobs1", ["--jobs", "1"], env)),
            "2 local worker processes (`--jobs 2`)":
                (2, sweep(args, folder / "jobs2", ["--jobs", "2"], env))}
    (folder / "home").mkdir()
    (folder / "path" / "rfc3987_syntax").mkdir(parents=True)
    (folder / "path" / "rfc3987_syntax" / "__init__.py").write_text(NO_RFC3987_SYNTAX)
    ray_env = {**env, "HOME": str(folder / "home"), "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
               "RAY_USAGE_STATS_ENABLED": "0",
               "PYTHONPATH": os.pathsep.join([str(folder / "path"), env.get("PYTHONPATH", "")])}
    process, address, seconds = start_ray(folder, ray_env)
    try:
        runs[f"Ray cluster on 127.0.0.1, 2 CPUs (started in {seconds:.0f} s)"] = (
            2, sweep(args, folder / "ray", ["--ray", address], ray_env))
    finally:
        stop_ray(process)
    print("| where | wall time | training time | overhead per trial | load average "
          "(1/5/15 min) before / after |\n| --- | --- | --- | --- | --- |")
    for name, (slots, run) in runs.items():
        overhead = (slots * run["wall"] - run["training"]) / run["trials"]
        print(f"| {name} | {run['wall']:.0f} s | {run['training']:.1f} s | {overhead:.1f} s | "
              f"{run['load']} |")
    tables = [run["table"] for _, run in runs.values()]
    print(f"\n{runs[next(iter(runs))][1]['trials']} trials; the tables "
          + ("agree" if all(t == tables[0] for t in tables) else "DIFFER") + f"; files in {folder}")


if __name__ == "__main__":
    main()
