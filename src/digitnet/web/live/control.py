"""Pausing, stepping and stopping a training run that runs in its own thread.

The training loop calls its callback after every mini-batch and every epoch; the run's callback
calls :meth:`Control.checkpoint`, the only place where the training thread ever waits. While it
waits, the network is between two steps, whole: that is when it may be copied (``/use``).

* ``pause``: the thread waits at its next checkpoint; the call returns once it does;
* ``step``: while paused, let exactly one more mini-batch through, then wait again (an epoch's
  evaluation that falls in between runs too: it is not a mini-batch);
* ``resume``: no more waiting; ``stop``: the next checkpoint tells the loop to stop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

WAIT = 30.0  # seconds a command waits at most for the training thread (one mini-batch)


class Control:
    """Commands from the server's threads, obeyed by the training thread at its checkpoints."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._paused = False
        self._stepping = False  # one mini-batch granted while paused
        self._stopping = False
        self._waiting = False  # the training thread is waiting at a checkpoint
        self._ended = False  # the training thread has finished

    @property
    def waiting(self) -> bool:
        with self._changed:
            return self._waiting

    def pause(self, timeout: float = WAIT) -> bool:
        """Ask the thread to wait at its next checkpoint; True once it does (False: it ended)."""
        with self._changed:
            self._paused = True
            self._changed.wait_for(lambda: self._waiting or self._ended, timeout)
            return self._waiting

    def resume(self) -> None:
        with self._changed:
            self._paused = False
            self._changed.notify_all()

    def step(self, timeout: float = WAIT) -> bool:
        """One mini-batch while paused; True once the thread waits again after it."""
        with self._changed:
            if not self._waiting:
                return False
            self._stepping = True
            self._changed.notify_all()
            self._changed.wait_for(lambda: (self._waiting and not self._stepping)
                                   or self._ended, timeout)
            return self._waiting

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()

    def ended(self) -> None:
        """The training thread is done: no command waits for it any more."""
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def checkpoint(self, after_batch: bool, before_waiting: Callable[[], None]) -> bool:
        """Called by the training thread after each mini-batch (``after_batch``) and epoch:
        wait here while paused; True when the loop must stop."""
        with self._changed:
            if after_batch:
                self._stepping = False  # the granted mini-batch is done
            if self._must_wait():
                before_waiting()
            while self._must_wait():
                self._waiting = True
                self._changed.notify_all()
                self._changed.wait()
            self._waiting = False
            return self._stopping

    def _must_wait(self) -> bool:
        return self._paused and not self._stepping and not self._stopping
