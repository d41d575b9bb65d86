"""The report's pydantic models: the checks of a report file read back, and its JSON Schema.

A run builds its report from the plain classes of `report.py` and `timing.py`, which cost no
pydantic; only reading a report (`mw runs show`, `mw runs merge`, `--html` of a report) and
`mw schema report` import this module. Its models mirror those classes field by field, which
tests/records/test_report_bytes.py checks.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wrapper.records.report_data import Report as PlainReport

Status = Literal["ok", "failed", "skipped", "planned", "cancelled", "interrupted"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CallReport(_Model):
    """One membrane call of a step or item, kept when there was more than one or it waited."""

    attempt: int = 1
    page: int = 1
    started_at: str
    finished_at: str | None = Field(default=None, description="null: it never answered")
    status: Literal["ok", "failed"] | None = None
    rate_wait_s: float | None = Field(
        default=None, description="how long it waited for its connection's rate limit first"
    )


class WaitReport(_Model):
    """A pause of a step or item: a retry's back-off, or a wait for the rate limit."""

    kind: Literal["retry", "rate_limit"]
    started_at: str
    finished_at: str = Field(description="the planned end; Ctrl-C may have cut it short")
    attempt: int = Field(description="the attempt that waited before it (retry: after it)")


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

    schema_version: Literal[1] = 1
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


def report_schema() -> dict[str, Any]:
    """The JSON Schema of `Report` (what `--report` and `--json` write)."""
    schema = Report.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mw run report"
    return schema


def check_report(data: dict[str, Any]) -> PlainReport:
    """`data` as a report, or ValueError("where: why") for the first thing that is wrong."""
    try:
        checked = Report.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise ValueError(f"{where}: {first['msg']}") from None
    return PlainReport.from_json(checked.model_dump(by_alias=True))
