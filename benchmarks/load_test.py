"""The server under load on loopback: requests/s, latency percentiles, errors, memory.

``digitnet serve`` in its own process on 127.0.0.1 serving a 784-16-16-10 network (random
weights: the work per request is the same as a trained one's), and the asyncio/httptools client
of ``loadgen.py`` keeping ``--concurrency`` requests in flight on as many keep-alive connections.
Client and server share this machine's cores: the client's CPU time and the load average are
printed beside every figure.

For one server process (``--workers 1``), each endpoint is measured without a training run;
then memory over ``--memory-requests`` lean requests (resident size after a warm-up of 1,000
and at the end); then each endpoint again with a live training run going (``POST
/api/training``: ``3b1b`` on MNIST, 50,000 images in mini-batches of 10, in a thread of the
server process); then the endpoints with ``--workers 2`` (no live training: it needs one
process). Writes Markdown to ``--out`` (docs/load-test.md).

    python benchmarks/load_test.py                        # about 5 minutes on 2 cores
    python benchmarks/load_test.py --quick --out /tmp/load.md
    python benchmarks/load_test.py --blas-threads 1       # OPENBLAS/OMP/MKL threads for the server
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import httpx
import numpy as np

from digitnet import Network
from digitnet.model_io import save_model
from loadgen import LoadResult, ServerProcess, hammer, raw_request

ROOT = Path(__file__).resolve().parents[1]
TRAINING = {"preset": "3b1b", "epochs": 30}  # 50,000 MNIST images: minutes of training


@dataclass
class Row:
    """One measurement, as a table row."""

    result: LoadResult
    workers: int
    training: str  # "no", or the run's mini-batches a second during the measurement
    rss_before: int
    rss_after: int
    server_cpu: float
    load: float

    def markdown(self) -> str:
        r = self.result
        return (f"| {r.name} | {self.workers} | {self.training} | {len(r.latencies):,} | "
                f"{len(r.errors)} | {r.throughput:,.0f} | {r.percentile(50):.1f} | "
                f"{r.percentile(95):.1f} | {r.percentile(99):.1f} | {self.server_cpu:.1f} "
                f"({1000 * self.server_cpu / max(r.sent, 1):.2f}) | "
                f"{r.client_cpu:.1f} | {self.rss_before / 2**20:.0f} -> "
                f"{self.rss_after / 2**20:.0f} | {self.load:.1f} |")


HEADER = ("| endpoint | workers | training run (mini-batches/s) | answered | errors "
          "| requests/s | p50 ms | p95 ms | p99 ms | server CPU s (ms a request) "
          "| client CPU s | server RSS MiB before -> after | load avg (1 min) |\n"
          "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
          "| ---: |")


def workloads(rng: np.random.Generator, batch: int) -> dict[str, Callable[[int], bytes]]:
    """Each endpoint's requests: 64 different bodies encoded once, sent round-robin."""
    images = rng.random((64, 784)).round(3)  # (64, 784)
    lean = [raw_request("/api/predict/lean", json.dumps({"pixels": p.tolist()}).encode())
            for p in images]
    explain = [raw_request("/api/predict", json.dumps({"pixels": p.tolist()}).encode())
               for p in images]
    batches = [raw_request("/api/predict/batch", json.dumps(
        {"images": np.roll(images, k, axis=0)[:batch].tolist()}).encode()) for k in range(8)]
    return {"`POST /api/predict/lean`": lambda i: lean[i % 64],
            f"`POST /api/predict/batch` ({batch} images)": lambda i: batches[i % 8],
            "`POST /api/predict` (explaining)": lambda i: explain[i % 64]}


def measure(server: ServerProcess, name: str, make: Callable[[int], bytes], count: int,
            args: argparse.Namespace, workers: int, http: httpx.Client | None) -> Row:
    """A warm-up, then ``count`` requests (bounded by ``--seconds``) and the server's costs."""
    asyncio.run(hammer(server.url, "warm-up", 200, make, concurrency=args.concurrency))
    before, cpu = server.rss(), server.cpu_seconds()
    batches = http.get("/api/training").json()["status"]["batches"] if http else 0
    result = asyncio.run(hammer(server.url, name, count, make, concurrency=args.concurrency,
                                time_limit=args.seconds))
    training = "no"
    if http is not None:
        status = http.get("/api/training").json()["status"]
        assert status["state"] == "running", status
        training = f"yes ({(status['batches'] - batches) / result.seconds:,.0f})"
    row = Row(result, workers, training, before, server.rss(), server.cpu_seconds() - cpu,
              os.getloadavg()[0])
    print(row.markdown(), *result.errors[:3], flush=True)
    return row


