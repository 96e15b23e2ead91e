"""A full disk or a read-only folder while ``digitnet train`` saves: the file there before is
left as it was, no temporary file stays behind, and the command says so in one line.

Two ways of failing: an injected failure (the write raising ENOSPC or EACCES, as the system
would; always run), and a real tiny tmpfs, full and then read-only (run where a tmpfs can be
mounted, i.e. as root with CAP_SYS_ADMIN: chmod does not stop root, a read-only mount does).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitnet import Network
from digitnet.checkpoints import checkpoint_file, load_checkpoint
from digitnet.cli import main
from digitnet.model_card import ModelCard
from digitnet.model_io import load_model, save_model
from test_cli import assert_one_error

QUICK = ["train", "--layers", "784,12,10", "--epochs", "2", "--quiet"]


@pytest.fixture
def offline(offline_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """This process, like ``offline_env``: "default" is the offline sample, no download."""
    for name in ("DIGITNET_DATA_DIR", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in offline_env.items():
        if name in ("XDG_CACHE_HOME",) or name.lower().endswith("_proxy"):
            monkeypatch.setenv(name, value)


def old_model(path: Path) -> Network:
    network = Network([784, 10], seed=11)
    save_model(path, network, ModelCard(network.architecture, notes={"note": "the old model"}))
    return network


def assert_old_model_kept(path: Path, network: Network) -> None:
    model = load_model(path)
    assert model.card.notes.get("note") == "the old model"
    np.testing.assert_array_equal(model.network.weights[0], network.weights[0])
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def fail_writes(monkeypatch: pytest.MonkeyPatch, error: int, after: int = 0,
                only: str = "") -> None:
    """Every np.savez into a stream, from the (after + 1)-th on, writes a part and then raises
    OSError(error), as a full disk does; ``only``: just the files with that member."""
    real, calls = np.savez, [0]

    def savez(stream: Any, **arrays: Any) -> None:
        if only and only not in arrays:
            return real(stream, **arrays)
        calls[0] += 1
        if calls[0] <= after:
            return real(stream, **arrays)
        real(stream, **dict(list(arrays.items())[:1]))
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(np, "savez", savez)


def one_line(capsys: pytest.CaptureFixture[str], code: int, *words: str) -> None:
    result = subprocess.CompletedProcess([], code, *capsys.readouterr())
    assert_one_error(result, *words)


def test_a_full_disk_keeps_the_old_model(offline: None, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.npz"
    old = old_model(out)
    fail_writes(monkeypatch, errno.ENOSPC)
    code = main([*QUICK, "--out", str(out)])
    one_line(capsys, code, f"could not save the model to {out}: No space left on device",
             "the file there before, if any, is unchanged")
    assert_old_model_kept(out, old)


def test_a_read_only_folder_keeps_the_old_model(offline: None, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.npz"
    old = old_model(out)

    real = tempfile.mkstemp

    def read_only(*args: Any, **kwargs: Any) -> Any:
        if Path(kwargs.get("dir", "")) != tmp_path:
            return real(*args, **kwargs)
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".m.npz.x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    code = main([*QUICK, "--out", str(out)])
    one_line(capsys, code, f"could not save the model to {out}: Permission denied")
    assert_old_model_kept(out, old)


def test_a_full_disk_keeps_the_last_checkpoint(offline: None, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Writes 1 (the start) and 2 (epoch 1) succeed, 3 (epoch 2) finds the disk full: the run
    stops with one line, and the checkpoint of epoch 1 is there to resume from."""
    folder = tmp_path / "ck"
    fail_writes(monkeypatch, errno.ENOSPC, after=2, only="batch_costs")
    code = main([*QUICK, "--out", str(tmp_path / "m.npz"), "--checkpoint", str(folder)])
    one_line(capsys, code, f"could not save the checkpoint to {checkpoint_file(folder)}: No "
             "space left on device")
    state = load_checkpoint(folder).state
    assert (state.epoch, state.batch) == (1, 0)
    assert [p.name for p in folder.iterdir()] == ["checkpoint.npz"]


# --- a real tmpfs: full, then read-only ----------------------------------------------------------
def mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True)


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 128 KiB tmpfs: room for one 784-24-10 model file (77 KB), not for a second copy."""
    folder = tmp_path / "tmpfs"
    folder.mkdir()
    if shutil.which("mount") is None or mount("-t", "tmpfs", "-o", "size=128k", "tmpfs",
                                              str(folder)).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN); the injected "
                    "failures above test the same code")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_real_full_then_read_only_tmpfs(tiny_tmpfs: Path, offline_env: dict[str, str]) -> None:
    from conftest import digitnet_command

    out = tiny_tmpfs / "m.npz"
    network = Network([784, 24, 10], seed=3)
    save_model(out, network, ModelCard(network.architecture, notes={"note": "the old model"}))
    with pytest.raises(OSError) as full:
        save_model(out, Network([784, 24, 10], seed=4))
    assert full.value.errno == errno.ENOSPC and full.value.filename == str(out)
    assert_old_model_kept(out, network)
    assert mount("-o", "remount,ro", str(tiny_tmpfs)).returncode == 0
    result = subprocess.run([*digitnet_command(), *QUICK, "--out", str(out)], env=offline_env,
                            capture_output=True, text=True, timeout=300)
    assert_one_error(result, f"could not save the model to {out}: Read-only file system")
    assert_old_model_kept(out, network)
    result = subprocess.run([*digitnet_command(), *QUICK, "--checkpoint", str(tiny_tmpfs / "ck")],
                            env=offline_env, capture_output=True, text=True, timeout=300)
    assert_one_error(result, "Read-only file system")  # at once, before any training
    assert "Training" not in result.stdout
