"""`mw runs` and `mw runs show ID`: the journaled runs and what each step and item came to."""

from __future__ import annotations

import click

from wrapper.cli.context import AppContext

RUNS_EPILOG = """\b
Examples:
  mw runs
  mw runs show 20261122T054501-3f9c2a
"""


@click.group(invoke_without_command=True, epilog=RUNS_EPILOG)
@click.pass_context
def runs(ctx: click.Context) -> None:
    """List journaled runs (id, recipe, status, started), oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    from wrapper.recipe.journal import list_runs

    found = list_runs()
    if not found:
        click.echo("no runs journaled yet")
        return
    for state in found:
        click.echo(f"{state.run_id}  {state.recipe}  {state.status}  {state.started}")


@runs.command(epilog=RUNS_EPILOG)
@click.argument("run_id", metavar="ID")
@click.pass_obj
def show(obj: AppContext, /, run_id: str) -> None:
    """Show a run's steps and foreach items with their status, and uncertain writes."""
    from wrapper.recipe.journal import load_state
    from wrapper.recipe.resume import where

    state = load_state(run_id)
    click.echo(f"run {state.run_id}: {state.recipe} ({state.path})")
    click.echo(f"status: {state.status}  started: {state.started}  resumed: {state.resumes}")
    for step_id, unit in state.steps.items():
        items = sorted((k[1], u) for k, u in state.items.items() if k[0] == step_id)
        tally: dict[str, int] = {}
        for _, item in items:
            tally[item.status] = tally.get(item.status, 0) + 1
        shown = ", ".join(f"{n} {s}" for s, n in sorted(tally.items()))
        click.echo(f"  {step_id}: {unit.status}" + (f" (items: {shown})" if shown else ""))
    for key in sorted(state.uncertain, key=lambda k: (k[0], -1 if k[1] is None else k[1])):
        click.echo(f"  uncertain: {where(key)} (a write in flight when the run stopped)")
