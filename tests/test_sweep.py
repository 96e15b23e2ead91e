"""Sweeps, piece by piece: grid and random expansion, the plan file, one trial on a worker, the
results table; the options' text read by the command line."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest

from digitnet import PRESETS, TrainingConfig
from digitnet.cli.sweep_options import parse_axis, parse_range, parse_seeds
from digitnet.diagnostics import Diagnosis, Problem
from digitnet.errors import ConfigError
from digitnet.history import EpochRecord, History
from digitnet.sweeps import (
    Axis,
    DataChoice,
    Range,
    SweepPlan,
    TrialRecord,
    TrialTask,
    grid_points,
    make_plan,
    make_trials,
    random_points,
    run_trial,
)
from digitnet.sweeps.results import diagnostics_summary, table, to_csv, to_markdown

BASE = PRESETS["3b1b"]
DATA = DataChoice("mnist", "/data", "mnist")


# --- grid ----------------------------------------------------------------------------------------
def test_a_grid_is_every_combination_the_first_axis_slowest() -> None:
    axes = [Axis("learning_rate", (0.1, 1.0, 10.0)), Axis("layers", ((784, 10), (784, 30, 10)))]
    points = grid_points(axes)
    assert points == [{"learning_rate": lr, "layers": layers}
                      for lr in (0.1, 1.0, 10.0) for layers in ((784, 10), (784, 30, 10))]


def test_every_point_runs_with_every_seed_the_seeds_fastest() -> None:
    points = grid_points([Axis("learning_rate", (0.5, 3.0))])
    trials = make_trials(BASE, points, [0, 7])
    assert [(t.name, t.params["learning_rate"], t.seed) for t in trials] == [
        ("trial-001", 0.5, 0), ("trial-002", 0.5, 7), ("trial-003", 3.0, 0),
        ("trial-004", 3.0, 7)]
    for trial in trials:  # the base recipe with only the swept value and the seed changed
        assert trial.config == BASE.replace(learning_rate=trial.params["learning_rate"],
                                            seed=trial.seed)


def test_impossible_values_are_refused_before_anything_runs() -> None:
    with pytest.raises(ConfigError, match="learning rate must be positive"):
        parse_axis("lr=1,-1", BASE)
    with pytest.raises(ConfigError, match="learning_rate=0"):
        make_trials(BASE, [{"learning_rate": 0.0}], [0])
    with pytest.raises(ConfigError, match="--seeds"):
        parse_axis("seed=1,2", BASE)
    with pytest.raises(ConfigError, match="swept twice"):
        grid_points([Axis("learning_rate", (1.0,)), Axis("learning_rate", (2.0,))])
    with pytest.raises(ConfigError, match="listed twice"):
        Axis("learning_rate", (1.0, 1.0))
    with pytest.raises(ConfigError, match="add --random N"):
        make_plan(BASE, "3b1b", DATA, [], [0], ranges=[Range("learning_rate", 0.1, 1, True)])
    with pytest.raises(ConfigError, match="nothing to sweep"):
        make_plan(BASE, "3b1b", DATA, [], [0])


# --- random search -------------------------------------------------------------------------------
def test_rates_are_drawn_on_a_log_scale() -> None:
    """lr in [0.001, 10] on a log scale: each of the four decades gets a quarter of the draws
    (on a linear scale, 0.001-0.01 would get 0.09% of them)."""
    rate = Range("learning_rate", 0.001, 10.0, log=True)
    points = random_points([rate], [], 4000, np.random.default_rng(0))
    values = np.array([p["learning_rate"] for p in points])
    assert values.min() >= 0.001 and values.max() <= 10.0
    shares = np.histogram(np.log10(values), bins=[-3, -2, -1, 0, 1])[0] / values.size
    assert np.allclose(shares, 0.25, atol=0.03), shares
    assert all(float(f"{v:.3g}") == v for v in values)  # three significant digits


def test_linear_whole_number_ranges_and_choices() -> None:
    batch = Range("mini_batch_size", 8, 128, log=False)
    activation = Axis("activation", ("sigmoid", "relu"))
    points = random_points([batch], [activation], 3000, np.random.default_rng(1))
    sizes = np.array([p["mini_batch_size"] for p in points])
    assert all(isinstance(p["mini_batch_size"], int) for p in points)
    assert sizes.min() == 8 and sizes.max() == 128
    assert abs(sizes.mean() - 68) < 3  # uniform on [8, 128]
    share = np.mean([p["activation"] == "relu" for p in points])
    assert abs(share - 0.5) < 0.04


def test_the_same_draw_seed_draws_the_same_points() -> None:
    ranges = [Range("learning_rate", 0.01, 10, True), Range("dropout", 0.0, 0.5, False)]
    first = random_points(ranges, [], 5, np.random.default_rng(3))
    assert first == random_points(ranges, [], 5, np.random.default_rng(3))
    assert first != random_points(ranges, [], 5, np.random.default_rng(4))


def test_range_options_are_read_with_their_scale() -> None:
    assert parse_range("lr=0.001:10") == Range("learning_rate", 0.001, 10.0, log=True)
    assert parse_range("batch-size=8:128") == Range("mini_batch_size", 8.0, 128.0, log=False)
    assert parse_range("batch-size=8:128:log").log
    assert not parse_range("lr=0.1:1:linear").log
    for text, words in (("activation=relu:tanh", "only numbers"), ("lr=1", "LOW:HIGH"),
                        ("lr=10:1", "LOW < HIGH"), ("lr=0:1", "LOW > 0"),
                        ("size=1:2", "not a training option"), ("lr", "NAME=VALUES")):
        with pytest.raises(ConfigError, match=words):
            parse_range(text)


def test_grid_options_are_read_as_the_flags_are() -> None:
    assert parse_axis("layers=784,16,10:784,100,10", BASE) == Axis(
        "layers", ((784, 16, 10), (784, 100, 10)))
    assert parse_axis("batch-size=10,100", BASE) == Axis("mini_batch_size", (10, 100))
    assert parse_axis("learning_rate=0.1", BASE) == Axis("learning_rate", (0.1,))
    assert parse_axis("activation=relu,tanh", BASE).values == ("relu", "tanh")
    with pytest.raises(ConfigError, match="expected a whole number"):
        parse_axis("epochs=1.5", BASE)
    with pytest.raises(ConfigError, match="sigmoidal"):
        parse_axis("activation=relu,sigmoidal", BASE)
    assert parse_seeds("0,1,2") == [0, 1, 2]
    with pytest.raises(ConfigError, match="--seeds"):
        parse_seeds("0,one")


# --- the plan ------------------------------------------------------------------------------------
def test_the_plan_survives_its_file_and_knows_its_log_axes() -> None:
    axes = [Axis("learning_rate", (0.01, 1.0, 100.0)), Axis("layers", ((784, 10), (784, 16, 10)))]
    plan = make_plan(BASE, "3b1b", DATA, axes, [0, 1])
    assert len(plan.trials) == 12 and plan.swept == ("learning_rate", "layers")
    assert plan.log_axes == ("learning_rate",)
    again = SweepPlan.from_dict(plan.to_dict())
    assert again.to_dict() == plan.to_dict()
    assert [t.config for t in again.trials] == [t.config for t in plan.trials]
    drawn = make_plan(BASE, None, DATA, [], [5], ranges=[Range("learning_rate", 0.1, 10, True)],
                      count=4, draw_seed=2)
    assert len(drawn.trials) == 4 and {t.seed for t in drawn.trials} == {5}
    assert drawn.log_axes == ("learning_rate",)


# --- one trial -----------------------------------------------------------------------------------
def test_a_trial_that_cannot_run_is_an_error_record_not_an_exception(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DIGITNET_DATA_DIR", raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: no download
    trial = make_trials(TrainingConfig(layers=(784, 10), epochs=1), [{}], [0])[0]
    outcome = run_trial(TrialTask(trial, None, "mnist", str(tmp_path), "mnist"))
    assert outcome.run is None
    assert outcome.record.status == "error"
    assert outcome.record.reason.startswith(f"MNIST not found: searched {tmp_path}")
    assert outcome.record.test_accuracy is None


def test_a_trial_trains_exactly_as_its_configuration_says(tiny_mnist: Path) -> None:
    config = PRESETS["3b1b"].replace(validation_size=0, epochs=2)
    trial = make_trials(config, [{"learning_rate": 3.0}], [1])[0]
    task = TrialTask(trial, "3b1b", "mnist", str(tiny_mnist), "mnist")
    first, second = run_trial(task), run_trial(task)
    assert first.run is not None and second.run is not None
    assert first.record.status == "ok" and first.record.epochs == 2
    assert first.record.test_accuracy == first.run.test_accuracy
    assert first.record.test_accuracy == second.record.test_accuracy  # same seed, same result
    for a, b in zip(first.run.network.parameters(), second.run.network.parameters(), strict=True):
        assert np.array_equal(a, b)
    assert first.run.card.config == trial.config and first.run.card.preset == "3b1b"
    wrong = TrialTask(trial, "3b1b", "mnist", str(tiny_mnist), "fashion-mnist")
    assert "not the fashion-mnist data" in run_trial(wrong).record.reason


# --- results -------------------------------------------------------------------------------------
def test_the_diagnostics_summary_names_each_problem_once() -> None:
    def epoch(number: int, *problems: Problem) -> EpochRecord:
        return EpochRecord(number, 3.0, 0.1, 1.0, diagnosis=Diagnosis((), problems))

    history = History([epoch(1, Problem("saturated", 1, "m"), Problem("steps", 3, "m")),
                       epoch(2, Problem("saturated", 2, "m"), Problem("chance", None, "m")),
                       epoch(3)])
    assert diagnostics_summary(history) == ("saturated layers 1,2 from epoch 1; steps layer 3 "
                                            "from epoch 1; chance from epoch 2")
    assert diagnostics_summary(History([epoch(1)])) == ""


def test_the_table_puts_the_best_first_and_errors_last() -> None:
    def record(name: str, accuracy: float | None, status: str = "ok") -> TrialRecord:
        return TrialRecord(name, {"learning_rate": 0.1, "layers": [784, 10]}, 0, status,
                           reason="" if status == "ok" else "diverged; the weights | grew.",
                           test_accuracy=accuracy, best_test_accuracy=accuracy)

    records = [record("trial-001", 0.5), record("trial-002", None, "error"),
               record("trial-003", 0.9), record("trial-004", 0.1, "failed")]
    rows = table(records, ["learning_rate", "layers"])
    assert [row[0] for row in rows[1:]] == ["trial-003", "trial-001", "trial-004", "trial-002"]
    assert rows[1][1:5] == ["0.1", "784,10", "0", "90.00%"]
    parsed = list(csv.reader(io.StringIO(to_csv(rows))))
    assert parsed == rows and parsed[3][-1] == "diverged; the weights | grew."
    markdown = to_markdown(table(records, ["learning_rate"], whole_reasons=False))
    assert markdown.splitlines()[1].startswith("| --- |")
    assert "| diverged |" in markdown  # the first clause of the reason only
    assert math.isclose(float(parsed[1][4].rstrip("%")), 90.0)
