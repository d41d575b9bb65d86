"""`request` steps: an HTTP call through the connection's proxy; the result is the body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wrapper.errors import StepFailedError
from wrapper.recipe.expr import render_value, to_text
from wrapper.run.steps import Cursor, Outcome, Runner, Unit


def _strings(unit: Unit, name: str) -> dict[str, str] | None:
    """`request.query`, `.headers` or `.path_params` rendered: a mapping of texts."""
    spec = unit.step.request
    assert spec is not None
    value = render_value(getattr(spec, name), unit.context, ("request", name))
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise StepFailedError(f"step {unit.step_id!r}: request.{name} must be a mapping")
    return {str(k): to_text(v) for k, v in value.items() if v is not None}


def _parts(unit: Unit, cursor: Cursor) -> dict[str, Any]:
    spec = unit.step.request
    assert spec is not None  # the kind is chosen by which key the step has
    ctx = unit.context
    query = _strings(unit, "query")
    if cursor is not None:
        query = {**(query or {}), cursor[0]: to_text(cursor[1])}
    return {
        "path": to_text(render_value(spec.path, ctx, ("request", "path"))),
        "method": spec.method,
        "headers": _strings(unit, "headers"),
        "body": render_value(spec.body, ctx, ("request", "body")),
        "query": query,
        "path_params": _strings(unit, "path_params"),
    }


def _argv(runner: Runner, unit: Unit, parts: dict[str, Any]) -> list[str]:
    return runner.client.request_command(unit.connection_id or "", **parts)


def execute(runner: Runner, unit: Unit, cursor: Cursor) -> Outcome:
    parts = _parts(unit, cursor)
    connection_id = unit.connection_id or ""
    response = runner.call(
        unit,
        operation="request",
        target=f"{parts['method']} {parts['path']}",
        command=_argv(runner, unit, parts),
        invoke=lambda: runner.client.request(connection_id, timeout_s=unit.timeout_s, **parts),
    )
    return Outcome(response.body, response.status)


def command(runner: Runner, unit: Unit) -> list[str]:
    return _argv(runner, unit, _parts(unit, None))
