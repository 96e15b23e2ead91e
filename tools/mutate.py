"""Mutation testing: plant one small bug at a time and check that some test fails.

A *mutant* is the source with a single change a careless edit could make: an operator swapped
(``+`` for ``-``, ``<`` for ``<=``), a condition negated, a number changed, a statement removed,
an attribute swapped for its sibling (``inputs`` for ``activations``, ``weights`` for
``biases``), plus the hand-written mutants of issue #9 (``NAMED``). A test suite *kills* the
mutant when at least one test fails with it; a mutant that *survives* is either a gap in the
tests or an equivalent program (same behaviour).

Each module is tested with the test files that concern it (``TARGETS``), and of those only the
tests that run the mutated line (see ``mutation/runner.py``), in a copy of the repository.

    python tools/mutate.py                         every module in TARGETS (``make mutants``)
    python tools/mutate.py network.py --list       the mutants of one module, not run
    python tools/mutate.py --named                 only the hand-written mutants
    python tools/mutate.py --json report.json      also write every result as JSON

Detected: killed (a test failed, or the module no longer imported) and timeouts (more than
``--timeout-factor`` times the module's traced run). The score is detected / all mutants.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from mutation.config import PACKAGE, REPO, TARGETS
from mutation.mutants import all_mutants
from mutation.runner import Result, mutate_module, prepare_copy, summary


def preload() -> None:
    """Import once, here, what every forked pytest run needs (NumPy, Pillow, pytest's own
    plugins), so that a run costs its tests and not the imports; never digitnet itself."""
    os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1",
                      PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # the mapped tests need none
    mnist = REPO.parent / "shared/data/mnist"
    if mnist.is_dir():
        os.environ.setdefault("DIGITNET_MNIST_DIR", str(mnist))
    sys.dont_write_bytecode = True  # a mutant must never be served from a stale .pyc
    import numpy  # noqa: F401
    import PIL.Image  # noqa: F401
    from _pytest.config import default_plugins

    for name in default_plugins:
        with contextlib.suppress(ImportError):
            importlib.import_module(f"_pytest.{name}")


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
    preload()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up the copy when stopped
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
