"""``digitnet sweep`` end to end, through the real console script: a tiny sweep (300 training
and 100 test digits, 4 trials) in local worker processes and on a real Ray cluster started here,
a failing trial recorded, Ctrl-C and a lost worker leaving a sweep that ``--resume`` finishes
without running a finished trial again, and the command's one-line errors.
"""

from __future__ import annotations

import csv
import json
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import digitnet_command
from digitnet.model_io import load_model

INTERRUPTED, ERROR, USAGE = 130, 1, 2
# lr 3 learns; lr 1000 saturates every sigmoid and ends at chance level: a failed trial.
TINY_SWEEP = ("--preset", "3b1b", "--validation-size", 0, "--epochs", 3, "--grid", "lr=3,1000",
              "--seeds", "0,1", "--dataset", "mnist")

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def sweep(offline_env: dict[str, str]) -> Run:
    def run(*args: Any, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*digitnet_command(), "sweep", *map(str, args)],
                              capture_output=True, text=True, env=env or offline_env,
                              timeout=timeout)
    return run


@pytest.fixture(scope="module")
def local_sweep(sweep: Run, tiny_mnist: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("sweeps") / "lr"
    return out, sweep(*TINY_SWEEP, "--data-dir", tiny_mnist, "--out", out, "--jobs", 2)


def read_table(folder: Path) -> list[dict[str, str]]:
    with (folder / "results.csv").open() as stream:
        return list(csv.DictReader(stream))


def records(folder: Path) -> dict[str, dict[str, Any]]:
    return {file.stem: json.loads(file.read_text())
            for file in sorted((folder / "trials").glob("*.json"))}


def without_seconds(table: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in table]


def test_a_sweep_keeps_every_trial_and_writes_the_table(
        local_sweep: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, result = local_sweep
    assert result.returncode == 0, result.stderr
    assert "running 4 in 2 local worker processes" in result.stdout
    assert "[4/4]" in result.stdout
    table = read_table(out)
    assert len(table) == 4
    accuracies = [float(row["final test accuracy"].rstrip("%")) for row in table]
    assert accuracies == sorted(accuracies, reverse=True)  # the best first
    for row in table:  # every trial is an ordinary model file, its card saying how it was made
        model = load_model(out / row["model"])
        assert model.card.config is not None
        assert model.card.config.learning_rate == float(row["learning_rate"])
        assert model.card.config.seed == int(row["seed"])
        assert model.card.results is not None
        assert f"{model.card.results.test_accuracy:.2%}" == row["final test accuracy"]
        assert row["epochs"] == "3" and row["stop reason"] == "completed"
    assert (out / "results.md").read_text().count("\n") == 6  # header, rule, 4 trials
    figure = out / "accuracy-by-learning_rate.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.rglob("*.tmp"))


def test_a_failing_trial_is_recorded_with_its_reason(
        local_sweep: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, result = local_sweep
    by_rate = {}
    for row in read_table(out):
        by_rate.setdefault(row["learning_rate"], []).append(row)
    for row in by_rate["1000"]:
        assert row["status"] == "failed"
        assert row["model"].endswith(".failed.npz")
        assert "no better than always answering the most common digit" in row["reason"]
        assert "saturated" in row["diagnostics"]
        assert "failed: the test accuracy" in result.stdout
    assert [row["status"] for row in by_rate["3"]] == ["ok", "ok"]


def test_show_reprints_the_results(sweep: Run,
                                   local_sweep: tuple[Path, subprocess.CompletedProcess[str]]
                                   ) -> None:
    out, _ = local_sweep
    figure = out / "accuracy-by-learning_rate.png"
    figure.unlink()
    shown = sweep("--show", out)
    assert shown.returncode == 0, shown.stderr
    assert (out / "results.md").read_text() in shown.stdout
    assert "4 of 4 trials finished" in shown.stdout
    assert figure.is_file()


class Sweeping:
    """``digitnet sweep ...`` in the background, its stdout readable line by line."""

    def __init__(self, env: dict[str, str], *args: Any) -> None:
        self.process = subprocess.Popen([*digitnet_command(), "sweep", *map(str, args)],
                                        env=env, text=True, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, prefix: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while (line := self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
               ) is not None:
            if line.startswith(prefix):
                return
        pytest.fail(f"the sweep ended before a line starting {prefix!r}")

    def finish(self) -> tuple[int, str]:
        _, stderr = self.process.communicate(timeout=120)
        return self.process.returncode, stderr


# Four trials long enough (8 epochs) to be stopped while some are still running.
SLOW_SWEEP = ("--preset", "3b1b", "--validation-size", 0, "--epochs", 8, "--grid", "lr=0.5,3",
              "--seeds", "0,1", "--dataset", "mnist", "--jobs", 2)


def assert_resumes(sweep: Run, out: Path, before: dict[str, dict[str, Any]]) -> None:
    """--resume runs only the trials without a record, leaving the others' files as they were."""
    stamps = {name: (out / "trials" / f"{name}.json").stat().st_mtime_ns for name in before}
    resumed = sweep("--resume", "--out", out, "--jobs", 1)
    assert resumed.returncode == 0, resumed.stderr
    assert (f"({len(before)} finished already); running {4 - len(before)} in this process"
            in resumed.stdout)
    for name in before:
        assert name not in resumed.stdout.split("\n\n")[0]  # not run again ...
        assert (out / "trials" / f"{name}.json").stat().st_mtime_ns == stamps[name]  # ... nor saved
    after = records(out)
    assert len(after) == 4 and {k: after[k] for k in before} == before
    assert len(read_table(out)) == 4


def test_ctrl_c_leaves_a_sweep_that_resume_finishes(sweep: Run, offline_env: dict[str, str],
                                                    tiny_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    running = Sweeping(offline_env, *SLOW_SWEEP, "--data-dir", tiny_mnist, "--out", out)
    running.wait_for("[1/4]")
    running.process.send_signal(signal.SIGINT)
    code, stderr = running.finish()
    assert code == INTERRUPTED, stderr
    assert stderr.strip().splitlines()[-1].startswith("digitnet: error: interrupted with ")
    assert f"digitnet sweep --resume --out {out}" in stderr and "Traceback" not in stderr
    finished = records(out)
    assert 1 <= len(finished) < 4
    assert len(read_table(out)) == len(finished)  # the table of what finished is written
    assert not list(out.rglob("*.tmp"))
    assert_resumes(sweep, out, finished)


def test_a_lost_worker_leaves_the_finished_trials_and_says_to_resume(
        offline_env: dict[str, str], tiny_mnist: Path, tmp_path: Path) -> None:
    import psutil

    out = tmp_path / "sweep"
    running = Sweeping(offline_env, *SLOW_SWEEP, "--data-dir", tiny_mnist, "--out", out)
    running.wait_for("[1/4]")
    workers = [p for p in psutil.Process(running.process.pid).children()
               if "spawn_main" in " ".join(p.cmdline())]
    assert len(workers) == 2
    workers[0].kill()  # as the kernel's out-of-memory killer would
    code, stderr = running.finish()
    assert code == ERROR, stderr
    assert "lost with their worker" in stderr and "--resume" in stderr
    assert len(stderr.strip().splitlines()) == 1
    finished = records(out)
    assert 1 <= len(finished) < 4 and len(read_table(out)) == len(finished)
    assert all((out / record["model"]).is_file() for record in finished.values())
    assert not list(out.rglob("*.tmp"))


RECIPE = ("--preset", "3b1b", "--validation-size", 0, "--dataset", "mnist")


@pytest.mark.parametrize(("args", "words", "code"), [
    ((*RECIPE, "--grid", "lr=0.1,-1"), ["--grid lr=0.1,-1", "must be positive"], USAGE),
    ((*RECIPE, "--grid", "seed=1,2"), ["--seeds"], USAGE),
    ((*RECIPE, "--random", 3, "--range", "activation=1:2"), ["only numbers"], USAGE),
    ((*RECIPE, "--range", "lr=0.1:1"), ["--random N"], USAGE),
    ((*RECIPE, "--grid", "layers=784,10:785,10"), ["first layer must have 784"], USAGE),
    ((*RECIPE, "--jobs", 0, "--grid", "lr=1,2"), ["--jobs 0"], USAGE),
    (("--resume",), ["no sweep here"], ERROR),
    (("--resume", "--grid", "lr=1,2"), ["--resume", "leave out --grid"], USAGE),
    (("--show", "."), ["no sweep here"], ERROR),
])
def test_impossible_sweeps_are_one_line(sweep: Run, tiny_mnist: Path, tmp_path: Path,
                                        args: tuple[Any, ...], words: list[str],
                                        code: int) -> None:
    data = ("--data-dir", tiny_mnist) if "--dataset" in args else ()
    result = sweep(*args, *data, "--out", tmp_path / "s")
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: "), result.stderr
    for word in words:
        assert word in lines[0]
    assert not (tmp_path / "s").exists()  # nothing written


def test_a_folder_holding_a_sweep_is_not_overwritten(
        sweep: Run, local_sweep: tuple[Path, subprocess.CompletedProcess[str]],
        tiny_mnist: Path) -> None:
    out, _ = local_sweep
    plan = (out / "sweep.json").read_bytes()
    result = sweep(*TINY_SWEEP, "--data-dir", tiny_mnist, "--out", out)
    assert result.returncode == USAGE
    assert "holds a sweep already" in result.stderr and "--resume" in result.stderr
    assert (out / "sweep.json").read_bytes() == plan


# --- on a Ray cluster ----------------------------------------------------------------------------
LOOPBACK = ("127.0.0.1", "::ffff:127.0.0.1", "::1")
# jsonschema imports rfc3987-syntax when it is installed (JupyterLab of the dev extra brings it),
# and that builds its parsers for seconds at import. Ray's agents import jsonschema, and Ray
# gives them a fixed 15 s to start; on a machine as busy as a shared CI runner they miss it. A
# package of that name that refuses to import (jsonschema then does without it) on the Ray
# processes' path keeps them within it.
NO_RFC3987_SYNTAX = 'raise ImportError("not needed by the Ray processes of this test")\n'


class LoopbackRayCluster:
    """A one-node Ray cluster on 127.0.0.1, started by ``ray start --head --block`` with its own
    HOME (no token or state of another run) and temporary folder; ``stop`` ends exactly the
    processes it started, by their ids (``ray stop`` would end every Ray process here)."""

    def __init__(self, base_env: dict[str, str], folder: Path, port: int) -> None:
        (folder / "home").mkdir()
        (folder / "path" / "rfc3987_syntax").mkdir(parents=True)
        (folder / "path" / "rfc3987_syntax" / "__init__.py").write_text(NO_RFC3987_SYNTAX)
        self.env = {**base_env, "HOME": str(folder / "home"), "RAY_USAGE_STATS_ENABLED": "0",
                    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # every address on 127.0.0.1
                    "PYTHONPATH": str(folder / "path")}
        self.address = f"127.0.0.1:{port}"
        self.log = folder / "ray-start.log"
        ray = Path(digitnet_command()[0]).with_name("ray")
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(ray), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
                 "--port", str(port), "--num-cpus", "2", "--include-dashboard", "false",
                 "--include-log-monitor", "false", "--disable-usage-stats",
                 "--temp-dir", str(folder / "ray")],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.seen: set[Any] = set()  # every process of the cluster seen, and its sockets

    def wait_until_started(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while "Ray runtime started" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ray start failed: {self.log.read_text()[-3000:]}")
            time.sleep(0.5)

    def processes(self, *others: int) -> list[Any]:
        import psutil

        with_children = []
        for pid in (self.process.pid, *others):
            try:
                root = psutil.Process(pid)
                with_children += [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        return with_children

    def listening(self, *others: int) -> set[tuple[int, str, int]]:
        """(pid, address, port) of every socket the cluster's processes (and ``others``) listen
        on; the pids are remembered in ``seen``."""
        import psutil

        found = set()
        for process in self.processes(*others):
            try:
                self.seen.add(process.pid)
                found |= {(process.pid, c.laddr.ip, c.laddr.port)
                          for c in process.net_connections(kind="inet")
                          if c.status == psutil.CONN_LISTEN}
            except psutil.Error:
                pass
        return found

    def stop(self) -> None:
        import psutil

        processes = self.processes()
        self.process.terminate()  # ray start --block stops what it started
        _, alive = psutil.wait_procs(processes, timeout=30)
        for process in alive:
            process.kill()
        psutil.wait_procs(alive, timeout=10)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_same_sweep_on_a_ray_cluster_gives_the_same_table(
        local_sweep: tuple[Path, subprocess.CompletedProcess[str]], offline_env: dict[str, str],
        tiny_mnist: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A real Ray cluster on 127.0.0.1 that the test starts and stops; the sweep connects to it
    by address. Every socket the cluster and the sweep listen on is on the loopback address."""
    pytest.importorskip("ray", reason="Ray is not installed: pip install 'digitnet[ray]'")
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="dn-ray-"))  # short: Ray's socket paths must fit
    cluster = LoopbackRayCluster(offline_env, folder, free_port())
    try:
        cluster.wait_until_started()
        out = tmp_path_factory.mktemp("ray") / "lr"
        running = subprocess.Popen(
            [*digitnet_command(), "sweep", *map(str, TINY_SWEEP), "--data-dir", str(tiny_mnist),
             "--out", str(out), "--ray", cluster.address], env=cluster.env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sockets, deadline = set(), time.monotonic() + 300
        while running.poll() is None and time.monotonic() < deadline:
            sockets |= cluster.listening(running.pid)
            time.sleep(0.3)
        stdout, stderr = running.communicate(timeout=max(1, deadline - time.monotonic()))
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    assert running.returncode == 0, stderr
    assert f"running 4 on the Ray cluster at {cluster.address}" in stdout
    assert {ip for _, ip, _ in sockets} <= set(LOOPBACK), sockets
    assert int(cluster.address.split(":")[1]) in {port for _, _, port in sockets}
    workers = {int(record["worker"].rsplit(":", 1)[1]) for record in records(out).values()}
    assert workers <= cluster.seen - {running.pid}  # the trials ran in the cluster's workers
    assert without_seconds(read_table(out)) == without_seconds(read_table(local_sweep[0]))
    assert not cluster.processes()  # nothing of the cluster is left running
