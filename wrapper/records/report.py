"""What a run leaves for machines: the versioned JSON report and NDJSON events (JUnit: junit.py).

The report is built from the run's (already masked) event stream by `ReportBuilder`, a sink
like any other, so it can hold nothing the events did not. Its classes are plain (a run imports
no pydantic); reading a report file back checks it against the pydantic models of
`report_schema.py`, which also give its JSON Schema (`mw schema report`). `schema_version`
changes only when a field changes meaning or goes away.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from wrapper.errors import UsageError
from wrapper.records import events as ev
from wrapper.records.report_data import (
    SCHEMA_VERSION,
    AssertionReport,
    ConnectionReport,
    ErrorReport,
    ItemReport,
    RecipeRef,
    Report,
    ShardReport,
    ShardRun,
    Status,
    StepReport,
)
from wrapper.records.timing import Timing

__all__ = [
    "SCHEMA_VERSION",
    "AssertionReport",
    "ConnectionReport",
    "ErrorReport",
    "EventWriter",
    "ItemReport",
    "RecipeRef",
    "Report",
    "ReportBuilder",
    "ShardReport",
    "ShardRun",
    "Status",
    "StepReport",
    "check_outputs",
    "check_writable",
    "report_schema",
    "run_failures",
    "write_report",
    "write_text",
]


def report_schema() -> dict[str, Any]:
    """The JSON Schema of `Report` (what `--report` and `--json` write)."""
    from wrapper.records import report_schema as models

    return models.report_schema()


class ReportBuilder:
    """An event sink that folds the stream into a `Report`."""

    def __init__(self) -> None:
        self._report: Report | None = None
        self._steps: dict[str, StepReport] = {}
        self._items: dict[str, dict[int, ItemReport]] = {}
        self._timing = Timing()
        self._lock = threading.Lock()

    def handle(self, event: ev.Event) -> None:
        with self._lock:
            self._fold(event)

    def _fold(self, event: ev.Event) -> None:
        if isinstance(event, ev.RunStart):
            self._report = Report(
                run_id=event.run_id,
                recipe=RecipeRef(name=event.recipe, path=event.path, sha256=event.sha256),
                plan=event.plan,
                started_at=event.time,
                inputs=event.inputs,
                shard=ShardReport(**event.shard) if event.shard else None,
            )
            return
        report = self._report
        if report is None:
            return
        if isinstance(event, ev.ConnectionReady):
            report.connections.append(
                ConnectionReport(
                    name=event.name,
                    app=event.app,
                    id=event.id,
                    source=event.source,  # type: ignore[arg-type]  # the engine's own values
                )
            )
        elif isinstance(event, ev.StepStart):
            step = StepReport(
                id=event.step_id,
                name=event.name,
                kind=event.kind,  # type: ignore[arg-type]  # the engine's own values
                effect=event.effect,  # type: ignore[arg-type]
                block=event.block,  # type: ignore[arg-type]
                parent=event.parent,
                items=[] if event.items_total is not None else None,
            )
            step.started_at = event.time
            self._steps[event.step_id] = step
            self._items[event.step_id] = {}
            report.steps.append(step)
        elif isinstance(event, ev.ShardSplit):
            # The run's start said what chose the shard; the split adds what it saw.
            known = report.shard.to_json() if report.shard else {}
            report.shard = ShardReport(
                **{
                    **known,
                    "index": event.index,
                    "total": event.total,
                    "step": event.step_id,
                    "items_total": event.items_total,
                    "selected": event.selected,
                    "items_sha256": event.items_sha256,
                }
            )
        elif isinstance(event, ev.ItemStart):
            self._items.setdefault(event.step_id, {})[event.index] = ItemReport(
                index=event.index, item=event.item, started_at=event.time
            )
        elif isinstance(event, (ev.CallStart, ev.CallFinish, ev.RetryScheduled)):
            self._timing.fold(event)
        elif isinstance(event, ev.ItemFinish):
            item = self._items.setdefault(event.step_id, {}).setdefault(
                event.index, ItemReport(index=event.index)
            )
            item.status = event.status  # type: ignore[assignment]
            item.attempts = event.attempts
            item.duration_s = event.duration_s
            item.outputs = event.outputs
            item.error = _error(event.error)
            item.command = event.command
            item.calls, item.waits = self._timing.take(event.step_id, event.index)
            _finish_times(item, event)
        elif isinstance(event, ev.StepFinish):
            step = self._steps.get(event.step_id) or StepReport(id=event.step_id)
            step.status = event.status  # type: ignore[assignment]
            step.attempts = event.attempts
            step.duration_s = event.duration_s
            step.outputs = event.outputs
            step.error = _error(event.error)
            step.http_status = event.http_status
            step.command = event.command
            step.counts = event.counts
            step.calls, step.waits = self._timing.take(event.step_id, None)
            _finish_times(step, event)
            self._close_items(step)
        elif isinstance(event, ev.RunFinish):
            report.status = event.status  # type: ignore[assignment]
            report.exit_code = event.exit_code
            report.finished_at = event.time
            report.duration_s = event.duration_s
            report.outputs = event.outputs
            report.assertions = [AssertionReport(**a) for a in event.assertions]
            report.error = _error(event.error)
            for step in report.steps:
                self._close_items(step)

    def _close_items(self, step: StepReport) -> None:
        if step.items is not None:
            step.items = [v for _, v in sorted(self._items.get(step.id, {}).items())]

    def report(self) -> Report:
        """The report folded so far; asked for once the run is over, so it is not copied (a
        deep copy of a 50,000-item report cost 138 MB and seconds)."""
        with self._lock:
            if self._report is None:
                raise RuntimeError("the run emitted no run_start event")
            return self._report


def _finish_times(unit: ItemReport | StepReport, event: ev.ItemFinish | ev.StepFinish) -> None:
    if event.resumed:
        # Replayed from the journal at the resume's start: these times would be the replay's.
        unit.started_at = unit.finished_at = None
    else:
        unit.finished_at = event.time


def _error(data: dict[str, Any] | None) -> ErrorReport | None:
    return None if data is None else ErrorReport.of(data)


def write_report(report: Report, path: Path) -> None:
    write_text(path, itertools.chain(report.json_chunks(), ["\n"]))


def check_writable(path: Path, option: str) -> None:
    """Refuse, before a run makes any call, an output file that could not be written after it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"{option} {path}: cannot create its folder: {error.strerror or error}"
        ) from None
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file path")
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK):
        raise UsageError(f"{option} {path}: not writable")


