"""`mw schema recipe|report`: the JSON Schemas of recipe files and of run reports."""

from __future__ import annotations

import importlib
import json
from typing import Any, Final

import click

from wrapper.errors import UsageError
from wrapper.recipe.schema import dumps, recipe_schema

EPILOG: Final = """\b
Examples:
  mw schema recipe > schema/recipe.schema.json
  mw schema report > report.schema.json
  mw schema recipe --vscode

\b
Point an editor at the recipe schema with a first line in the recipe:
  # yaml-language-server: $schema=../../schema/recipe.schema.json
or, in VS Code with the YAML extension, for every file under recipes/ and every *.mw.yaml,
with the settings that --vscode prints (the schema file shipped with mw).
"""
#: The files VS Code's YAML extension checks against the recipe schema (`--vscode`).
VSCODE_GLOBS: Final = ("recipes/**/*.yaml", "*.mw.yaml")


def _report_schema() -> dict[str, Any]:
    # Imported only when asked for: the schema comes from the report's pydantic models.
    module = importlib.import_module("wrapper.records.report_schema")
    schema: dict[str, Any] = module.report_schema()
    return schema


_SCHEMAS: Final = {"recipe": recipe_schema, "report": _report_schema}


def vscode_settings() -> dict[str, Any]:
    """The `.vscode/settings.json` entry that maps recipe files to the shipped schema."""
    from wrapper.paths import bundled_dir

    path = (bundled_dir("schema") / "recipe.schema.json").resolve()
    return {"yaml.schemas": {str(path): list(VSCODE_GLOBS)}}


@click.command(epilog=EPILOG)
@click.argument("kind", type=click.Choice(sorted(_SCHEMAS)), metavar="recipe|report")
@click.option(
    "--vscode",
    is_flag=True,
    help="Print VS Code settings (yaml.schemas) that apply the shipped recipe schema to "
    "recipes/**/*.yaml and *.mw.yaml, instead of the schema.",
)
def schema(kind: str, vscode: bool) -> None:
    """Print the JSON Schema of recipes or reports."""
    if vscode:
        if kind != "recipe":
            raise UsageError("--vscode prints settings for the recipe schema only")
        click.echo(json.dumps(vscode_settings(), indent=2))
        return
    click.echo(dumps(_SCHEMAS[kind]()), nl=False)
