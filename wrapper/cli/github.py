"""Under GitHub Actions: annotations on the recipe's lines and the job summary, from one reporter.

`wrapper.cli.context.github_reporter` is the only way in: outside a workflow
(`wrapper.ci.on_github_actions`) it gives None and this module is not even imported. A run feeds
the reporter its (masked) event stream through `run_sink`; a merged or refused run is replayed
into the same sink from its report; `mw lint` hands it its problems; the error handler hands it
the error a command stopped with. GitHub shows at most 10 annotations of each kind per step, so
the reporter prints 10 and puts the rest in the summary, with one notice saying so."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

import click

from wrapper.cli import summary as md
from wrapper.records import events as ev

if TYPE_CHECKING:
    from wrapper.errors import WrapperError
    from wrapper.recipe.lint import Problem
    from wrapper.recipe.loader import LoadedRecipe
    from wrapper.records.report import Report

#: GitHub shows this many annotations of each kind (error, warning, notice) per job step.
ANNOTATIONS_PER_KIND: Final = 10

# A recipe problem as `RecipeError.problems` words it: `path:line:col: message`.
_PROBLEM: Final = re.compile(r"(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.*)", re.S)
_LOCATION: Final = re.compile(r"^(?P<file>.*?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?$")


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
    title: str | None = None,
) -> str:
    """`::error file=..,line=..,col=..,title=..::message`, escaped as GitHub Actions reads it."""
    where = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in (("file", file), ("line", line), ("col", col), ("title", title))
        if value
    )
    return f"::{level}{' ' + where if where else ''}::{_escape(message)}"


@dataclass
class GitHubReporter:
    """Annotations (capped per kind) and the job summary of one `mw` process."""

    workspace: str | None = None
    summary: str | None = None
    write: Callable[[str], None] = field(default=lambda text: click.echo(text, err=True))
    _shown: dict[str, int] = field(default_factory=dict)
    _hidden: list[md.Annotation] = field(default_factory=list)

    def place(self, file: str | None) -> str | None:
        """`file` as GitHub places it: relative to the workspace, None when outside it."""
        if not file or self.workspace is None:
            return file or None
        path = Path(file)
        try:
            absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
            return absolute.relative_to(Path(self.workspace).resolve()).as_posix()
        except (OSError, ValueError):
            return None

    def annotate(
        self,
        level: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        col: int | None = None,
        title: str | None = None,
    ) -> None:
        placed = self.place(file)
        if file and placed is None:
            # A file outside the repository (a shipped recipe): GitHub cannot point at it, so
            # the message names it instead.
            where = ":".join(str(part) for part in (file, line, col) if part)
            message, line, col = f"{where}: {message}", None, None
        annotation = md.Annotation(level, message, placed, line, col, title)
        if self._shown.get(level, 0) >= ANNOTATIONS_PER_KIND:
            self._hidden.append(annotation)
            return
        self._shown[level] = self._shown.get(level, 0) + 1
        self.write(workflow_command(level, message, file=placed, line=line, col=col, title=title))

    def append_summary(self, markdown: str) -> None:
        """Add Markdown to `$GITHUB_STEP_SUMMARY`, when the job has one."""
        if not self.summary:
            return
        try:
            with Path(self.summary).open("a", encoding="utf-8") as handle:
                handle.write(markdown)
        except OSError as error:
            self.write(
                f"warning: cannot write the job summary to {self.summary}: "
                f"{error.strerror or error}"
            )

    def hidden(self) -> list[md.Annotation]:
        """The annotations over GitHub's cap so far, not yet announced."""
        return list(self._hidden)

    def flush_hidden(self, *, listed: bool = False) -> None:
        """Say how many annotations GitHub would not have shown; put them in the summary unless
        it already lists them (`listed`)."""
        if not self._hidden:
            return
        hidden, self._hidden = self._hidden, []
        if not listed:
            self.append_summary(md.hidden_annotations(hidden))
        counts: dict[str, int] = {}
        for annotation in hidden:
            counts[annotation.level] = counts.get(annotation.level, 0) + 1
        text = ", ".join(f"{n} more {md.plural(n, level)}" for level, n in counts.items())
        where = "in the job summary" if self.summary else "not shown (GitHub shows 10 of each kind)"
        self.write(workflow_command("notice", f"{text} {where}", title="mw"))

    # --- what commands hand the reporter ---------------------------------------------------

    def run_sink(self, loaded: LoadedRecipe | None, *, scope: str = "") -> RunReporter:
        """An event sink for one run: failures annotated as they finish, the summary at the end."""
        return RunReporter(self, loaded, scope=scope)

    def replay(
        self,
        report: Report,
        loaded: LoadedRecipe | None = None,
        *,
        scope: str = "",
        annotate: bool = True,
    ) -> None:
        """Feed a finished run's report (a merge, a run refused before it began) to a run sink."""
        sink = RunReporter(self, loaded, scope=scope, annotate=annotate)
        for event in report_events(report):
            sink.handle(event)

    def error(self, error: WrapperError) -> None:
        """A command stopped with `error`: each of its problems as an annotation."""
        title = f"mw: {type(error).__name__}"
        for problem in getattr(error, "problems", None) or [error.message]:
            found = _PROBLEM.fullmatch(problem)
            if found is None:
                self.annotate("error", problem, title=title)
                continue
            line, col = int(found["line"]), int(found["col"])
            self.annotate(
                "error", found["message"], file=found["file"], line=line, col=col, title=title
            )
        self.flush_hidden()

    def lint(self, files: int, problems: list[Problem]) -> None:
        """`mw lint`: each problem on its line, and all of them in the summary."""
        rows = []
        for problem in problems:
            found = _LOCATION.match(problem.location)
            assert found is not None  # the pattern matches any text
            line = int(found["line"]) if found["line"] else None
            col = int(found["col"]) if found["col"] else None
            self.annotate(
                problem.severity,
                problem.message,
                file=found["file"],
                line=line,
                col=col,
                title=_lint_title(problem.code),
            )
            where = [self.place(found["file"]) or found["file"], line, col]
            rows.append((":".join(str(p) for p in where if p), problem.severity, problem.message))
        self.append_summary(md.lint_summary(files, rows))
        self.flush_hidden(listed=True)


