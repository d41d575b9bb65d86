"""What a run leaves for machines: the versioned JSON report and NDJSON events (JUnit: junit.py).

The report is built from the run's (already masked) event stream by `ReportBuilder`, a sink
like any other, so it can hold nothing the events did not. Its JSON Schema comes from the
pydantic model (`report_schema()`, printed by `mw schema report`); `schema_version` changes only
when a field changes meaning or goes away.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from wrapper.errors import UsageError
from wrapper.records import events as ev
from wrapper.records.timing import CallReport, Timing, WaitReport

SCHEMA_VERSION: Final = 1

Status = Literal["ok", "failed", "skipped", "planned", "cancelled", "interrupted"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ErrorReport(_Model):
    """A failure as `retry.when` sees it, with the class of error that `mw` raised."""

    type: str | None = None
    key: str | None = None
    message: str = ""
    status: int | None = None
    retryable: bool = False
    class_: str | None = Field(default=None, alias="class")


_TIMES_DOC: Final = (
    "UTC, ISO 8601 with milliseconds; null when unknown (never finished, or a resume took it "
    "from a journal without its times)"
)


class ItemReport(_Model):
    index: int
    item: Any = None
    status: Status = "interrupted"
    attempts: int = 0
    duration_s: float = 0.0
    started_at: str | None = Field(default=None, description=_TIMES_DOC)
    finished_at: str | None = Field(default=None, description=_TIMES_DOC)
    calls: list[CallReport] | None = Field(
        default=None, description="set when it made more than one call or waited"
    )
    waits: list[WaitReport] | None = None
    outputs: Any = None
    error: ErrorReport | None = None
    command: list[str] | None = Field(default=None, description="plan: the write not run")
    shard: int | None = Field(default=None, description="merged report: the shard that ran it")


class StepReport(_Model):
    id: str = Field(description="The step id; sub-recipe steps read `parent.child`.")
    name: str | None = None
    kind: Literal["action", "request", "recipe", "set"] = "action"
    effect: Literal["read", "write"] = "write"
    block: Literal["steps", "finally"] = "steps"
    parent: str | None = None
    status: Status = "interrupted"
    attempts: int = 0
    duration_s: float = 0.0
    started_at: str | None = Field(default=None, description=_TIMES_DOC)
    finished_at: str | None = Field(default=None, description=_TIMES_DOC)
    calls: list[CallReport] | None = Field(
        default=None, description="not a foreach: set when it made more than one call or waited"
    )
    waits: list[WaitReport] | None = None
    outputs: Any = None
    error: ErrorReport | None = None
    http_status: int | None = None
    command: list[str] | None = Field(default=None, description="plan: the write not run")
    items: list[ItemReport] | None = None
    counts: dict[str, int] | None = None


class ConnectionReport(_Model):
    name: str
    app: str
    id: str | None = None
    source: Literal["ensured", "given", "planned"] = "ensured"


class AssertionReport(_Model):
    that: str
    message: str | None = None
    ok: bool
    error: str | None = Field(default=None, description="why it could not be evaluated")


class ShardReport(_Model):
    """`--shard I/N`: which share of which step's items this run handled."""

    index: int
    total: int
    step: str
    items_total: int | None = Field(default=None, description="the whole list's length")
    selected: int | None = Field(default=None, description="the items this shard ran")
    items_sha256: str | None = Field(default=None, description="digest of the whole list")
    engine: str | None = Field(
        default=None, description="--shard auto: the engine whose variables chose the shard"
    )
    variables: dict[str, str] | None = Field(
        default=None, description="--shard auto: the variables read, with their values"
    )
    rate_share: int | None = Field(
        default=None, description="each connection's rate_limit was divided by this"
    )


class ShardRun(_Model):
    """One shard of a merged report (`mw runs merge`)."""

    run_id: str
    index: int
    status: Literal["ok", "failed", "interrupted"]
    exit_code: int
    duration_s: float = 0.0
    outputs: dict[str, Any] = Field(default_factory=dict)
    error: ErrorReport | None = None


class RecipeRef(_Model):
    name: str
    path: str
    sha256: str


class Report(_Model):
    """The final report of one `mw run` or `mw plan`."""

    schema_version: Literal[1] = SCHEMA_VERSION
    run_id: str
    recipe: RecipeRef
    plan: bool = False
    status: Literal["ok", "failed", "interrupted"] = "interrupted"
    exit_code: int = 130
    started_at: str
    finished_at: str | None = None
    duration_s: float = 0.0
    inputs: dict[str, Any] = Field(default_factory=dict, description="secrets read ***")
    connections: list[ConnectionReport] = Field(default_factory=list)
    steps: list[StepReport] = Field(default_factory=list)
    outputs: dict[str, Any] = Field(default_factory=dict)
    assertions: list[AssertionReport] = Field(default_factory=list)
    error: ErrorReport | None = None
    shard: ShardReport | None = Field(default=None, description="set by --shard I/N")
    shards: list[ShardRun] | None = Field(
        default=None, description="set by `mw runs merge`: each shard's own result"
    )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True)
        return data

    def json_chunks(self) -> Iterator[str]:
        """The text of `json.dumps(self.to_json(), indent=2, ensure_ascii=False)`, in pieces.

        Each item is turned into a dict only while it is written, so a 100,000-item report never
        exists twice in memory (as models and again as one dict tree and one string).
        """
        data: dict[str, Any] = self.model_dump(
            mode="json", by_alias=True, exclude={"steps": {"__all__": {"items"}}}
        )
        fields = [(name, info.alias or name) for name, info in StepReport.model_fields.items()]
        data["steps"] = [
            {
                key: ([_LazyItem(i) for i in step.items] if step.items is not None else None)
                if name == "items"
                else dumped[key]
                for name, key in fields
            }
            for step, dumped in zip(self.steps, data["steps"], strict=True)
        ]
        encoder = json.JSONEncoder(indent=2, ensure_ascii=False, default=_expand)
        return encoder.iterencode(data)


class _LazyItem:
    """An item waiting to be written: it stays a model until the encoder reaches it."""

    def __init__(self, item: ItemReport) -> None:
        self.item = item


def _expand(value: Any) -> Any:
    if isinstance(value, _LazyItem):
        return value.item.model_dump(mode="json", by_alias=True)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def report_schema() -> dict[str, Any]:
    """The JSON Schema of `Report` (what `--report` and `--json` write)."""
    schema = Report.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mw run report"
    return schema


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
                shard=ShardReport.model_validate(event.shard) if event.shard else None,
            )
            return
        report = self._report
        if report is None:
            return
        if isinstance(event, ev.ConnectionReady):
            report.connections.append(
                ConnectionReport(name=event.name, app=event.app, id=event.id, source=event.source)
            )
        elif isinstance(event, ev.StepStart):
            step = StepReport(
                id=event.step_id,
                name=event.name,
                kind=event.kind,
                effect=event.effect,
                block=event.block,
                parent=event.parent,
                items=[] if event.items_total is not None else None,
            )
            step.started_at = event.time
            self._steps[event.step_id] = step
            self._items[event.step_id] = {}
            report.steps.append(step)
        elif isinstance(event, ev.ShardSplit):
            # The run's start said what chose the shard; the split adds what it saw.
            known = report.shard.model_dump() if report.shard else {}
            report.shard = ShardReport.model_validate(
                {
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
    return None if data is None else ErrorReport.model_validate(data)


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
