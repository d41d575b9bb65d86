"""The typed event stream of a run.

The engine reports everything it does as events, in order, to a list of sinks: the NDJSON
writer (`--events`), the console view, the report builder and the run journal. "Finish" events
are emitted only for work that really finished, so a consumer that sees a `call_start` without
its `call_finish` knows that call's outcome is uncertain. Payloads are masked before any sink
sees them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

# The `name as name` imports are re-exported: the rest of `mw` reads them from here.
from wrapper.records.event_base import Emitter as Emitter
from wrapper.records.event_base import Event as Event
from wrapper.records.event_base import EventSink as EventSink
from wrapper.records.event_base import field_defaults as field_defaults
from wrapper.records.event_base import now_iso as now_iso

EVENT_SCHEMA_VERSION = 1
#: Sets a field in `__init__`: a `Frozen` record refuses plain assignment.
_set = object.__setattr__


class RunStart(Event):
    __slots__ = ("recipe", "path", "sha256", "plan", "inputs", "shard")
    event: ClassVar[str] = "run_start"
    factories: ClassVar[dict[str, Callable[[], Any]]] = {"inputs": dict}
    recipe: str
    path: str
    sha256: str
    plan: bool
    inputs: dict[str, Any]
    #: `--shard`: {"index", "total", "step"}; a resume splits the same way.
    shard: dict[str, Any] | None

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        recipe: str = "",
        path: str = "",
        sha256: str = "",
        plan: bool = False,
        inputs: dict[str, Any] | None = None,
        shard: dict[str, Any] | None = None,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "recipe", recipe)
        _set(self, "path", path)
        _set(self, "sha256", sha256)
        _set(self, "plan", plan)
        _set(self, "inputs", {} if inputs is None else inputs)
        _set(self, "shard", shard)


class ConnectionReady(Event):
    """A connection the recipe declared is usable; `source` is `ensured`, `given` or `planned`."""

    __slots__ = ("name", "app", "id", "source")
    event: ClassVar[str] = "connection_ready"
    name: str
    app: str
    id: str | None
    source: str

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        name: str = "",
        app: str = "",
        id: str | None = None,
        source: str = "ensured",
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "name", name)
        _set(self, "app", app)
        _set(self, "id", id)
        _set(self, "source", source)


class StepStart(Event):
    __slots__ = ("step_id", "name", "kind", "effect", "block", "parent", "items_total")
    event: ClassVar[str] = "step_start"
    step_id: str
    name: str | None
    kind: str
    effect: str
    block: str
    parent: str | None
    items_total: int | None

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        step_id: str = "",
        name: str | None = None,
        kind: str = "action",
        effect: str = "write",
        block: str = "steps",
        parent: str | None = None,
        items_total: int | None = None,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "step_id", step_id)
        _set(self, "name", name)
        _set(self, "kind", kind)
        _set(self, "effect", effect)
        _set(self, "block", block)
        _set(self, "parent", parent)
        _set(self, "items_total", items_total)


class ShardSplit(Event):
    """`--shard`: the split step's list, and how much of it this shard runs."""

    __slots__ = ("step_id", "index", "total", "items_total", "selected", "items_sha256")
    event: ClassVar[str] = "shard_split"
    step_id: str
    index: int
    total: int
    items_total: int
    selected: int
    items_sha256: str

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        step_id: str = "",
        index: int = 1,
        total: int = 1,
        items_total: int = 0,
        selected: int = 0,
        items_sha256: str = "",
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "step_id", step_id)
        _set(self, "index", index)
        _set(self, "total", total)
        _set(self, "items_total", items_total)
        _set(self, "selected", selected)
        _set(self, "items_sha256", items_sha256)


class ItemStart(Event):
    __slots__ = ("step_id", "index", "item")
    event: ClassVar[str] = "item_start"
    step_id: str
    index: int
    item: Any

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        step_id: str = "",
        index: int = 0,
        item: Any = None,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "step_id", step_id)
        _set(self, "index", index)
        _set(self, "item", item)


class CallStart(Event):
    """A membrane call is about to run; `safe_to_repeat` says whether it may run again."""

    __slots__ = (
        "call_id",
        "step_id",
        "index",
        "attempt",
        "page",
        "operation",
        "target",
        "command",
        "safe_to_repeat",
        "waited_s",
    )
    event: ClassVar[str] = "call_start"
    factories: ClassVar[dict[str, Callable[[], Any]]] = {"command": list}
    call_id: int
    step_id: str
    index: int | None
    attempt: int
    page: int
    operation: str
    target: str
    command: list[str]
    safe_to_repeat: bool
    #: Seconds it waited for its connection's rate limit before it started.
    waited_s: float

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        call_id: int = 0,
        step_id: str = "",
        index: int | None = None,
        attempt: int = 1,
        page: int = 1,
        operation: str = "",
        target: str = "",
        command: list[str] | None = None,
        safe_to_repeat: bool = False,
        waited_s: float = 0.0,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "call_id", call_id)
        _set(self, "step_id", step_id)
        _set(self, "index", index)
        _set(self, "attempt", attempt)
        _set(self, "page", page)
        _set(self, "operation", operation)
        _set(self, "target", target)
        _set(self, "command", [] if command is None else command)
        _set(self, "safe_to_repeat", safe_to_repeat)
        _set(self, "waited_s", waited_s)