def check_outputs(report: Path | None, junit: Path | None, html: Path | None = None) -> None:
    """`--report`, `--junit` and `--html`, checked before anything runs."""
    for option, path in (("--report", report), ("--junit", junit), ("--html", html)):
        if path is not None:
            check_writable(path, option)


def write_text(path: Path, text: str | Iterable[str]) -> None:
    """Write atomically, so a reader (CI, an agent) never sees half a file; `text` may come
    in pieces, written as they come."""
    chunks = [text] if isinstance(text, str) else text
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and not path.is_file():
            # /dev/stdout, a FIFO: a rename would replace the device itself.
            with path.open("w", encoding="utf-8") as handle:
                handle.writelines(chunks)
            return
        tmp = path.with_name(f".{path.name}.tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.writelines(chunks)
        tmp.replace(path)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None


def run_failures(report: Report) -> list[tuple[str, ErrorReport]]:
    """Failures no step or assertion shows: each as (testcase name, error)."""
    if report.status == "ok":
        # A merged run whose shards failed only their share's assertions passed as a whole.
        return []
    if report.shards:
        total = len(report.shards)
        return [
            (f"run (shard {shard.index}/{total})", shard.error or ErrorReport(message=shard.status))
            for shard in report.shards
            if shard.status != "ok"
            and not _shown_elsewhere(report, shard.error)
            and not (shard.error is not None and shard.error.class_ == "AssertionFailedError")
        ]
    if _shown_elsewhere(report, report.error):
        return []
    return [("run", report.error or ErrorReport(message=f"the run ended {report.status}"))]


def _shown_elsewhere(report: Report, error: ErrorReport | None) -> bool:
    """A step's failure (the run wraps it as `step 'x' failed: ...`) or an assertion's is
    already a failed testcase of its own."""
    if error is None:
        return False
    if error.class_ == "AssertionFailedError":
        return any(not check.ok for check in report.assertions)
    return error.class_ == "StepFailedError" and error.message.startswith("step ")


# --- NDJSON events --------------------------------------------------------------------------


class EventWriter:
    """`--events`: one JSON object per line, flushed, so an agent can follow the run live."""

    def __init__(self, stream: IO[str], *, close: bool = False) -> None:
        self._stream = stream
        self._close = close
        self._gone = False

    def handle(self, event: ev.Event) -> None:
        if self._gone:
            return
        try:
            self._stream.write(json.dumps(event.to_json(), ensure_ascii=False, default=str) + "\n")
            self._stream.flush()
        except BrokenPipeError:
            # The reader (`| head`) left; the run itself goes on and keeps its other sinks.
            self._gone = True

    def close(self) -> None:
        if self._close:
            self._stream.close()
