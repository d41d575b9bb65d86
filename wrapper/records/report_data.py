"""The report's plain classes: what `ReportBuilder` folds a run's events into, and writes.

Defining them costs next to nothing at start-up (eleven pydantic models cost ~20 ms, pydantic
itself ~60 ms more). Each writes its JSON itself, key for key what its pydantic mirror in
`report_schema.py` writes, and that mirror checks a report file read back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final, Literal

from wrapper.records.jsontext import Deferred, chunks
from wrapper.records.record import Record, plain
from wrapper.records.timing import CallReport, WaitReport

SCHEMA_VERSION: Final = 1

Status = Literal["ok", "failed", "skipped", "planned", "cancelled", "interrupted"]


def _records(values: list[Any] | None) -> list[dict[str, Any]] | None:
    return None if values is None else [value.to_json() for value in values]


def _json(value: Record | None) -> dict[str, Any] | None:
    return None if value is None else value.to_json()


class ErrorReport(Record):
    """A failure as `retry.when` sees it, with the class of error that `mw` raised."""

    __slots__ = ("class_", "key", "message", "retryable", "status", "type")
    _ALIASES: ClassVar[dict[str, str]] = {"class_": "class"}

    def __init__(
        self,
        *,
        type: str | None = None,  # the JSON key
        key: str | None = None,
        message: str = "",
        status: int | None = None,
        retryable: bool = False,
        class_: str | None = None,
    ) -> None:
        self.type = type
        self.key = key
        self.message = message
        self.status = status
        self.retryable = retryable
        self.class_ = class_

    @classmethod
    def of(cls, data: dict[str, Any]) -> ErrorReport:
        """An event's error (`retry.error_info`), whose class is under `class`."""
        return cls.from_json(data)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "key": self.key,
            "message": self.message,
            "status": self.status,
            "retryable": self.retryable,
            "class": self.class_,
        }


class ItemReport(Record):
    __slots__ = (
        "attempts", "calls", "command", "duration_s", "error", "finished_at", "index", "item",
        "outputs", "shard", "started_at", "status", "waits",
    )  # fmt: skip
    _NESTED: ClassVar[dict[str, type[Record]]] = {
        "calls": CallReport,
        "waits": WaitReport,
        "error": ErrorReport,
    }

    def __init__(
        self,
        *,
        index: int,
        item: Any = None,
        status: Status = "interrupted",
        attempts: int = 0,
        duration_s: float = 0.0,
        started_at: str | None = None,
        finished_at: str | None = None,
        calls: list[CallReport] | None = None,
        waits: list[WaitReport] | None = None,
        outputs: Any = None,
        error: ErrorReport | None = None,
        command: list[str] | None = None,
        shard: int | None = None,
    ) -> None:
        self.index = index
        self.item = item
        self.status = status
        self.attempts = attempts
        self.duration_s = duration_s
        self.started_at = started_at
        self.finished_at = finished_at
        self.calls = calls
        self.waits = waits
        self.outputs = outputs
        self.error = error
        self.command = command
        self.shard = shard

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "item": plain(self.item),
            "status": self.status,
            "attempts": self.attempts,
            "duration_s": float(self.duration_s),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "calls": _records(self.calls),
            "waits": _records(self.waits),
            "outputs": plain(self.outputs),
            "error": _json(self.error),
            "command": self.command,
            "shard": self.shard,
        }


