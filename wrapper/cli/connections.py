"""`mw connections list|ensure`: see and create connections to apps."""

from __future__ import annotations

from typing import Final

import click

from wrapper.cli.context import AppContext
from wrapper.cli.render import echo_fields, echo_json, echo_table, json_option
from wrapper.membrane.models import Connection

EPILOG: Final = """\b
Examples:
  mw connections list
  mw connections ensure chatwoot
  mw connections ensure https://www.chatwoot.com/ --json
  CONN=$(mw connections ensure chatra -q)
"""


@click.group(epilog=EPILOG)
def connections() -> None:
    """List or ensure Membrane connections."""


@connections.command(
    "list",
    epilog="""\b
Examples:
  mw connections list
  mw connections list --json | jq -r '.[].id'
""",
)
@json_option
@click.pass_obj
def list_(app: AppContext, as_json: bool) -> None:
    """List the connections of the logged-in tenant."""
    found = app.client().list_connections()
    if as_json:
        echo_json([c.to_wire() for c in found])
        return
    rows = [(c.id, c.name, c.app, c.state or "", _flags(c)) for c in found]
    echo_table(("id", "name", "app", "state", "notes"), rows, empty="No connections yet.")


@connections.command(
    "ensure",
    epilog="""\b
Examples:
  mw connections ensure chatwoot
  mw connections ensure https://chatra.io --wait-timeout 300 --json
  CONN=$(mw connections ensure chaport -q)

APP is a name mw knows (chatwoot, chaport, chatra: sent as the app's URL), a domain or a URL.
Waits while the connection is BUILDING. When it needs a person (to sign in to the app), prints
the link to open and exits 4; a connection that is not READY (DISCONNECTED, ...) exits 4 too.
""",
)
@click.argument("app_name", metavar="APP")
@click.option(
    "--wait-timeout",
    type=click.FloatRange(min=0),
    default=120.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for a BUILDING connection.",
)
@click.option("--quiet", "-q", "id_only", is_flag=True, help="Print only the connection id.")
@json_option
@click.pass_obj
def ensure(
    app: AppContext, app_name: str, wait_timeout: float, id_only: bool, as_json: bool
) -> None:
    """Find or create a READY connection to APP (a name, domain or URL)."""
    client = app.client()
    warning = client.ensure_warning(app_name)
    if warning is not None and not (app.quiet or id_only):
        click.echo(f"warning: {warning}", err=True)
    connection = client.ensure_connection(app_name, wait_timeout_s=wait_timeout)
    if id_only:
        click.echo(connection.id)
        return
    if as_json:
        echo_json(connection.to_wire())
        return
    echo_fields(
        [
            ("id", connection.id),
            ("name", connection.name),
            ("app", connection.app),
            ("state", connection.state),
            ("notes", _flags(connection)),
        ]
    )


def _flags(connection: Connection) -> str:
    notes = []
    if connection.disconnected:
        notes.append("disconnected")
    if connection.client_action and connection.client_action.ui_url:
        notes.append(f"open {connection.client_action.ui_url}")
    if connection.error and connection.error.message:
        notes.append(connection.error.message)
    return "; ".join(notes)
