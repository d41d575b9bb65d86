"""`mw resume ID`: continue a stopped run from its journal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from wrapper.cli.complete import complete_run_id
from wrapper.cli.context import AppContext
from wrapper.cli.page import html_option
from wrapper.cli.render import file_option, parse_pairs
from wrapper.cli.run import WAIT_LOCK_HELP
from wrapper.errors import UsageError

RESUME_EPILOG = """\b
Finished steps and foreach items are not run again; their journaled outputs
are reused. A plain write that was in flight when the run stopped is
uncertain: the resume stops and names it until --uncertain decides.

\b
Examples:
  mw resume 20261122T054501-3f9c2a
  mw resume 20261122T054501-3f9c2a -i token=... --uncertain skip
  mw resume 20261122T054501-3f9c2a --report run.json --junit junit.xml --html run.html
"""


@click.command(epilog=RESUME_EPILOG)
@click.argument("run_id", metavar="ID", shell_complete=complete_run_id)
@click.option(
    "-i",
    "--input",
    "given",
    multiple=True,
    metavar="NAME=VALUE",
    help="A secret input again (secrets are never journaled); other inputs are reused.",
)
@click.option("--force", is_flag=True, help="Resume even though the recipe file changed.")
@click.option(
    "--uncertain",
    type=click.Choice(["retry", "skip"]),
    help="A write in flight at the stop: run it again (retry) or treat it as done (skip).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the final report as JSON on stdout.")
@file_option(
    "--report",
    "report_path",
    "Write the JSON report of the whole run, earlier sessions' steps included.",
)
@file_option("--junit", "junit_path", "Write JUnit XML of the whole run.")
@html_option
@click.option(
    "--events",
    "events_to",
    metavar="-|FILE",
    help="Stream this session's NDJSON events to stdout or FILE.",
)
@click.option("--quiet", "-q", "quiet", is_flag=True, help="Print only the result.")
@click.option("--wait-lock", "wait_lock", is_flag=True, help=WAIT_LOCK_HELP)
@click.pass_obj
def resume(
    obj: AppContext,
    /,
    run_id: str,
    given: tuple[str, ...],
    force: bool,
    uncertain: str | None,
    as_json: bool,
    report_path: Path | None,
    junit_path: Path | None,
    html_path: Path | None,
    events_to: str | None,
    quiet: bool,
    wait_lock: bool,
) -> None:
    """Resume a stopped run: skip what finished, run the rest."""
    from contextlib import ExitStack
    from functools import partial

    from wrapper import api
    from wrapper.cli.run import echo_notice, event_sinks, membrane_argv, render_result

    if as_json and events_to == "-":
        raise UsageError("--json and --events - both want stdout; send events to a file")
    quiet = quiet or obj.quiet
    with ExitStack() as stack:
        result = api.resume_run(
            run_id,
            secrets=parse_pairs(given, "-i"),
            force=force,
            uncertain=uncertain,
            membrane=membrane_argv(obj),
            wait_lock=wait_lock,
            events=partial(event_sinks, stack, obj, events_to, quiet),
            report_path=report_path,
            junit_path=junit_path,
            html_path=html_path,
            environ=os.environ,
            notify=None if quiet else echo_notice,
            ask_secret=_ask_secret if sys.stdin.isatty() else None,
        )
    render_result(obj, result, as_json=as_json, events_to=events_to)


def _ask_secret(name: str) -> str:
    return str(click.prompt(f"{name} (secret)", hide_input=True))
