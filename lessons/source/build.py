"""Build each lesson notebook from its plain-text source: ``python lessons/source/build.py``.

A lesson is written here as a jupytext "percent" script (``# %%`` starts a code cell,
``# %% [markdown]`` a text cell), which reads well in a diff; the notebook beside ``lessons/``
is built from it with no outputs and with cell ids numbered in order, so that the same source
always gives the same file. ``--check`` changes nothing and fails when a notebook is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat

SOURCE = Path(__file__).resolve().parent
LESSONS = SOURCE.parent


def notebook_text(source: Path) -> str:
    """The notebook built from ``source``: its cells, ids cell-1, cell-2, ..., no outputs."""
    notebook = jupytext.read(source)
    for number, cell in enumerate(notebook.cells, start=1):
        cell.id = f"cell-{number}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("jupytext", None)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def build(check: bool = False) -> list[str]:
    """Write every notebook that differs from its source (or only list them, with ``check``)."""
    stale = []
    for source in sorted(SOURCE.glob("[0-9][0-9]-*.py")):
        target = LESSONS / f"{source.stem}.ipynb"
        text = notebook_text(source)
        if target.is_file() and target.read_text() == text:
            continue
        stale.append(target.name)
        if not check:
            target.write_text(text)
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale notebooks")
    args = parser.parse_args()
    stale = build(args.check)
    if args.check and stale:
        print(f"out of date: {', '.join(stale)} (run `make notebooks`)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
