"""Running mutants: which tests reach each line, then each mutant against those tests.

Every pytest run happens in a forked child of this process, which has NumPy, Pillow and pytest
imported already (never digitnet: each child imports the mutated copy afresh), so a mutant
costs its tests' time and not the interpreter's start-up.

First, for each module, one traced run of its test files notes which lines each test runs
(``sys.settrace``, only for frames of that module). A mutant then runs only the tests that
reach one of its lines, in their usual order, stopping at the first failure; a mutant on a line
that runs at import (module and class bodies, ``def`` lines with their defaults) runs every
test of the module's files. A test that never runs a line cannot see it changed, so this
selection loses nothing; a mutant no test reaches is reported as "not run", a survivor.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from .config import PACKAGE, REPO, TARGETS
from .mutants import Mutant, all_mutants, needed_lines

DETECTED = ("killed", "timeout")
OUTCOMES = ("killed", "timeout", "survived", "not run")


@dataclass
class Result:
    mutant: Mutant
    outcome: str  # one of OUTCOMES
    seconds: float
    tests: int  # how many tests were selected for it


@dataclass
class Coverage:
    """The lines of a module run at import, and the lines each test runs (in test order)."""

    at_import: set[int]
    by_test: dict[str, set[int]] = field(default_factory=dict)

    def tests_for(self, lines: range, files: list[str]) -> list[str]:
        """The tests that can see a change on ``lines``: all of ``files`` for an import line."""
        if any(line in self.at_import for line in lines):
            return files
        return [test for test, ran in self.by_test.items() if any(line in ran for line in lines)]


class LineRecorder:
    """A pytest plugin and trace function: the lines of one file that each test runs."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.current: str | None = None
        self.coverage = Coverage(set())

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> Generator[None, None, None]:
        self.current = item.nodeid
        self.coverage.by_test.setdefault(item.nodeid, set())
        yield
        self.current = None

    def trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        """The global trace function: a local one for this file's frames, none for others."""
        if frame.f_code.co_filename != self.filename:
            return None
        at_import = not frame.f_code.co_flags & inspect.CO_OPTIMIZED  # a module or class body
        lines = self.coverage.at_import if at_import or self.current is None \
            else self.coverage.by_test[self.current]

        def line(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "line":
                lines.add(frame.f_lineno)
            return line

        lines.add(frame.f_lineno)
        return line


def in_child(workdir: Path, timeout: float, job: Callable[[], int]) -> tuple[str, float]:
    """Run ``job`` (which returns pytest's exit code) in a forked child with quiet output:
    "survived" (it passed), "killed" (a test failed or the child died) or "timeout"."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(workdir)
            sink = os.open(os.devnull, os.O_WRONLY)
            os.dup2(sink, 1)
            os.dup2(sink, 2)
            signal.alarm(max(1, round(timeout)))
            os._exit(job())
        except BaseException:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - started
    if os.WIFSIGNALED(status):
        return ("timeout" if os.WTERMSIG(status) == signal.SIGALRM else "killed"), seconds
    return ("survived" if os.WEXITSTATUS(status) == 0 else "killed"), seconds


def pytest_run(tests: Sequence[str], plugins: Sequence[object] = ()) -> int:
    return int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests], plugins=[*plugins]))


def trace_tests(workdir: Path, module: str, files: list[str]) -> tuple[Coverage, float]:
    """Run ``files`` once, unmutated, noting which lines of ``module`` each test runs."""
    report = workdir / "coverage.json"

    def job() -> int:
        recorder = LineRecorder(str(workdir / PACKAGE / module))
        sys.settrace(recorder.trace)
        code = pytest_run(files, [recorder])
        sys.settrace(None)
        coverage = recorder.coverage
        report.write_text(json.dumps({"at_import": sorted(coverage.at_import), "by_test": {
            test: sorted(lines) for test, lines in coverage.by_test.items()}}))
        return code

    outcome, seconds = in_child(workdir, 1200, job)
    if outcome != "survived":
        raise SystemExit(f"{module}: the tests fail without any mutation ({' '.join(files)})")
    data = json.loads(report.read_text())
    return Coverage(set(data["at_import"]), {t: set(lines) for t, lines in
                                             data["by_test"].items()}), seconds


def prepare_copy(root: Path) -> Path:
    """A copy of the package, the tests and pytest's configuration, importable from ``root``."""
    shutil.copytree(REPO / "src", root / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(REPO / "tests", root / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def mutate_module(workdir: Path, module: str, timeout_factor: float, only_named: bool,
                  verbose: bool) -> list[Result]:
    """Run every mutant of one module against the tests that reach it; the file is restored
    afterwards."""
    path = workdir / PACKAGE / module
    source = path.read_bytes()
    files = [f"tests/{name}" for name in TARGETS[module] if (workdir / "tests" / name).exists()]
    coverage, baseline = trace_tests(workdir, module, files)
    mutants = all_mutants(module, source, only_named)
    print(f"{module}: {len(mutants)} mutants; {len(coverage.by_test)} tests in "
          f"{' '.join(files)} ({baseline:.1f} s traced)", flush=True)
    results = []
    try:
        for mutant, lines in zip(mutants, needed_lines(source, mutants), strict=True):
            tests = coverage.tests_for(lines, files)
            if not tests:
                results.append(Result(mutant, "not run", 0.0, 0))
            else:
                path.write_bytes(mutant.apply(source))
                outcome, seconds = in_child(workdir, max(10.0, timeout_factor * baseline),
                                            partial(pytest_run, tests))
                count = len(coverage.by_test) if tests is files else len(tests)
                results.append(Result(mutant, outcome, seconds, count))
            last = results[-1]
            if last.outcome not in DETECTED or verbose:
                print(f"  {last.outcome:8}  {mutant.describe()}  ({last.tests} tests, "
                      f"{last.seconds:.1f} s)", flush=True)
    finally:
        path.write_bytes(source)
    detected = sum(r.outcome in DETECTED for r in results)
    print(f"  {module}: {detected}/{len(results)} detected "
          f"({sum(r.seconds for r in results):.0f} s)", flush=True)
    return results


def summary(results: Sequence[Result]) -> str:
    """A Markdown table: per module, how many mutants had each outcome, and the score."""
    lines = ["| module | mutants | killed | timeout | survived | not run | score |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    modules = dict.fromkeys(r.mutant.module for r in results)
    for module in [*modules, "total"]:
        mine = [r for r in results if module in ("total", r.mutant.module)]
        count = {k: sum(r.outcome == k for r in mine) for k in OUTCOMES}
        detected = count["killed"] + count["timeout"]
        score = f"{detected}/{len(mine)} = {detected / len(mine):.1%}" if mine else "-"
        lines.append(f"| {module} | {len(mine)} | " + " | ".join(str(count[k]) for k in OUTCOMES)
                     + f" | {score} |")
    return "\n".join(lines)
