"""The pictures of the HTML report, drawn as inline SVG on our side: no script, no network.

`timeline_svg` is a Gantt chart of a report's steps and foreach items, with each unit's calls,
retry back-offs and rate-limit waits; `graph_svg` draws the recipe's step graph (the same nodes
and edges as `mw describe --mermaid`) coloured by each step's status. Every row and node carries
`data-status` and `data-step`, so the page's filters can hide them. Text is escaped here; the
report reaching this module is already masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Final

from wrapper.recipe.describe import FlowEdge, FlowNode
from wrapper.records.report import ItemReport, Report, StepReport

#: Rows of one foreach step drawn before the rest are summed up in one line (failed ones always).
MAX_ITEM_ROWS: Final = 200
_LABEL_W: Final = 230
_CHART_W: Final = 720
_ROW_H: Final = 20
_AXIS_H: Final = 24


def when(stamp: str | None) -> datetime | None:
    """An ISO 8601 time of the report, or None when it is missing or not one."""
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class _Row:
    label: str
    step: str
    status: str
    start: datetime | None
    end: datetime | None
    unit: StepReport | ItemReport | None
    indent: int = 0
    note: str = ""
    item_index: int | None = None


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def item_label(item: ItemReport) -> str:
    """`[3] ada@example.com`: an item's index and a short form of its value."""
    value = item.item
    if isinstance(value, dict):
        shown = next((str(value[k]) for k in ("id", "email", "name", "key") if k in value), "")
        shown = shown or str(value)
    else:
        shown = "" if value is None else str(value)
    return f"[{item.index}] {shown}".strip()


def _rows(report: Report) -> Iterator[_Row]:
    for step in report.steps:
        depth = step.id.count(".")
        yield _Row(
            step.id,
            step.id,
            step.status,
            when(step.started_at),
            when(step.finished_at),
            step,
            depth,
        )
        items = step.items or []
        shown = [i for n, i in enumerate(items) if n < MAX_ITEM_ROWS or i.status == "failed"]
        for item in shown:
            yield _Row(
                item_label(item),
                step.id,
                item.status,
                when(item.started_at),
                when(item.finished_at),
                item,
                depth + 1,
                item_index=item.index,
            )
        if len(shown) < len(items):
            rest = len(items) - len(shown)
            yield _Row(
                f"{rest} more items",
                step.id,
                "more",
                None,
                None,
                None,
                depth + 1,
                note="not drawn: the JSON report has every item",
            )


def _bounds(report: Report, rows: Sequence[_Row]) -> tuple[datetime, float]:
    starts = [r.start for r in rows if r.start] + [t for t in [when(report.started_at)] if t]
    ends = [r.end for r in rows if r.end] + [t for t in [when(report.finished_at)] if t]
    for row in rows:
        unit = row.unit
        for span in (unit.waits or []) if unit is not None else []:
            ends.extend(t for t in [when(span.finished_at)] if t)
    origin = min(starts)
    last = max([*ends, *starts])
    return origin, max((last - origin).total_seconds(), 0.001)


def _tick_step(total_s: float) -> float:
    for step in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60):
        if total_s / step <= 8:
            return step
    return 60 * max(1, round(total_s / 60 / 8))


def _seconds(value: float) -> str:
    if value >= 60:
        return f"{int(value // 60)}m{value % 60:02.0f}s"
    return f"{value:.3f}".rstrip("0").rstrip(".") + "s"


def timeline_svg(report: Report) -> str:
    """The run as a Gantt chart: one row per step and per foreach item (up to a limit)."""
    rows = list(_rows(report))
    if not rows or not any(r.start for r in rows):
        return '<p class="empty">No step started: there is no timeline to draw.</p>'
    origin, total_s = _bounds(report, rows)
    scale = _CHART_W / total_s

    def x(moment: datetime) -> float:
        return _LABEL_W + (moment - origin).total_seconds() * scale

    height = _AXIS_H + _ROW_H * len(rows) + 6
    width = _LABEL_W + _CHART_W + 10
    out = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" data-row-height="{_ROW_H}" data-axis-height="{_AXIS_H}" '
        'role="img" aria-label="timeline of the run">'
    ]
    tick = _tick_step(total_s)
    count = int(total_s / tick) + 1
    for n in range(count + 1):
        at = _LABEL_W + n * tick * scale
        if at > _LABEL_W + _CHART_W + 0.5:
            break
        out.append(
            f'<line class="tick" x1="{at:.1f}" y1="{_AXIS_H - 4}" x2="{at:.1f}" y2="{height}"/>'
            f'<text class="axis" x="{at:.1f}" y="{_AXIS_H - 8}">{_seconds(n * tick)}</text>'
        )
    for n, row in enumerate(rows):
        y = _AXIS_H + n * _ROW_H
        out.append(_row_svg(row, y, x, report))
    out.append("</svg>")
    return "".join(out)


