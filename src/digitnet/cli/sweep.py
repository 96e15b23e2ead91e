"""``digitnet sweep``: many training runs of one recipe with some options changed, here or on a
Ray cluster, and the table and figures of what each achieved.

The plan (every trial's configuration) is written to the sweep's folder before anything runs;
each trial's model file and record are written as soon as it finishes. Ctrl-C (or a lost
worker) leaves the finished trials in place, and ``--resume`` runs only the others.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..errors import ConfigError
from ..presets import PRESETS
from ..registry import lookup
from ..run_checks import check_layers_fit
from ..sweeps import (
    DataChoice,
    Local,
    Lost,
    Ray,
    SweepFolder,
    SweepPlan,
    TrialOutcome,
    TrialRecord,
    make_plan,
    pending,
    run_trials,
    write_report,
)
from ..sweeps.space import describe
from .errors import ExitCode, fail
from .options import (
    PRESET_HELP,
    TRAINING_OPTIONS,
    add_data_options,
    add_training_flags,
    apply_flags,
)
from .progress import load_data
from .sweep_options import parse_axis, parse_range, parse_seeds
from .train import IMAGE_PIXELS, NUM_CLASSES

SUMMARY = "train many networks with some options changed, and compare them"
DESCRIPTION = """Answer "what does this option do?" with many training runs.

Start from a preset, change any of its options with the flags of 'digitnet
train', and list what to try:

  digitnet sweep --preset 3b1b --grid lr=0.01,0.1,1,3,10,100 --seeds 0,1
  digitnet sweep --preset 3b1b --grid layers=784,16,16,10:784,100,10 --epochs 5
  digitnet sweep --preset demo --random 20 --range lr=0.0001:0.01 --range batch-size=8:128

Every trial is an ordinary training run whose model file is kept; a failed one
(diverged, or no better than chance) is recorded with the reason. The results
table (results.csv, results.md, best first) and a figure per swept option are
written to --out. Trials run in local worker processes, or on a Ray cluster
with --ray ADDRESS (pip install 'digitnet[ray]'). Ctrl-C keeps the finished
trials: --resume runs the others."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``digitnet sweep``."""
    parser.add_argument("--preset", default=None, metavar="NAME", help=PRESET_HELP)
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=VALUES",
                        help="values to try, every combination with the other --grid options: "
                             "lr=0.01,0.1,1 (layers separated by colons: "
                             "layers=784,16,10:784,100,10); NAME is a flag below without --")
    parser.add_argument("--random", type=int, metavar="N",
                        help="instead of every combination, N points drawn at random from the "
                             "--range options (and one value of each --grid option)")
    parser.add_argument("--range", action="append", default=[], metavar="NAME=LOW:HIGH",
                        help="bounds to draw from with --random: lr=0.001:10; rates are drawn "
                             "on a log scale, other numbers linearly (add :log or :linear)")
    parser.add_argument("--draw-seed", type=int, default=0, metavar="N",
                        help="the seed of the random draws of --random")
    parser.add_argument("--seeds", metavar="LIST",
                        help="run every point with each of these seeds, e.g. 0,1,2 (default: "
                             "the preset's seed)")
    add_training_flags(parser, leave_out=("seed",))
    add_data_options(parser, "the preset's, else 'default'")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="the sweep's folder (default: sweeps/PRESET)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=int, metavar="N",
                       help="trials at once, each in a local worker process with one BLAS "
                            f"thread (default: the number of cores, {cores()})")
    where.add_argument("--ray", metavar="ADDRESS",
                       help="run the trials on the Ray cluster at ADDRESS (host:port of "
                            "'ray start --head', or 'auto' for the one on this machine)")
    parser.add_argument("--resume", action="store_true",
                        help="finish the sweep in --out: run the trials that have not finished")
    parser.add_argument("--show", type=Path, metavar="DIR",
                        help="print the results of the sweep in DIR (and redraw its figures)")


def cores() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run(args: argparse.Namespace) -> ExitCode:
    if args.show is not None:
        refuse_with(args, "--show")
        return show(SweepFolder(args.show))
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs {args.jobs}: run at least one trial at a time")
    where = Ray(args.ray) if args.ray else Local(args.jobs or cores())
    folder = SweepFolder(args.out or Path("sweeps") / (args.preset or "demo"))
    if args.resume:
        refuse_with(args, "--resume")
        plan = folder.plan()
    else:
        folder.check_free()  # before the data is read
        plan = new_plan(args)
        folder.start(plan)
    return run_plan(plan, folder, where)


PLAN_OPTIONS = ("preset", "grid", "random", "range", "seeds", "dataset", "data_dir")


