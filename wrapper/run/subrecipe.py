"""`recipe` steps from the inside: a child scope per run of the step, and its `timeout`.

A sub-recipe runs in this process, so its `timeout` cannot be handed to one call the way an
action step's is. It becomes a deadline instead: every call inside the sub-recipe (however deep)
gets at most the time left, no call starts after it, and the step fails saying so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from wrapper.errors import StepFailedError
from wrapper.recipe.inputs import resolve_inputs, secret_values
from wrapper.recipe.loader import resolve_recipe_ref
from wrapper.run.steps import Unit

if TYPE_CHECKING:
    from wrapper.run.context import ScopeLike

MAX_DEPTH: Final = 16


class SubRecipeTimeoutError(StepFailedError):
    """A `recipe` step's sub-recipe did not finish within the step's `timeout`."""

    default_advice = (
        "Raise the step's timeout, or split the sub-recipe's work; a write cut short may or "
        "may not have been applied (see the report)."
    )


def run_subrecipe(parent: ScopeLike, unit: Unit, ref: str, values: dict[str, Any]) -> Any:
    """Run the sub-recipe `ref` with `values` as its inputs; its outputs, or its error."""
    engine = parent.engine
    if parent.depth + 1 >= MAX_DEPTH:
        raise StepFailedError(f"step {unit.step_id!r}: sub-recipes nest deeper than {MAX_DEPTH}")
    loaded = engine.load(resolve_recipe_ref(ref, parent.recipe_dir))
    inputs = resolve_inputs(loaded.recipe.inputs, values=values, environ=engine.options.environ)
    engine.masker.add(*secret_values(loaded.recipe.inputs, inputs))
    deadline = parent.deadline
    limit = unit.step.timeout
    if limit is not None:
        own = engine.options.clock() + limit
        deadline = own if deadline is None else min(deadline, own)
    where = unit.step_id if unit.index is None else f"{unit.step_id}[{unit.index}]"
    child = parent.child(loaded, inputs, prefix=f"{where}.", deadline=deadline)
    child.connect()
    error = child.run_block(loaded.recipe.steps, "steps")
    finally_error = child.run_block(loaded.recipe.finally_, "finally")
    error = error or finally_error
    outputs, output_error = child.outputs()
    error = error or output_error
    if error is None and not engine.options.plan:
        _, error = child.check_assertions(outputs)
    if error is not None:
        if deadline is not None and engine.options.clock() >= deadline and limit is not None:
            raise _timed_out(unit, ref, limit, error) from error
        raise error
    return outputs


def check_deadline(scope: ScopeLike, unit: Unit) -> None:
    """Refuse a call that would start after the sub-recipe's time is up."""
    if scope.deadline is not None and scope.engine.options.clock() >= scope.deadline:
        raise StepFailedError(
            f"step {unit.step_id!r} not started: the sub-recipe's timeout ran out"
        )


def _timed_out(unit: Unit, ref: str, limit: float, error: Exception) -> SubRecipeTimeoutError:
    return SubRecipeTimeoutError(
        f"step {unit.step_id!r}: sub-recipe {ref!r} did not finish within its timeout of "
        f"{limit:g}s ({error})"
    )
