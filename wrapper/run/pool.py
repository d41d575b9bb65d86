"""Run jobs on a few worker threads while the calling thread only waits (and hears Ctrl-C)."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Final

_WAKE_S: Final = 0.25


class _Jobs:
    """The jobs not yet started, handed to whichever worker asks next."""

    def __init__(self, first: list[Callable[[], None]], rest: Iterator[Callable[[], None]]):
        self._first = first
        self._rest = rest
        self.lock = threading.Lock()
        #: Set on the first failure: no job starts after it (as the stop flag does on Ctrl-C).
        self.halted = False
        self.failure: BaseException | None = None

    def take(self, stop: threading.Event) -> Callable[[], None] | None:
        with self.lock:
            if self.halted or stop.is_set():
                return None
            if self._first:
                return self._first.pop()
            return next(self._rest, None)

    def fail(self, error: BaseException) -> None:
        with self.lock:
            self.halted = True
            if self.failure is None:
                self.failure = error


def wait_all(stop: threading.Event, jobs: Iterable[Callable[[], None]], workers: int) -> None:
    """Run jobs on at most `workers` threads; the caller's thread only waits.

    Each worker takes the next job when it is done with its last, so jobs are made from `jobs`
    one at a time as they start: memory stays flat however many there are, and no job waits in
    a queue or costs the caller's thread a wake-up. A job that raises stops new jobs from
    starting; once the jobs in flight are done, its error is raised here. On Ctrl-C the stop
    flag is set, jobs not started never start, and jobs in flight finish (their calls report)
    before KeyboardInterrupt goes on up.
    """
    source = iter(jobs)
    first = list(islice(source, max(1, workers)))
    if not first:
        return
    first.reverse()  # taken from the end: the first job first
    pending = _Jobs(first, source)
    # Each job runs in a copy of the caller's context, so secret tracking follows it.
    context = contextvars.copy_context()

    def work() -> None:
        while (job := pending.take(stop)) is not None:
            try:
                context.copy().run(job)
            except BaseException as error:  # raised again in the caller, once all are done
                pending.fail(error)

    # The caller waits on an event, never on Thread.join: a join that Ctrl-C interrupts marks a
    # thread still running as stopped (CPython before 3.13), and its call would go unwaited.
    idle = threading.Event()
    # No worker takes a job before all have started: a start that fails, or that Ctrl-C
    # interrupts, then leaves no job in flight, and no worker uncounted.
    go = threading.Event()
    #: Workers not yet done.
    live = [len(first)]

    def worker() -> None:
        go.wait()
        try:
            work()
        finally:
            with pending.lock:
                live[0] -= 1
                if not live[0]:
                    idle.set()

    threads = [threading.Thread(target=worker, name=f"mw-worker-{n}") for n in range(live[0])]
    started = False
    try:
        try:
            for thread in threads:
                thread.start()
            started = True
        finally:
            if not started:
                pending.halted = True  # no job began: the workers that run take none
            go.set()
        # Wake up now and then: a signal handler only runs when the main thread does.
        while not idle.wait(_WAKE_S):
            pass
    except KeyboardInterrupt:
        stop.set()
        raise
    finally:
        # Jobs in flight report before the caller goes on; after Ctrl-C nothing new starts.
        pending.halted = True
        while started and not idle.wait(_WAKE_S):
            pass
    if pending.failure is not None:
        raise pending.failure
