"""How a journal record is written: an event less what no reader of the journal needs.

A record leaves out the run id (the run's start has it), every field at its default, and a
call's argv, operation and target (they repeat the item's input, which its `item_start` holds
once, masked; no reader needs the argv: resume keys a call by its step, item and call id). A
call's finish names only its call id, as its unit is its start's. The fields that say which unit
a record is about and how it ended are always written, so a tool (or an older `mw`) that reads
them with no defaults of its own reads them right. `expand` puts everything back, so readers
see whole events, and a journal written in the earlier, whole form reads the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from wrapper.records import events as ev

#: Fields no reader of the journal uses: a call's argv (it repeats the item's input, which its
#: `item_start` holds), its operation and target; a finish's unit is its start's.
_UNREAD: Final[dict[str, frozenset[str]]] = {
    "call_start": frozenset({"operation", "target", "command"}),
    "call_finish": frozenset({"step_id", "index", "attempt", "page", "duration_s"}),
}
#: Written even at their default: which unit a record is about, and how it ended.
_KEPT: Final = frozenset({"step_id", "index", "status", "call_id"})
#: What the journal leaves out of each kind of event, by name: its unread fields and its defaults.
_PLANS: dict[type[ev.Event], tuple[tuple[str, bool, Any], ...]] = {}
#: Each kind's defaults by event name; a mutable one is made anew for each record read.
_DEFAULTS: dict[str, dict[str, Any]] = {}
_FACTORIES: dict[str, dict[str, Callable[[], Any]]] = {}


def _plan(cls: type[ev.Event]) -> tuple[tuple[str, bool, Any], ...]:
    """(name, kept, default) of each field the journal writes for `cls`."""
    plan = _PLANS.get(cls)
    if plan is None:
        unread = _UNREAD.get(cls.event, frozenset())
        plan = _PLANS[cls] = tuple(
            (name, name in _KEPT, default)
            for name, default in _defaults(cls).items()
            if name not in unread
        )
    return plan


def _defaults(cls: type[ev.Event]) -> dict[str, Any]:
    found = _DEFAULTS.get(cls.event)
    if found is None:
        found = ev.field_defaults(cls)
        del found["time"]  # every record has its own
        _DEFAULTS[cls.event] = found
        _FACTORIES[cls.event] = cls.factories
    return found


def compact(event: ev.Event) -> dict[str, Any]:
    """The journal record of an event (see the module's docstring for what it leaves out)."""
    record: dict[str, Any] = {"event": event.event, "time": event.time}
    if isinstance(event, ev.RunStart):
        record["run_id"] = event.run_id
    for name, kept, default in _plan(type(event)):
        value = getattr(event, name)
        if kept:
            if value is not None:
                record[name] = value
        # `type` as well: False, 0 and 0.0 are equal, and a field's value keeps its type.
        elif type(value) is not type(default) or value != default:
            record[name] = value
    return record


def expand(run_id: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Whole events again: defaults, the run id, and each call finish's unit from its start.

    Each record is replaced in the list it came in (which is returned), so a long journal is
    never held twice over.
    """
    for cls in ev.EVENT_TYPES:
        _defaults(cls)
    calls: dict[Any, dict[str, Any]] = {}
    for position, record in enumerate(records):
        kind = str(record.get("event"))
        defaults = _DEFAULTS.get(kind)
        if defaults is None:
            continue  # `resume`, or a kind this version does not know
        full = {"event": kind, "run_id": run_id, **defaults, **record}
        for name, factory in _FACTORIES[kind].items():
            if name not in record:
                full[name] = factory()  # never one object shared by two records
        if kind == "run_start":
            calls.clear()  # call ids restart with each segment
        elif kind == "call_start":
            calls[record.get("call_id")] = full
        elif kind == "call_finish":
            start = calls.pop(record.get("call_id"), None)
            if start is not None:
                for name in ("step_id", "index", "attempt", "page"):
                    if name not in record:
                        full[name] = start[name]
        records[position] = full
    return records
