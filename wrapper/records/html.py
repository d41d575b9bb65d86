"""`--html FILE`: one self-contained page rendered from a run's JSON report.

The page is built from the report alone (plus the recipe's step graph when its file is still
there and unchanged), so any saved report can be opened later with `mw runs show --html`. It
holds everything inline (style, script, SVG pictures) and a Content-Security-Policy that forbids
any fetch, so it opens from disk, offline, and reveals nothing to anyone by loading.

Secrets: the report is masked when it is built; the page masks it again with the run's masker
when there is one (a value that became secret late in the run), and escapes every text after
masking, so no escaped form of a secret can slip past the mask.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from wrapper.recipe.describe import FlowEdge, FlowNode
from wrapper.records.html_assets import CSS, JS
from wrapper.records.report import ErrorReport, Report, StepReport, run_failures, write_text
from wrapper.records.svg import MAX_ITEM_ROWS, graph_svg, item_label, timeline_svg

if TYPE_CHECKING:
    from wrapper.recipe.model import Recipe

STATUSES: Final = ("failed", "interrupted", "cancelled", "ok", "skipped", "planned")
#: Longest JSON shown in one cell; the JSON report keeps the whole value.
MAX_VALUE_CHARS: Final = 4000
_CSP: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
)

Flow = Sequence[FlowNode | FlowEdge]


def write_html(
    report: Report,
    path: Path,
    *,
    recipe: Recipe | None = None,
    mask: Callable[[str], str] | None = None,
) -> None:
    """Render `report` to `path` (atomically); the recipe, when given, draws the step graph."""
    write_text(path, render_html(report, recipe=recipe, mask=mask))


def render_html(
    report: Report, *, recipe: Recipe | None = None, mask: Callable[[str], str] | None = None
) -> str:
    """The whole page as text; `mask` (a run's `Masker.mask`) masks every text of it again."""
    if mask is not None:
        report = Report.from_json(_masked(report.to_json(), mask))
    if recipe is not None:
        from wrapper.recipe.describe import flow

        graph: Flow = flow(recipe)
        graph_note = ""
    else:
        graph = report_flow(report)
        graph_note = (
            "Drawn from the report: the recipe file was not at hand or has changed since, "
            "so conditions are not shown."
        )
    title = f"{report.recipe.name} · {report.status} · mw"
    body = "".join(
        [
            _header(report),
            _filters(report),
            _failures(report),
            _outputs(report),
            _section("timeline", "Timeline", _legend() + _scroll(timeline_svg(report))),
            _section("graph", "Steps graph", _note(graph_note) + _scroll(_graph(report, graph))),
            _steps_table(report),
            _inputs(report),
            _assertions(report),
            f'<footer class="meta"><span>Rendered by mw from report schema version '
            f"{report.schema_version}.</span></footer>",
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f'<body class="run s-{escape(report.status)}">{body}<script>{JS}</script></body></html>\n'
    )


def saved_recipe(report: Report) -> Recipe | None:
    """The recipe a saved report ran, when its file is still there with the same content."""
    from wrapper.errors import WrapperError
    from wrapper.recipe.loader import load_recipe

    path = Path(report.recipe.path)
    if not report.recipe.sha256 or not path.is_file():
        return None
    try:
        loaded = load_recipe(path)
    except (WrapperError, OSError):
        return None
    return loaded.recipe if loaded.sha256 == report.recipe.sha256 else None


def report_flow(report: Report) -> list[FlowNode | FlowEdge]:
    """The top-level steps in the order they ran, when the recipe itself is not at hand."""
    out: list[FlowNode | FlowEdge] = [FlowNode("start", "terminal", ("start",))]
    previous = "start"
    for step in report.steps:
        if step.parent is not None:
            continue
        group = "finally" if step.block == "finally" else None
        lines = (step.id, f"{step.kind} · {step.effect}")
        if step.items is not None:
            out.append(FlowNode(f"s_{step.id}", "foreach", lines, step.id, group))
        else:
            out.append(FlowNode(f"s_{step.id}", "step", lines, step.id, group))
        out.append(FlowEdge(previous, f"s_{step.id}"))
        previous = f"s_{step.id}"
    out.append(FlowNode("done", "terminal", ("end",)))
    out.append(FlowEdge(previous, "done"))
    return out


def _masked(value: Any, mask: Callable[[str], str]) -> Any:
    """Every string masked, keys included. Numbers were masked with the events, and masking
    them here could turn a count or a duration into text the report's model refuses."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {mask(str(k)): _masked(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, mask) for v in value]
    return value


# --- sections ---------------------------------------------------------------------------------


def _section(anchor: str, title: str, content: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(title)}</h2>{content}</section>'


def _scroll(content: str) -> str:
    return f'<div class="scroll">{content}</div>'


def _note(text: str) -> str:
    return f'<p class="note-text">{escape(text)}</p>' if text else ""


def _json(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"\n… ({len(text) - MAX_VALUE_CHARS} more characters)"
    return f"<pre>{escape(text)}</pre>"


def _status(status: str) -> str:
    return f'<span class="status s-{escape(status)}">{escape(status)}</span>'


def _header(report: Report) -> str:
    meta = [
        f"run {report.run_id}",
        f"exit code {report.exit_code}",
        f"started {report.started_at}",
        f"finished {report.finished_at or 'never (the run did not end)'}",
        f"{report.duration_s:.3f} s",
        f"recipe {report.recipe.path}",
    ]
    if report.plan:
        meta.insert(0, "plan: writes were not run")
    if report.shard is not None:
        meta.append(f"shard {report.shard.index}/{report.shard.total} of {report.shard.step}")
    if report.shards:
        meta.append(f"merged from {len(report.shards)} shards")
    error = ""
    if report.error is not None:
        error = f'<p class="run-error">{escape(_error_text(report.error))}</p>'
    return (
        f"<header><h1>{escape(report.recipe.name)}</h1>"
        f'<span class="badge s-{escape(report.status)}" id="run-status">'
        f"{escape(report.status)}</span>"
        f'<p class="meta">{"".join(f"<span>{escape(m)}</span>" for m in meta)}</p>{error}</header>'
    )


def _error_text(error: ErrorReport) -> str:
    kind = " ".join(part for part in (error.class_, error.type) if part)
    return f"{error.message}" + (f" ({kind})" if kind else "")


def _counts(report: Report) -> dict[str, int]:
    tally: dict[str, int] = {}
    for step in report.steps:
        for status in [step.status, *(item.status for item in step.items or [])]:
            tally[status] = tally.get(status, 0) + 1
    return tally


def _filters(report: Report) -> str:
    tally = _counts(report)
    boxes = "".join(
        f'<label><input type="checkbox" name="status" value="{status}" checked> '
        f"{_status(status)} ({tally[status]})</label>"
        for status in STATUSES
        if status in tally
    )
    options = "".join(
        f'<option value="{escape(step.id)}">{escape(step.id)}</option>' for step in report.steps
    )
    return (
        '<nav class="filters" id="filters"><strong>Show</strong>'
        f'{boxes}<label>step <select id="step-filter"><option value="">all steps</option>'
        f'{options}</select></label><label>text <input id="text-filter" type="search" '
        'placeholder="item, error…"></label><button type="button" id="reset-filters">'
        'all</button><span id="shown-count"></span></nav>'
    )


def _failures(report: Report) -> str:
    entries: list[str] = []
    for step in report.steps:
        failed = [item for item in step.items or [] if item.status == "failed"]
        for item in failed:
            entries.append(_failure(step.id, item_label(item), item.status, item.error))
        if step.status in ("failed", "interrupted") and not failed:
            entries.append(_failure(step.id, "", step.status, step.error))
    for check in report.assertions:
        if not check.ok:
            message = check.error or f"assertion failed: {check.message or check.that}"
            entries.append(_failure("assert", check.that, "failed", ErrorReport(message=message)))
    for name, error in run_failures(report):
        entries.append(_failure(name, "", "failed", error))
    if not entries:
        return _section("failures", "Failures", '<p class="empty">Nothing failed.</p>')
    return _section("failures", f"Failures ({len(entries)})", "".join(entries))


def _failure(step: str, what: str, status: str, error: ErrorReport | None) -> str:
    where = escape(step) + (f" {escape(what)}" if what else "")
    message = _error_text(error) if error is not None else status
    return (
        f'<div class="failure" data-filter="failure" data-step="{escape(step)}" '
        f'data-status="{escape(status)}"><span class="where">{where}</span> {_status(status)}'
        f'<div class="message">{escape(message)}</div></div>'
    )


def _outputs(report: Report) -> str:
    if not report.outputs:
        return _section("outputs", "Outputs", '<p class="empty">No outputs.</p>')
    return _section("outputs", "Outputs", _table(("output", "value"), report.outputs.items()))


def _table(head: Sequence[str], pairs: Iterable[tuple[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(str(name))}</code></td><td>{_json(value)}</td></tr>"
        for name, value in pairs
    )
    heads = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table>"


def _legend() -> str:
    swatches = [
        ("var(--ok)", "ok"),
        ("var(--failed)", "failed"),
        ("var(--skipped)", "skipped"),
        ("var(--interrupted)", "interrupted"),
        ("#fff8c5;border:1px dashed #bf8700", "retry back-off"),
        ("#ddf4ff;border:1px dashed #0969da", "rate-limit wait"),
    ]
    shown = "".join(f'<span><i style="background:{c}"></i>{escape(t)}</span>' for c, t in swatches)
    return f'<p class="legend">{shown}<span>| a call starts (one per attempt or page)</span></p>'


def _graph(report: Report, graph: Flow) -> str:
    statuses = {step.id: step.status for step in report.steps if step.parent is None}
    return graph_svg(graph, statuses)


def _steps_table(report: Report) -> str:
    rows: list[str] = []
    for step in report.steps:
        rows.append(_unit_row(step.id, "", step, "step"))
        items = step.items or []
        for n, item in enumerate(items):
            if n < MAX_ITEM_ROWS or item.status == "failed":
                rows.append(_unit_row(step.id, item_label(item), item, "item"))
        hidden = sum(
            1 for n, item in enumerate(items) if n >= MAX_ITEM_ROWS and item.status != "failed"
        )
        if hidden:
            rows.append(
                f'<tr data-filter="table" data-step="{escape(step.id)}" data-status="more">'
                f'<td></td><td colspan="6" class="note-text">{hidden} more items not shown: the '
                "JSON report has every item</td></tr>"
            )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("step", "item", "status", "attempts", "duration", "started", "error / outputs")
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return _section("steps", "Steps and items", table)


def _unit_row(step: str, item: str, unit: Any, kind: str) -> str:
    detail = _error_text(unit.error) if unit.error is not None else ""
    shown = f"<pre>{escape(detail)}</pre>" if detail else _json(unit.outputs)
    if isinstance(unit, StepReport) and unit.items is not None and not detail:
        counts = ", ".join(f"{n} {s}" for s, n in (unit.counts or {}).items())
        shown = f'<span class="note-text">{escape(counts or "no items")}</span>'
    started = unit.started_at or ""
    # The time of day fits the column; the date and zone are in the tooltip and the header.
    shown_start = started[11:23] if len(started) >= 23 else started
    if not started and unit.status in ("ok", "skipped"):
        shown_start = "earlier session"
    return (
        f'<tr class="{kind}" data-filter="table" data-step="{escape(step)}" '
        f'data-status="{escape(unit.status)}"><td><code>{escape(step)}</code></td>'
        f"<td>{escape(item)}</td><td>{_status(unit.status)}</td>"
        f'<td class="num">{unit.attempts}</td><td class="num">{unit.duration_s:.3f} s</td>'
        f'<td title="{escape(started)}">{escape(shown_start)}</td><td>{shown}</td></tr>'
    )


def _inputs(report: Report) -> str:
    inputs = (
        _table(("input", "value"), report.inputs.items())
        if report.inputs
        else '<p class="empty">No inputs.</p>'
    )
    connections = "".join(
        f"<tr><td><code>{escape(c.name)}</code></td><td>{escape(c.app)}</td>"
        f"<td>{escape(c.id or '')}</td><td>{escape(c.source)}</td></tr>"
        for c in report.connections
    )
    if connections:
        inputs += (
            "<h2>Connections</h2><table><thead><tr><th>name</th><th>app</th><th>id</th>"
            f"<th>source</th></tr></thead><tbody>{connections}</tbody></table>"
        )
    return _section("inputs", "Inputs", _note("Secret inputs read ***.") + inputs)


def _assertions(report: Report) -> str:
    if not report.assertions:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(a.that)}</code></td><td>{escape(a.message or '')}</td>"
        f"<td>{_status('ok' if a.ok else 'failed')}</td><td>{escape(a.error or '')}</td></tr>"
        for a in report.assertions
    )
    return _section(
        "assertions",
        "Assertions",
        "<table><thead><tr><th>that</th><th>message</th><th>result</th><th>error</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>",
    )
