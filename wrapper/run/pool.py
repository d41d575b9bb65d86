"""Run jobs on a bounded thread pool while the calling thread only waits (and hears Ctrl-C)."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Final

_WAKE_S: Final = 0.25


def wait_all(stop: threading.Event, jobs: Sequence[Callable[[], None]], workers: int) -> None:
    """Run jobs on at most `workers` threads; the caller's thread only waits.

    On Ctrl-C the stop flag is set, jobs not started never start, and jobs in flight finish
    (their calls report) before KeyboardInterrupt goes on up.
    """
    if not jobs:
        return
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs))))
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

    try:
        # Each job runs in a copy of the caller's context, so secret tracking follows it.
        pending = {pool.submit(contextvars.copy_context().run, tracked, job) for job in jobs}
        while pending:
            # Wake up now and then: a signal handler only runs when the main thread does.
            done, pending = wait(pending, timeout=_WAKE_S, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()
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
