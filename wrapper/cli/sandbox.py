"""`mw sandbox status|reset|seed`: look after the offline sandbox's world.

It goes through the sandbox's admin module, never the world's files or store: everything else in
`mw` talks to the sandbox only through the `membrane` command line, like to the real CLI.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Final

import click

from wrapper import paths
from wrapper.cli.render import echo_listing, echo_table, json_option
from wrapper.errors import UsageError

EPILOG: Final = """\b
Examples:
  mw sandbox status
  mw sandbox seed --seed 7
  mw sandbox reset --yes
  mw --sandbox connections ensure chatwoot
"""


def _folder() -> Path:
    """Where mw keeps the sandbox's world; the sandbox it starts reads the same variables."""
    return paths.sandbox_dir()


@click.group(epilog=EPILOG)
def sandbox() -> None:
    """Inspect, reset or seed the offline sandbox (the world `mw --sandbox` talks to)."""


@sandbox.command(
    epilog="""\b
Examples:
  mw sandbox status
  mw sandbox status --json
"""
)
@json_option
def status(as_json: bool) -> None:
    """Show where the sandbox keeps its world, what it holds, and the switches in force."""
    from wrapper.sandbox import admin

    world = admin.status(_folder())
    report: dict[str, Any] = {
        "path": str(world.path),
        "exists": world.exists,
        "counts": world.counts,
        "connections": [{"id": c.id, "key": c.key, "state": c.state} for c in world.connections],
        "worldSeed": world.world_seed,
        "loggedIn": world.logged_in,
        "switches": world.switches,
    }
    if as_json:
        echo_listing(report)
        return
    click.echo(f"World:    {report['path']}")
    if not report["exists"]:
        click.echo("          (not created yet: the first sandbox call seeds it)")
    else:
        click.echo(f"Seed:     {report['worldSeed']}")
        click.echo(f"Login:    {'logged in' if report['loggedIn'] else 'logged out'}")
        rows = [
            (app, kind, number)
            for app, kinds in world.app_counts.items()
            for kind, number in kinds.items()
        ]
        echo_table(("app", "records", "count"), rows, empty="The world is empty.")
        for connection in report["connections"]:
            click.echo(
                f"Connection {connection['key']}: {connection['id']} ({connection['state']})"
            )
    switches = report["switches"] or {"(none)": ""}
    click.echo("Switches: " + ", ".join(f"{k}={v}" if v else k for k, v in switches.items()))


@sandbox.command(
    epilog="""\b
Examples:
  mw sandbox reset
  mw sandbox reset --yes
"""
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def reset(yes: bool) -> None:
    """Delete the sandbox's world (connections, login and every app's data)."""
    from wrapper.sandbox import admin

    path = admin.world_path(_folder())
    if not path.exists():
        click.echo(f"Nothing to reset: {path} does not exist.", err=True)
        return
    if not yes:
        if not _interactive():
            raise UsageError(f"reset deletes {path}: pass --yes when no one can answer a prompt")
        if not click.confirm(f"Delete the sandbox world at {path}?", err=True):
            click.echo("Kept the sandbox world.", err=True)
            return
    admin.reset(_folder())
    click.echo(f"Deleted {path}; the next sandbox call seeds a fresh world.", err=True)


@sandbox.command(
    epilog="""\b
Examples:
  mw sandbox seed
  mw sandbox seed --seed 42

Connections and the login are kept, so connection ids stay valid.
"""
)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=None,
    help="Seed of the demo world's names and texts (default: MW_SANDBOX_SEED, else 0).",
)
def seed(seed_value: int | None) -> None:
    """Replace every app's data with a fresh demo world."""
    from wrapper.sandbox import admin

    value = admin.default_seed() if seed_value is None else seed_value
    if value < 0:
        raise UsageError(f"--seed must be 0 or more, not {value}.")
    seeded = admin.reseed(_folder(), value)
    summary = ", ".join(
        f"{app}: {sum(kinds.values())} records" for app, kinds in seeded.app_counts.items()
    )
    click.echo(f"Seeded {seeded.path} with seed {value} ({summary}).", err=True)


def _interactive() -> bool:
    """Whether someone at a terminal can answer a prompt."""
    return sys.stdin.isatty()
