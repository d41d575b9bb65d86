"""Per-connection token buckets: the rate holds across threads and retry-after pauses everyone."""

from __future__ import annotations

import threading

import pytest

from wrapper.errors import MembraneTimeoutError, RateLimitedError
from wrapper.recipe.model import ConnectionSpec
from wrapper.run.ratelimit import RateLimiter, TokenBucket

pytestmark = pytest.mark.reliability


class FakeTime:
    """A clock that only moves when someone sleeps; thread-safe."""

    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def clock(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += max(seconds, 1e-6)


def test_rate_is_respected_per_window() -> None:
    fake = FakeTime()
    bucket = TokenBucket(5.0, clock=fake.clock, sleep=fake.sleep)
    stamps = []
    for _ in range(51):
        bucket.acquire()
        stamps.append(fake.clock())
    # burst of 5 at t=0, then 5 per second: 51 calls span 46/5 = 9.2 s of fake time
    assert stamps[:5] == [0.0] * 5
    for second in range(1, 9):
        in_window = [t for t in stamps if second - 1 < t <= second]
        assert len(in_window) == 5


def test_slow_rate_has_burst_of_one() -> None:
    fake = FakeTime()
    bucket = TokenBucket(0.5, clock=fake.clock, sleep=fake.sleep)
    assert bucket.burst == 1.0
    bucket.acquire()
    bucket.acquire()
    assert fake.clock() == pytest.approx(2.0)


def test_bucket_is_shared_by_threads() -> None:
    fake = FakeTime()
    limiter = RateLimiter(
        {"crm": ConnectionSpec(app="crm", rate_limit="10/s"), "free": ConnectionSpec(app="x")},
        clock=fake.clock,
        sleep=fake.sleep,
    )
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            limiter.before_call(None, "crm")
            with lock:
                stamps.append(fake.clock())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stamps) == 80
    # never more than burst + rate * elapsed tokens handed out by any moment
    for taken, stamp in enumerate(sorted(stamps), start=1):
        assert taken <= 10 + 10 * stamp + 1e-6
    assert "free" not in limiter.buckets
    limiter.before_call(None, "free")
    limiter.before_call(None, None)


def test_retry_after_pauses_the_connection_for_everyone() -> None:
    fake = FakeTime()
    limiter = RateLimiter(
        {"crm": ConnectionSpec(app="crm", rate_limit="100/s")}, clock=fake.clock, sleep=fake.sleep
    )
    limiter.before_call(None, "crm")
    limiter.after_error(None, "crm", RateLimitedError("slow down", retry_after_s=3.0))
    # another worker's next call waits out the hint
    limiter.before_call(None, "crm")
    assert fake.clock() >= 3.0


def test_errors_without_hint_do_not_pause() -> None:
    fake = FakeTime()
    limiter = RateLimiter(
        {"crm": ConnectionSpec(app="crm", rate_limit="100/s")}, clock=fake.clock, sleep=fake.sleep
    )
    limiter.after_error(None, "crm", RateLimitedError("slow down"))
    limiter.after_error(None, "crm", MembraneTimeoutError("late"))
    limiter.before_call(None, "crm")
    assert fake.clock() == 0.0
