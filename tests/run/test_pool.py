"""The pool keeps one job per worker in flight and takes jobs lazily, as workers come free."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from wrapper.run.pool import wait_all


def _counted(total: int, made: list[int], log: list[int]) -> Iterator[Callable[[], None]]:
    for n in range(total):
        made[0] += 1
        yield lambda n=n: log.append(n)


def test_every_job_runs_once() -> None:
    made, log = [0], []
    wait_all(threading.Event(), _counted(500, made, log), 4)
    assert sorted(log) == list(range(500))


def test_jobs_are_taken_a_window_at_a_time() -> None:
    made = [0]
    seen: list[int] = []
    lock = threading.Lock()

    def jobs() -> Iterator[Callable[[], None]]:
        for _ in range(200):
            made[0] += 1

            def job() -> None:
                with lock:
                    # Jobs made so far minus jobs finished: what was ever in flight or queued.
                    seen.append(made[0] - len(seen))

            yield job

    wait_all(threading.Event(), jobs(), 3)
    assert len(seen) == 200
    # One per worker, plus the one the next free worker is taking.
    assert max(seen) <= 3 + 1


def test_no_new_job_starts_once_stopped() -> None:
    stop = threading.Event()
    ran: list[int] = []

    def jobs() -> Iterator[Callable[[], None]]:
        for n in range(1000):
            yield lambda n=n: (ran.append(n), stop.set())

    wait_all(stop, jobs(), 2)
    # The first window was handed over before the flag was set; nothing after it.
    assert 1 <= len(ran) <= 4


def test_a_failing_job_raises_in_the_caller() -> None:
    def boom() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        wait_all(threading.Event(), iter([boom]), 2)


def test_no_jobs_is_nothing_to_do() -> None:
    wait_all(threading.Event(), iter(()), 4)


def test_ctrl_c_returns_only_once_the_job_in_flight_is_done() -> None:
    import os
    import signal

    stop = threading.Event()
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def job() -> None:
        started.set()
        release.wait(60)
        done.append("finished")

    def press_ctrl_c() -> None:
        started.wait(60)
        os.kill(os.getpid(), signal.SIGINT)
        # The job goes on only once the caller has heard Ctrl-C: it must still wait for it.
        stop.wait(60)
        release.set()

    helper = threading.Thread(target=press_ctrl_c)
    helper.start()
    with pytest.raises(KeyboardInterrupt):
        wait_all(stop, iter([job, job]), 1)
    helper.join(60)
    assert done == ["finished"]  # the second job never started
