"""`mw plan` does not guess: values that depend on a write it did not run are unknown.

A write plan does not run has placeholder outputs and the status `planned`, so an expression
over it (`steps.create.status == 'ok'`) would compute a confident wrong answer (`false` for a
contact about to be created). Recipe outputs, vars and `set` values that read such a step
read `<unknown (planned write): steps.create.status>` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wrapper.recipe.lint_expr import analyse
from wrapper.recipe.model import Step
from wrapper.run.outcome import PLANNED

if TYPE_CHECKING:
    from wrapper.run.context import ScopeLike


def unknown_value(reference: str) -> str:
    return f"<unknown (planned write): {reference}>"


def planned_read(scope: ScopeLike, source: str) -> str | None:
    """The first step not run by `mw plan` (a write) that an expression reads, if any."""
    for ref in analyse(source).references:
        if ref.names[0] == "steps" and len(ref.names) > 1:
            entry = scope.steps.get(ref.names[1])
            if entry is not None and entry["status"] == PLANNED:
                return ".".join(ref.names[:4])
        elif ref.names[0] == "vars" and len(ref.names) > 1:
            var = scope.recipe.vars.get(ref.names[1])
            found = None if var is None else planned_read(scope, var)
            if found is not None:
                return found
    return None


def plan_set(scope: ScopeLike, step: Step, values: dict[str, Any]) -> dict[str, Any]:
    """A `set` step's values, those computed from a write not run marked unknown."""
    out = dict(values)
    for name, source in (step.set_ or {}).items():
        planned = planned_read(scope, source)
        if planned is not None:
            out[name] = unknown_value(planned)
    return out
