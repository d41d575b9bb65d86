"""One step's call with its retries, and page after page when it paginates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from wrapper.errors import Interrupted, WrapperError
from wrapper.recipe.expr import ExpressionError, evaluate
from wrapper.recipe.model import Step
from wrapper.records import events as ev
from wrapper.run.outcome import truthy
from wrapper.run.retry import NO_RETRY, RetryPolicy, error_info, may_retry, wait_limit_s
from wrapper.run.steps import Cursor, Outcome
from wrapper.run.steps.kinds import step_kind

if TYPE_CHECKING:
    from wrapper.run.context import ScopeLike


def execute(
    scope: ScopeLike,
    step: Step,
    full_id: str,
    ctx: dict[str, Any],
    index: int | None,
    tally: list[int],
) -> Outcome:
    if step.paginate is None:
        return _attempts(scope, step, full_id, ctx, index, None, 1, tally)
    spec = step.paginate
    collected: list[Any] = []
    # Numbered pages name even the first one; a cursor API starts without a cursor.
    cursor: Cursor = None if spec.cursor is not None else (spec.param, spec.start)
    last = Outcome(None)
    for page in range(1, spec.max_pages + 1):
        last = _attempts(scope, step, full_id, ctx, index, cursor, page, tally)
        found = _read(spec.items, last.value, ctx, "items")
        if isinstance(found, list):
            collected.extend(found)
        elif found is not None:
            collected.append(found)
        if spec.cursor is None:
            count = len(found) if isinstance(found, list) else int(found is not None)
            if spec.page_size is None or count < spec.page_size:
                break  # a short (or empty) page is the last one
            cursor = (spec.param, spec.start + page)
            continue
        next_cursor = _read(spec.cursor, last.value, ctx, "cursor")
        if not truthy(next_cursor):
            break
        cursor = (spec.param, next_cursor)
    return Outcome(collected, last.http_status)


def _read(source: str, page: Any, ctx: dict[str, Any], key: str) -> Any:
    """`paginate.items` / `paginate.cursor` on one page; `$` is the step's scope."""
    try:
        return evaluate(source, page, ctx)
    except ExpressionError as error:
        raise error.at(("paginate", key)) from None


def _attempts(
    scope: ScopeLike,
    step: Step,
    full_id: str,
    ctx: dict[str, Any],
    index: int | None,
    cursor: Cursor,
    page: int,
    tally: list[int],
) -> Outcome:
    engine = scope.engine
    policy = RetryPolicy(step.retry or NO_RETRY, engine.options.random, wait_limit_s(step))
    when_source = step.retry.when if step.retry else None
    when = None
    if when_source is not None:

        def when(info: Mapping[str, Any], source: str = when_source) -> Any:
            try:
                return evaluate(source, {**ctx, "error": info})
            except ExpressionError as error:
                raise error.at(("retry", "when")) from None

    kind = step_kind(step.kind)
    attempt = 1
    while True:
        unit = scope.unit(step, full_id, ctx, index, attempt=attempt, page=page)
        tally[0] += 1
        try:
            return kind.execute(scope, unit, cursor)
        except Interrupted:
            raise
        except WrapperError as error:
            engine.masker.mask_error(error)
            if not may_retry(step, error, attempt, policy, when):
                refused = policy.refused_wait(error)
                if refused is not None and attempt < policy.attempts:
                    error.advice = refused
                raise
            delay = policy.delay_s(attempt, error)
            engine.emit(
                ev.RetryScheduled(
                    run_id=engine.run_id,
                    step_id=full_id,
                    index=index,
                    attempt=attempt,
                    attempts=policy.attempts,
                    delay_s=delay,
                    error=error_info(error),
                )
            )
            engine.sleep(delay)
            attempt += 1
