"""Finding mutants: every single-point change of a module's source that still parses."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from .config import BINARY, CALL_SIBLINGS, COMPARE, NAMED, SIBLINGS


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


def skipped_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes whose mutation would be noise: annotations, docstrings, error messages,
    f-strings, decorators, ``if TYPE_CHECKING`` blocks, ``strict=`` and ``repr=`` keywords."""
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
        return node.arg in ("strict", "repr")
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
    starts = line_starts(source)
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




def line_starts(source: bytes) -> list[int]:
    """The byte offset at which each line starts (line n at index n - 1), and the end."""
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def needed_lines(source: bytes, mutants: list[Mutant]) -> list[range]:
    """For each mutant, the lines of which one must run for it to change anything: from the
    first line of the innermost statement that holds it to its own last line. (A mutant that
    no test reaches cannot be killed; one on a line run at import reaches every test.)"""
    tree = ast.parse(source)
    starts = line_starts(source)
    statements = sorted(
        ((starts[s.lineno - 1] + s.col_offset, starts[s.end_lineno - 1] + s.end_col_offset,
          s.lineno) for s in ast.walk(tree)
         if isinstance(s, ast.stmt) and s.end_lineno is not None and s.end_col_offset is not None),
        key=lambda span: span[1] - span[0])
    result = []
    for mutant in mutants:
        holder = next((line for first, last, line in statements
                       if first <= mutant.start and mutant.end <= last), 1)
        last_line = source[:max(mutant.start, mutant.end - 1)].count(b"\n") + 1
        result.append(range(holder, last_line + 1))
    return result