class StepReport(Record):
    __slots__ = (
        "attempts", "block", "calls", "command", "counts", "duration_s", "effect", "error",
        "finished_at", "http_status", "id", "items", "kind", "name", "outputs", "parent",
        "started_at", "status", "waits",
    )  # fmt: skip
    _NESTED: ClassVar[dict[str, type[Record]]] = {
        "calls": CallReport,
        "waits": WaitReport,
        "error": ErrorReport,
        "items": ItemReport,
    }

    def __init__(
        self,
        *,
        id: str,  # the JSON key
        name: str | None = None,
        kind: Literal["action", "request", "recipe", "set"] = "action",
        effect: Literal["read", "write"] = "write",
        block: Literal["steps", "finally"] = "steps",
        parent: str | None = None,
        status: Status = "interrupted",
        attempts: int = 0,
        duration_s: float = 0.0,
        started_at: str | None = None,
        finished_at: str | None = None,
        calls: list[CallReport] | None = None,
        waits: list[WaitReport] | None = None,
        outputs: Any = None,
        error: ErrorReport | None = None,
        http_status: int | None = None,
        command: list[str] | None = None,
        items: list[ItemReport] | None = None,
        counts: dict[str, int] | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.kind = kind
        self.effect = effect
        self.block = block
        self.parent = parent
        self.status = status
        self.attempts = attempts
        self.duration_s = duration_s
        self.started_at = started_at
        self.finished_at = finished_at
        self.calls = calls
        self.waits = waits
        self.outputs = outputs
        self.error = error
        self.http_status = http_status
        self.command = command
        self.items = items
        self.counts = counts

    def to_json(self, items: Any = None) -> dict[str, Any]:
        """`items`, when given, stands for the items (the report writer's lazy ones)."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "effect": self.effect,
            "block": self.block,
            "parent": self.parent,
            "status": self.status,
            "attempts": self.attempts,
            "duration_s": float(self.duration_s),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "calls": _records(self.calls),
            "waits": _records(self.waits),
            "outputs": plain(self.outputs),
            "error": _json(self.error),
            "http_status": self.http_status,
            "command": self.command,
            "items": items if items is not None else _records(self.items),
            "counts": self.counts,
        }


class ConnectionReport(Record):
    __slots__ = ("app", "id", "name", "source")

    def __init__(
        self,
        *,
        name: str,
        app: str,
        id: str | None = None,  # the JSON key
        source: Literal["ensured", "given", "planned"] = "ensured",
    ) -> None:
        self.name = name
        self.app = app
        self.id = id
        self.source = source

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "app": self.app, "id": self.id, "source": self.source}


class AssertionReport(Record):
    __slots__ = ("error", "message", "ok", "that")

    def __init__(
        self, *, that: str, message: str | None = None, ok: bool, error: str | None = None
    ) -> None:
        self.that = that
        self.message = message
        self.ok = ok
        self.error = error

    def to_json(self) -> dict[str, Any]:
        return {"that": self.that, "message": self.message, "ok": self.ok, "error": self.error}


class ShardReport(Record):
    """`--shard I/N`: which share of which step's items this run handled."""

    __slots__ = (
        "engine", "index", "items_sha256", "items_total", "rate_share", "selected", "step", "total",
        "variables",
    )  # fmt: skip

    def __init__(
        self,
        *,
        index: int,
        total: int,
        step: str,
        items_total: int | None = None,
        selected: int | None = None,
        items_sha256: str | None = None,
        engine: str | None = None,
        variables: dict[str, str] | None = None,
        rate_share: int | None = None,
    ) -> None:
        self.index = index
        self.total = total
        self.step = step
        self.items_total = items_total
        self.selected = selected
        self.items_sha256 = items_sha256
        self.engine = engine
        self.variables = variables
        self.rate_share = rate_share

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "total": self.total,
            "step": self.step,
            "items_total": self.items_total,
            "selected": self.selected,
            "items_sha256": self.items_sha256,
            "engine": self.engine,
            "variables": None if self.variables is None else dict(self.variables),
            "rate_share": self.rate_share,
        }


