"""A recipe's `assert` list, checked after its outputs: every failure named, not the first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wrapper.errors import AssertionFailedError, ExpressionFailedError, WrapperError
from wrapper.run.outcome import assertions_failed, truthy

if TYPE_CHECKING:
    from wrapper.run.context import ScopeLike


def check_assertions(
    scope: ScopeLike, outputs: dict[str, Any]
) -> tuple[list[dict[str, Any]], WrapperError | None]:
    """Each assertion's result (`that`, `message`, `ok`, `error` when it could not be
    evaluated), and the error of the run when any failed."""
    try:
        ctx = scope.context({"outputs": outputs})
    except WrapperError as error:
        return [], error
    results: list[dict[str, Any]] = []
    failed: list[str] = []
    for i, check in enumerate(scope.recipe.assert_):
        problem: str | None = None
        try:
            held = truthy(scope.evaluate(check.that, ctx, ("assert", i, "that")))
        except ExpressionFailedError as error:
            held, problem = False, error.message
        result: dict[str, Any] = {"that": check.that, "message": check.message, "ok": held}
        if problem is not None:
            result["error"] = problem
        results.append(result)
        if not held:
            failed.append(problem or check.message or check.that)
    if not failed:
        return results, None
    first = next(r["that"] for r in results if not r["ok"])
    return results, AssertionFailedError(
        assertions_failed(failed),
        advice=f"The recipe asserts `{first}`; see the report for the values.",
    )
