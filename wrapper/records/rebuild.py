"""A run's report rebuilt from its journal, for `mw runs show ID --html` long after the run.

The journal holds every (masked) event of every session of a run, so folding the last
session's events with `ReportBuilder` gives the report that session wrote: a resume replays the
work earlier sessions finished, so the last session covers the whole run. Replayed work carries
no times of its own; they are taken from the session that really ran it.
"""

from __future__ import annotations

from typing import Any, Final

from wrapper.records import events as ev
from wrapper.records.journal import read_records
from wrapper.records.report import Report, ReportBuilder

_EVENTS: Final = {cls.event: cls for cls in ev.EVENT_TYPES}


def as_event(record: dict[str, Any]) -> ev.Event | None:
    """The event a journal record was written from; None for other records (`resume`)."""
    cls = _EVENTS.get(str(record.get("event")))
    if cls is None:
        return None
    names = cls.field_names()
    try:
        return cls(**{k: v for k, v in record.items() if k in names})
    except TypeError:
        return None  # a record missing what every event has (its run id)


def journal_report(run_id: str) -> Report:
    """The report of a journaled run, as its last session would have written it."""
    records = read_records(run_id)
    starts = [n for n, record in enumerate(records) if record.get("event") == "run_start"]
    builder = ReportBuilder()
    for record in records[starts[-1] :]:
        event = as_event(record)
        if event is not None:
            builder.handle(event)
    report = builder.report()
    _earlier_times(report, records[: starts[-1]])
    return report


def add_earlier_times(report: Report) -> None:
    """A resumed run's report: the times of work earlier sessions ran, from its journal."""
    records = read_records(report.run_id)
    starts = [n for n, record in enumerate(records) if record.get("event") == "run_start"]
    _earlier_times(report, records[: starts[-1]])


def _earlier_times(report: Report, records: list[dict[str, Any]]) -> None:
    """Fill the times of work replayed by the last session from the sessions that ran it."""
    started: dict[tuple[str, int | None], str] = {}
    times: dict[tuple[str, int | None], tuple[str, str]] = {}
    for record in records:
        kind = str(record.get("event"))
        index = record.get("index") if kind.startswith("item_") else None
        key = (str(record.get("step_id", "")), index)
        if kind in ("step_start", "item_start"):
            started[key] = str(record.get("time"))
        elif (
            kind in ("step_finish", "item_finish") and key in started and not record.get("resumed")
        ):
            # A replay has no finish of its own: only work that ran gives its times.
            times[key] = (started[key], str(record.get("time")))
    for step in report.steps:
        units: list[Any] = [step, *(step.items or [])]
        for unit in units:
            index = None if unit is step else unit.index
            found = times.get((step.id, index))
            if unit.started_at is None and found is not None:
                unit.started_at, unit.finished_at = found
