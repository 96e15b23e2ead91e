"""``digitnet train --checkpoint DIR`` killed, stopped or failing, then ``--resume DIR``.

A run killed with SIGKILL (at an epoch boundary, within an epoch, in the middle of writing a
checkpoint, or at a random moment) and resumed ends with the model of a run never interrupted,
bit for bit. To kill at a chosen point, the run is started through a small wrapper that hangs
after (or halfway through) the N-th checkpoint write and leaves a marker file; the test waits for
the marker and sends SIGKILL.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import digitnet_command
from digitnet.checkpoints import checkpoint_file, load_checkpoint
from digitnet.model_io import load_model
from test_cli import DIGITNET_USAGE, assert_one_error
from test_interrupt import Training

# The demo recipe (Adam, cosine schedule, weight decay) with dropout, on a small network:
# 3 epochs of 250 mini-batches of the offline sample, a few seconds.
RECIPE = ("--layers", "784,24,10", "--epochs", 3, "--dropout", 0.2, "--batch-size", 16,
          "--validation-size", 500, "--early-stopping", 5, "--seed", 7, "--quiet")
TERMINATED = 143

# Runs ``digitnet train`` and hangs after (mode "after") or halfway through (mode "during")
# the AT-th checkpoint write, leaving the file MARKER. Nothing of digitnet is changed.
WRAPPER = """
import io, os, sys, time
from pathlib import Path
import numpy as np
import digitnet.checkpoints as checkpoints
from digitnet.cli import main

mode, at, marker = os.environ["MODE"], int(os.environ["AT"]), Path(os.environ["MARKER"])
real_write, real_savez, count = checkpoints.write_atomically, np.savez, [0]

