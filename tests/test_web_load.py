"""A load test on loopback: many concurrent predict requests against the real uvicorn server.

Bounded in count and in time: each run sends at most ``REQUESTS`` requests, ``CONCURRENCY`` at
a time, and stops sending after ``TIME_LIMIT`` seconds. Every answer must be a 200 with a digit.
It prints the throughput and the latency percentiles; with DIGITNET_SAVE_SCREENSHOT=1 (or
DIGITNET_SAVE_DOCS=1) it also writes them to docs/load-test.md for the README.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("httpx", reason="httpx is not installed")
pytest.importorskip("uvicorn", reason="the web extra is not installed")

CONCURRENCY = 16
TIME_LIMIT = 15.0  # seconds per run
DOCS = Path(__file__).resolve().parents[1] / "docs"


@dataclass
class LoadResult:
    name: str
    sent: int
    errors: list[str]
    seconds: float
    latencies: list[float]  # seconds, one per successful request

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q)) * 1000  # milliseconds

    def row(self) -> str:
        return (f"| {self.name} | {self.sent:,} | {CONCURRENCY} | {len(self.errors)} | "
                f"{self.throughput:,.0f} | {self.percentile(50):.1f} | "
                f"{self.percentile(95):.1f} | {self.percentile(99):.1f} |")


async def hammer(url: str, name: str, requests: int, send: Any) -> LoadResult:
    """``requests`` calls of ``send(client)``, CONCURRENCY at a time, until TIME_LIMIT."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    sent = 0
    start = time.perf_counter()
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while sent < requests and time.perf_counter() - start < TIME_LIMIT:
            sent += 1
            began = time.perf_counter()
            try:
                response = await send(client)
                if response.status_code != 200 or not 0 <= response.json()["digit"] <= 9:
                    errors.append(f"HTTP {response.status_code}: {response.text[:100]}")
                    continue
            except httpx.HTTPError as error:
                errors.append(f"{type(error).__name__}: {error}")
                continue
            latencies.append(time.perf_counter() - began)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return LoadResult(name, sent, errors, time.perf_counter() - start, latencies)


SERVE = "import sys; from pathlib import Path; from digitnet.web import run; " \
        "run(Path(sys.argv[1]), port=0)"


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``digitnet.web.run`` in its own process (so the client does not share its GIL), serving
    the 3b1b shape, 784-16-16-10 (random weights: the work is the same), on a free port."""
    from digitnet import Network
    from digitnet.model_io import save_model

    network = Network([784, 16, 16, 10], output_activation="softmax",
                      cost="categorical_cross_entropy", init="xavier", seed=0)
    path = save_model(tmp_path_factory.mktemp("model") / "load.npz", network)
    server = subprocess.Popen([sys.executable, "-c", SERVE, str(path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()  # "digitnet: serving ... at http://127.0.0.1:PORT/"
        found = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert found, f"the server did not print its address: {first!r}"
        yield found.group(0)
    finally:
        server.terminate()
        server.wait(timeout=10)


RESULTS: list[LoadResult] = []


def test_concurrent_predictions_from_pixels(server_url: str) -> None:
    rng = np.random.default_rng(0)
    bodies = [json.dumps({"pixels": rng.random(784).round(3).tolist()}).encode()
              for _ in range(32)]  # encoded once: the client should not be the bottleneck
    counter = iter(range(10**9))
    headers = {"content-type": "application/json"}

    async def send(client: Any) -> Any:
        body = bodies[next(counter) % len(bodies)]
        return await client.post("/api/predict", content=body, headers=headers)

    result = asyncio.run(hammer(server_url, "`POST /api/predict` (784 numbers)", 2000, send))
    report(result)


def test_concurrent_predictions_from_pictures(server_url: str, digit_drawer: Any) -> None:
    pictures = []
    for digit in range(10):
        buffer = io.BytesIO()
        digit_drawer(digit, canvas=(280, 280), left=80, top=30, height=220,
                     stroke=20).save(buffer, format="PNG")
        pictures.append(buffer.getvalue())
    counter = iter(range(10**9))

    async def send(client: Any) -> Any:
        picture = pictures[next(counter) % len(pictures)]
        return await client.post("/api/predict/image", files={"file": ("d.png", picture)})

    result = asyncio.run(hammer(server_url, "`POST /api/predict/image` (280x280 PNG)", 300,
                                send))
    report(result)


def report(result: LoadResult) -> None:
    """Assert zero errors, print the figures and keep them for docs/load-test.md."""
    assert not result.errors, f"{len(result.errors)} errors, first: {result.errors[:3]}"
    assert len(result.latencies) == result.sent > 0
    print(f"\n{result.name}: {result.sent} requests, {CONCURRENCY} concurrent, "
          f"{result.seconds:.2f} s, {result.throughput:,.0f} requests/s, latency p50 "
          f"{result.percentile(50):.1f} ms, p95 {result.percentile(95):.1f} ms, "
          f"p99 {result.percentile(99):.1f} ms, 0 errors")
    RESULTS.append(result)
    if os.environ.get("DIGITNET_SAVE_SCREENSHOT") or os.environ.get("DIGITNET_SAVE_DOCS"):
        write_docs()


def write_docs() -> None:
    lines = [
        "# Load test",
        "",
        "`tests/test_web_load.py`: `digitnet.web.run` (uvicorn, one process, one worker) on",
        "127.0.0.1 serving a 784-16-16-10 network; an httpx async client in another process",
        "keeps 16 requests in flight.",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {platform.system()}; load average "
        f"{os.getloadavg()[0]:.1f} when it ran (other jobs share the CPUs: the figures are a "
        "floor, not a ceiling).",
        "",
        "| endpoint | requests | concurrent | errors | requests/s | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(result.row() for result in RESULTS),
        "",
    ]
    DOCS.mkdir(exist_ok=True)
    (DOCS / "load-test.md").write_text("\n".join(lines))
