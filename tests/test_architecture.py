"""The shape of the codebase, checked: a size budget, and an engine that never does I/O.

The import contracts (layers, no data or faces in the core, NumPy only in the engine) are in
pyproject.toml and checked by ``lint-imports`` in ``make test``; this file checks what imports
cannot show.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "digitnet"
MODULE_LINES = 300
FUNCTION_LINES = 50
# Named exceptions to the budget, each with its reason.
EXCEPTIONS: dict[str, str] = {}
# The engine: the network and how it learns. It computes; it never prints, reads or writes
# files, or asks for input. Training reports through its callback, models are saved by
# model_io, and the faces (cli, web, plots) do the talking.
ENGINE = ("activations", "architecture", "config", "costs", "descent", "diagnostics",
          "gradcheck", "gradients",
          "history", "initializers", "metrics", "network", "optimizers", "presets", "registry",
          "run_checks", "schedules", "stopping", "targets", "training", "training_state")
IO_CALLS = {"print", "open", "input", "breakpoint"}


def python_files() -> list[Path]:
    return sorted(SOURCE.rglob("*.py"))


def name(path: Path) -> str:
    return str(path.relative_to(SOURCE.parent))


@pytest.mark.parametrize("path", python_files(), ids=name)
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text()
    lines = len(text.splitlines())
    assert lines <= MODULE_LINES or name(path) in EXCEPTIONS, (
        f"{name(path)} has {lines} lines (budget {MODULE_LINES}): split it by idea")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            where = f"{name(path)}:{node.name}"
            assert length <= FUNCTION_LINES or where in EXCEPTIONS, (
                f"{where} has {length} lines (budget {FUNCTION_LINES})")


@pytest.mark.parametrize("module", ENGINE)
def test_the_engine_does_no_io(module: str) -> None:
    tree = ast.parse((SOURCE / f"{module}.py").read_text())
    calls = {node.func.id for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert not calls & IO_CALLS, f"digitnet.{module} calls {sorted(calls & IO_CALLS)}"


def test_the_budget_check_can_fail(tmp_path: Path) -> None:
    """The checks above see a long function and a print: they are not vacuous."""
    long = "def f() -> None:\n" + "    x = 1\n" * 60
    tree = ast.parse(long + "print(1)\n")
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    assert (functions[0].end_lineno or 0) - functions[0].lineno + 1 > FUNCTION_LINES
    assert any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in IO_CALLS
               for n in ast.walk(tree))
