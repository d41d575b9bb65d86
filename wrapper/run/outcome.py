"""What running a step (or one foreach item) came to, and the small rules shared around it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from wrapper.errors import ExpressionFailedError, StepFailedError, WrapperError
from wrapper.run.retry import error_info

OK: Final = "ok"
FAILED: Final = "failed"
SKIPPED: Final = "skipped"
PLANNED: Final = "planned"
CANCELLED: Final = "cancelled"
INTERRUPTED: Final = "interrupted"


def truthy(value: Any) -> bool:
    """JMESPath truthiness: false, null and empty strings, lists and objects are false."""
    return value not in (None, False, "", [], {})


class UnitResult:
    """What a step or one foreach item came to. Slotted: one per foreach item, kept until the
    step ends, and no __dict__ each; a plain class: a dataclass writes its methods with `exec`
    at every start."""

    __slots__ = (  # noqa: RUF023  # the order of __init__'s arguments
        "status",
        "attempts",
        "outputs",
        "error",
        "http_status",
        "command",
        "duration_s",
    )

    def __init__(
        self,
        status: str,
        attempts: int = 0,
        outputs: Any = None,
        error: WrapperError | None = None,
        http_status: int | None = None,
        command: list[str] | None = None,
        duration_s: float = 0.0,
    ) -> None:
        self.status = status
        self.attempts = attempts
        self.outputs = outputs
        self.error = error
        self.http_status = http_status
        self.command = command
        self.duration_s = duration_s

    def as_item(self, item: Any, mask: Callable[[Any], Any]) -> dict[str, Any]:
        return {
            "item": item,
            "status": self.status,
            "attempts": self.attempts,
            "outputs": self.outputs,
            "error": mask(error_info(self.error)) if self.error else None,
        }


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("<unknown: ", "<unknown (planned write): "))


def as_items(value: Any, where: str, shown: Callable[[Any], str]) -> list[Any]:
    """The list a foreach runs over; `where` is the expression's place, `shown` how the
    failure quotes the value (masked, cut)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    kind = "a mapping" if isinstance(value, dict) else type(value).__name__
    raise ExpressionFailedError(
        f"{where}: foreach.items must give a list, not {kind}: {shown(value)}"
    )


def as_wrapper(error: BaseException, step_id: str) -> WrapperError:
    if isinstance(error, WrapperError):
        return error
    return StepFailedError(f"step {step_id!r}: {error}")


def item_error(error: WrapperError, index: int, failed: int) -> WrapperError:
    others = f" ({failed - 1} more item{'s' if failed != 2 else ''} failed)" if failed > 1 else ""
    wrapped = StepFailedError(f"item {index}: {error}{others}", advice=error.advice)
    wrapped.__cause__ = error
    return wrapped


def not_run(item: Any) -> dict[str, Any]:
    return {"item": item, "status": INTERRUPTED, "attempts": 0, "outputs": None, "error": None}


def counts(items: list[dict[str, Any]] | None) -> dict[str, int] | None:
    if items is None:
        return None
    counts: dict[str, int] = {}
    for item in items:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    return counts


def assertions_failed(failed: list[str]) -> str:
    """The message of a run whose assertions failed, naming every one (their messages)."""
    if len(failed) == 1:
        return f"assertion failed: {failed[0]}"
    return f"{len(failed)} assertions failed: " + "; ".join(failed)