@dataclass
class RunReporter:
    """The GitHub view of one run, folded from its events."""

    github: GitHubReporter
    loaded: LoadedRecipe | None
    scope: str = ""
    annotate: bool = True
    plan: bool = False
    name: str = ""
    rows: dict[str, md.Row] = field(default_factory=dict)
    errors: int = 0

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.RunStart):
            self.plan, self.name = event.plan, event.recipe
            if event.shard and not self.scope:
                self.scope = _shard_scope(event.shard)
        elif isinstance(event, ev.ShardSplit):
            self.scope = _shard_scope(
                {"index": event.index, "total": event.total, "step": event.step_id}
            )
        elif isinstance(event, ev.StepStart):
            self.rows[event.step_id] = md.Row(event.step_id, parent=event.parent)
        elif isinstance(event, ev.StepFinish):
            row = self.rows.setdefault(event.step_id, md.Row(event.step_id))
            row.status, row.attempts, row.duration_s = (
                event.status,
                event.attempts,
                event.duration_s,
            )
            row.counts = event.counts
            row.error = str((event.error or {}).get("message") or "") or None
            if event.status == "failed" and row.parent is None:
                self._step_failed(event.step_id, row.error or "failed")
        elif isinstance(event, ev.RunFinish):
            self._finished(event)

    @property
    def _verb(self) -> str:
        return "mw plan" if self.plan else "mw run"

    def _path(self) -> str | None:
        if self.loaded is None:
            return None
        return self.loaded.display_path or str(self.loaded.path)

    def _at(self, loc: tuple[str | int, ...], level: str, message: str, title: str) -> None:
        if not self.annotate:
            return
        assert self.loaded is not None
        line, col = self.loaded.position(loc) or (None, None)
        self.github.annotate(level, message, file=self._path(), line=line, col=col, title=title)

    def _step_failed(self, step_id: str, message: str) -> None:
        if self.loaded is None:
            return
        recipe = self.loaded.recipe
        for block, steps in (("steps", recipe.steps), ("finally", recipe.finally_)):
            for i, step in enumerate(steps):
                if step.id == step_id:
                    # A failure the recipe allows does not fail the job: a warning, not an error.
                    level = "warning" if step.continue_on_error else "error"
                    title = f"{self._verb}: step {step_id!r} failed"
                    self._at((block, i), level, f"step {step_id!r} failed: {message}", title)
                    self.errors += level == "error"
                    return

    def _finished(self, event: ev.RunFinish) -> None:
        error = event.error or {}
        message = str(error.get("message") or "")
        if self.annotate and event.error is not None:
            self._run_error(error, message, event.assertions)
        statuses = {row.id: row.status for row in self.rows.values() if row.parent is None}
        graph = md.status_graph(self.loaded.recipe, statuses) if self.loaded else None
        self.github.append_summary(
            md.run_summary(
                md.RunHeading(
                    verb=self._verb,
                    name=self.name,
                    scope=self.scope,
                    status=event.status,
                    exit_code=event.exit_code,
                    duration_s=event.duration_s,
                ),
                list(self.rows.values()),
                graph=graph,
                error=message if event.error is not None else None,
                error_lines=error.get("class") == "RecipeError",
                hidden=self.github.hidden(),
            )
        )
        self.github.flush_hidden(listed=True)

    def _run_error(
        self, error: Mapping[str, object], message: str, assertions: list[dict[str, object]]
    ) -> None:
        if error.get("class") == "AssertionFailedError" and self.loaded is not None:
            failed = [(i, check) for i, check in enumerate(assertions) if not check.get("ok")]
            for i, check in failed:
                text = f"assertion failed: {check.get('message') or check.get('that')}"
                self._at(("assert", i), "error", text, f"{self._verb}: assertion failed")
            if not failed:
                self._at(("assert",), "error", message, f"{self._verb}: assertion failed")
            return
        if self.errors:
            return  # the failed step's annotation already says it
        # No step to point at (a connection that could not be ensured, an output, Ctrl-C); an
        # expression that failed names its own line.
        path, title = self._path(), f"{self._verb} failed"
        found = _PROBLEM.fullmatch(message)
        names = (path, str(self.loaded.path)) if self.loaded is not None else ()
        if found is not None and found["file"] in names:
            line, col = int(found["line"]), int(found["col"])
            self.github.annotate(
                "error", found["message"], file=path, line=line, col=col, title=title
            )
        else:
            self.github.annotate("error", message, file=path, title=title)


