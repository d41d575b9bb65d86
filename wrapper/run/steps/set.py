"""`set` steps: named values computed from the scope with no call; the result is those values.

They give a name to what several later steps need (an id picked out of a list, a count, a
sum), so a recipe computes it once, where a reader can see it, instead of in every template.
"""

from __future__ import annotations

from typing import Any

from wrapper.recipe.expr import ExpressionError, evaluate
from wrapper.run.steps import Cursor, Outcome, Runner, Unit


def execute(runner: Runner, unit: Unit, cursor: Cursor) -> Outcome:
    values: dict[str, Any] = {}
    for name, source in (unit.step.set_ or {}).items():
        try:
            values[name] = evaluate(source, unit.context)
        except ExpressionError as error:
            raise error.at(("set", name)) from None
    return Outcome(values)


def command(runner: Runner, unit: Unit) -> list[str]:
    return []
