"""What live training costs the page and the API: events' rate, frame rate, prediction latency.

One session: the real server (uvicorn, 127.0.0.1) serving a 784-16-16-10 network, the page open
in headless Chromium, and a second event-stream client counting what the server sends. Then, in
turn, ``--repeats`` times: with no run, the page's frame rate (requestAnimationFrame callbacks
per second) and the latency of ``--requests`` sequential ``POST /api/predict``; then the same
while the page trains the ``3b1b`` preset on full MNIST (50,000 images, mini-batches of 10),
with the rate of events and mini-batch costs that reach a client. Prints one Markdown table.

    python benchmarks/live_training.py                 # MNIST from ../shared/data/mnist
    python benchmarks/live_training.py --repeats 5 --data-dir DIR --seconds 10
    python benchmarks/live_training.py --repeats 1 --after 120000   # late in the run
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from digitnet import Network
from digitnet.model_card import ModelCard
from digitnet.model_io import load_model, save_model
from digitnet.web import background_server, create_app

FRAMES = """(seconds) => new Promise((resolve) => {
  let frames = 0; const start = performance.now();
  const count = (now) => { frames += 1;
    if (now - start < 1000 * seconds) requestAnimationFrame(count);
    else resolve(frames / ((now - start) / 1000)); };
  requestAnimationFrame(count); })"""
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


class Counter:
    """An event-stream client counting events and mini-batch costs as they arrive."""

    def __init__(self, url: str) -> None:
        self.events = self.costs = 0
        self.http = httpx.Client(timeout=httpx.Timeout(30, read=None))
        threading.Thread(target=self.read, args=(url,), daemon=True).start()

    def read(self, url: str) -> None:
        kind = ""
        try:
            with self.http.stream("GET", url + "/api/training/events") as stream:
                for line in stream.iter_lines():
                    if line.startswith("event:"):
                        kind = line[6:].strip()
                        self.events += 1
                    elif line.startswith("data:") and kind == "costs":
                        self.costs += len(json.loads(line[5:])["costs"])
        except httpx.HTTPError:
            pass

    def snapshot(self) -> tuple[int, int, float]:
        return self.events, self.costs, time.perf_counter()


def latencies(http: httpx.Client, requests: int, rng: np.random.Generator) -> list[float]:
    """Milliseconds of ``requests`` sequential predictions of random pixels."""
    times = []
    for _ in range(requests):
        pixels = rng.random(784).round(3).tolist()
        start = time.perf_counter()
        answer = http.post("/api/predict", json={"pixels": pixels})
        times.append(1000 * (time.perf_counter() - start))
        answer.raise_for_status()
    return times


def measure(page: Any, http: httpx.Client, counter: Counter, args: argparse.Namespace,
            rng: np.random.Generator, training: bool) -> dict[str, float]:
    """One phase: frame rate and event rate over ``args.seconds``, then the predictions."""
    if training:
        page.select_option("#train-preset", "3b1b")
        page.fill("#train-images", "50000")
        page.click("#train-start")
        page.wait_for_selector('#train-status[data-state="running"]', timeout=60_000)
        page.wait_for_function(f"() => Number(document.getElementById('cost-chart')"
                               f".dataset.points) > {args.after}", timeout=600_000)
    before = counter.snapshot()
    fps = float(page.evaluate(FRAMES, args.seconds))
    after = counter.snapshot()
    seconds = after[2] - before[2]
    times = latencies(http, args.requests, rng)
    result = {"fps": fps, "events": (after[0] - before[0]) / seconds,
              "costs": (after[1] - before[1]) / seconds,
              "p50": float(np.percentile(times, 50)), "p99": float(np.percentile(times, 99)),
              "points": float(page.locator("#cost-chart").get_attribute("data-points") or 0)}
    if training:  # a run that ended before the predictions did is reported, not hidden
        result["still running"] = http.get("/api/training").json()["status"]["state"] == "running"
        if result["still running"]:
            http.post("/api/training/stop").raise_for_status()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared/data/mnist")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="frame-rate window")
    parser.add_argument("--requests", type=int, default=200, help="predictions per phase")
    parser.add_argument("--after", type=int, default=1000,
                        help="measure a run once its cost curve holds this many points "
                             "(the whole 3b1b run has 150,000)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp())
    network = Network([784, 16, 16, 10], seed=0)
    model = load_model(save_model(folder / "m.npz", network, ModelCard(network.architecture)))
    app = create_app(model, data_dir=args.data_dir, models_dir=folder / "models")
    rows, rng = [], np.random.default_rng(0)
    with background_server(app) as url, sync_playwright() as playwright, \
            httpx.Client(base_url=url, timeout=60) as http:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1480, "height": 1000})
        page.goto(url + "/")
        page.locator("#train-panel").scroll_into_view_if_needed()
        counter = Counter(url)
        latencies(http, 20, rng)  # warm up
        for repeat in range(args.repeats):
            for training in (False, True):
                row = measure(page, http, counter, args, rng, training)
                rows.append((repeat + 1, "3b1b run" if training else "no run", row))
                print(rows[-1], flush=True)
        browser.close()
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} cores\n")
    print("| repeat | phase | cost points | frames/s | events/s | costs/s | predict p50 ms | "
          "p99 ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for repeat, phase, r in rows:
        print(f"| {repeat} | {phase} | {r['points']:,.0f} | {r['fps']:.1f} | {r['events']:.1f} | "
              f"{r['costs']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} |")


if __name__ == "__main__":
    main()