def _lint_title(code: str) -> str:
    # `load` and `invalid` say nothing the message does not; a named check is worth a title.
    return "mw lint" if code in ("load", "invalid") else f"mw lint: {code}"


def _shard_scope(shard: Mapping[str, object]) -> str:
    return f"shard {shard.get('index')}/{shard.get('total')} of `{shard.get('step')}`"


def report_events(report: Report) -> Iterator[ev.Event]:
    """A finished run's report as the events that would have built it (outputs and items left
    out: the GitHub view does not show them)."""
    run_id = report.run_id
    yield ev.RunStart(
        run_id=run_id,
        time=report.started_at,
        recipe=report.recipe.name,
        path=report.recipe.path,
        sha256=report.recipe.sha256,
        plan=report.plan,
        shard=report.shard.to_json() if report.shard else None,
    )
    for step in report.steps:
        yield ev.StepStart(
            run_id=run_id,
            step_id=step.id,
            name=step.name,
            kind=step.kind,
            effect=step.effect,
            block=step.block,
            parent=step.parent,
        )
        yield ev.StepFinish(
            run_id=run_id,
            step_id=step.id,
            status=step.status,
            attempts=step.attempts,
            duration_s=step.duration_s,
            error=step.error.to_json() if step.error else None,
            counts=step.counts,
        )
    yield ev.RunFinish(
        run_id=run_id,
        time=report.finished_at or report.started_at,
        status=report.status,
        exit_code=report.exit_code,
        duration_s=report.duration_s,
        assertions=[check.to_json() for check in report.assertions],
        error=report.error.to_json() if report.error else None,
    )