def half_then_hang(stream, **arrays):
    buffer = io.BytesIO()
    real_savez(buffer, **arrays)
    stream.write(buffer.getvalue()[:len(buffer.getvalue()) // 2])
    stream.flush()
    marker.write_text("halfway")
    time.sleep(600)

def write(path, arrays):
    count[0] += 1
    if count[0] == at and mode == "during":
        np.savez = half_then_hang
    real_write(path, arrays)
    if count[0] == at:
        marker.write_text("written")
        time.sleep(600)

checkpoints.write_atomically = write
raise SystemExit(main(sys.argv[1:]))
"""


def run_command(env: dict[str, str], *args: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*digitnet_command(), "train", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def reference(offline_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model of the run never interrupted (and without checkpoints)."""
    out = tmp_path_factory.mktemp("reference") / "model.npz"
    result = run_command(offline_env, *RECIPE, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def assert_same_model(path: Path, reference: Path) -> None:
    """The same weights bit for bit, and the same history (but the seconds)."""
    got, want = load_model(path), load_model(reference)
    for a, b in zip(got.network.parameters(), want.network.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
    def epochs(card: Any) -> list[Any]:
        return [(e.train_cost, e.validation_accuracy, e.test_accuracy, e.diagnosis)
                for e in card.epochs]
    assert epochs(got.card) == epochs(want.card)
    assert got.card.results == want.card.results
    assert got.card.stop_reason == want.card.stop_reason == "completed"


def kill_at(env: dict[str, str], folder: Path, mode: str, at: int, *args: Any) -> None:
    """Start the run through the wrapper, wait for its marker, SIGKILL it."""
    marker = folder / "marker"
    process = subprocess.Popen([sys.executable, "-c", WRAPPER, "train", *map(str, args)],
                               env={**env, "MODE": mode, "AT": str(at), "MARKER": str(marker)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the wrapper never reached its checkpoint"
        time.sleep(0.02)
    process.kill()
    assert process.wait(30) == -signal.SIGKILL


def resume(env: dict[str, str], folder: Path) -> subprocess.CompletedProcess[str]:
    result = run_command(env, "--resume", folder)
    assert result.returncode == 0, result.stderr
    assert f"Resuming the run saved in {folder}" in result.stdout
    return result


def temporary_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# 3,500 training images in mini-batches of 16: 219 per epoch. Checkpoint writes: 1 at the start;
# every epoch (2, 3, ...); or with every 30 mini-batches: 2-8 at 30 ... 210, 9 at the end of
# epoch 1, 10 at mini-batch 240 = epoch 2's 21st, 11 at its 51st.
@pytest.mark.parametrize("where, mode, at, every, position", [
    ("at an epoch boundary", "after", 2, None, (1, 0)),
    ("within an epoch", "after", 10, 30, (1, 21)),
    ("while saving a checkpoint", "during", 11, 30, (1, 21)),  # write 10 is the one kept
])
def test_sigkill_then_resume_gives_the_same_model(
        offline_env: dict[str, str], reference: Path, tmp_path: Path, where: str, mode: str,
        at: int, every: int | None, position: tuple[int, int]) -> None:
    folder, out = tmp_path / "run.checkpoint", tmp_path / "model.npz"
    extra = ("--checkpoint-every", every) if every else ()
    kill_at(offline_env, tmp_path, mode, at, *RECIPE, "--out", out, "--checkpoint", folder,
            *extra)
    assert not out.exists()
    state = load_checkpoint(folder).state  # the last complete checkpoint, written before
    assert (state.epoch, state.batch) == position, where
    assert bool(temporary_files(folder)) == (mode == "during")
    resume(offline_env, folder)
    assert_same_model(out, reference)
    assert not temporary_files(folder)
    assert load_checkpoint(folder).finished == str(out)


@pytest.fixture(scope="module")
def long_reference(offline_env: dict[str, str],
                   tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recipe over 12 epochs, never interrupted: long enough that a kill at a random
    moment lands before the end even on a fast machine."""
    out = tmp_path_factory.mktemp("long") / "model.npz"
    result = run_command(offline_env, *LONG_RECIPE, "--quiet", "--out", out)
    assert result.returncode == 0, result.stderr
    return out


LONG_RECIPE = (*RECIPE[:3], 12, *RECIPE[4:-1])  # RECIPE with 12 epochs, not quiet


def test_sigkill_at_a_random_moment_twice(offline_env: dict[str, str], long_reference: Path,
                                          tmp_path: Path) -> None:
    """The real command, no wrapper: killed somewhere after epoch 1, resumed, killed again
    somewhere later, resumed again."""
    folder, out = tmp_path / "ck", tmp_path / "model.npz"
    run = Training(offline_env, tmp_path, *LONG_RECIPE, "--out", out, "--checkpoint", folder,
                   "--checkpoint-every", 7)
    run.wait_for("epoch  1/12")
    time.sleep(np.random.default_rng().uniform(0.0, 0.5))
    run.process.kill()
    run.finish()
    first = load_checkpoint(folder)
    assert not first.finished, "the run ended before the kill: make LONG_RECIPE longer"
    again = Training(offline_env, tmp_path, "--resume", folder)
    again.wait_for("Training (")
    time.sleep(np.random.default_rng().uniform(0.2, 0.6))
    again.process.kill()
    again.finish()
    second = load_checkpoint(folder).state
    assert (second.epoch, second.batch) >= (first.state.epoch, first.state.batch) >= (1, 0)
    if not load_checkpoint(folder).finished:
        resume(offline_env, folder)
    assert_same_model(out, long_reference)


def test_sigterm_saves_exits_143_and_resumes(offline_env: dict[str, str], reference: Path,
                                             tmp_path: Path) -> None:
    folder, out = tmp_path / "ck", tmp_path / "model.npz"
    run = Training(offline_env, tmp_path, *RECIPE[:-1], "--out", out, "--checkpoint", folder)
    run.wait_for("epoch 1/3")
    run.process.send_signal(signal.SIGTERM)
    code, stdout, stderr = run.finish()
    assert code == TERMINATED, stderr
    assert "Traceback" not in stderr
    assert "Interrupted: stopped on request" in stdout
    assert f"Continue with: digitnet train --resume {folder}" in stdout
    assert load_model(out).card.stop_reason == "interrupted"
    state = load_checkpoint(folder).state
    assert state.epoch >= 1 and not temporary_files(folder)
    resume(offline_env, folder)
    assert_same_model(out, reference)


def test_resume_of_a_finished_run_says_so(offline_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "model.npz"
    folder = tmp_path / "model.checkpoint"  # --checkpoint without a folder: beside the model
    first = run_command(offline_env, "--epochs", 1, "--quiet", "--checkpoint", "--out", out)
    assert first.returncode == 0, first.stderr
    assert_one_error(run_command(offline_env, "--resume", folder),
                     f"{folder}: the run saved there has finished (completed 1 epochs)",
                     f"its model is {out}")
    again = run_command(offline_env, "--epochs", 1, "--quiet", "--out", out,
                        "--checkpoint", folder)  # a finished run's folder may be reused
    assert again.returncode == 0, again.stderr


@pytest.fixture(scope="module")
def started(offline_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkpoint of a run killed just after its first write (at the start)."""
    folder = tmp_path_factory.mktemp("started")
    kill_at(offline_env, folder, "after", 1, "--epochs", 2, "--quiet", "--out",
            folder / "m.npz", "--checkpoint", folder / "ck")
    return folder / "ck"


@pytest.fixture
def unfinished(started: Path, tmp_path: Path) -> Path:
    """A private copy of ``started`` (tests may damage it)."""
    return Path(shutil.copytree(started, tmp_path / "ck"))


def test_resume_refuses_recipe_flags_and_a_new_run_an_unfinished_folder(
        offline_env: dict[str, str], unfinished: Path, tmp_path: Path) -> None:
    assert_one_error(run_command(offline_env, "--resume", unfinished, "--lr", 0.1,
                                 "--epochs", 9), "leave out --lr, --epochs",
                     code=DIGITNET_USAGE)
    assert_one_error(run_command(offline_env, "--epochs", 1, "--checkpoint", unfinished),
                     f"{unfinished} holds the checkpoint of a run not finished",
                     f"--resume {unfinished}")
    assert_one_error(run_command(offline_env, "--resume", tmp_path / "none"),
                     "no checkpoint there")
    assert_one_error(run_command(offline_env, "--checkpoint-every", 5),
                     "--checkpoint-every needs --checkpoint", code=DIGITNET_USAGE)


def edit_metadata(folder: Path, section: str, key: str, value: Any) -> None:
    path = checkpoint_file(folder)
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    metadata = json.loads(str(arrays["metadata"]))
    metadata[section][key] = value
    arrays["metadata"] = np.array(json.dumps(metadata))
    np.savez(path, **arrays)


def test_resume_refuses_other_data_and_damaged_files(offline_env: dict[str, str],
                                                     unfinished: Path) -> None:
    edit_metadata(unfinished, "data", "fingerprint", "0" * 32)
    assert_one_error(run_command(offline_env, "--resume", unfinished),
                     "these training data (mnist-sample, 4000 images) are not those the run "
                     "learned from (mnist-sample, 4000 images)", "give --data-dir")
    edit_metadata(unfinished, "recipe", "out", 42)
    assert_one_error(run_command(offline_env, "--resume", unfinished), "the recipe's out is 42")
    path = checkpoint_file(unfinished)
    path.write_bytes(path.read_bytes()[:1000])
    assert_one_error(run_command(offline_env, "--resume", unfinished), str(path),
                     "not a readable checkpoint")


@pytest.mark.mnist
def test_resume_on_other_data_is_refused(offline_env: dict[str, str], unfinished: Path,
                                         mnist_dir: Path) -> None:
    assert_one_error(run_command(offline_env, "--resume", unfinished, "--data-dir", mnist_dir),
                     "these training data (mnist, 60000 images) are not those the run learned "
                     "from (mnist-sample, 4000 images)")


# The same recipe with every kind of distortion on: augmentation draws from the run's generator
# for every mini-batch, so a run continued in the middle of an epoch draws the same ones.
# The last of the 3 epochs is clean (undistorted), so the resumed run crosses into it.
AUGMENTED = (*RECIPE, "--rotation", 10, "--scale", 0.1, "--shear", 10, "--translation", 2,
             "--elastic-alpha", 34, "--elastic-sigma", 4, "--clean-finish", 0.3)


def test_sigkill_within_an_epoch_then_resume_with_augmentation(
        offline_env: dict[str, str], reference: Path, tmp_path: Path) -> None:
    augmented, out = tmp_path / "augmented.npz", tmp_path / "model.npz"
    result = run_command(offline_env, *AUGMENTED, "--out", augmented)
    assert result.returncode == 0, result.stderr
    assert "images distorted: rotation 10 deg" in result.stdout
    assert "the last 1 of 3 epochs undistorted" in result.stdout
    # the distortions changed what was learned (the plain recipe's model differs)
    assert not np.array_equal(load_model(augmented).network.parameters()[0],
                              load_model(reference).network.parameters()[0])
    folder = tmp_path / "run.checkpoint"
    kill_at(offline_env, tmp_path, "after", 10, *AUGMENTED, "--out", out, "--checkpoint",
            folder, "--checkpoint-every", 30)
    state = load_checkpoint(folder).state
    assert (state.epoch, state.batch) == (1, 21)  # killed in the middle of epoch 2
    resume(offline_env, folder)
    assert_same_model(out, augmented)
    assert load_model(out).card.config.elastic_alpha == 34
    assert load_model(out).card.config.clean_finish == 0.3
