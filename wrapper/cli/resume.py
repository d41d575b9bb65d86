"""`mw resume ID`: continue a stopped run from its journal."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

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
    from wrapper.cli.run import run_loaded, take_lock
    from wrapper.recipe.inputs import resolve_inputs
    from wrapper.recipe.loader import load_recipe
    from wrapper.recipe.shard import Shard
    from wrapper.records.journal import load_state
    from wrapper.run.resume import (
        ResumePlan,
        check_recipe,
        missing_secrets,
        require_secrets,
        resume_values,
    )

    if as_json and events_to == "-":
        raise UsageError("--json and --events - both want stdout; send events to a file")
    from wrapper.records.report import check_outputs

    check_outputs(report_path, junit_path, html_path)
    quiet = quiet or obj.quiet
    # Locked before the journal is read: what it says stays true until this session ends.
    with take_lock(run_id, create=False, wait=wait_lock, quiet=quiet) as lock:
        state = load_state(run_id)
        loaded = load_recipe(state.path)
        check_recipe(state, loaded, force=force)
        specs = loaded.recipe.inputs
        pairs: dict[str, Any] = dict(parse_pairs(given, "-i"))
        recorded = [n for n in pairs if n in specs and not specs[n].is_secret]
        if recorded:
            # A new value would make one run of two inputs: items before the stop saw the old one.
            raise UsageError(
                f"-i {recorded[0]}: run {run_id} recorded this input; a resume reuses it "
                "(only secret inputs are given again)",
                advice="To run with another value, start a new run with `mw run`.",
            )
        inputs = resolve_inputs(
            specs, given=pairs, values=resume_values(state, specs, pairs), environ=os.environ
        )
        missing = missing_secrets(state, specs, inputs)
        if missing and sys.stdin.isatty():
            for name in missing:
                pairs[name] = click.prompt(f"{name} (secret)", hide_input=True)
            inputs = resolve_inputs(
                specs, given=pairs, values=resume_values(state, specs, pairs), environ=os.environ
            )
            missing = missing_secrets(state, specs, inputs)
        require_secrets(missing, specs)
        plan = ResumePlan(state, loaded, uncertain=uncertain)
        run_loaded(
            obj,
            loaded,
            inputs,
            plan.connections,
            plan=False,
            run_id=run_id,
            as_json=as_json,
            report_path=report_path,
            junit_path=junit_path,
            html_path=html_path,
            events_to=events_to,
            quiet=quiet,
            resume=plan,
            shard=Shard.from_json(state.shard) if state.shard else None,
            lock=lock,
        )
