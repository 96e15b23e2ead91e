"""Sweeps: many training runs that answer "what does this option do?", here or on a cluster.

* :mod:`.space`: the values to try, as a grid or drawn at random (rates on a log scale), each
  with every seed; a :class:`Trial` is one of them, an ordinary training run;
* :mod:`.plan`: the whole sweep, saved before anything runs;
* :mod:`.trial`: one trial on a worker (one BLAS thread, the worker's own copy of the data);
* :mod:`.runners`: where trials run: this process, local worker processes, or a Ray cluster;
* :mod:`.folder`: the sweep's files (model files with their cards, a record per trial);
* :mod:`.results`, :mod:`.report`, :mod:`.figures`: the table, best first, and the figures.

Ray is imported only inside the function that uses it (the ``ray`` extra).
"""

from .folder import SweepFolder, pending
from .plan import DataChoice, SweepPlan, make_plan
from .report import Report, write_report
from .results import TrialRecord
from .runners import ClusterError, Local, Lost, Ray, run_trials
from .space import Axis, Range, Trial, grid_points, make_trials, random_points
from .trial import TrialOutcome, TrialTask, run_trial

__all__ = [
    "Axis",
    "ClusterError",
    "DataChoice",
    "Local",
    "Lost",
    "Range",
    "Ray",
    "Report",
    "SweepFolder",
    "SweepPlan",
    "Trial",
    "TrialOutcome",
    "TrialRecord",
    "TrialTask",
    "grid_points",
    "make_plan",
    "make_trials",
    "pending",
    "random_points",
    "run_trial",
    "run_trials",
    "write_report",
]
