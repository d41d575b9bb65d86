"""The typed event stream of a run.

The engine reports everything it does as events, in order, to a list of sinks: the NDJSON
writer (`--events`), the console view, the report builder and the run journal. "Finish" events
are emitted only for work that really finished, so a consumer that sees a `call_start` without
its `call_finish` knows that call's outcome is uncertain. Payloads are masked before any sink
sees them.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

EVENT_SCHEMA_VERSION = 1
_UNMASKED = frozenset(
    {
        "run_id",
        "time",
        "call_id",
        "index",
        "attempt",
        "attempts",
        "page",
        "duration_s",
        "delay_s",
        "waited_s",
        "exit_code",
        "http_status",
        "items_total",
        "plan",
        "safe_to_repeat",
        "counts",
        "total",
        "selected",
        "items_sha256",
        "resumed",
        "sha256",
    }
)


#: (whole second, its text up to the seconds): every event of that second shares it.
_SECOND: tuple[int, str] = (-1, "")


def now_iso() -> str:
    """Now, UTC, ISO 8601 with milliseconds: `2026-11-22T05:45:01.112Z`."""
    global _SECOND
    now = time.time()
    second = int(now)
    known, text = _SECOND
    if second != known:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _SECOND = (second, text)  # one assignment: a thread reads the old pair or the new
    return f"{text}.{int((now - second) * 1000):03d}Z"


@dataclass(frozen=True)
class Event:
    """Base of every event: which run, when (UTC, ISO 8601)."""

    event: ClassVar[str] = "event"
    run_id: str
    time: str = field(default_factory=now_iso)

    def to_json(self) -> dict[str, Any]:
        # Shallow: every sink serialises the dict at once, and a deep copy of a step's outputs
        # (`dataclasses.asdict`) cost gigabytes and minutes for an answer of 30 MB.
        data = {"event": self.event}
        for name in _field_names(type(self)):
            data[name] = getattr(self, name)
        return data


_NAMES: dict[type[Any], tuple[str, ...]] = {}
_MASKED: dict[type[Any], tuple[str, ...]] = {}


def _field_names(cls: type[Event]) -> tuple[str, ...]:
    # `dataclasses.fields` builds its answer anew on every call; an event's fields never change.
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _masked_names(cls: type[Event]) -> tuple[str, ...]:
    names = _MASKED.get(cls)
    if names is None:
        names = _MASKED[cls] = tuple(n for n in _field_names(cls) if n not in _UNMASKED)
    return names


@dataclass(frozen=True)
class RunStart(Event):
    event: ClassVar[str] = "run_start"
    recipe: str = ""
    path: str = ""
    sha256: str = ""
    plan: bool = False
    inputs: dict[str, Any] = field(default_factory=dict)
    #: `--shard`: {"index", "total", "step"}; a resume splits the same way.
    shard: dict[str, Any] | None = None


@dataclass(frozen=True)
class ConnectionReady(Event):
    """A connection the recipe declared is usable; `source` is `ensured`, `given` or `planned`."""

    event: ClassVar[str] = "connection_ready"
    name: str = ""
    app: str = ""
    id: str | None = None
    source: str = "ensured"


@dataclass(frozen=True)
class StepStart(Event):
    event: ClassVar[str] = "step_start"
    step_id: str = ""
    name: str | None = None
    kind: str = "action"
    effect: str = "write"
    block: str = "steps"
    parent: str | None = None
    items_total: int | None = None


@dataclass(frozen=True)
class ShardSplit(Event):
    """`--shard`: the split step's list, and how much of it this shard runs."""

    event: ClassVar[str] = "shard_split"
    step_id: str = ""
    index: int = 1
    total: int = 1
    items_total: int = 0
    selected: int = 0
    items_sha256: str = ""


@dataclass(frozen=True)
class ItemStart(Event):
    event: ClassVar[str] = "item_start"
    step_id: str = ""
    index: int = 0
    item: Any = None


@dataclass(frozen=True)
class CallStart(Event):
    """A membrane call is about to run; `safe_to_repeat` says whether it may run again."""

    event: ClassVar[str] = "call_start"
    call_id: int = 0
    step_id: str = ""
    index: int | None = None
    attempt: int = 1
    page: int = 1
    operation: str = ""
    target: str = ""
    command: list[str] = field(default_factory=list)
    safe_to_repeat: bool = False
    #: Seconds it waited for its connection's rate limit before it started.
    waited_s: float = 0.0


