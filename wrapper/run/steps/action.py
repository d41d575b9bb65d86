"""`action` steps: run a Membrane action with the rendered `input`; the result is its output."""

from __future__ import annotations

from typing import Any

from wrapper.errors import StepFailedError
from wrapper.recipe.expr import render_value
from wrapper.run.steps import Cursor, Outcome, Runner, Unit


def payload(unit: Unit, cursor: Cursor) -> Any:
    """The rendered input, with the pagination cursor put in `input[param]`."""
    value = render_value(unit.step.input, unit.context, ("input",))
    if cursor is None:
        return value
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise StepFailedError(
            f"step {unit.step_id!r}: paginate needs `input` to be a mapping to put {cursor[0]!r} in"
        )
    return {**value, cursor[0]: cursor[1]}


def _key(unit: Unit) -> str:
    return str(render_value(unit.step.action, unit.context, ("action",)))


def _argv(runner: Runner, unit: Unit, key: str, value: Any) -> list[str]:
    return runner.client.action_command(key, connection_id=unit.connection_id or "", input=value)


def execute(runner: Runner, unit: Unit, cursor: Cursor) -> Outcome:
    key = _key(unit)
    value = payload(unit, cursor)
    if cursor is None:  # later pages add only the cursor the recipe asked for
        runner.check_input(unit, key, value)
    connection_id = unit.connection_id or ""
    result = runner.call(
        unit,
        operation="action",
        target=key,
        command=_argv(runner, unit, key, value),
        invoke=lambda: runner.client.run_action(
            key, connection_id=connection_id, input=value, timeout_s=unit.timeout_s
        ),
    )
    return Outcome(result.output)


def command(runner: Runner, unit: Unit) -> list[str]:
    """The command a write would run (`mw plan`); unknown input fields are warned about."""
    key = _key(unit)
    value = payload(unit, None)
    runner.check_input(unit, key, value)
    return _argv(runner, unit, key, value)
