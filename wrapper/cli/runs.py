"""`mw runs`, `mw runs show ID` and `mw runs merge`: journaled runs, and sharded runs joined."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from wrapper.cli.complete import complete_run_id
from wrapper.cli.context import AppContext
from wrapper.cli.handler import CommandFailed
from wrapper.cli.page import html_option, write_page
from wrapper.cli.render import echo_listing, file_option, json_option
from wrapper.errors import UsageError, WrapperError

if TYPE_CHECKING:
    from wrapper.recipe.loader import LoadedRecipe
    from wrapper.records.journal import RunState
    from wrapper.records.report import Report

RUNS_EPILOG = """\b
Examples:
  mw runs
  mw runs --json
  mw runs show 20261122T054501-3f9c2a
  mw runs show 20261122T054501-3f9c2a --html run.html
  mw runs show run.json --html run.html     # a saved --report file
  mw runs merge shard-*.json --report run.json --junit junit.xml
  mw runs merge reports/ --report run.json
"""


@click.group(invoke_without_command=True, epilog=RUNS_EPILOG)
@json_option
@click.pass_context
def runs(ctx: click.Context, as_json: bool) -> None:
    """List journaled runs (id, recipe, status, started), oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    from wrapper.records.journal import list_runs

    found = list_runs()
    if as_json:
        echo_listing({"runs": [_run_json(state) for state in found]})
        return
    if not found:
        click.echo("no runs journaled yet")
        return
    for state in found:
        shard = f"  shard {_shard_label(state.shard)}" if state.shard else ""
        click.echo(f"{state.run_id}  {state.recipe}  {state.status}  {state.started}{shard}")


def _run_json(state: RunState) -> dict[str, object]:
    return {
        "id": state.run_id,
        "recipe": state.recipe,
        "path": state.path,
        "status": state.status,
        "exit_code": state.exit_code,
        "started": state.started,
        "resumes": state.resumes,
        "plan": state.plan,
        "shard": state.shard,
        "uncertain": len(state.uncertain),
    }


@runs.command(epilog=RUNS_EPILOG)
@click.argument("run_id", metavar="ID|REPORT", shell_complete=complete_run_id)
@html_option
@click.pass_obj
def show(obj: AppContext, /, run_id: str, html_path: Path | None) -> None:
    """Show a run's steps and foreach items with their status, and uncertain writes.

    ID|REPORT is a journaled run's id or a JSON report file (`--report`) of any run.
    """
    from wrapper.records.journal import load_state
    from wrapper.run.resume import where

    if html_path is not None:
        from wrapper.records.report import check_writable

        check_writable(html_path, "--html")
    if Path(run_id).is_file() or run_id.endswith(".json"):
        _show_report(Path(run_id), html_path)
        return
    state = load_state(run_id)
    if html_path is not None:
        from wrapper.records.html import saved_recipe
        from wrapper.records.rebuild import journal_report

        report = journal_report(run_id)
        write_page(report, html_path, recipe=saved_recipe(report))
    click.echo(f"run {state.run_id}: {state.recipe} ({state.path})")
    click.echo(f"status: {state.status}  started: {state.started}  resumed: {state.resumes}")
    if state.shard:
        click.echo(f"shard: {_shard_label(state.shard)} of step {state.shard.get('step')}")
    for step_id, unit in state.steps.items():
        items = sorted((k[1], u) for k, u in state.items.items() if k[0] == step_id)
        tally: dict[str, int] = {}
        for _, item in items:
            tally[item.status] = tally.get(item.status, 0) + 1
        shown = ", ".join(f"{n} {s}" for s, n in sorted(tally.items()))
        click.echo(f"  {step_id}: {unit.status}" + (f" (items: {shown})" if shown else ""))
    for key in sorted(state.uncertain, key=lambda k: (k[0], -1 if k[1] is None else k[1])):
        click.echo(f"  uncertain: {where(key)} (a write in flight when the run stopped)")


MERGE_EPILOG = """\b
Each shard job writes its report (`mw run --shard I/N --report shard-I.json`);
a last job merges them. Name the reports, a folder (every *.json in it; other
JSON and earlier merges there are skipped with a note) or a quoted glob that mw
expands itself. The merge checks that the shards ran the same recipe
file with the same inputs, that every shard is there exactly once and that they
all saw the same list under the split step, computes the recipe's outputs and
assertions again over the merged steps (the recipe file is read from the path
the reports name, or --recipe), then exits with the code the whole run earns
(0 ok, 1 a step failed, 3 an assert failed, 130 interrupted; 2 when the
reports do not fit together).

\b
Examples:
  mw runs merge shard-1.json shard-2.json shard-3.json --junit junit.xml
  mw runs merge reports/ --report run.json --json
  mw runs merge 'artifacts/**/shard-*.json' --report run.json
"""


