"""`--html FILE` for the commands that write a run's page: one help text, one way to write it.

Imported at start-up by those commands, so it imports the renderer only when a page is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from wrapper.cli.render import file_option

if TYPE_CHECKING:
    from collections.abc import Callable

    from wrapper.recipe.model import Recipe
    from wrapper.records.report import Report

HTML_HELP: Final = "Write the run as one HTML page (timeline, step graph, failures); opens offline."
html_option = file_option("--html", "html_path", HTML_HELP)


def write_page(
    report: Report,
    path: Path | None,
    *,
    recipe: Recipe | None = None,
    mask: Callable[[str], str] | None = None,
) -> None:
    """The page of `report` at `path`, when one was asked for."""
    if path is not None:
        from wrapper.records.html import write_html

        write_html(report, path, recipe=recipe, mask=mask)