class ShardRun(Record):
    """One shard of a merged report (`mw runs merge`)."""

    __slots__ = ("duration_s", "error", "exit_code", "index", "outputs", "run_id", "status")
    _NESTED: ClassVar[dict[str, type[Record]]] = {"error": ErrorReport}

    def __init__(
        self,
        *,
        run_id: str,
        index: int,
        status: Literal["ok", "failed", "interrupted"],
        exit_code: int,
        duration_s: float = 0.0,
        outputs: dict[str, Any] | None = None,
        error: ErrorReport | None = None,
    ) -> None:
        self.run_id = run_id
        self.index = index
        self.status = status
        self.exit_code = exit_code
        self.duration_s = duration_s
        self.outputs: dict[str, Any] = {} if outputs is None else outputs
        self.error = error

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "index": self.index,
            "status": self.status,
            "exit_code": self.exit_code,
            "duration_s": float(self.duration_s),
            "outputs": plain(self.outputs),
            "error": _json(self.error),
        }


class RecipeRef(Record):
    __slots__ = ("name", "path", "sha256")

    def __init__(self, *, name: str, path: str, sha256: str) -> None:
        self.name = name
        self.path = path
        self.sha256 = sha256

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "sha256": self.sha256}


class Report(Record):
    """The final report of one `mw run` or `mw plan`."""

    __slots__ = (
        "assertions", "connections", "duration_s", "error", "exit_code", "finished_at", "inputs",
        "outputs", "plan", "recipe", "run_id", "schema_version", "shard", "shards", "started_at",
        "status", "steps",
    )  # fmt: skip
    _NESTED: ClassVar[dict[str, type[Record]]] = {
        "recipe": RecipeRef,
        "connections": ConnectionReport,
        "steps": StepReport,
        "assertions": AssertionReport,
        "error": ErrorReport,
        "shard": ShardReport,
        "shards": ShardRun,
    }

    def __init__(
        self,
        *,
        schema_version: Literal[1] = SCHEMA_VERSION,
        run_id: str,
        recipe: RecipeRef,
        plan: bool = False,
        status: Literal["ok", "failed", "interrupted"] = "interrupted",
        exit_code: int = 130,
        started_at: str,
        finished_at: str | None = None,
        duration_s: float = 0.0,
        inputs: dict[str, Any] | None = None,
        connections: list[ConnectionReport] | None = None,
        steps: list[StepReport] | None = None,
        outputs: dict[str, Any] | None = None,
        assertions: list[AssertionReport] | None = None,
        error: ErrorReport | None = None,
        shard: ShardReport | None = None,
        shards: list[ShardRun] | None = None,
    ) -> None:
        self.schema_version = schema_version
        self.run_id = run_id
        self.recipe = recipe
        self.plan = plan
        self.status = status
        self.exit_code = exit_code
        self.started_at = started_at
        self.finished_at = finished_at
        self.duration_s = duration_s
        self.inputs: dict[str, Any] = {} if inputs is None else inputs
        self.connections: list[ConnectionReport] = [] if connections is None else connections
        self.steps: list[StepReport] = [] if steps is None else steps
        self.outputs: dict[str, Any] = {} if outputs is None else outputs
        self.assertions: list[AssertionReport] = [] if assertions is None else assertions
        self.error = error
        self.shard = shard
        self.shards = shards

    def to_json(self, steps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "run_id": self.run_id,
            "recipe": self.recipe.to_json(),
            "plan": self.plan,
            "status": self.status,
            "exit_code": self.exit_code,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": float(self.duration_s),
            "inputs": plain(self.inputs),
            "connections": [connection.to_json() for connection in self.connections],
            "steps": [step.to_json() for step in self.steps] if steps is None else steps,
            "outputs": plain(self.outputs),
            "assertions": [check.to_json() for check in self.assertions],
            "error": _json(self.error),
            "shard": _json(self.shard),
            "shards": _records(self.shards),
        }

    def json_chunks(self) -> Iterator[str]:
        """The text of `json.dumps(self.to_json(), indent=2, ensure_ascii=False)`, in pieces.

        Each item is turned into a dict only while it is written, so a 100,000-item report never
        exists twice in memory (as records and again as one dict tree and one string).
        """
        steps = [
            step.to_json(items=None if step.items is None else Deferred(step.items))
            for step in self.steps
        ]
        return chunks(self.to_json(steps=steps))
