"""The Markdown that `mw` adds to a GitHub job summary: a run's graph and step table, lint's
findings, and the annotations GitHub would not show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from wrapper.recipe.model import Recipe

_MARKS: Final = {
    "ok": "✅",
    "failed": "❌",
    "skipped": "⏭️",
    "planned": "📝",
    "cancelled": "⏹️",
    "interrupted": "⏸️",
}
# GitHub's own palette, so the graph reads like the rest of the page; a step the run never
# reached stays pale.
_STYLES: Final = {
    "ok": "fill:#dafbe1,stroke:#1a7f37,color:#0d1117",
    "failed": "fill:#ffebe9,stroke:#cf222e,color:#0d1117",
    "skipped": "fill:#f6f8fa,stroke:#8c959f,color:#57606a,stroke-dasharray:4 4",
    "planned": "fill:#ddf4ff,stroke:#0969da,color:#0d1117",
    "cancelled": "fill:#f6f8fa,stroke:#57606a,color:#57606a",
    "interrupted": "fill:#fff8c5,stroke:#9a6700,color:#0d1117",
    "notrun": "fill:#ffffff,stroke:#d0d7de,color:#8c959f",
}


@dataclass(frozen=True)
class Annotation:
    """A workflow command's fields: `::level file=..,line=..,col=..,title=..::message`."""

    level: str  # error, warning or notice
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    title: str | None = None

    def where(self) -> str:
        if not self.file:
            return ""
        return ":".join(str(part) for part in (self.file, self.line, self.col) if part)


@dataclass
class Row:
    """One step of the table, as its events left it."""

    id: str
    parent: str | None = None
    status: str = "interrupted"  # started and never finished
    attempts: int = 0
    duration_s: float = 0.0
    error: str | None = None
    counts: dict[str, int] | None = None


@dataclass(frozen=True)
class RunHeading:
    verb: str
    name: str
    scope: str
    status: str
    exit_code: int
    duration_s: float


def plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"


def text(value: str) -> str:
    """One line of plain text that Markdown shows as written (no tags, no table breaks)."""
    return " ".join(value.split()).replace("&", "&amp;").replace("<", "&lt;")


def cell(value: str) -> str:
    return text(value).replace("|", "\\|")


def run_summary(
    heading: RunHeading,
    rows: Sequence[Row],
    *,
    graph: str | None,
    error: str | None,
    error_lines: bool = False,
    hidden: Sequence[Annotation] = (),
) -> str:
    """A run's heading, its status-coloured graph, the step table and the error."""
    scope = f", {heading.scope}" if heading.scope else ""
    lines = [
        f"### {heading.verb} `{heading.name}`{scope}: {heading.status} "
        f"(exit {heading.exit_code}, {heading.duration_s:.2f}s)",
    ]
    if graph is not None:
        lines += ["", "```mermaid", graph, "```"]
    if rows:
        lines += ["", "| step | status | attempts | duration | note |", "|---|---|---|---|---|"]
    for row in rows:
        note = row.error or ""
        if row.counts:
            note = ", ".join(f"{n} {s}" for s, n in sorted(row.counts.items()))
        mark = _MARKS.get(row.status, "")
        lines.append(
            f"| `{row.id}` | {mark} {row.status} | {row.attempts} | "
            f"{row.duration_s:.2f}s | {cell(note)} |"
        )
    if error is not None:
        parts = error.splitlines()
        if error_lines and len(parts) > 1:
            # A recipe lint refused: one problem a line.
            lines += ["", "**Error:**", ""] + [f"- {text(part)}" for part in parts]
        else:
            lines += ["", f"**Error:** {text(error)}"]
    if hidden:
        lines += ["", _hidden_table(hidden)]
    return "\n".join(lines) + "\n\n"


def status_graph(recipe: Recipe, statuses: dict[str, str]) -> str:
    """`mw describe --mermaid`'s flowchart with each step coloured by how it ended."""
    from wrapper.recipe.describe import mermaid

    ids = [step.id for step in (*recipe.steps, *recipe.finally_)]
    by_class: dict[str, list[str]] = {}
    for step_id in ids:
        status = statuses.get(step_id, "notrun")
        by_class.setdefault(status if status in _STYLES else "notrun", []).append(step_id)
    lines = [mermaid(recipe)]
    for status, members in by_class.items():
        lines.append(f"  classDef {status} {_STYLES[status]}")
        lines.append(f"  class {','.join(f's_{m}' for m in members)} {status}")
    return "\n".join(lines)


def lint_summary(files: int, rows: Sequence[tuple[str, str, str]]) -> str:
    """`mw lint`'s findings: a count, then one table row per problem (where, kind, message)."""
    errors = sum(1 for _, severity, _ in rows if severity == "error")
    warnings = len(rows) - errors
    counts = [f"{n} {plural(n, w)}" for n, w in ((errors, "error"), (warnings, "warning")) if n]
    verdict = ", ".join(counts) or "no problems"
    lines = [f"### mw lint: {files} {plural(files, 'recipe')} checked, {verdict}"]
    if rows:
        lines += ["", "| where | kind | problem |", "|---|---|---|"]
        lines += [f"| `{cell(w)}` | {s} | {cell(m)} |" for w, s, m in rows]
    return "\n".join(lines) + "\n\n"


def hidden_annotations(hidden: Sequence[Annotation]) -> str:
    return _hidden_table(hidden) + "\n\n"


def _hidden_table(hidden: Sequence[Annotation]) -> str:
    lines = [
        f"**{len(hidden)} more {plural(len(hidden), 'annotation')}** "
        "(GitHub shows 10 of each kind on a step):",
        "",
        "| where | kind | message |",
        "|---|---|---|",
    ]
    lines += [f"| {cell(a.where())} | {a.level} | {cell(a.message)} |" for a in hidden]
    return "\n".join(lines)
