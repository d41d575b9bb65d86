"""`mw schema recipe|report`: the JSON Schemas of recipe files and of run reports."""

from __future__ import annotations

import importlib
from typing import Any, Final

import click

from wrapper.recipe.schema import dumps, recipe_schema

EPILOG: Final = """\b
Examples:
  mw schema recipe > schema/recipe.schema.json
  mw schema report > report.schema.json

\b
Point an editor at the recipe schema with a first line in the recipe:
  # yaml-language-server: $schema=../../schema/recipe.schema.json
"""


def _report_schema() -> dict[str, Any]:
    # Imported only when asked for: the report module pulls in the engine's models.
    module = importlib.import_module("wrapper.records.report")
    schema: dict[str, Any] = module.report_schema()
    return schema


_SCHEMAS: Final = {"recipe": recipe_schema, "report": _report_schema}


@click.command(epilog=EPILOG)
@click.argument("kind", type=click.Choice(sorted(_SCHEMAS)), metavar="recipe|report")
def schema(kind: str) -> None:
    """Print the JSON Schema of recipes or reports."""
    click.echo(dumps(_SCHEMAS[kind]()), nl=False)
