"""`mw lint RECIPE...`: every problem of every recipe, one `file:line:col: message` line each."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import click

from wrapper.api import lint_recipe
from wrapper.cli.complete import complete_recipe
from wrapper.cli.context import AppContext
from wrapper.cli.render import echo_json, json_option
from wrapper.errors import EXIT_USAGE
from wrapper.recipe.lint import Problem

EPILOG: Final = """\b
Examples:
  mw lint chatwoot/welcome-contact
  mw lint recipes/ --json             # every .yaml below the folder
  mw lint my-recipe.yaml --strict     # warnings fail too

Checks the schema (unknown keys, types, values), every name an expression reads (inputs, vars,
steps, connections, env, item), that steps read only earlier steps and declared outputs, which
connection each step uses, sub-recipes and their cycles, and the JMESPath traps. Exit 0 when
clean, 2 when any error is found (or any warning, with --strict).
"""
_WHERE: Final = re.compile(r"^(?P<file>.*?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?$")


@click.command(epilog=EPILOG)
@click.argument(
    "recipes",
    metavar="RECIPE...",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path),
    shell_complete=complete_recipe,
)
@click.option("--strict", is_flag=True, help="Exit 2 on warnings too.")
@json_option
@click.pass_context
def lint(ctx: click.Context, recipes: tuple[Path, ...], strict: bool, as_json: bool) -> None:
    """Check recipes without running them."""
    result = lint_recipe(*recipes, strict=strict)
    if as_json:
        echo_json(
            {
                "ok": result.ok,
                "recipes": len(result.files),
                "errors": result.errors,
                "warnings": result.warnings,
                "problems": [_as_json(p) for p in result.problems],
            }
        )
    else:
        for problem in result.problems:
            click.echo(problem.render())
        click.echo(summary(len(result.files), result.errors, result.warnings))
    github = ctx.find_object(AppContext)
    reporter = github.github() if github is not None else None
    if reporter is not None:
        reporter.lint(len(result.files), result.problems)
    if not result.ok:
        ctx.exit(EXIT_USAGE)


def summary(recipes: int, errors: int, warnings: int) -> str:
    checked = f"{recipes} recipe{'s' if recipes != 1 else ''}"
    if not errors and not warnings:
        return f"{checked} checked, no problems."
    counts = [
        f"{n} {word}{'s' if n != 1 else ''}"
        for n, word in ((errors, "error"), (warnings, "warning"))
        if n
    ]
    return f"{checked} checked: {', '.join(counts)}."


def _split(location: str) -> tuple[str, int | None, int | None]:
    match = _WHERE.match(location)
    assert match is not None  # the pattern matches any text
    line, col = match["line"], match["col"]
    return match["file"], int(line) if line else None, int(col) if col else None


def _as_json(problem: Problem) -> dict[str, object]:
    file, line, col = _split(problem.location)
    return {**problem.to_dict(), "file": file, "line": line, "col": col}
