"""`recipe` steps: run another recipe with the rendered `input`; the result is its outputs."""

from __future__ import annotations

from typing import Any

from wrapper.errors import StepFailedError
from wrapper.recipe.expr import render_value
from wrapper.run.steps import Cursor, Outcome, Runner, Unit


def _values(unit: Unit) -> dict[str, Any]:
    value = render_value(unit.step.input, unit.context, ("input",))
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise StepFailedError(
            f"step {unit.step_id!r}: the input of a recipe step must be a mapping of its inputs"
        )
    return value


def execute(runner: Runner, unit: Unit, cursor: Cursor) -> Outcome:
    assert unit.step.recipe is not None  # the kind is chosen by which key the step has
    return Outcome(runner.run_subrecipe(unit, unit.step.recipe, _values(unit)))


def command(runner: Runner, unit: Unit) -> list[str]:
    return ["mw", "run", str(unit.step.recipe)]
