"""What every event shares, and the emitter that masks events and hands them to their sinks.

The kinds of event are in `wrapper.records.events`, which re-exports all of this.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

from wrapper.frozen import Frozen

#: Fields that are counters, flags and ids of ours, never data: masking leaves them as they are.
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


#: Sets a field in `__init__`: a `Frozen` record refuses plain assignment.
_set = object.__setattr__


class Event(Frozen):
    """Base of every event: which run, when (UTC, ISO 8601; now, unless given).

    Each kind is an immutable record (`wrapper.frozen`) whose `__init__` takes its fields in
    order, base fields first, as keywords or by position. A field whose default is an empty
    container gets a new one when it is not given (`factories` names them).
    """

    __slots__ = ("run_id", "time")
    event: ClassVar[str] = "event"
    factories: ClassVar[dict[str, Callable[[], Any]]] = {}
    run_id: str
    time: str

    def __init__(self, run_id: str, time: str | None = None) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)

    def to_json(self) -> dict[str, Any]:
        # Shallow: every sink serialises the dict at once, and a deep copy of a step's outputs
        # (`dataclasses.asdict`) cost gigabytes and minutes for an answer of 30 MB.
        data = {"event": self.event}
        for name in self._fields:
            data[name] = getattr(self, name)
        return data


def field_defaults(cls: type[Event]) -> dict[str, Any]:
    """Each field's default, in field order (`time`'s is None: now); a new container for each
    field in `cls.factories`. Fields without one (`run_id`) are left out."""
    init = cls.__init__
    code = init.__code__
    names = code.co_varnames[1 : code.co_argcount]
    defaults = init.__defaults__ or ()
    found = dict(zip(names[len(names) - len(defaults) :], defaults, strict=True))
    for name, factory in cls.factories.items():
        found[name] = factory()
    return found


_MASKED: dict[type[Any], tuple[str, ...]] = {}


def _masked_names(cls: type[Event]) -> tuple[str, ...]:
    names = _MASKED.get(cls)
    if names is None:
        names = _MASKED[cls] = tuple(n for n in cls._fields if n not in _UNMASKED)
    return names


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
        return event.replace(**changes)
