"""`mw actions list|get|run`: discover, inspect and run the actions of a connection."""

from __future__ import annotations

from typing import Any, Final

import click

from wrapper.cli.context import AppContext
from wrapper.cli.render import (
    echo_fields,
    echo_json,
    echo_table,
    echo_value,
    json_option,
    parse_json_arg,
    timeout_option,
)
from wrapper.membrane.models import Action

EPILOG: Final = """\b
Examples:
  mw actions list --connection <id> --intent "list conversations"
  mw actions get list-visitors --connection <id>
  mw actions run create-operator --connection <id> --input '{"email": "ada@x.org", "name": "Ada"}'
"""

connection_option = click.option(
    "--connection",
    "connection_id",
    required=True,
    metavar="ID",
    help="The connection id (see `mw connections list`).",
)


@click.group(epilog=EPILOG)
def actions() -> None:
    """List, inspect and run actions of a connection."""


@actions.command(
    "list",
    epilog="""\b
Examples:
  mw actions list --connection <id>
  mw actions list --connection <id> --intent "send a message" --limit 5 --json
""",
)
@connection_option
@click.option("--intent", metavar="TEXT", help="Describe what you want to do; best matches first.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Show at most N actions.")
@json_option
@click.pass_obj
def list_(
    app: AppContext, connection_id: str, intent: str | None, limit: int | None, as_json: bool
) -> None:
    """List the actions available on a connection."""
    found = app.client().list_actions(connection_id, intent=intent, limit=limit)
    if as_json:
        echo_json([a.to_wire() for a in found])
        return
    rows = [(a.key or a.id, a.name, a.description) for a in found]
    echo_table(("key", "name", "description"), rows, empty="No actions found.")


@actions.command(
    "get",
    epilog="""\b
Examples:
  mw actions get list-visitors --connection <id>
  mw actions get list-visitors --connection <id> --json | jq .inputSchema
""",
)
@click.argument("key")
@connection_option
@json_option
@click.pass_obj
def get(app: AppContext, key: str, connection_id: str, as_json: bool) -> None:
    """Show one action: what it does and the input it takes."""
    action = app.client().get_action(key, connection_id=connection_id)
    if as_json:
        echo_json(action.to_wire())
        return
    echo_fields(
        [
            ("key", action.key),
            ("id", action.id),
            ("name", action.name),
            ("type", action.type),
            ("state", action.state),
            ("description", action.description),
        ]
    )
    click.echo("input:")
    for line in describe_inputs(action):
        click.echo(f"  {line}")


def describe_inputs(action: Action) -> list[str]:
    """One line per input property: name, type, required, description."""
    schema = action.input_schema or {}
    properties: dict[str, Any] = schema.get("properties") or {}
    if not properties:
        return ["(none)"]
    required = set(schema.get("required") or [])
    lines = []
    for name, spec in properties.items():
        spec = spec if isinstance(spec, dict) else {}
        kind = spec.get("type", "any")
        kind = "|".join(kind) if isinstance(kind, list) else str(kind)
        tags = [kind, *(["required"] if name in required else [])]
        text = f"{name} ({', '.join(tags)})"
        if spec.get("description"):
            text += f": {spec['description']}"
        lines.append(text)
    return lines


@actions.command(
    "run",
    epilog="""\b
Examples:
  mw actions run list-visitors --connection <id>
  mw actions run create-operator --connection <id> --input '{"email": "ada@x.org", "name": "Ada"}'
  mw actions run create-operator --connection <id> --input @operator.json --json

Prints the action's output; --json prints {"output": ..., "actionRunId": ...}.
""",
)
@click.argument("key")
@connection_option
@click.option(
    "--input",
    "input_text",
    metavar="JSON|@FILE",
    help="The action's input as JSON, or @file to read it from a file (@- reads stdin).",
)
@timeout_option
@json_option
@click.pass_obj
def run(
    app: AppContext,
    key: str,
    connection_id: str,
    input_text: str | None,
    timeout: float | None,
    as_json: bool,
) -> None:
    """Run an action on a connection and print its output."""
    payload = parse_json_arg(input_text, "--input") if input_text is not None else None
    result = app.client().run_action(
        key, connection_id=connection_id, input=payload, timeout_s=timeout
    )
    if as_json:
        echo_json(result.to_wire())
        return
    echo_value(result.output)
