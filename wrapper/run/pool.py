"""Run jobs on a bounded thread pool while the calling thread only waits (and hears Ctrl-C)."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from itertools import islice
from typing import Final

_WAKE_S: Final = 0.25
#: Jobs in flight per worker: enough that a worker finishing never waits for the next job to
#: be handed over, few enough that 100,000 items never become 100,000 futures at once.
_WINDOW_PER_WORKER: Final = 2


def wait_all(stop: threading.Event, jobs: Iterable[Callable[[], None]], workers: int) -> None:
    """Run jobs on at most `workers` threads; the caller's thread only waits.

    Jobs are taken from `jobs` lazily, about two per worker ahead of the ones running, so
    memory stays flat however many there are. On Ctrl-C the stop flag is set, jobs not started
    never start, and jobs in flight finish (their calls report) before KeyboardInterrupt goes
    on up.
    """
    source = iter(jobs)
    first = list(islice(source, max(1, workers) * _WINDOW_PER_WORKER))
    if not first:
        return
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(first))))
    window = max(1, workers) * _WINDOW_PER_WORKER
    active = [0]
    idle = threading.Condition()

    def tracked(job: Callable[[], None]) -> None:
        with idle:
            active[0] += 1
        try:
            job()
        finally:
            with idle:
                active[0] -= 1
                idle.notify_all()

    def submit(job: Callable[[], None]) -> Future[None]:
        # Each job runs in a copy of the caller's context, so secret tracking follows it.
        return pool.submit(contextvars.copy_context().run, tracked, job)

    try:
        pending = {submit(job) for job in first}
        del first
        while pending:
            # Wake up now and then: a signal handler only runs when the main thread does. The
            # set waited on is the window, never the whole list, so a wake-up costs little.
            done, pending = wait(pending, timeout=_WAKE_S, return_when=FIRST_COMPLETED)
            for future in done:
                future.result()
            if stop.is_set():
                continue  # drain what is in flight; start nothing new
            for job in islice(source, window - len(pending)):
                pending.add(submit(job))
    except KeyboardInterrupt:
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        # A Ctrl-C inside `submit` can leave a started worker unknown to the pool: wait for
        # every job that began, so its call reports before the run does.
        with idle:
            while active[0]:
                idle.wait(_WAKE_S)
