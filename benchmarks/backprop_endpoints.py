"""How long each learning endpoint takes: POST /api/backprop, /connection, /step, /batch and
/api/landscape, for trained model files, in process (FastAPI's TestClient: validation, the core
computation and the JSON, without the network).

    digitnet train --preset 3b1b --epochs 1 --data-dir ../shared/data/mnist --out /tmp/3b1b.npz
    digitnet train --preset modern --epochs 1 --data-dir ../shared/data/mnist --out /tmp/modern.npz
    python benchmarks/backprop_endpoints.py /tmp/3b1b.npz /tmp/modern.npz [--repeats 30]

Prints a Markdown table of medians (and the 10th-90th percentile) with the load average before
and after: the machine is shared, so read the load beside the times. ``--blas-threads 1`` limits
OpenBLAS with threadpoolctl (on a machine with more runnable threads than cores, BLAS threads
that wait for each other can cost more than they save).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LANDSCAPE_REPEATS = 7  # a landscape takes seconds: fewer repeats


def requests(num_parameters: int) -> list[tuple[str, str, Callable[[int], dict[str, Any]]]]:
    """(name, path, body of the r-th repeat): a different test image every repeat."""
    rows = [
        ("nudges + one neuron's wishes", "/api/backprop",
         lambda r: {"test_index": r, "neuron": {"layer": 1, "neuron": 0}}),
        ("chain rule (with the central difference)", "/api/backprop/connection",
         lambda r: {"test_index": r, "layer": 1, "neuron": 0, "input": 400}),
        ("one step", "/api/backprop/step", lambda r: {"test_index": r, "learning_rate": 0.5}),
        ("every example's wish, k = 1,000", "/api/backprop/batch",
         lambda r: {"layer": 1, "neuron": 0, "input": 400, "k": 1000, "seed": r}),
        ("landscape, API defaults (500 images, 21x21)", "/api/landscape",
         lambda r: {"seed": r}),
    ]
    if num_parameters > 100_000:  # what the page asks for a large network
        rows.append(("landscape, the page's choice (200 images, 15x15)", "/api/landscape",
                     lambda r: {"seed": r, "examples": 200, "grid": 15}))
    return rows


def timed(client: Any, path: str, body: dict[str, Any]) -> float:
    start = time.perf_counter()
    response = client.post(path, json=body)
    seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.text}")
    return seconds


def measure(model_path: Path, data_dir: Path, repeats: int) -> list[tuple[str, str, list[float]]]:
    """Every endpoint's times for one model file, in seconds."""
    from fastapi.testclient import TestClient

    from digitnet.data import load_dataset
    from digitnet.model_io import load_model
    from digitnet.web import create_app

    model = load_model(model_path)
    data = load_dataset("mnist", data_dir=data_dir, download=False)
    client = TestClient(create_app(model, (data.x_test, data.y_test), test_set_name="mnist"))
    results = []
    for name, path, body in requests(model.network.num_parameters):
        count = LANDSCAPE_REPEATS if "landscape" in path else repeats
        timed(client, path, body(count))  # warm up (imports, first allocations)
        results.append((name, path, [timed(client, path, body(r)) for r in range(count)]))
    return results


def summary(times: list[float]) -> str:
    """'median ms (p10-p90)'."""
    ms = np.array(times) * 1000
    p10, p90 = np.percentile(ms, [10, 90])
    return f"{statistics.median(ms):,.0f} ms ({p10:,.0f}-{p90:,.0f})"


@contextlib.contextmanager
def blas_threads(count: int | None) -> Iterator[str]:
    """Limit the BLAS threads with threadpoolctl, if asked; yields what was used."""
    if count is None:
        yield "the BLAS default"
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=count, user_api="blas"):
        yield f"{count} BLAS thread{'s' if count > 1 else ''} (threadpoolctl)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data/mnist")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--blas-threads", type=int, default=None)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    table = ["| endpoint | " + " | ".join(path.stem for path in args.models) + " |",
             "| --- |" + " ---: |" * len(args.models)]
    with blas_threads(args.blas_threads) as threads:
        columns = [measure(path, args.data_dir, args.repeats) for path in args.models]
    longest = max(columns, key=len)
    for row in range(len(longest)):
        name, path = longest[row][:2]
        cells = [summary(column[row][2]) if row < len(column) else "" for column in columns]
        table.append(f"| `POST {path}`: {name} | " + " | ".join(cells) + " |")
    load_after = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, {threads}, "
          f"median of {args.repeats} ({LANDSCAPE_REPEATS} for a landscape), 10th-90th percentile "
          f"in brackets; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after\n")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
