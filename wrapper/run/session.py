"""One run's parts, built together: masker, client, journal, rate limits, engine and report.

`mw run`, `mw plan` and `mw resume` (and the library calls under them) differ only in what they
hand in: a plan keeps no journal, a resume starts its journal with the resume record (and its
report takes earlier sessions' times from the journal). Whatever the run's outcome, the session
ends with the report, JUnit file and HTML page written where they were asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wrapper.errors import WrapperError
from wrapper.frozen import Frozen
from wrapper.recipe.inputs import secret_values
from wrapper.recipe.loader import LoadedRecipe
from wrapper.records import events as ev
from wrapper.records.journal import Journal
from wrapper.records.junit import write_junit
from wrapper.records.report import (
    ErrorReport,
    RecipeRef,
    Report,
    ReportBuilder,
    write_report,
)
from wrapper.run import ratelimit
from wrapper.run.engine import Engine, RunOptions, RunResult
from wrapper.run.retry import error_info
from wrapper.run.steps import ClientLike
from wrapper.secrets import Masker

if TYPE_CHECKING:
    from wrapper.recipe.shard import Shard
    from wrapper.run.resume import ResumePlan

#: Builds the membrane client once the run's secrets are known (its errors are masked).
ClientFactory = Callable[[Masker], ClientLike]


_set = object.__setattr__  # fields are set once, in __init__; `Frozen` refuses assignment


class SessionSpec(Frozen):
    """What one session runs: a loaded recipe with resolved inputs, and how."""

    __slots__ = (  # noqa: RUF023  # the order of __init__'s arguments
        "loaded",
        "inputs",
        "run_id",
        "plan",
        "connections",
        "environ",
        "resume",
        "shard",
        "sinks",
        "report_path",
        "junit_path",
        "html_path",
    )
    loaded: LoadedRecipe
    inputs: dict[str, Any]
    run_id: str
    plan: bool
    connections: Mapping[str, str]
    environ: Mapping[str, str] | None
    resume: ResumePlan | None
    shard: Shard | None
    #: Further event sinks (progress views, an NDJSON stream), after the report and journal.
    sinks: Sequence[ev.EventSink]
    report_path: Path | None
    junit_path: Path | None
    html_path: Path | None

    def __init__(
        self,
        loaded: LoadedRecipe,
        inputs: dict[str, Any],
        run_id: str,
        plan: bool = False,
        connections: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
        resume: ResumePlan | None = None,
        shard: Shard | None = None,
        sinks: Sequence[ev.EventSink] = (),
        report_path: Path | None = None,
        junit_path: Path | None = None,
        html_path: Path | None = None,
    ) -> None:
        _set(self, "loaded", loaded)
        _set(self, "inputs", inputs)
        _set(self, "run_id", run_id)
        _set(self, "plan", plan)
        _set(self, "connections", {} if connections is None else connections)
        _set(self, "environ", environ)
        _set(self, "resume", resume)
        _set(self, "shard", shard)
        _set(self, "sinks", sinks)
        _set(self, "report_path", report_path)
        _set(self, "junit_path", junit_path)
        _set(self, "html_path", html_path)


class SessionResult(Frozen):
    """The engine's verdict, the report built from the run's events, and its masker."""

    __slots__ = ("result", "report", "masker")  # noqa: RUF023  # the order of __init__'s arguments
    result: RunResult
    report: Report
    masker: Masker

    def __init__(self, result: RunResult, report: Report, masker: Masker) -> None:
        _set(self, "result", result)
        _set(self, "report", report)
        _set(self, "masker", masker)


def run_session(spec: SessionSpec, make_client: ClientFactory) -> SessionResult:
    """Run `spec` to the end: failures are in the result; only setting up (a journal that
    cannot be written, a membrane command that is empty) raises."""
    loaded = spec.loaded
    masker = Masker(secret_values(loaded.recipe.inputs, spec.inputs))
    client = make_client(masker)
    builder = ReportBuilder()
    with ExitStack() as stack:
        sinks: list[ev.EventSink] = [builder]
        if not spec.plan:
            journal = Journal(spec.run_id)
            stack.callback(journal.close)
            if spec.resume is not None:
                journal.write(spec.resume.record())
            sinks.append(journal)
        sinks.extend(spec.sinks)
        # Shards on one account share each rate_limit (`--rate-share`, else by N).
        share = spec.shard.rate_divisor if spec.shard is not None else 1
        limiter = ratelimit.RateLimiter(loaded.recipe.connections, share=share)
        engine = Engine(
            loaded,
            spec.inputs,
            client,
            masker=masker,
            sinks=sinks,
            options=RunOptions(
                run_id=spec.run_id,
                plan=spec.plan,
                connections=dict(spec.connections),
                environ=spec.environ,
                resume=spec.resume,
                shard=spec.shard,
                before_call=limiter.before_call,
                on_call_error=limiter.after_error,
            ),
        )
        result = engine.run()
    report = builder.report()
    if spec.resume is not None:
        from wrapper.records.rebuild import add_earlier_times

        # The resume replayed earlier sessions' work without its times; the journal has them.
        add_earlier_times(report)
    if spec.report_path:
        write_report(report, spec.report_path)
    if spec.junit_path:
        write_junit(report, spec.junit_path)
    if spec.html_path:
        from wrapper.records.html import write_html  # the renderer: only when a page is asked

        write_html(report, spec.html_path, recipe=loaded.recipe, mask=masker.mask)
    return SessionResult(result, report, masker)


def refused_report(
    recipe: str, error: WrapperError, *, junit_path: Path | None, html_path: Path | None
) -> Report:
    """The report of a run refused before its first step (the recipe or an input was wrong),
    written as a red JUnit file and page when asked: CI shows the failure where it looks."""
    report = Report(
        run_id="not-started",
        recipe=RecipeRef(name=Path(recipe).stem, path=recipe, sha256=""),
        status="failed",
        exit_code=error.exit_code,
        started_at=ev.now_iso(),
        error=ErrorReport.of(error_info(error)),
    )
    if junit_path is not None:
        write_junit(report, junit_path)
    if html_path is not None:
        from wrapper.records.html import write_html

        write_html(report, html_path)
    return report
