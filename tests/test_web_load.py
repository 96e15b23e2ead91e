"""The server under concurrent load, on loopback: answers stay exact, slow clients hold no one up.

``digitnet serve`` in its own process on 127.0.0.1 and the load client of
``benchmarks/loadgen.py`` (asyncio and httptools: cheap enough that the server, not the client,
does the work on two shared cores) keeping ``CLIENTS`` requests in flight, each on its own
keep-alive connection. Every answer must equal the single-threaded one, also while a live
training run trains beside the server and its network is put to use (swapped in) twice in the
middle: each answer must then be exactly one network's, the old one's or a new one's, never a
mixture. Everything is bounded (a fixed number of requests, a time limit); no timing is
asserted. The throughput and latency figures are ``benchmarks/load_test.py``'s, in
docs/load-test.md.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed")
pytest.importorskip("httptools", reason="httptools (the web extra) is not installed")
import httpx

from digitnet.model_io import Model, load_model, save_model
from digitnet.network import Network
from digitnet.web import background_server, create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from loadgen import ServerProcess, hammer, raw_request

CLIENTS = 16
INPUTS = 1000
LONG_RUN = {"preset": "3b1b", "layers": "784,12,10", "epochs": 100}  # 32,000 mini-batches


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    network = Network([784, 16, 16, 10], output_activation="softmax",
                      cost="categorical_cross_entropy", init="xavier", seed=1)
    return save_model(tmp_path_factory.mktemp("m") / "served.npz", network)


@pytest.fixture(scope="module")
def model(model_path: Path) -> Model:
    return load_model(model_path)


@pytest.fixture(scope="module")
def inputs() -> np.ndarray:
    """Random pixels with three decimals (short JSON: the client's work is not what is tested)."""
    return np.random.default_rng(14).random((INPUTS, 784)).round(3)  # (1000, 784), float64


def post(path: str, payload: Any) -> bytes:
    return raw_request(path, json.dumps(payload).encode())


def lean_answers(network: Network, inputs: np.ndarray) -> list[Any]:
    """What ``/api/predict/lean`` must answer for each row, computed here, one row at a time."""
    answers = []
    for pixels in inputs:
        X = pixels.astype(network.dtype)[None, :]  # (1, 784)
        answers.append({"digit": int(network.predict(X)[0]),
                        "probabilities": network.predict_proba(X)[0].tolist()})
    return answers


def ask(url: str, requests: list[bytes], clients: int = CLIENTS) -> list[Any]:
    """Send every request, ``clients`` at a time; the JSON answers in the order asked (every
    one must be a 200)."""
    answers: list[Any] = [None] * len(requests)

    def keep(i: int, status: int, body: bytes) -> None:
        answers[i] = json.loads(body)

    result = asyncio.run(hammer(url, "ask", len(requests), requests.__getitem__, keep,
                                concurrency=clients, time_limit=600))
    assert not result.errors and result.sent == len(requests), result.errors[:3]
    return answers


def test_concurrent_answers_equal_the_single_threaded_ones(model_path: Path, model: Model,
                                                           inputs: np.ndarray) -> None:
    network = model.network
    sizes = np.random.default_rng(0).integers(1, 40, 60)  # batches of 1..39 images
    batches = np.split(inputs, np.cumsum(sizes)[np.cumsum(sizes) < INPUTS])
    explained = [post("/api/predict", {"pixels": p.tolist()}) for p in inputs[:50]]
    with ServerProcess(model_path) as server:
        lean = ask(server.url, [post("/api/predict/lean", {"pixels": p.tolist()})
                                for p in inputs])
        batch = ask(server.url, [post("/api/predict/batch", {"images": b.tolist()})
                                 for b in batches])
        explaining = ask(server.url, explained)
        one_at_a_time = ask(server.url, explained, clients=1)
    assert lean == lean_answers(network, inputs)
    for answer, images in zip(batch, batches, strict=True):
        X = images.astype(network.dtype)  # (m, 784)
        assert answer["predictions"] == [
            {"digit": int(d), "probabilities": p}
            for d, p in zip(network.predict(X), network.predict_proba(X).tolist(), strict=True)]
    assert explaining == one_at_a_time


def test_answers_stay_whole_while_training_swaps_networks_in(
        model_path: Path, model: Model, inputs: np.ndarray, offline_env: dict[str, str],
        tmp_path: Path) -> None:
    """A run trains beside the server; after 250 and 600 answers it is paused, its network put
    to use (a copy swapped in whole) and resumed, while the requests keep coming. Every answer
    must be exactly the answer of one of the networks served, and two of them at least."""
    used: list[Path] = []
    answers: list[Any] = [None] * INPUTS
    requests = [post("/api/predict/lean", {"pixels": p.tolist()}) for p in inputs]

    def keep(i: int, status: int, body: bytes) -> None:
        answers[i] = json.loads(body)

    async def swap_twice(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as steer:
            for after in (250, 600):
                for _ in range(60_000):  # at most 60 s
                    if sum(a is not None for a in answers) >= after:
                        break
                    await asyncio.sleep(0.001)
                assert (await steer.post("/api/training/pause")).status_code == 200
                answer = await steer.post("/api/training/use")
                assert answer.status_code == 200, answer.text
                used.append(tmp_path / answer.json()["path"])
                assert (await steer.post("/api/training/resume")).status_code == 200

    async def load(url: str) -> Any:
        return await asyncio.gather(hammer(url, "lean", INPUTS, requests.__getitem__, keep,
                                           time_limit=600), swap_twice(url))

    (tmp_path / "no-data").mkdir()
    with ServerProcess(model_path, "--data-dir", str(tmp_path / "no-data"), env=offline_env,
                       cwd=tmp_path) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.post("/api/training", json=LONG_RUN).status_code == 202
        result, _ = asyncio.run(load(server.url))
        assert http.post("/api/training/stop").status_code == 200
    assert not result.errors and result.sent == INPUTS, result.errors[:3]
    networks = [model.network, *(load_model(path).network for path in used)]
    expected = [lean_answers(network, inputs) for network in networks]  # [network][input]
    whose = []
    for i, answer in enumerate(answers):
        matches = [k for k in range(len(networks)) if expected[k][i] == answer]
        assert matches, f"answer {i} is no served network's: {answer}"
        whose.append(matches[0])
    assert len(used) == 2 and len(set(whose)) >= 2, sorted(set(whose))


def test_two_workers_answer_alike_and_refuse_live_training(model_path: Path, model: Model,
                                                            inputs: np.ndarray) -> None:
    requests = [post("/api/predict/lean", {"pixels": p.tolist()}) for p in inputs[:200]]
    with ServerProcess(model_path, "--workers", "2") as server:
        answers = ask(server.url, requests)
        refused = httpx.post(server.url + "/api/training", json=LONG_RUN, timeout=60)
    assert answers == lean_answers(model.network, inputs[:200])
    assert refused.status_code == 409 and "--workers 1" in refused.json()["error"]


def test_slow_clients_do_not_hold_up_the_others(model: Model, inputs: np.ndarray) -> None:
    """Ten connections stall (five in their headers, five in their bodies) while 200 requests
    are answered; the stalled bodies then get 408, one line of JSON."""
    head = b"POST /api/predict/lean HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    with background_server(create_app(model, body_timeout=1.0)) as url:
        host, port = url.removeprefix("http://").split(":")
        stalled = [socket.create_connection((host, int(port)), timeout=30) for _ in range(10)]
        try:
            for k, connection in enumerate(stalled):
                connection.sendall(head if k % 2 else head + b"Content-Type: application/json"
                                   b"\r\nContent-Length: 5000\r\n\r\n" + b'{"pixels": [0.1, ')
            answers = ask(url, [post("/api/predict/lean", {"pixels": p.tolist()})
                                for p in inputs[:200]])
            assert answers == lean_answers(model.network, inputs[:200])
            for connection in stalled[0::2]:
                response = read_response(connection)
                status, _, body = response.partition(b"\r\n\r\n")
                assert status.startswith(b"HTTP/1.1 408"), response
                assert json.loads(body) == {"error": "the request body did not arrive within 1 s"}
        finally:
            for connection in stalled:
                connection.close()


def read_response(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (bounded by its timeout)."""
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)