class CallFinish(Event):
    __slots__ = ("call_id", "step_id", "index", "attempt", "page", "status", "duration_s", "error")
    event: ClassVar[str] = "call_finish"
    call_id: int
    step_id: str
    index: int | None
    attempt: int
    page: int
    status: str
    duration_s: float
    error: dict[str, Any] | None

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        call_id: int = 0,
        step_id: str = "",
        index: int | None = None,
        attempt: int = 1,
        page: int = 1,
        status: str = "ok",
        duration_s: float = 0.0,
        error: dict[str, Any] | None = None,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "call_id", call_id)
        _set(self, "step_id", step_id)
        _set(self, "index", index)
        _set(self, "attempt", attempt)
        _set(self, "page", page)
        _set(self, "status", status)
        _set(self, "duration_s", duration_s)
        _set(self, "error", error)


class RetryScheduled(Event):
    __slots__ = ("step_id", "index", "attempt", "attempts", "delay_s", "error")
    event: ClassVar[str] = "retry"
    step_id: str
    index: int | None
    attempt: int
    attempts: int
    delay_s: float
    error: dict[str, Any] | None

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        step_id: str = "",
        index: int | None = None,
        attempt: int = 1,
        attempts: int = 1,
        delay_s: float = 0.0,
        error: dict[str, Any] | None = None,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "step_id", step_id)
        _set(self, "index", index)
        _set(self, "attempt", attempt)
        _set(self, "attempts", attempts)
        _set(self, "delay_s", delay_s)
        _set(self, "error", error)


class ItemFinish(Event):
    __slots__ = (
        "step_id",
        "index",
        "status",
        "attempts",
        "duration_s",
        "outputs",
        "error",
        "command",
        "resumed",
    )
    event: ClassVar[str] = "item_finish"
    step_id: str
    index: int
    status: str
    attempts: int
    duration_s: float
    outputs: Any
    error: dict[str, Any] | None
    command: list[str] | None
    #: Finished in an earlier session of a resumed run: replayed from the journal, not run.
    resumed: bool

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        step_id: str = "",
        index: int = 0,
        status: str = "ok",
        attempts: int = 0,
        duration_s: float = 0.0,
        outputs: Any = None,
        error: dict[str, Any] | None = None,
        command: list[str] | None = None,
        resumed: bool = False,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "step_id", step_id)
        _set(self, "index", index)
        _set(self, "status", status)
        _set(self, "attempts", attempts)
        _set(self, "duration_s", duration_s)
        _set(self, "outputs", outputs)
        _set(self, "error", error)
        _set(self, "command", command)
        _set(self, "resumed", resumed)


class StepFinish(Event):
    __slots__ = (
        "step_id",
        "status",
        "attempts",
        "duration_s",
        "outputs",
        "error",
        "http_status",
        "command",
        "counts",
        "resumed",
    )
    event: ClassVar[str] = "step_finish"
    step_id: str
    status: str
    attempts: int
    duration_s: float
    outputs: Any
    error: dict[str, Any] | None
    http_status: int | None
    command: list[str] | None
    counts: dict[str, int] | None
    #: Finished in an earlier session of a resumed run: replayed from the journal, not run.
    resumed: bool

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        step_id: str = "",
        status: str = "ok",
        attempts: int = 0,
        duration_s: float = 0.0,
        outputs: Any = None,
        error: dict[str, Any] | None = None,
        http_status: int | None = None,
        command: list[str] | None = None,
        counts: dict[str, int] | None = None,
        resumed: bool = False,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "step_id", step_id)
        _set(self, "status", status)
        _set(self, "attempts", attempts)
        _set(self, "duration_s", duration_s)
        _set(self, "outputs", outputs)
        _set(self, "error", error)
        _set(self, "http_status", http_status)
        _set(self, "command", command)
        _set(self, "counts", counts)
        _set(self, "resumed", resumed)


class RunWarning(Event):
    """Something a person should look at that does not stop the run (e.g. an input field
    the action does not know, which Membrane would silently ignore)."""

    __slots__ = ("step_id", "message")
    event: ClassVar[str] = "warning"
    step_id: str | None
    message: str

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        step_id: str | None = None,
        message: str = "",
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "step_id", step_id)
        _set(self, "message", message)


class RunFinish(Event):
    __slots__ = ("status", "exit_code", "duration_s", "outputs", "assertions", "error")
    event: ClassVar[str] = "run_finish"
    factories: ClassVar[dict[str, Callable[[], Any]]] = {"outputs": dict, "assertions": list}
    status: str
    exit_code: int
    duration_s: float
    outputs: dict[str, Any]
    assertions: list[dict[str, Any]]
    error: dict[str, Any] | None

    def __init__(
        self,
        run_id: str,
        time: str | None = None,
        status: str = "ok",
        exit_code: int = 0,
        duration_s: float = 0.0,
        outputs: dict[str, Any] | None = None,
        assertions: list[dict[str, Any]] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "time", now_iso() if time is None else time)
        _set(self, "status", status)
        _set(self, "exit_code", exit_code)
        _set(self, "duration_s", duration_s)
        _set(self, "outputs", {} if outputs is None else outputs)
        _set(self, "assertions", [] if assertions is None else assertions)
        _set(self, "error", error)


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
