"""`foreach`: one unit per item on a bounded pool, results kept in item order."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from wrapper.errors import Interrupted, StepFailedError, WrapperError
from wrapper.recipe.expr import ExpressionError
from wrapper.recipe.model import Step
from wrapper.records import events as ev
from wrapper.run.outcome import (
    CANCELLED,
    FAILED,
    OK,
    PLANNED,
    SKIPPED,
    UnitResult,
    as_wrapper,
    item_error,
    not_run,
)
from wrapper.run.pool import wait_all
from wrapper.run.retry import error_info

if TYPE_CHECKING:
    from wrapper.run.context import EngineLike, ScopeLike


def replay_item(
    engine: EngineLike,
    full_id: str,
    index: int,
    item: Any,
    status: str,
    attempts: int,
    outputs: Any,
    error: dict[str, Any] | None = None,
) -> None:
    """Events for an item finished in an earlier session of a resumed run (not run again)."""
    engine.emit(ev.ItemStart(run_id=engine.run_id, step_id=full_id, index=index, item=item))
    engine.emit(
        ev.ItemFinish(
            run_id=engine.run_id,
            step_id=full_id,
            index=index,
            status=status,
            attempts=attempts,
            outputs=outputs,
            error=error,
            resumed=True,
        )
    )


def run_foreach(
    scope: ScopeLike, step: Step, full_id: str, items: list[Any], indexes: list[int]
) -> UnitResult:
    """Run the items at `indexes` (all of them, or a shard's share); the rest stay untouched."""
    engine = scope.engine
    assert step.foreach is not None
    fail_fast = step.foreach.fail_fast
    results: list[UnitResult | None] = [None] * len(items)
    failed = threading.Event()

    def work(index: int) -> None:
        if engine.stop.is_set():
            return
        item = items[index]
        resume = engine.options.resume
        prior = resume.item(full_id, index, engine.masker.mask_value(item)) if resume else None
        if prior is not None:
            # Finished before a crash: its journaled result stands, the item does not run again.
            results[index] = prior
            replay_item(engine, full_id, index, item, prior.status, prior.attempts, prior.outputs)
            return
        engine.emit(ev.ItemStart(run_id=engine.run_id, step_id=full_id, index=index, item=item))
        if fail_fast and failed.is_set():
            result = UnitResult(
                CANCELLED,
                error=StepFailedError("not started: an earlier item failed (fail_fast)"),
            )
        else:
            try:
                ctx = scope.context({"item": item, "index": index})
                result = scope.run_unit(step, full_id, ctx, index)
            except Interrupted:
                return
            except (ExpressionError, WrapperError) as error:
                result = UnitResult(FAILED, error=as_wrapper(error, full_id))
        if result.status == FAILED:
            failed.set()
        results[index] = result
        engine.emit(
            ev.ItemFinish(
                run_id=engine.run_id,
                step_id=full_id,
                index=index,
                status=result.status,
                attempts=result.attempts,
                duration_s=result.duration_s,
                outputs=result.outputs,
                error=error_info(result.error) if result.error else None,
                command=result.command,
            )
        )

    # Made one at a time as the pool's window moves on: no list of 100,000 closures.
    jobs = ((lambda i=i: work(i)) for i in indexes)
    interrupted: BaseException | None = None
    try:
        wait_all(engine.stop, jobs, step.foreach.concurrency)
    except (KeyboardInterrupt, Interrupted) as stop:
        interrupted = stop
    finished = [
        r.as_item(items[i], lambda v: v) if (r := results[i]) else not_run(items[i])
        for i in indexes
    ]
    statuses = {r.status for r in results if r is not None}
    if FAILED in statuses:
        status = FAILED
    elif indexes and statuses == {SKIPPED}:
        status = SKIPPED
    elif PLANNED in statuses:
        status = PLANNED
    else:
        status = OK
    first_error = next((r.error for r in results if r and r.status == FAILED), None)
    if first_error is not None:
        index = next(i for i, r in enumerate(results) if r and r.status == FAILED)
        failed_count = sum(r["status"] == FAILED for r in finished)
        first_error = item_error(first_error, index, failed_count)
    result = UnitResult(
        status,
        attempts=sum(r.attempts for r in results if r is not None),
        outputs=[r["outputs"] for r in finished],
        error=first_error,
    )
    scope.record(step, result, finished)
    if interrupted is not None or engine.stop.is_set():
        raise Interrupted("interrupted during a foreach")
    return result