def _row_svg(row: _Row, y: int, place: Callable[[datetime], float], report: Report) -> str:
    attrs = f'data-step="{escape(row.step)}" data-status="{escape(row.status)}"'
    kind = "item" if row.item_index is not None else ("more" if row.unit is None else "step")
    if row.item_index is not None:
        attrs += f' data-index="{row.item_index}"'
    label = escape(_short(row.label, max(10, 34 - 2 * row.indent)))
    parts = [
        f'<g class="row {kind} s-{escape(row.status)}" {attrs} data-filter="timeline" '
        f'transform="translate(0,{y})">',
        f"<title>{escape(_tooltip(row))}</title>",
        f'<text class="label" x="{6 + 12 * row.indent}" y="{14}">{label}</text>',
    ]
    if row.start is not None:
        end = row.end or when(report.finished_at) or row.start
        left, right = place(row.start), max(place(end), place(row.start) + 1.5)
        parts.append(
            f'<rect class="bar" x="{left:.1f}" y="{4}" width="{right - left:.1f}" '
            f'height="{_ROW_H - 8}" rx="2"/>'
        )
        unit = row.unit
        for wait in (unit.waits or []) if unit is not None else []:
            began, ended = when(wait.started_at), when(wait.finished_at)
            if began is None or ended is None:
                continue
            w_left, w_right = place(began), max(place(ended), place(began) + 1.5)
            parts.append(
                f'<rect class="wait {wait.kind}" x="{w_left:.1f}" y="{6}" '
                f'width="{w_right - w_left:.1f}" height="{_ROW_H - 12}">'
                f"<title>{escape(_wait_text(wait.kind, wait.attempt))}</title></rect>"
            )
        for call in (unit.calls or []) if unit is not None else []:
            began = when(call.started_at)
            if began is None:
                continue
            mark = place(began)
            parts.append(
                f'<line class="call {call.status or "open"}" x1="{mark:.1f}" y1="{2}" '
                f'x2="{mark:.1f}" y2="{_ROW_H - 2}"><title>attempt {call.attempt}, '
                f"page {call.page}: {call.status or 'no answer'}</title></line>"
            )
    elif row.unit is not None:
        parts.append(
            f'<text class="note" x="{_LABEL_W + 4}" y="{14}">{escape(_no_times(row))}</text>'
        )
    else:
        parts.append(f'<text class="note" x="{_LABEL_W + 4}" y="{14}">{row.note}</text>')
    parts.append("</g>")
    return "".join(parts)


def _no_times(row: _Row) -> str:
    if row.status in ("ok", "skipped"):
        return "finished in an earlier session (resumed)"
    return "did not start"


def _wait_text(kind: str, attempt: int) -> str:
    if kind == "retry":
        return f"back-off after attempt {attempt}"
    return f"waited for the rate limit before attempt {attempt}"


def _tooltip(row: _Row) -> str:
    unit = row.unit
    if unit is None:
        return f"{row.label}: {row.note}"
    text = f"{row.label}: {row.status}, {unit.attempts} attempt(s), {unit.duration_s:.3f}s"
    if unit.error is not None:
        text += f" - {unit.error.message}"
    return text


# --- the step graph --------------------------------------------------------------------------

_NODE_W: Final = 300
_NODE_H: Final = 46
_GAP: Final = 26
_CENTER: Final = 200


