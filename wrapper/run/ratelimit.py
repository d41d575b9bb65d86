"""Per-connection token buckets shared by every worker of a run.

A connection's `rate_limit` (`5/s`, `120/m`) becomes one bucket with a burst of
`max(1, rate)` tokens. Every call waits for a token before it starts, so foreach workers together
never exceed the rate. A rate-limit error carrying a retry-after hint pauses the whole bucket:
the other workers would hit the same limit, so they wait too, not only the one that retries.

Under `--shard I/N` the jobs run on other machines and cannot share a bucket, so each job's
bucket gets `rate / share` (`share` is N unless `--rate-share` says otherwise): N shards on one
account then send, together, what the app allows one client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from wrapper.errors import RateLimitedError
from wrapper.recipe.model import ConnectionSpec, rate_per_second
from wrapper.run.retry import MAX_WAIT_S, retry_after_s

if TYPE_CHECKING:
    from wrapper.recipe.shard import Shard


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; thread-safe."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.burst = max(1.0, rate)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._stamp = clock()
        self._paused_until = 0.0

    def _refill(self, now: float) -> None:
        # No tokens accrue while paused: the server asked for silence, not for a burst after it.
        start = max(self._stamp, min(now, self._paused_until))
        if now > start:
            self._tokens = min(self.burst, self._tokens + (now - start) * self.rate)
        self._stamp = now

    def acquire(self) -> None:
        """Take one token, sleeping (outside the lock) until one is there."""
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                if now < self._paused_until:
                    wait = self._paused_until - now
                elif self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                else:
                    wait = (1.0 - self._tokens) / self.rate
            self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """No token for anyone for `seconds` from now (a retry-after hint)."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._paused_until = max(self._paused_until, now + seconds)
            self._tokens = 0.0


def shared_rates(connections: Mapping[str, ConnectionSpec], share: int = 1) -> dict[str, float]:
    """Calls a second each rate-limited connection may make in this job: its rate / `share`."""
    if share < 1:
        raise ValueError(f"a rate share is a whole number from 1, not {share}")
    return {
        name: rate_per_second(spec.rate_limit) / share
        for name, spec in connections.items()
        if spec.rate_limit
    }


def rate_text(per_second: float) -> str:
    """`1.25/s`; a rate under one a second also per minute (`0.5/s (30/m)`)."""
    text = f"{per_second:.4g}/s"
    return text if per_second >= 1 else f"{text} ({per_second * 60:.4g}/m)"


def rate_notes(connections: Mapping[str, ConnectionSpec], shard: Shard) -> list[str]:
    """What each rate-limited connection may send in this shard, one line each."""
    divisor = shard.rate_divisor
    notes = []
    for name, rate in shared_rates(connections, divisor).items():
        if divisor > 1:
            how = f"shared by {divisor} shards: {rate_text(rate)} in this one"
        elif shard.total > 1:
            how = "the whole of it in this shard (--rate-share 1)"
        else:
            how = "the whole of it (one shard)"
        notes.append(f"{name}: {connections[name].rate_limit}, {how}")
    return notes


class RateLimiter:
    """One bucket per rate-limited connection name; calls without a connection pass freely."""

    def __init__(
        self,
        connections: Mapping[str, ConnectionSpec],
        *,
        share: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.buckets = {
            name: TokenBucket(rate, clock=clock, sleep=sleep)
            for name, rate in shared_rates(connections, share).items()
        }

    def before_call(self, unit: Any, connection: str | None) -> None:
        """The engine's `before_call` hook: wait for this connection's token."""
        bucket = self.buckets.get(connection or "")
        if bucket is not None:
            bucket.acquire()

    def after_error(self, unit: Any, connection: str | None, error: BaseException) -> None:
        """The engine's `on_call_error` hook: a retry-after hint pauses the connection for all."""
        bucket = self.buckets.get(connection or "")
        hint = retry_after_s(error) if isinstance(error, RateLimitedError) else None
        # A hint longer than any wait mw allows ends the step instead; pausing every other
        # worker for it would only stall them.
        if bucket is not None and hint and hint <= MAX_WAIT_S:
            bucket.pause(hint)
