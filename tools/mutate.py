"""Mutation testing: plant one small bug at a time and check that some test fails.

A *mutant* is the source with a single change a careless edit could make: an operator swapped
(``+`` for ``-``, ``<`` for ``<=``), a condition negated, a number changed, a statement removed,
an attribute swapped for its sibling (``inputs`` for ``activations``, ``weights`` for
``biases``). A test suite *kills* the mutant when at least one test fails with it; a mutant
that *survives* is either a gap in the tests or an equivalent program (same behaviour).

Each module is tested only with the test files that concern it (``TARGETS``), run with ``-x``.
The tests run in a copy of the repository; a fork of this process, which has NumPy, Pillow and
pytest already imported (but never digitnet), runs each mutant, so a mutant costs its tests'
time and not the interpreter's start-up.

    python tools/mutate.py                         every module in TARGETS
    python tools/mutate.py network.py --list       the mutants of one module, not run
    python tools/mutate.py --json report.json      also write every result as JSON

Mutants counted as detected: killed (a test failed or the module no longer imported) and
timeouts (more than ``--timeout-factor`` times the unmutated run).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = Path("src/digitnet")

CORE_TESTS = ("test_activations_costs.py", "test_network.py", "test_optimizers.py",
              "test_fast_paths.py", "test_training.py", "test_gradcheck.py")
# Module (relative to src/digitnet) -> the test files that concern it, quickest first.
TARGETS: dict[str, tuple[str, ...]] = {
    "activations.py": ("test_activations_costs.py", "test_fast_paths.py", "test_network.py",
                       "test_gradcheck.py"),
    "costs.py": ("test_activations_costs.py", "test_fast_paths.py", "test_gradcheck.py",
                 "test_training.py"),
    "network.py": CORE_TESTS,
    "gradients.py": ("test_optimizers.py", "test_fast_paths.py", "test_training.py",
                     "test_gradcheck.py"),
    "optimizers.py": ("test_optimizers.py", "test_fast_paths.py", "test_training.py"),
    "schedules.py": ("test_optimizers.py", "test_training.py"),
    "initializers.py": ("test_network.py", "test_training.py"),
    "gradcheck.py": ("test_gradcheck.py",),
    "training.py": ("test_training.py", "test_fast_paths.py", "test_optimizers.py"),
    "stopping.py": ("test_training.py", "test_stopping.py"),
    "history.py": ("test_training.py", "test_stopping.py"),
    "metrics.py": ("test_metrics.py", "test_datasets.py", "test_training.py"),
    "data/preprocess.py": ("test_preprocess.py",),
}

# Attribute names that a slip of the finger could swap for one another.
SIBLINGS: dict[str, tuple[str, ...]] = {
    "inputs": ("activations",), "activations": ("inputs", "zs"), "zs": ("activations",),
    "weights": ("biases",), "biases": ("weights",), "mean": ("sum",), "sum": ("mean",),
    "min": ("max",), "max": ("min",), "minimum": ("maximum",), "maximum": ("minimum",),
    "argmin": ("argmax",), "argmax": ("argmin",), "beta1": ("beta2",), "beta2": ("beta1",),
    "zeros_like": ("ones_like",), "ones_like": ("zeros_like",), "floor": ("ceil",),
    "ceil": ("floor",),
}
CALL_SIBLINGS = {"max": "min", "min": "max", "any": "all", "all": "any"}
BINARY: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Pow: ast.Mult,
}
COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}

# The gaps a first mutation probe found (issue #9), written out by hand: (module, old, new, what).
NAMED: tuple[tuple[str, str, str, str], ...] = (
    ("network.py", "LayerGradient(delta, forward.inputs[layer])",
     "LayerGradient(delta, forward.activations[layer - 1] if layer else forward.inputs[0])",
     "BP4 reads the activations before the dropout mask"),
    ("optimizers.py", "b -= eta * layer.biases\n",
     "b -= eta * (layer.biases + layer.weight_decay * b)\n",
     "weight decay also applied to the biases"),
    ("optimizers.py", "        gradients = gradient.arrays()\n        if not self.m:",
     "        gradients = [g + (layer.weight_decay * layer.decayed"
     " if g.ndim == 2 and layer.weight_decay else 0)"
     " for g, layer in zip(gradient.arrays(), [x for x in gradient for _ in (0, 1)],"
     " strict=True)]\n        if not self.m:",
     "Adam adds the L2 term a second time"),
    ("training.py", "order = rng.permutation(X.shape[0])", "order = np.arange(X.shape[0])",
     "no shuffling"),
    ("metrics.py", "(labels, predicted), 1)", "(predicted, labels), 1)",
     "confusion matrix transposed"),
    ("training.py", "    early.restore_best()\n", "    pass\n",
     "the best parameters not restored when patience never ran out"),
    ("training.py", "            guard.remember()\n", "            pass\n",
     "the divergence fallback stays the initial parameters"),
)


@dataclass(frozen=True)
class Mutant:
    """One single-point change of ``module``: ``original`` at ``line`` became ``replacement``."""

    module: str
    line: int
    operator: str
    original: str
    replacement: str
    start: int  # byte offsets of the replaced span in the module's source
    end: int

    def apply(self, source: bytes) -> bytes:
        return source[:self.start] + self.replacement.encode() + source[self.end:]

    def describe(self) -> str:
        return f"{self.module}:{self.line} {self.operator}: {self.original!r} -> " \
               f"{self.replacement!r}"


@dataclass
class Result:
    mutant: Mutant
    outcome: str  # "killed", "survived" or "timeout"
    seconds: float


# --- finding the mutants -----------------------------------------------------------------------
def skipped_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes whose mutation would be noise: annotations, docstrings, error messages,
    f-strings, decorators, ``if TYPE_CHECKING`` blocks, ``zip``'s ``strict=True``."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation:
            roots.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            roots += [*node.decorator_list, *([node.returns] if node.returns else [])]
        elif isinstance(node, ast.ClassDef):
            roots += node.decorator_list
        elif isinstance(node, ast.Assert) and node.msg:
            roots.append(node.msg)
        elif is_noise(node):
            roots.append(node)
    return {id(child) for root in roots for child in ast.walk(root)}


def is_noise(node: ast.AST) -> bool:
    """A whole statement or expression that no test should have to pin."""
    if isinstance(node, ast.Raise | ast.JoinedStr):
        return True
    if isinstance(node, ast.keyword):
        return node.arg == "strict"
    if isinstance(node, ast.If):
        return ast.unparse(node.test) == "TYPE_CHECKING"
    return is_docstring(node)


def is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
        and isinstance(node.value.value, str)


def expression_mutants(node: ast.expr) -> Iterator[tuple[str, ast.expr]]:
    """(operator name, mutated copy) for one expression node."""
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        yield "binary operator", ast.BinOp(node.left, BINARY[type(node.op)](), node.right)
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in COMPARE:
                ops = [*node.ops[:i], COMPARE[type(op)](), *node.ops[i + 1:]]
                yield "comparison", ast.Compare(node.left, ops, node.comparators)
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield "boolean operator", ast.BoolOp(other, node.values)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
        yield "unary operator removed", node.operand
    elif isinstance(node, ast.Constant):
        yield from constant_mutants(node)
    elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
        for sibling in SIBLINGS.get(node.attr, ()):
            yield "attribute swapped", ast.Attribute(node.value, sibling, ast.Load())
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in CALL_SIBLINGS:
        name = ast.Name(CALL_SIBLINGS[node.func.id], ast.Load())
        yield "builtin swapped", ast.Call(name, node.args, node.keywords)
    elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
            and isinstance(node.slice, ast.Name):
        shifted = ast.BinOp(node.slice, ast.Sub(), ast.Constant(1))
        yield "index shifted", ast.Subscript(node.value, shifted, ast.Load())
    elif isinstance(node, ast.Tuple) and isinstance(node.ctx, ast.Load) and len(node.elts) == 2 \
            and not all(isinstance(e, ast.Constant) for e in node.elts) \
            and ast.dump(node.elts[0]) != ast.dump(node.elts[1]):
        yield "pair swapped", ast.Tuple([node.elts[1], node.elts[0]], ast.Load())


def constant_mutants(node: ast.Constant) -> Iterator[tuple[str, ast.expr]]:
    value = node.value
    if isinstance(value, bool):
        yield "constant", ast.Constant(not value)
    elif isinstance(value, int | float):
        yield "constant", ast.Constant(value + 1)
        zero, one = (0, 1) if isinstance(value, int) else (0.0, 1.0)
        yield "constant", ast.Constant(one if value == 0 else zero)


def statement_mutants(node: ast.stmt) -> Iterator[tuple[str, ast.stmt | None]]:
    """(operator name, mutated copy or None for "removed") for one simple statement."""
    if isinstance(node, ast.AugAssign) and type(node.op) in BINARY:
        yield "binary operator", ast.AugAssign(node.target, BINARY[type(node.op)](), node.value)
    removable = isinstance(node, ast.AugAssign | ast.Expr | ast.Continue | ast.Break) or (
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Subscript | ast.Attribute) for t in node.targets))
    if removable:
        yield "statement removed", None


def find_mutants(module: str, source: bytes) -> list[Mutant]:
    """Every single-point mutant of ``source``, each of which still parses."""
    tree = ast.parse(source)
    skip = skipped_nodes(tree)
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    found: dict[bytes, Mutant] = {}

    def span(node: ast.expr | ast.stmt) -> tuple[int, int]:
        assert node.end_lineno is not None and node.end_col_offset is not None
        return (starts[node.lineno - 1] + node.col_offset,
                starts[node.end_lineno - 1] + node.end_col_offset)

    def add(node: ast.expr | ast.stmt, operator: str, text: str) -> None:
        start, end = span(node)
        mutant = Mutant(module, node.lineno, operator, source[start:end].decode(), text, start,
                        end)
        mutated = mutant.apply(source)
        try:
            changed = ast.dump(ast.parse(mutated)) != ast.dump(tree)
        except SyntaxError:
            return
        if changed:
            found.setdefault(mutated, mutant)

    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.expr):
            for operator, new in expression_mutants(node):
                add(node, operator, f"({ast.unparse(new)})")
        elif isinstance(node, ast.stmt):
            for operator, statement in statement_mutants(node):
                add(node, operator, "pass" if statement is None else ast.unparse(statement))
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            source_test = source[slice(*span(node.test))].decode()
            add(node.test, "condition negated", f"(not ({source_test}))")
    return sorted(found.values(), key=lambda m: (m.start, m.end, m.replacement))


def named_mutants(module: str, source: bytes) -> list[Mutant]:
    """The hand-written mutants of ``NAMED`` that belong to ``module``."""
    result = []
    for name, old, new, what in NAMED:
        if name != module:
            continue
        start = source.find(old.encode())
        if start < 0 or source.find(old.encode(), start + 1) >= 0:
            raise SystemExit(f"named mutant {what!r}: its code was not found once in {name}")
        line = source[:start].count(b"\n") + 1
        result.append(Mutant(module, line, f"named: {what}", old, new, start,
                             start + len(old.encode())))
    return result


def all_mutants(module: str, source: bytes, only_named: bool) -> list[Mutant]:
    """The named mutants, then the generated ones that differ from all of them."""
    named = named_mutants(module, source)
    if only_named:
        return named
    seen = {m.apply(source) for m in named}
    return named + [m for m in find_mutants(module, source) if m.apply(source) not in seen]


# --- running them ------------------------------------------------------------------------------
def run_tests(workdir: Path, tests: Sequence[str], timeout: float) -> tuple[str, float]:
    """Run ``tests`` in a forked child: "killed" if one fails, "survived", or "timeout"."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: fresh imports of digitnet from the copy, quiet output
        try:
            os.chdir(workdir)
            sink = os.open(os.devnull, os.O_WRONLY)
            os.dup2(sink, 1)
            os.dup2(sink, 2)
            signal.alarm(max(1, round(timeout)))
            import pytest

            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests])
            os._exit(int(code))
        except BaseException:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - started
    if os.WIFSIGNALED(status):
        return ("timeout" if os.WTERMSIG(status) == signal.SIGALRM else "killed"), seconds
    code = os.WEXITSTATUS(status)
    return ("survived" if code == 0 else "killed"), seconds


