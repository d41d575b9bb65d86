"""`mw describe RECIPE`: a recipe's inputs, connections, steps and outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import click

from wrapper.cli.complete import complete_recipe
from wrapper.cli.render import echo_json
from wrapper.recipe.describe import describe as describe_recipe
from wrapper.recipe.describe import describe_text, mermaid
from wrapper.recipe.loader import load_recipe, recipe_argument

EPILOG: Final = """\b
Examples:
  mw describe chatwoot/welcome-contact
  mw describe chatwoot/welcome-contact --json | jq .inputs
  mw describe chatwoot/welcome-contact --mermaid > flow.mmd
  mw describe chatwoot/daily-summary      # a shipped recipe, by name

--json prints the inputs as a JSON Schema document (what an agent must pass with -i or
--inputs), the steps and the outputs; --mermaid prints the step graph as a flowchart.
"""


@click.command(epilog=EPILOG)
@click.argument(
    "recipe",
    metavar="RECIPE",
    type=click.Path(path_type=Path),
    shell_complete=complete_recipe,
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (inputs as JSON Schema).")
@click.option("--mermaid", "as_mermaid", is_flag=True, help="Print a Mermaid flowchart.")
def describe(recipe: Path, as_json: bool, as_mermaid: bool) -> None:
    """Show a recipe's inputs, steps and outputs."""
    if as_json and as_mermaid:
        raise click.UsageError("choose one of --json and --mermaid")
    loaded = load_recipe(recipe_argument(recipe))
    if as_json:
        echo_json(describe_recipe(loaded))
    elif as_mermaid:
        click.echo(mermaid(loaded.recipe))
    else:
        click.echo(describe_text(loaded))