def endpoints(server: ServerProcess, args: argparse.Namespace, workers: int,
              http: httpx.Client | None) -> list[Row]:
    counts = {"lean": args.requests, "batch": args.requests // 10,
              "explain": args.requests // 4}
    loads = workloads(np.random.default_rng(0), args.batch)
    return [measure(server, name, make, count, args, workers, http)
            for (name, make), count in zip(loads.items(), counts.values(), strict=True)]


def one_process(model: Path, args: argparse.Namespace, env: dict[str, str],
                folder: Path) -> tuple[list[Row], Row]:
    """Without a run, memory over many lean requests, then with a run."""
    with ServerProcess(model, "--data-dir", str(args.data_dir), env=env, cwd=folder) as server, \
            httpx.Client(base_url=server.url, timeout=120) as http:
        rows = endpoints(server, args, 1, None)
        lean = workloads(np.random.default_rng(1), args.batch)["`POST /api/predict/lean`"]
        asyncio.run(hammer(server.url, "warm-up", 1000, lean, concurrency=args.concurrency))
        memory = measure(server, f"memory: `POST /api/predict/lean` x {args.memory_requests:,}",
                         lean, args.memory_requests, argparse.Namespace(
                             **{**vars(args), "seconds": 600.0}), 1, None)
        started = http.post("/api/training", json=TRAINING)
        assert started.status_code == 202, started.text
        while http.get("/api/training").json()["status"]["batches"] < 100:
            time.sleep(0.2)  # the data is loaded and the run under way
        rows += endpoints(server, args, 1, http)
        http.post("/api/training/stop")
    return rows, memory


PARSERS = """import sys, uvicorn
from pathlib import Path
from digitnet.web.server import address, bind, build_app
sock = bind("127.0.0.1", 0)
print("digitnet: serving", address(sock), flush=True)
uvicorn.Server(uvicorn.Config(build_app(Path(sys.argv[1])), log_level="warning", http=sys.argv[2],
                              loop=sys.argv[3])).run(sockets=[sock])"""


def parsers(model: Path, args: argparse.Namespace, env: dict[str, str]) -> list[str]:
    """uvicorn's pure-Python HTTP parser and event loop (h11, asyncio) against the compiled ones
    of the web extra (httptools, uvloop), interleaved, on the lean endpoint: table rows."""
    lean = workloads(np.random.default_rng(2), args.batch)["`POST /api/predict/lean`"]
    lines = []
    for _ in range(2):
        for http, loop in (("h11", "asyncio"), ("httptools", "uvloop")):
            with ServerProcess(model, env=env, command=[
                    sys.executable, "-c", PARSERS, str(model), http, loop]) as server:
                asyncio.run(hammer(server.url, "warm-up", 200, lean))
                result = asyncio.run(hammer(server.url, f"{http} + {loop}", args.requests // 4,
                                            lean, concurrency=args.concurrency,
                                            time_limit=args.seconds))
            lines.append(f"| {http} + {loop} | {len(result.latencies):,} | {len(result.errors)} "
                         f"| {result.throughput:,.0f} | {result.percentile(50):.1f} | "
                         f"{result.percentile(99):.1f} | {os.getloadavg()[0]:.1f} |")
            print(lines[-1], flush=True)
    return ["| uvicorn's parser + loop | answered | errors | requests/s | p50 ms | p99 ms | "
            "load avg |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |", *lines]


def command_options() -> str:
    """The options this run was given, but where it wrote (a copy may be written elsewhere)."""
    options, skip = [], False
    for word in sys.argv[1:]:
        if skip or word == "--out":
            skip = not skip
            continue
        options.append(word)
    return "".join(f" {word}" for word in options if not word.startswith("--out="))


def header(args: argparse.Namespace, started: float) -> list[str]:
    versions = ", ".join(f"{name} {version(name)}" for name in
                         ("numpy", "uvicorn", "fastapi", "pydantic", "httptools", "uvloop"))
    return [
        "# Load test",
        "",
        f"`python benchmarks/{Path(__file__).name}{command_options()}`: `digitnet serve` "
        "on 127.0.0.1 serving a 784-16-16-10 network, and the asyncio + httptools client of "
        f"`benchmarks/loadgen.py` keeping {args.concurrency} requests in flight, each on its own "
        "keep-alive connection, after 200 requests of warm-up. Each run is bounded: "
        f"`--requests` {args.requests:,} (a tenth for the batch endpoint, a quarter for the "
        f"explaining one) or {args.seconds:g} s, whichever comes first.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs shared with other work, Python "
        f"{platform.python_version()}, {platform.system()}; {versions}; BLAS threads in the "
        f"server: {args.blas_threads or 'library default'}. The client runs on the same two "
        "cores (its CPU time is in the table). Load average (1, 5, 15 min) at the start: "
        f"{started[0]:.1f}, {started[1]:.1f}, {started[2]:.1f}; each row gives it at its end.",
        "",
    ]


def limits_section() -> list[str]:
    """The limits in force, read from the code (so this page cannot drift from it)."""
    from digitnet.web.limits import SERVER_LIMITS as L
    from digitnet.web.schemas import MAX_BATCH

    return [
        "## Limits and timeouts in force (`digitnet.web.limits.SERVER_LIMITS`)", "",
        f"- request body: at most {L.max_body_bytes:,} bytes, else 413 (refused before reading "
        "when the size is announced); it must arrive whole within "
        f"{L.body_timeout:g} s, else 408;",
        f"- `POST /api/predict/batch`: 1 to {MAX_BATCH} images, else 422;",
        f"- an idle keep-alive connection is closed after {L.keep_alive:g} s;",
        f"- past {L.max_connections:,} open connections (or running requests) a new request "
        "gets 503;",
        f"- {L.backlog:,} connections may wait in the kernel's accept queue;",
        f"- on Ctrl-C or SIGTERM open responses get {L.graceful_shutdown:g} s;",
        "- uvicorn has no limit on the time a client takes to send its headers: a client that "
        "connects and never finishes them holds one idle connection (no thread, no CPU) until "
        "it leaves, counted against the connection limit.",
        "",
        "The 413, 408 and 422 answers are one line of JSON, `{\"error\": \"...\"}`; the 503 is "
        "uvicorn's own plain-text answer. `tests/test_web_load.py` "
        "checks that 16 clients get exactly the single-threaded answers (also while a training "
        "run's network is swapped in twice), and that ten stalled connections (five in their "
        "headers, five in their bodies) do not hold up 200 other requests; "
        "`tests/test_web_lean.py` checks the 413 and 422 answers.", ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--memory-requests", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=32, help="images per batch request")
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit of one run")
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data/mnist")
    parser.add_argument("--blas-threads", type=int)
    parser.add_argument("--quick", action="store_true", help="a tenth of the requests")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "load-test.md")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.memory_requests = args.requests // 10, args.memory_requests // 10
    env = dict(os.environ)
    if args.blas_threads:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(args.blas_threads)
    started = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        network = Network([784, 16, 16, 10], output_activation="softmax",
                          cost="categorical_cross_entropy", init="xavier", seed=0)
        model = save_model(Path(folder) / "load.npz", network)
        print(HEADER)
        rows, memory = one_process(model, args, env, Path(folder))
        with ServerProcess(model, "--workers", "2", env=env, cwd=Path(folder)) as server:
            rows += endpoints(server, args, 2, None)
        compared = parsers(model, args, env)
    growth = memory.rss_after / memory.rss_before - 1
    lines = [*header(args, started), HEADER, *(row.markdown() for row in rows), "",
             "Memory over many requests (one process, after 1,000 requests of warm-up):", "",
             HEADER, memory.markdown(), "",
             f"Resident size grew {growth:+.1%} over {len(memory.result.latencies):,} requests.",
             "", "The web extra's httptools and uvloop against uvicorn's pure-Python defaults "
             f"(one process, the lean endpoint, {args.requests // 4:,} requests each, "
             "interleaved):", "", *compared, ""]
    args.out.write_text("\n".join([*lines, *limits_section()]))
    print(f"written to {args.out}; resident size {growth:+.1%} over the memory run")


if __name__ == "__main__":
    main()