def refuse_with(args: argparse.Namespace, flag: str) -> None:
    """--show and --resume take the plan from the sweep's folder: no plan options beside."""
    given = [name for name in PLAN_OPTIONS if getattr(args, name) not in (None, [])]
    given += [dest for _, dest, _, _ in TRAINING_OPTIONS
              if getattr(args, dest, None) is not None]
    if flag == "--show" and args.resume:
        given.append("resume")
    if given:
        raise ConfigError(f"{flag} takes the plan from the sweep's folder; leave out "
                          f"--{given[0].replace('_', '-')}")


def new_plan(args: argparse.Namespace) -> SweepPlan:
    """The plan from the command line, its data found and checked once here."""
    preset = args.preset or "demo"
    base = apply_flags(lookup(PRESETS, preset, "preset"), args)
    axes = [parse_axis(text, base) for text in args.grid]
    ranges = [parse_range(text) for text in args.range]
    seeds = parse_seeds(args.seeds) if args.seeds else [base.seed]
    requested = args.dataset or "default"
    probe = make_plan(base, preset, DataChoice(requested, None, "?"), axes, seeds, ranges,
                      args.random, args.draw_seed)
    data = load_data(requested, args.data_dir,
                     max(t.config.validation_size for t in probe.trials), quiet=False)
    for trial in probe.trials:
        check_layers_fit(trial.config.layers, IMAGE_PIXELS, NUM_CLASSES, "digit")
        check_layers_fit(trial.config.layers, data.x_train.shape[1], NUM_CLASSES, data.name)
    folder = args.data_dir or (Path(data.source) if Path(data.source).is_dir() else None)
    choice = DataChoice(requested, str(folder.resolve()) if folder else None, data.name)
    print(f"Data: {data.description}", flush=True)
    return make_plan(base, preset, choice, axes, seeds, ranges, args.random, args.draw_seed)


def run_plan(plan: SweepPlan, folder: SweepFolder, where: Local | Ray) -> ExitCode:
    """Run the unfinished trials, save each as it ends, then write and print the results."""
    records = folder.records(plan)
    todo = pending(plan, records)
    total = len(plan.trials)
    print(f"Sweep of {total} trials in {folder.path}" + (
        f" ({len(records)} finished already)" if records else "")
        + f"; running {len(todo)} {where.describe()}", flush=True)

    def on_done(outcome: TrialOutcome) -> None:
        record = folder.save(outcome)
        records[record.name] = record
        print(f"[{len(records)}/{total}] {trial_line(record)}", flush=True)

    try:
        lost = run_trials([plan.task(trial) for trial in todo], where, on_done)
    except KeyboardInterrupt:
        report_results(folder, plan, list(records.values()))
        fail(f"interrupted with {len(records)} of {total} trials finished; run the others "
             f"with: digitnet sweep --resume --out {folder.path}")
        return ExitCode.INTERRUPTED
    report_results(folder, plan, list(records.values()))
    return say_lost(lost, folder)


def trial_line(record: TrialRecord) -> str:
    """``trial-003 learning_rate=0.1 seed 0: 91.23% after 5 epochs in 12.3 s``."""
    head = f"{record.name} {describe(record.params)} seed {record.seed}".replace("  ", " ")
    if record.status == "error":
        return f"{head}: could not run: {record.reason}"
    result = f"{record.test_accuracy or 0:.2%} after {record.epochs} epochs in " \
             f"{record.seconds:.1f} s"
    return f"{head}: {result}" + (f"; failed: {record.reason}" if record.status == "failed"
                                  else "")


def say_lost(lost: list[Lost], folder: SweepFolder) -> ExitCode:
    if not lost:
        return ExitCode.OK
    fail(f"{len(lost)} trial(s) lost with their worker ({lost[0].name}: {lost[0].reason}); "
         f"run them with: digitnet sweep --resume --out {folder.path}")
    return ExitCode.ERROR


def report_results(folder: SweepFolder, plan: SweepPlan, records: list[TrialRecord]) -> None:
    """Write the table and the figures, and print the table and where they are."""
    report = write_report(folder, plan, records)
    print()
    print(report.markdown, end="", flush=True)
    print()
    print(f"{len(records)} of {len(plan.trials)} trials finished. Written: "
          + ", ".join(str(file) for file in report.files), flush=True)
    if report.note:
        print(f"note: {report.note}", flush=True)


def show(folder: SweepFolder) -> ExitCode:
    """``--show DIR``: the results of a sweep, finished or not."""
    plan = folder.plan()
    report_results(folder, plan, list(folder.records(plan).values()))
    return ExitCode.OK
