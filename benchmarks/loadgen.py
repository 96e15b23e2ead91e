"""Load on loopback: a lean HTTP/1.1 client, the server in its own process, and what it costs.

Used by ``benchmarks/load_test.py`` (the figures in docs/load-test.md) and by
``tests/test_web_load.py`` (the same client, so the answers checked there are those of the load
measured here). Everything is bounded: a run sends at most ``count`` requests and
stops sending after ``time_limit`` seconds; the server listens on 127.0.0.1 only.

The client keeps ``concurrency`` requests in flight, each on its own keep-alive connection, with
asyncio and httptools' response parser (the parser uvicorn itself uses). It costs well under a
tenth of a millisecond of CPU a request, where httpx costs milliseconds on this machine: with
httpx the client, not the server, would be what is measured on two shared cores.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httptools
import numpy as np

Check = Callable[[int, int, bytes], str | None]  # (request number, status, body) -> error


def raw_request(path: str, body: bytes = b"", method: str = "POST",
                content_type: str = "application/json") -> bytes:
    """One HTTP/1.1 request as the bytes a client sends (keep-alive is HTTP/1.1's default)."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class Connection(asyncio.Protocol):
    """One keep-alive connection; ``send`` writes a request and waits for its response."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiting: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result((self.parser.get_status_code(), b"".join(self.body)))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_exception(ConnectionError("the server closed the connection"))

    async def send(self, request: bytes) -> tuple[int, bytes]:
        if self.transport is None:
            raise ConnectionError("not connected")
        self.body = []
        self.waiting = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiting

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(url: str) -> Connection:
    host, port = re.fullmatch(r"http://([\d.]+):(\d+)", url.rstrip("/")).groups()  # type: ignore[union-attr]
    _, connection = await asyncio.get_running_loop().create_connection(
        Connection, host, int(port))
    return connection


@dataclass
class LoadResult:
    """What one run of the client saw: requests sent, errors, seconds, latencies (seconds)."""

    name: str
    sent: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    client_cpu: float = 0.0  # seconds of CPU the client used

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """The q-th percentile of the latencies, in milliseconds."""
        return float(np.percentile(self.latencies, q)) * 1000 if self.latencies else 0.0

    def summary(self) -> str:
        return (f"{self.name}: {self.sent:,} requests in {self.seconds:.1f} s, "
                f"{self.throughput:,.0f}/s, p50 {self.percentile(50):.1f} ms, p95 "
                f"{self.percentile(95):.1f} ms, p99 {self.percentile(99):.1f} ms, "
                f"{len(self.errors)} errors")


async def hammer(url: str, name: str, count: int, make: Callable[[int], bytes],
                 check: Check | None = None, concurrency: int = 16,
                 time_limit: float = 60.0) -> LoadResult:
    """Send requests 0..count-1 (``make(i)`` gives request i's bytes), ``concurrency`` at a
    time, until all are answered or ``time_limit`` seconds have passed.

    A response is an error when its status is not 200 or ``check`` says so.
    """
    result = LoadResult(name)
    numbers = iter(range(count))
    connections = [await connect(url) for _ in range(concurrency)]
    cpu, start = time.process_time(), time.perf_counter()

    async def worker(connection: Connection) -> None:
        for i in numbers:
            if time.perf_counter() - start > time_limit:
                return
            result.sent += 1
            began = time.perf_counter()
            try:
                status, body = await connection.send(make(i))
            except ConnectionError as error:
                result.errors.append(f"request {i}: {error}")
                return
            problem = (f"HTTP {status}: {body[:100]!r}" if status != 200
                       else check(i, status, body) if check else None)
            if problem:
                result.errors.append(f"request {i}: {problem}")
            else:
                result.latencies.append(time.perf_counter() - began)

    try:
        await asyncio.gather(*(worker(connection) for connection in connections))
    finally:
        for connection in connections:
            connection.close()
    result.seconds = time.perf_counter() - start
    result.client_cpu = time.process_time() - cpu
    return result


class ServerProcess:
    """``digitnet serve MODEL --port 0`` (or ``command``, which must print the same "serving
    http://127.0.0.1:PORT" line) in its own process, on 127.0.0.1; its URL, its memory
    (resident set of the process and its workers) and its CPU time."""

    def __init__(self, model: Path, *options: str, timeout: float = 60.0,
                 env: dict[str, str] | None = None, cwd: Path | None = None,
                 command: list[str] | None = None) -> None:
        command = command or [sys.executable, "-m", "digitnet", "serve", str(model), "--port",
                              "0", *options]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env,
                                        cwd=cwd)
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = ""
        while "serving" not in line and time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not found:
            self.stop()
            raise RuntimeError(f"the server did not start: {line!r}")
        self.url = found.group(0)

    def processes(self) -> Sequence[Any]:
        """The server's process and its workers, as ``psutil.Process`` objects."""
        import psutil

        info = psutil.Process(self.process.pid)
        return [info, *info.children(recursive=True)]

    def rss(self) -> int:
        """Bytes resident in memory, summed over the server and its worker processes."""
        return sum(p.memory_info().rss for p in self.processes())

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by the server and its workers."""
        return sum(sum(p.cpu_times()[:2]) for p in self.processes())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