@dataclass(frozen=True)
class CallFinish(Event):
    event: ClassVar[str] = "call_finish"
    call_id: int = 0
    step_id: str = ""
    index: int | None = None
    attempt: int = 1
    page: int = 1
    status: str = "ok"
    duration_s: float = 0.0
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class RetryScheduled(Event):
    event: ClassVar[str] = "retry"
    step_id: str = ""
    index: int | None = None
    attempt: int = 1
    attempts: int = 1
    delay_s: float = 0.0
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class ItemFinish(Event):
    event: ClassVar[str] = "item_finish"
    step_id: str = ""
    index: int = 0
    status: str = "ok"
    attempts: int = 0
    duration_s: float = 0.0
    outputs: Any = None
    error: dict[str, Any] | None = None
    command: list[str] | None = None
    #: Finished in an earlier session of a resumed run: replayed from the journal, not run.
    resumed: bool = False


@dataclass(frozen=True)
class StepFinish(Event):
    event: ClassVar[str] = "step_finish"
    step_id: str = ""
    status: str = "ok"
    attempts: int = 0
    duration_s: float = 0.0
    outputs: Any = None
    error: dict[str, Any] | None = None
    http_status: int | None = None
    command: list[str] | None = None
    counts: dict[str, int] | None = None
    #: Finished in an earlier session of a resumed run: replayed from the journal, not run.
    resumed: bool = False


@dataclass(frozen=True)
class RunWarning(Event):
    """Something a person should look at that does not stop the run (e.g. an input field
    the action does not know, which Membrane would silently ignore)."""

    event: ClassVar[str] = "warning"
    step_id: str | None = None
    message: str = ""


@dataclass(frozen=True)
class RunFinish(Event):
    event: ClassVar[str] = "run_finish"
    status: str = "ok"
    exit_code: int = 0
    duration_s: float = 0.0
    outputs: dict[str, Any] = field(default_factory=dict)
    assertions: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None


EVENT_TYPES: tuple[type[Event], ...] = (
    RunStart,
    ConnectionReady,
    StepStart,
    ShardSplit,
    ItemStart,
    CallStart,
    CallFinish,
    RetryScheduled,
    ItemFinish,
    StepFinish,
    RunWarning,
    RunFinish,
)


class EventSink(Protocol):
    """Anything that consumes events; called with the emitter's lock held, in order.

    A sink with a true `locks_itself` attribute is called outside that lock, from any thread
    at once: it keeps its own order. It still sees each thread's events in the order that
    thread emitted them, and an event after every event it follows from.
    """

    def handle(self, event: Event) -> None: ...


class Emitter:
    """Masks each event and hands it to every sink, one event at a time, in order.

    `active` says whether there is anything to mask at all (the masker knows a secret); while
    it says no, events go out as they are, with no copy.
    """

    def __init__(
        self,
        sinks: Sequence[EventSink],
        mask: Callable[[Any], Any],
        active: Callable[[], bool] | None = None,
    ) -> None:
        self._sinks: tuple[EventSink, ...] = ()
        #: Sinks that lock themselves (the journal): a disk write there, an fsync even, never
        #: holds up the other sinks of other threads.
        self._free: tuple[EventSink, ...] = ()
        self._mask = mask
        self._active = active
        self._lock = threading.Lock()
        for sink in sinks:
            self.add(sink)

    def add(self, sink: EventSink) -> None:
        with self._lock:
            if getattr(sink, "locks_itself", False):
                self._free = (*self._free, sink)
            else:
                self._sinks = (*self._sinks, sink)

    def emit(self, event: Event) -> None:
        # Asked per event: a secret can be learned mid-run (a value derived from one).
        masked = event if self._active is not None and not self._active() else self.masked(event)
        for sink in self._free:
            sink.handle(masked)
        with self._lock:
            for sink in self._sinks:
                sink.handle(masked)

    def masked(self, event: Event) -> Event:
        # Counters and flags are ours, not data: they keep their type.
        changes = {name: self._mask(getattr(event, name)) for name in _masked_names(type(event))}
        return dataclasses.replace(event, **changes)
