"""Where a step's or an item's time went: its calls, retry back-offs and rate-limit waits.

The report keeps them only for units that made more than one call or waited, so a timeline
can draw retries and waits without every single-call item of a large foreach paying for a list.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Literal, TypeAlias

from wrapper.records import events as ev
from wrapper.records.record import Record

#: A unit: (step id, item index or None for the step itself).
Key: TypeAlias = tuple[str, int | None]


class CallReport(Record):
    """One membrane call of a step or item, kept when there was more than one or it waited."""

    __slots__ = ("attempt", "finished_at", "page", "rate_wait_s", "started_at", "status")

    def __init__(
        self,
        *,
        attempt: int = 1,
        page: int = 1,
        started_at: str,
        finished_at: str | None = None,
        status: Literal["ok", "failed"] | None = None,
        rate_wait_s: float | None = None,
    ) -> None:
        self.attempt = attempt
        self.page = page
        self.started_at = started_at
        self.finished_at = finished_at
        self.status = status
        self.rate_wait_s = rate_wait_s

    def to_json(self) -> dict[str, Any]:
        wait = self.rate_wait_s
        return {
            "attempt": self.attempt,
            "page": self.page,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.status,
            "rate_wait_s": None if wait is None else float(wait),
        }


class WaitReport(Record):
    """A pause of a step or item: a retry's back-off, or a wait for the rate limit."""

    __slots__ = ("attempt", "finished_at", "kind", "started_at")

    def __init__(
        self,
        *,
        kind: Literal["retry", "rate_limit"],
        started_at: str,
        finished_at: str,
        attempt: int,
    ) -> None:
        self.kind = kind
        self.started_at = started_at
        self.finished_at = finished_at
        self.attempt = attempt

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "attempt": self.attempt,
        }


class Timing:
    """The calls and waits of each unit (step, or item of a foreach) still running."""

    def __init__(self) -> None:
        self._open: dict[int, CallReport] = {}
        self._calls: dict[Key, list[CallReport]] = {}
        self._waits: dict[Key, list[WaitReport]] = {}

    def fold(self, event: ev.CallStart | ev.CallFinish | ev.RetryScheduled) -> None:
        key = (event.step_id, event.index)
        if not event.step_id:
            return  # connections are ensured outside any step
        if isinstance(event, ev.CallStart):
            call = CallReport(attempt=event.attempt, page=event.page, started_at=event.time)
            if event.waited_s > 0:
                call.rate_wait_s = event.waited_s
                began = shift(event.time, -event.waited_s)
                wait = WaitReport(
                    kind="rate_limit",
                    started_at=began,
                    finished_at=event.time,
                    attempt=event.attempt,
                )
                self._waits.setdefault(key, []).append(wait)
            self._open[event.call_id] = call
            self._calls.setdefault(key, []).append(call)
        elif isinstance(event, ev.CallFinish):
            found = self._open.pop(event.call_id, None)
            if found is not None:
                found.finished_at = event.time
                found.status = "failed" if event.status == "failed" else "ok"
        else:
            wait = WaitReport(
                kind="retry",
                started_at=event.time,
                finished_at=shift(event.time, event.delay_s),
                attempt=event.attempt,
            )
            self._waits.setdefault(key, []).append(wait)

    def take(
        self, step_id: str, index: int | None
    ) -> tuple[list[CallReport] | None, list[WaitReport] | None]:
        """The unit's calls and waits, when it made more than one call or waited at all."""
        key = (step_id, index)
        calls = self._calls.pop(key, [])
        waits = self._waits.pop(key, [])
        if len(calls) <= 1 and not waits:
            return None, None
        return calls, waits or None


def shift(stamp: str, seconds: float) -> str:
    """An ISO 8601 UTC time moved by `seconds`, written as events write times."""
    moved = datetime.fromisoformat(stamp.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return moved.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
