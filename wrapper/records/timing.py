"""Where a step's or an item's time went: its calls, retry back-offs and rate-limit waits.

The report keeps them only for units that made more than one call or waited, so a timeline
can draw retries and waits without every single-call item of a large foreach paying for a list.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from wrapper.records import events as ev

#: A unit: (step id, item index or None for the step itself).
Key: TypeAlias = tuple[str, int | None]


class CallReport(BaseModel):
    """One membrane call of a step or item, kept when there was more than one or it waited."""

    model_config = ConfigDict(extra="forbid")

    attempt: int = 1
    page: int = 1
    started_at: str
    finished_at: str | None = Field(default=None, description="null: it never answered")
    status: Literal["ok", "failed"] | None = None
    rate_wait_s: float | None = Field(
        default=None, description="how long it waited for its connection's rate limit first"
    )


class WaitReport(BaseModel):
    """A pause of a step or item: a retry's back-off, or a wait for the rate limit."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["retry", "rate_limit"]
    started_at: str
    finished_at: str = Field(description="the planned end; Ctrl-C may have cut it short")
    attempt: int = Field(description="the attempt that waited before it (retry: after it)")


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
