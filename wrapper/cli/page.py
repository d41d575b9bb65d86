"""`--html FILE` for the commands that write a run's page: one help text, one way to write it;
and the report of a run refused before it began, which JUnit, the page and the job summary show.

Imported at start-up by those commands, so it imports the renderer only when a page is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from wrapper.cli.render import file_option

if TYPE_CHECKING:
    from collections.abc import Callable

    from wrapper.errors import WrapperError
    from wrapper.recipe.model import Recipe
    from wrapper.records.report import Report
    from wrapper.run.resume import ResumePlan

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


def refused_report(recipe: str, error: WrapperError) -> Report:
    """The report of a run that lint or its inputs stopped before any step: failed, no steps."""
    from wrapper.records.events import now_iso
    from wrapper.records.report import ErrorReport, RecipeRef, Report
    from wrapper.run.retry import error_info

    return Report(
        run_id="not-started",
        recipe=RecipeRef(name=Path(recipe).stem, path=recipe, sha256=""),
        status="failed",
        exit_code=error.exit_code,
        started_at=now_iso(),
        error=ErrorReport.model_validate(error_info(error)),
    )


def completed(report: Report, resume: ResumePlan | None) -> Report:
    """A resumed run's report with the times of the work its earlier sessions ran."""
    if resume is not None:
        from wrapper.records.rebuild import add_earlier_times

        add_earlier_times(report)
    return report