def graph_svg(elements: Sequence[FlowNode | FlowEdge], statuses: Mapping[str, str]) -> str:
    """The step graph top to bottom; edges that skip a step run down a lane on the right."""
    nodes = [e for e in elements if isinstance(e, FlowNode)]
    edges = [e for e in elements if isinstance(e, FlowEdge)]
    row = {node.id: n for n, node in enumerate(nodes)}
    tops = [_GAP + n * (_NODE_H + _GAP) for n in range(len(nodes))]
    lanes = [e for e in edges if row.get(e.target, 0) - row.get(e.source, 0) != 1]
    width = _CENTER + _NODE_W // 2 + 40 + 14 * len(lanes)
    height = tops[-1] + _NODE_H + _GAP if tops else _GAP
    out = [
        f'<svg class="graph" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-label="the recipe\'s steps">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    group = [tops[n] for n, node in enumerate(nodes) if node.group == "finally"]
    if group:
        out.append(
            f'<rect class="group" x="{_CENTER - _NODE_W // 2 - 12}" y="{group[0] - 18}" '
            f'width="{_NODE_W + 24}" height="{group[-1] - group[0] + _NODE_H + 26}"/>'
            f'<text class="group-label" x="{_CENTER - _NODE_W // 2 - 6}" y="{group[0] - 6}">'
            "finally (always runs)</text>"
        )
    for edge in edges:
        if edge.source not in row or edge.target not in row:
            continue
        a, b = row[edge.source], row[edge.target]
        label = f"<title>{escape(edge.label)}</title>" if edge.label else ""
        if b - a == 1:
            y1, y2 = tops[a] + _NODE_H, tops[b]
            out.append(
                f'<path class="edge" d="M{_CENTER},{y1} L{_CENTER},{y2}" '
                f'marker-end="url(#arrow)">{label}</path>'
            )
            if edge.label:
                out.append(
                    f'<text class="edge-label" x="{_CENTER + 6}" y="{(y1 + y2) / 2 + 4}">'
                    f"{escape(edge.label)}</text>"
                )
        else:
            lane = _CENTER + _NODE_W // 2 + 20 + 14 * lanes.index(edge)
            right = _CENTER + _NODE_W // 2
            y1, y2 = tops[a] + _NODE_H // 2, tops[b] + _NODE_H // 2
            out.append(
                f'<path class="edge skip" d="M{right},{y1} L{lane},{y1} L{lane},{y2} '
                f'L{right + 2},{y2}" marker-end="url(#arrow)">{label}</path>'
                f'<text class="edge-label" x="{right + 4}" y="{y1 - 4}">'
                f"{escape(edge.label)}</text>"
            )
    for n, node in enumerate(nodes):
        out.append(_node_svg(node, tops[n], statuses))
    out.append("</svg>")
    return "".join(out)


def _node_svg(node: FlowNode, top: int, statuses: Mapping[str, str]) -> str:
    status = statuses.get(node.step, "not-run") if node.step else "none"
    attrs = f'data-status="{escape(status)}"'
    if node.step:
        attrs += f' data-step="{escape(node.step)}"'
    left = _CENTER - _NODE_W // 2
    parts = [f'<g class="node {node.shape} s-{escape(status)}" {attrs}>']
    if node.step:
        parts.append(f"<title>{escape(node.step)}: {escape(status)}</title>")
    if node.shape == "terminal":
        parts.append(
            f'<rect x="{_CENTER - 50}" y="{top + 8}" width="100" height="{_NODE_H - 16}" '
            f'rx="{(_NODE_H - 16) // 2}"/>'
        )
    elif node.shape == "condition":
        mid = top + _NODE_H // 2
        parts.append(
            f'<polygon points="{left},{mid} {_CENTER},{top} {left + _NODE_W},{mid} '
            f'{_CENTER},{top + _NODE_H}"/>'
        )
    else:
        parts.append(f'<rect x="{left}" y="{top}" width="{_NODE_W}" height="{_NODE_H}" rx="4"/>')
        if node.shape == "foreach":
            parts.append(
                f'<line x1="{left + 7}" y1="{top}" x2="{left + 7}" y2="{top + _NODE_H}"/>'
                f'<line x1="{left + _NODE_W - 7}" y1="{top}" x2="{left + _NODE_W - 7}" '
                f'y2="{top + _NODE_H}"/>'
            )
    lines = list(node.lines[:3])
    if node.step:
        lines[0] = f"{lines[0]} · {status}"
    first = top + _NODE_H // 2 + 4 - 7 * (len(lines) - 1)
    for n, text in enumerate(lines):
        cls = "title" if n == 0 else "detail"
        parts.append(
            f'<text class="{cls}" x="{_CENTER}" y="{first + 14 * n}">'
            f"{escape(_short(text, 44))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)
