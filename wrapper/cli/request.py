"""`mw request`: an HTTP request to an app's API through a Membrane connection."""

from __future__ import annotations

import json
from typing import Any, Final

import click

from wrapper.cli.context import AppContext
from wrapper.cli.render import (
    echo_json,
    echo_value,
    json_option,
    parse_pairs,
    read_text_arg,
    timeout_option,
)
from wrapper.errors import UsageError

EPILOG: Final = """\b
Examples:
  mw request <conn> /api/v1/accounts/1/conversations
  mw request <conn> /api/v1/accounts/1/contacts -X POST -d '{"name": "Ada"}'
  mw request <conn> /visitors/{id} --path-param id=42 --query page=2 -H 'Accept: application/json'

Prints the response body (the status, when the CLI reports it, goes to stderr); --json prints
{"status": ..., "headers": ..., "body": ...} with a null status when membrane printed only the
app's body. Statuses of 400 and above exit 1, showing the app's own message.
"""


@click.command(epilog=EPILOG)
@click.argument("connection_id", metavar="CONN")
@click.argument("path")
@click.option("-X", "--method", default="GET", show_default=True, help="The HTTP method.")
@click.option("-H", "--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="A header.")
@click.option(
    "-d", "--data", "data", metavar="BODY|@FILE", help="The body: JSON is sent as JSON, else text."
)
@click.option("--query", multiple=True, metavar="KEY=VALUE", help="A query parameter.")
@click.option(
    "--path-param", "path_params", multiple=True, metavar="KEY=VALUE", help="Fills {KEY} in PATH."
)
@timeout_option
@json_option
@click.pass_obj
def request(
    app: AppContext,
    connection_id: str,
    path: str,
    method: str,
    headers: tuple[str, ...],
    data: str | None,
    query: tuple[str, ...],
    path_params: tuple[str, ...],
    timeout: float | None,
    as_json: bool,
) -> None:
    """Send an HTTP request to the app behind connection CONN and print the answer."""
    body: Any = None
    if data is not None:
        text = read_text_arg(data, "-d")
        try:
            body = json.loads(text)
        except (ValueError, RecursionError) as error:
            if text.lstrip()[:1] in ("{", "["):
                # Text that opens like a JSON object or list is meant as JSON: a typo in it is
                # an error here, not a plain-text body the app would take as written.
                where = ""
                if isinstance(error, json.JSONDecodeError):
                    where = f": {error.msg} (line {error.lineno}, column {error.colno})"
                raise UsageError(f"-d looks like JSON but is not valid JSON{where}") from None
            body = text
    response = app.client().request(
        connection_id,
        path,
        method=method,
        headers=parse_pairs(headers, "-H", separator=":"),
        body=body,
        query=parse_pairs(query, "--query"),
        path_params=parse_pairs(path_params, "--path-param"),
        timeout_s=timeout,
    )
    if as_json:
        echo_json(response.to_wire(keep_none=True))
        return
    if response.status is not None:
        click.echo(f"HTTP {response.status}", err=True)
    if response.body is not None:
        echo_value(response.body)
