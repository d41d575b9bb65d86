"""Under GitHub Actions: failures as annotations on the recipe's lines, and a job summary table."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Final

import click

if TYPE_CHECKING:
    from wrapper.errors import WrapperError
    from wrapper.recipe.loader import LoadedRecipe
    from wrapper.records.report import Report

# A recipe problem as `RecipeError.problems` words it: `path:line:col: message`.
_PROBLEM: Final = re.compile(r"(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.*)", re.S)

_MARKS = {"ok": "✅", "failed": "❌", "skipped": "⏭️", "planned": "📝", "cancelled": "⏹️"}


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
) -> str:
    """`::error file=...,line=...,col=...::message`, escaped as GitHub Actions reads it.

    The one formatter of annotations: `mw lint` and `mw run` both print through it.
    """
    where = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in (("file", file), ("line", line), ("col", col))
        if value
    )
    return f"::{level}{' ' + where if where else ''}::{_escape(message)}"


def annotate_run(loaded: LoadedRecipe, report: Report) -> None:
    """Print `::error file=...,line=...::` for each failure and append the step summary."""
    recipe = loaded.recipe
    where: dict[str, tuple[str | int, ...]] = {}
    level: dict[str, str] = {}
    for block, steps in (("steps", recipe.steps), ("finally", recipe.finally_)):
        for i, step in enumerate(steps):
            where[step.id] = (block, i)
            # A failure the recipe allows does not fail the job: a warning, not an error.
            level[step.id] = "warning" if step.continue_on_error else "error"
    path = loaded.display_path or str(loaded.path)
    errors = 0
    for entry in report.steps:
        if entry.status != "failed" or entry.parent is not None or entry.id not in where:
            continue
        message = entry.error.message if entry.error else "failed"
        text = f"step {entry.id!r} failed: {message}"
        _annotate(loaded, path, where[entry.id], text, level[entry.id])
        errors += level[entry.id] == "error"
    if report.error is not None and report.error.class_ == "AssertionFailedError":
        failed = [(i, check) for i, check in enumerate(report.assertions) if not check.ok]
        for i, check in failed:
            text = f"assertion failed: {check.message or check.that}"
            _annotate(loaded, path, ("assert", i), text)
        if not failed:
            _annotate(loaded, path, ("assert",), report.error.message)
    elif report.error is not None and not errors:
        # No step to point at (a connection that could not be ensured, an output, Ctrl-C);
        # an expression that failed names its own line.
        found = _PROBLEM.fullmatch(report.error.message)
        if found is not None and found["file"] in (path, str(loaded.path)):
            line, col = int(found["line"]), int(found["col"])
            text = workflow_command("error", found["message"], file=path, line=line, col=col)
        else:
            text = workflow_command("error", report.error.message, file=path)
        click.echo(text, err=True)
    append_summary(report)


def append_summary(report: Report) -> None:
    """Add the run's table to `$GITHUB_STEP_SUMMARY`, when the job has one."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with Path(summary).open("a", encoding="utf-8") as handle:
                handle.write(summary_markdown(report))
        except OSError:
            click.echo(f"warning: cannot write the job summary to {summary}", err=True)


def annotate_error(error: WrapperError) -> None:
    """A command that stopped before it ran anything: each problem as an annotation."""
    for problem in getattr(error, "problems", None) or [error.message]:
        found = _PROBLEM.fullmatch(problem)
        if found is None:
            click.echo(workflow_command("error", problem), err=True)
            continue
        line, col = int(found["line"]), int(found["col"])
        text = workflow_command("error", found["message"], file=found["file"], line=line, col=col)
        click.echo(text, err=True)


def _annotate(
    loaded: LoadedRecipe,
    path: str,
    loc: tuple[str | int, ...],
    message: str,
    level: str = "error",
) -> None:
    line, col = loaded.position(loc) or (None, None)
    click.echo(workflow_command(level, message, file=path, line=line, col=col), err=True)


def summary_markdown(report: Report) -> str:
    """A Markdown table of the run for `$GITHUB_STEP_SUMMARY`."""
    scope = ""
    if report.shard is not None:
        scope = f", shard {report.shard.index}/{report.shard.total} of `{report.shard.step}`"
    elif report.shards:
        scope = f", {len(report.shards)} shards merged"
    lines = [
        f"### mw {'plan' if report.plan else 'run'} `{report.recipe.name}`{scope}: "
        f"{report.status} (exit {report.exit_code}, {report.duration_s:.2f}s)",
    ]
    if report.steps:
        lines += ["", "| step | status | attempts | duration | note |", "|---|---|---|---|---|"]
    for step in report.steps:
        note = step.error.message if step.error else ""
        if step.counts:
            note = ", ".join(f"{n} {s}" for s, n in sorted(step.counts.items()))
        note = _markdown(note).replace("|", "\\|")
        mark = _MARKS.get(step.status, "")
        lines.append(
            f"| `{step.id}` | {mark} {step.status} | {step.attempts} | "
            f"{step.duration_s:.2f}s | {note} |"
        )
    if report.error is not None:
        parts = report.error.message.splitlines()
        if report.error.class_ == "RecipeError" and len(parts) > 1:
            # A recipe lint refused: one problem a line.
            lines += ["", "**Error:**", ""] + [f"- {_markdown(part)}" for part in parts]
        else:
            lines += ["", f"**Error:** {_markdown(report.error.message)}"]
    return "\n".join(lines) + "\n\n"


def _markdown(text: str) -> str:
    """One line of plain text that Markdown shows as written (no tags, no table breaks)."""
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;")