def prepare_copy(root: Path) -> Path:
    """A copy of the package, the tests and pytest's configuration, importable from ``root``."""
    shutil.copytree(REPO / "src", root / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(REPO / "tests", root / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def mutate_module(workdir: Path, module: str, timeout_factor: float, only_named: bool,
                  verbose: bool) -> list[Result]:
    """Run every mutant of one module against its tests; the file is restored afterwards."""
    path = workdir / PACKAGE / module
    source = path.read_bytes()
    tests = [f"tests/{name}" for name in TARGETS[module] if (workdir / "tests" / name).exists()]
    outcome, baseline = run_tests(workdir, tests, 600)
    if outcome != "survived":
        raise SystemExit(f"{module}: the tests fail without any mutation ({' '.join(tests)})")
    mutants = all_mutants(module, source, only_named)
    print(f"{module}: {len(mutants)} mutants, tests {' '.join(tests)} ({baseline:.1f} s)",
          flush=True)
    results = []
    try:
        for mutant in mutants:
            path.write_bytes(mutant.apply(source))
            outcome, seconds = run_tests(workdir, tests, max(10.0, timeout_factor * baseline))
            results.append(Result(mutant, outcome, seconds))
            if outcome == "survived" or verbose:
                print(f"  {outcome:8}  {mutant.describe()}  ({seconds:.1f} s)", flush=True)
    finally:
        path.write_bytes(source)
    return results


def summary(results: Sequence[Result]) -> str:
    """A Markdown table: per module, mutants killed / survived / timed out and the score."""
    lines = ["| module | mutants | killed | timeout | survived | score |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    modules = dict.fromkeys(r.mutant.module for r in results)
    for module in [*modules, "total"]:
        mine = [r for r in results if module in ("total", r.mutant.module)]
        count = {k: sum(r.outcome == k for r in mine) for k in ("killed", "timeout", "survived")}
        score = (count["killed"] + count["timeout"]) / len(mine) if mine else float("nan")
        lines.append(f"| {module} | {len(mine)} | {count['killed']} | {count['timeout']} | "
                     f"{count['survived']} | {score:.1%} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("modules", nargs="*", help="modules under src/digitnet (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--named", action="store_true", help="only the hand-written mutants")
    parser.add_argument("--verbose", action="store_true", help="print every result")
    parser.add_argument("--timeout-factor", type=float, default=5.0)
    parser.add_argument("--json", type=Path, help="write every result to this JSON file")
    args = parser.parse_args(argv)
    modules = args.modules or list(TARGETS)
    unknown = [m for m in modules if m not in TARGETS]
    if unknown:
        parser.error(f"no tests are mapped for {', '.join(unknown)}; known: {', '.join(TARGETS)}")
    if args.list:
        for module in modules:
            source = (REPO / PACKAGE / module).read_bytes()
            for mutant in all_mutants(module, source, args.named):
                print(mutant.describe())
        return 0
    os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    mnist = REPO.parent / "shared/data/mnist"
    if mnist.is_dir():
        os.environ.setdefault("DIGITNET_MNIST_DIR", str(mnist))
    sys.dont_write_bytecode = True  # a mutant must never be served from a stale .pyc
    import numpy  # noqa: F401  (imported once here, shared by every forked run)
    import PIL.Image  # noqa: F401
    import pytest  # noqa: F401

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="digitnet-mutants-") as tmp:
        workdir = prepare_copy(Path(tmp))
        sys.path.insert(0, str(workdir / "src"))
        for module in modules:
            results += mutate_module(workdir, module, args.timeout_factor, args.named,
                                     args.verbose)
    print(summary(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
