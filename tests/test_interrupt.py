"""Ctrl-C or SIGTERM during ``digitnet train``: a clean stop, a valid model file, never a
half-written one.

Each test starts the real console script, waits until training is under way, sends SIGINT the
way a terminal does (or SIGTERM, as timeout, systemd, Docker and CI runners do), and then looks
at the exit code, the messages and the model folder.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import digitnet_command
from digitnet import Network
from digitnet.model_card import ModelCard
from digitnet.model_io import load_model, save_model

INTERRUPTED = 130
TERMINATED = 143


class Training:
    """``digitnet train ...`` running in the background, its stdout readable line by line."""

    def __init__(self, env: dict[str, str], folder: Path, *args: Any) -> None:
        self.stderr_path = folder / "stderr.txt"
        with self.stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                [*digitnet_command(), "train", *map(str, args)], env=env, text=True,
                stdout=subprocess.PIPE, stderr=stderr)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, prefix: str, timeout: float = 60) -> None:
        """Block until a line of stdout starts with ``prefix``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no line starting {prefix!r} within {timeout} s: {self.seen}")
            if line is None:
                pytest.fail(f"training ended before {prefix!r}: {self.seen}; {self.stderr()}")
            self.seen.append(line)
            if line.startswith(prefix):
                return

    def interrupt(self, times: int = 1, pause: float = 0.0, signum: int = signal.SIGINT) -> None:
        for _ in range(times):
            self.process.send_signal(signum)
            time.sleep(pause)

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        """Wait for the exit; returns (exit code, all stdout, stderr)."""
        try:
            code = self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        while (line := self.lines.get(timeout=10)) is not None:
            self.seen.append(line)
        return code, "\n".join(self.seen), self.stderr()

    def stderr(self) -> str:
        return self.stderr_path.read_text()


def no_temporary_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("signum, exit_code", [(signal.SIGINT, INTERRUPTED),
                                               (signal.SIGTERM, TERMINATED)])
def test_ctrl_c_or_sigterm_saves_what_was_learned(offline_env: dict[str, str], tmp_path: Path,
                                                  signum: int, exit_code: int) -> None:
    models = tmp_path / "models"
    out = models / "long.npz"
    run = Training(offline_env, tmp_path, "--epochs", 500, "--out", out)
    run.wait_for("epoch   1/500")
    run.interrupt(signum=signum)
    code, stdout, stderr = run.finish()
    assert code == exit_code, stderr
    assert "Traceback" not in stderr
    assert "Interrupted: stopped on request" in stdout
    assert "saved what was learned so far" in stdout
    assert f"Saved the model to {out}" in stdout
    model = load_model(out)
    assert model.card.stop_reason == "interrupted"
    assert 1 <= len(model.card.epochs) < 500
    assert model.test_accuracy is not None and model.test_accuracy > 0.5
    assert no_temporary_files(models)


@pytest.mark.parametrize("pause", [0.0, 0.05, 0.3])
def test_ctrl_c_twice_never_breaks_an_existing_model(offline_env: dict[str, str],
                                                     tmp_path: Path, pause: float) -> None:
    """A second Ctrl-C aborts at once, possibly mid-save: the old file or a whole new one."""
    out = tmp_path / "models" / "kept.npz"
    old = Network([784, 10], seed=11)
    save_model(out, old, ModelCard(old.architecture, notes={"note": "the old model"}))
    run = Training(offline_env, tmp_path, "--epochs", 500, "--out", out)
    run.wait_for("epoch   1/500")
    run.interrupt(times=2, pause=pause)
    code, _, stderr = run.finish()
    # If the second Ctrl-C lands after main() has returned, Python dies of SIGINT itself;
    # a shell shows both as $? == 130.
    assert code in (INTERRUPTED, -signal.SIGINT), stderr
    assert "Traceback" not in stderr
    model = load_model(out)  # never half-written: the old model or a complete new one
    if model.card.notes.get("note") == "the old model":
        np.testing.assert_array_equal(model.network.weights[0], old.weights[0])
    else:
        assert model.card.stop_reason == "interrupted"
    assert no_temporary_files(out.parent)


def test_a_second_sigterm_ends_at_once_with_143(offline_env: dict[str, str],
                                                tmp_path: Path) -> None:
    out = tmp_path / "m.npz"
    run = Training(offline_env, tmp_path, "--epochs", 500, "--out", out)
    run.wait_for("epoch   1/500")
    run.interrupt(times=2, signum=signal.SIGTERM)
    code, _, stderr = run.finish()
    assert code in (TERMINATED, -signal.SIGTERM), stderr  # -15: the second came after main()
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if "error" in line]
    assert errors in ([], ["digitnet: error: terminated"]), stderr
    assert code == TERMINATED or not errors
    assert no_temporary_files(tmp_path)


@pytest.mark.mnist
def test_ctrl_c_mid_epoch_on_real_mnist(offline_env: dict[str, str],
                                        mnist_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "nielsen.npz"
    run = Training(offline_env, tmp_path, "--preset", "nielsen", "--data-dir", mnist_dir,
                   "--out", out)
    run.wait_for("Training (Ctrl-C")  # printed once the handler is in place
    run.interrupt()
    code, stdout, stderr = run.finish()
    assert code == INTERRUPTED, stderr
    assert "Interrupted: stopped on request" in stdout
    model = load_model(out)
    assert model.card.dataset is not None
    assert model.card.dataset.sizes == {"train": 50_000, "validation": 10_000, "test": 10_000}
    assert model.card.stop_reason == "interrupted"
    assert len(model.card.epochs) < 30
    assert no_temporary_files(tmp_path)


HOLD_BACK_WHILE_ANOTHER_THREAD_RUNS = """
import os, signal, sys, threading, time
from digitnet.runs import signals_held_back

PYTHONS = {{signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}}
HANDLERS = {{"python's": PYTHONS[signal.{name}], "ignored": signal.SIG_IGN,
            "own": lambda signum, frame: sys.exit("handled")}}
signal.signal(signal.{name}, HANDLERS["{handler}"])
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()  # tqdm's monitor, BLAS workers, ...
with signals_held_back():
    os.kill(os.getpid(), signal.{name})  # process-wide: the kernel may pick any thread
    time.sleep(0.3)  # "writing the file"
    print("the file is complete", flush=True)
print("after the block", flush=True)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("handler", ["python's", "own", "ignored"])
def test_signals_wait_for_the_file_even_when_other_threads_run(signum: int,
                                                               handler: str) -> None:
    """A process-wide signal goes to any thread that does not block it: a mask on the writing
    thread alone lets SIGTERM's default action, or a handler run by the main thread, cut the
    file short. Held back, the signal does just after the block what it would have done (and
    an ignored one stays ignored: a program started in the background ignores Ctrl-C)."""
    script = HOLD_BACK_WHILE_ANOTHER_THREAD_RUNS.format(handler=handler,
                                                        name=signal.Signals(signum).name)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert "the file is complete" in done.stdout, (done.returncode, done.stderr)
    assert ("after the block" in done.stdout) == (handler == "ignored"), done.stderr
    if handler == "own":
        assert (done.returncode, done.stderr.strip()) == (1, "handled")
    elif handler == "ignored":
        assert (done.returncode, done.stderr) == (0, "")
    elif signum == signal.SIGTERM:
        assert done.returncode == -signal.SIGTERM
    else:
        assert "KeyboardInterrupt" in done.stderr
