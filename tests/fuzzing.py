"""What the fuzz tests share: the property every parser must hold, a tally of outcomes, and
strategies for the inputs (random JSON, byte-level mutations of a valid file).

The property: given anything at all, a parser of outside input either succeeds or raises its
typed digitnet error with a one-line message. Anything else (an IndexError, a zlib.error, a
MemoryError, a RecursionError, a warning, a message spread over lines) fails the test, and
hypothesis shrinks the input that caused it.

How many inputs each target gets is a hypothesis settings profile, chosen by the environment
variable ``HYPOTHESIS_PROFILE`` (see ``conftest.py``): ``test`` (the default, a few hundred, for
``make test``) or ``fuzz`` (10,000, for ``make fuzz``). Every run counts, per target, the inputs
tried, the successes, the typed errors and anything else, and prints the table at the end.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from digitnet.errors import DigitnetError

PROFILE_ENV = "HYPOTHESIS_PROFILE"
REPORT_ENV = "DIGITNET_FUZZ_REPORT"  # a path: the figures are also written there as JSON
MAX_MESSAGE = 1000  # characters: a one-line message, not a dump of the input
PROFILES = {"test": 200, "fuzz": 10_000}  # examples per target

T = TypeVar("T")


def register_profiles() -> None:
    """``test`` and ``fuzz``; the one named by $HYPOTHESIS_PROFILE (default ``test``) is loaded."""
    for name, examples in PROFILES.items():
        settings.register_profile(
            name, max_examples=examples, deadline=None, print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                   HealthCheck.function_scoped_fixture])
    settings.load_profile(os.environ.get(PROFILE_ENV, "test"))


@dataclass
class Target:
    """The outcomes of one fuzz target so far."""

    name: str
    inputs: int = 0
    succeeded: int = 0
    typed_errors: int = 0
    other: int = 0
    busy: float = 0.0  # seconds spent inside the parser
    slowest: float = 0.0  # the longest single input, seconds
    first: float = field(default_factory=time.perf_counter)
    last: float = 0.0

    @property
    def wall(self) -> float:
        """Seconds from the first input to the last, input generation included."""
        return max(self.last - self.first, 0.0)


@dataclass(repr=False)
class Tally:
    """Every target's outcomes, for the table at the end of the run."""

    targets: dict[str, Target] = field(default_factory=dict)

    def __repr__(self) -> str:  # short, for hypothesis's report of a failing example
        return f"Tally({len(self.targets)} targets)"

    def check(self, name: str, call: Callable[[], T],
              typed: type[DigitnetError] | tuple[type[DigitnetError], ...] = DigitnetError
              ) -> T | None:
        """Run ``call``: its result, or None after a typed one-line error; anything else raises.

        ``typed`` is the error class (or classes) the parser promises; every other exception,
        a DigitnetError of another class included, counts as "other" and fails the test. So does
        a warning: a parser's verdict is its result or its one line, never extra noise on stderr.
        """
        target = self.targets.setdefault(name, Target(name))
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                result = call()
        except typed as error:
            self._count(target, started, "typed_errors")
            assert_one_line(str(error))
            return None
        except KeyboardInterrupt:  # the run was stopped: not the parser's doing
            raise
        except BaseException:
            self._count(target, started, "other")
            raise
        self._count(target, started, "succeeded")
        return result

    def record(self, name: str, started: float, outcome: str) -> None:
        """Count one input whose outcome the caller judged (``succeeded``/``typed_errors``/
        ``other``); ``started`` is its ``time.perf_counter()`` at the start."""
        self._count(self.targets.setdefault(name, Target(name)), started, outcome)

    @staticmethod
    def _count(target: Target, started: float, outcome: str) -> None:
        now = time.perf_counter()
        target.inputs += 1
        setattr(target, outcome, getattr(target, outcome) + 1)
        target.busy += now - started
        target.slowest = max(target.slowest, now - started)
        target.last = now

    def table(self) -> list[str]:
        """The figures as a Markdown table, one row per target."""
        rows = ["| target | inputs | succeeded | typed errors | anything else | seconds "
                "| slowest input (s) |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for t in self.targets.values():
            rows.append(f"| {t.name} | {t.inputs:,} | {t.succeeded:,} | {t.typed_errors:,} "
                        f"| {t.other:,} | {t.wall:.1f} | {t.slowest:.3f} |")
        return rows

    def write_json(self, path: str) -> None:
        figures = [{**vars(t), "wall": t.wall} for t in self.targets.values()]
        with open(path, "w", encoding="utf-8") as stream:
            json.dump({"profile": os.environ.get(PROFILE_ENV, "test"), "targets": figures},
                      stream, indent=1)


TALLY = pytest.StashKey[Tally]()


def assert_one_line(message: str) -> None:
    """A typed error's message: one line, not empty, not a dump of the input."""
    assert message.strip(), "an empty error message"
    assert "\n" not in message and "\r" not in message, f"a message of several lines: {message!r}"
    assert len(message) <= MAX_MESSAGE, f"a message of {len(message):,} characters"


# --- strategies ------------------------------------------------------------------------------
json_scalars = (st.none() | st.booleans() | st.integers() | st.floats()
                | st.text(max_size=12))
json_values = st.recursive(
    json_scalars,
    lambda children: (st.lists(children, max_size=5)
                      | st.dictionaries(st.text(max_size=10), children, max_size=5)),
    max_leaves=20)
"""Any JSON value (NaN and infinities included, as Python's json writes them)."""

INTERESTING_INTS = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000,
                    0xFFFFFFFF)


@st.composite
def mutated(draw: st.DrawFn, original: bytes, max_edits: int = 4) -> bytes:
    """``original`` after a few random edits: flipped or set bytes, a 32-bit field set to a
    boundary value, inserted, deleted or duplicated runs, a truncation. Half of the edits hit
    the first 64 bytes, where the headers are."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, max_edits))):
        size = len(data)
        position = draw(st.integers(0, min(63, size)) | st.integers(0, size))
        kind = draw(st.sampled_from(("flip", "set", "int32", "insert", "delete", "duplicate",
                                     "truncate")))
        if kind == "flip" and position < size:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and position < size:
            data[position] = draw(st.integers(0, 255))
        elif kind == "int32":
            value = draw(st.sampled_from(INTERESTING_INTS))
            order = draw(st.sampled_from(("big", "little")))
            data[position:position + 4] = value.to_bytes(4, order)
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[position:position + draw(st.integers(1, 64))]
        elif kind == "duplicate":
            data[position:position] = data[position:position + draw(st.integers(1, 64))]
        elif kind == "truncate":
            del data[position:]
    return bytes(data)


def one_of_weighted(*pairs: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Choose among strategies with the given weights."""
    choices = [strategy for weight, strategy in pairs for _ in range(weight)]
    return st.sampled_from(range(len(choices))).flatmap(lambda index: choices[index])
