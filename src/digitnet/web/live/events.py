"""What a training run tells the page, as server-sent events kept in order.

Every run has one :class:`EventLog`: the run's description, its state changes, its mini-batch
costs and one record per epoch, appended by the training thread and the command handlers and
read by any number of event streams. A page that connects late, or reconnects, is sent the log
from the start (or from just after its ``Last-Event-ID``), so it always sees the whole run.

Mini-batch costs come far faster than a page can draw (up to 20,000 a second for 784-16-16-10
on mini-batches of 10), so they are gathered and appended as one ``costs`` event at most every
``interval`` seconds (0.1 s), and before any other event, so the order is kept.

An event's id is ``RUN-INDEX``: a ``Last-Event-ID`` from an earlier run means "from the start".
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

COST_INTERVAL = 0.1  # seconds between two costs events: ten a second, enough to look live


@dataclass(frozen=True)
class Event:
    """One server-sent event: its id, its kind (the SSE ``event:`` field) and JSON data."""

    id: str
    kind: str
    data: str

    def encode(self) -> str:
        """The event as the text/event-stream format writes it."""
        return f"id: {self.id}\nevent: {self.kind}\ndata: {self.data}\n\n"


def finite(value: Any) -> Any:
    """``value`` with every float that is not a finite number (a diverged cost) as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def to_json(data: Any) -> str:
    """Compact JSON on one line (an SSE data field must not hold a line break)."""
    return json.dumps(finite(data), separators=(",", ":"), allow_nan=False)


class EventLog:
    """The events of run ``run``, in order; thread-safe."""

    def __init__(self, run: int, interval: float = COST_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.run = run
        self._interval, self._clock = interval, clock
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self._pending: list[float | None] = []  # costs not yet sent
        self._costs = 0  # mini-batch costs received so far
        self._flushed = clock()

    def append(self, kind: str, data: dict[str, Any]) -> None:
        """Add an event (after the costs still waiting, which go first)."""
        with self._lock:
            self._flush()
            self._add(kind, data)

    def cost(self, value: float) -> None:
        """Note one mini-batch's cost; sent with the others at most every ``interval``."""
        with self._lock:
            self._pending.append(round(value, 6) if math.isfinite(value) else None)
            self._costs += 1
            if self._clock() - self._flushed >= self._interval:
                self._flush()

    def flush(self) -> None:
        """Send the waiting costs now (before a pause, at the end)."""
        with self._lock:
            self._flush()

    def since(self, index: int) -> list[Event]:
        """The events from position ``index`` on."""
        with self._lock:
            return self._events[index:]

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def start_of(self, last_event_id: str | None) -> int:
        """Where a stream resumes after ``last_event_id`` (0: from the start)."""
        run, _, index = (last_event_id or "").partition("-")
        if run != str(self.run) or not index.isdigit():
            return 0
        return min(int(index) + 1, len(self))

    def _flush(self) -> None:
        self._flushed = self._clock()
        if not self._pending:
            return
        first = self._costs - len(self._pending)
        self._add("costs", {"first": first, "costs": self._pending})
        self._pending = []

    def _add(self, kind: str, data: dict[str, Any]) -> None:
        self._events.append(Event(f"{self.run}-{len(self._events)}", kind, to_json(data)))