@runs.command(epilog=MERGE_EPILOG)
@click.argument("reports", nargs=-1, required=True, metavar="REPORT|DIR|GLOB...")
@file_option("--report", "report_path", "Write the merged JSON report.")
@file_option("--junit", "junit_path", "Write one JUnit XML file for all shards.")
@file_option(
    "--html", "html_path", "Write one HTML page of the merged run (timeline of all shards)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the merged report as JSON.")
@click.option("--run-id", "run_id", metavar="ID", help="Name the merged run (default: derived).")
@click.option(
    "--recipe",
    "recipe_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The recipe the shards ran, when it is not at the path their reports name.",
)
@click.pass_obj
def merge(
    obj: AppContext,
    /,
    reports: tuple[str, ...],
    report_path: Path | None,
    junit_path: Path | None,
    html_path: Path | None,
    as_json: bool,
    run_id: str | None,
    recipe_path: Path | None,
) -> None:
    """Join the reports of a sharded run (`mw run --shard I/N`) into one."""
    from wrapper.records.gather import gather_reports
    from wrapper.records.junit import write_junit
    from wrapper.records.merge import merge_reports
    from wrapper.records.report import check_outputs, write_report

    check_outputs(report_path, junit_path, html_path)
    gathered = gather_reports(reports, exclude=[report_path] if report_path else [])
    if not obj.quiet:
        for note in gathered.notes:
            click.echo(f"note: {note}", err=True)
    found = gathered.reports
    loaded = _shards_recipe(found[0][1], recipe_path) if found else None
    merged = merge_reports(found, run_id, recipe=loaded, environ=os.environ)
    if report_path:
        write_report(merged, report_path)
    if junit_path:
        write_junit(merged, junit_path)
    write_page(merged, html_path, recipe=loaded.recipe if loaded else None)
    github = obj.github()
    if github is not None:
        scope = f"{len(merged.shards or [])} shards merged"
        github.replay(merged, loaded, scope=scope)
    if as_json:
        click.echo("".join(merged.json_chunks()))
    elif not obj.quiet:
        _print_merged(merged)
    if merged.error is not None:
        failed = next((s for s in merged.shards or [] if s.error == merged.error), None)
        where = f"shard {failed.index}: " if failed else ""
        error = WrapperError(f"{where}{merged.error.message}", advice="")
        raise CommandFailed(error, merged.exit_code, reported=github is not None)
    sys.exit(merged.exit_code)


def _shards_recipe(first: Report, given: Path | None) -> LoadedRecipe | None:
    """The recipe file the shards ran, to compute its outputs over all of them; without it
    (moved, changed since) only outputs every shard computed alike are kept, and a warning
    says so."""
    from wrapper.errors import RecipeError
    from wrapper.recipe.loader import load_recipe

    path = given or Path(first.recipe.path)
    why = None
    try:
        loaded = load_recipe(path)
    except RecipeError as error:
        why = f"{path} does not load ({error.message})"
    else:
        if loaded.sha256 == first.recipe.sha256:
            return loaded
        why = f"{path} is not the file the shards ran (its sha256 differs)"
    if given is not None:
        raise UsageError(f"--recipe: {why}")
    click.echo(
        f"warning: outputs are not computed again over every shard: {why}; only outputs "
        "every shard computed alike are kept (pass --recipe FILE)",
        err=True,
    )
    return None


def _show_report(path: Path, html_path: Path | None) -> None:
    """`mw runs show REPORT`: a saved report's steps, and its page with --html."""
    from wrapper.records.merge import read_report

    if not path.is_file():
        raise UsageError(
            f"no run or report {str(path)!r}: give a run id or a JSON report file",
            advice="List runs with `mw runs`.",
        )
    report = read_report(path)
    if html_path is not None:
        from wrapper.records.html import saved_recipe

        write_page(report, html_path, recipe=saved_recipe(report))
    click.echo(f"run {report.run_id}: {report.recipe.name} ({report.recipe.path})")
    click.echo(f"status: {report.status}  started: {report.started_at}  exit: {report.exit_code}")
    for step in report.steps:
        tally = ", ".join(f"{n} {s}" for s, n in sorted((step.counts or {}).items()))
        click.echo(f"  {step.id}: {step.status}" + (f" (items: {tally})" if tally else ""))


def _print_merged(report: Report) -> None:
    shards = report.shards or []
    click.echo(
        f"{report.recipe.name}: {len(shards)} shards merged into {report.run_id}: "
        f"{report.status} (exit {report.exit_code}, {report.duration_s:.2f}s)"
    )
    for shard in shards:
        click.echo(f"  shard {shard.index}/{len(shards)}  {shard.run_id}  {shard.status}")
    for step in report.steps:
        if step.counts:
            tally = ", ".join(f"{n} {s}" for s, n in sorted(step.counts.items()))
            click.echo(f"  {step.id}: {len(step.items or [])} items: {tally}")
        else:
            click.echo(f"  {step.id}: {step.status}")


def _shard_label(shard: dict[str, object]) -> str:
    return f"{shard.get('index')}/{shard.get('total')}"
