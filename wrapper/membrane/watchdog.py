"""Deadlines for membrane calls, kept by one background thread for the whole process.

A thread per call (`threading.Timer`) costs a thread start and its hand-shake on every call,
a good part of a millisecond; here arming and disarming a deadline is a heap push and a flag.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Final

# Disarmed entries wait in the heap until they reach its top; past this many (and past half
# of it) the heap is rebuilt, so a long default timeout cannot pile them up.
_COMPACT_AT: Final = 256


class _Entry:
    __slots__ = ("action", "deadline", "order")

    def __init__(self, deadline: float, order: int, action: Callable[[], None]) -> None:
        self.deadline = deadline
        self.order = order
        self.action: Callable[[], None] | None = action

    def __lt__(self, other: _Entry) -> bool:
        return (self.deadline, self.order) < (other.deadline, other.order)


class Watchdog:
    """Runs an action when its deadline passes, unless it was disarmed first."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: list[_Entry] = []
        self._disarmed = 0
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, timeout_s: float, action: Callable[[], None]) -> _Entry:
        """Call `action` (on the watchdog's thread) after `timeout_s`; returns the handle."""
        with self._cond:
            entry = _Entry(self._clock() + timeout_s, next(self._order), action)
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="mw-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0] is entry:  # an earlier deadline than the thread waits for
                self._cond.notify()
        return entry

    def disarm(self, entry: _Entry) -> None:
        """The action will not run (unless it is running already)."""
        with self._cond:
            if entry.action is None:
                return
            entry.action = None
            self._disarmed += 1
            if self._disarmed > _COMPACT_AT and self._disarmed * 2 > len(self._heap):
                self._heap = [e for e in self._heap if e.action is not None]
                heapq.heapify(self._heap)
                self._disarmed = 0

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0].action is None:
                    heapq.heappop(self._heap)
                    self._disarmed -= 1
                if not self._heap:
                    self._cond.wait()
                    continue
                entry = self._heap[0]
                remaining = entry.deadline - self._clock()
                if remaining > 0:
                    self._cond.wait(remaining)
                    continue
                heapq.heappop(self._heap)
                action, entry.action = entry.action, None
            if action is not None:
                try:
                    action()
                except Exception:  # the thread must live on for every other deadline
                    import logging  # only now: a failing action is a bug, not a start-up cost

                    logging.getLogger("wrapper.membrane").exception("a timeout action failed")


WATCHDOG: Final = Watchdog()
