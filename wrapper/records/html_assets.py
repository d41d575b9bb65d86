"""The style sheet and the script inlined into every HTML report (`--html`).

They live in Python strings, not files beside the module, so the page needs nothing but the
package itself and opens from disk with no network: no CDN, no font, no image to fetch.
The script only filters and re-stacks what the server side drew; without it the page still
shows everything.
"""

from __future__ import annotations

from typing import Final

CSS: Final = """
:root { --ok: #1a7f37; --failed: #cf222e; --skipped: #8c959f; --cancelled: #bf8700;
  --interrupted: #bc4c00; --planned: #0969da; --ink: #1f2328; --muted: #59636e;
  --line: #d1d9e0; --bg: #ffffff; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--ink); background: var(--bg); }
header, section, nav { padding: 12px 24px; }
header { border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { font-size: 20px; margin: 0 8px 4px 0; display: inline-block; }
h2 { font-size: 16px; margin: 8px 0; }
.meta { color: var(--muted); margin: 4px 0; }
.meta span { margin-right: 14px; }
.badge { display: inline-block; padding: 1px 10px; border-radius: 10px; color: #fff;
  font-weight: 600; vertical-align: 3px; }
.badge.s-ok { background: var(--ok); } .badge.s-failed { background: var(--failed); }
.badge.s-interrupted { background: var(--interrupted); }
.run-error { color: var(--failed); margin: 6px 0 0; white-space: pre-wrap; }
nav.filters { position: sticky; top: 0; z-index: 2; background: var(--bg);
  border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 6px 16px;
  align-items: center; }
nav.filters label { white-space: nowrap; }
#shown-count { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; max-height: 16em;
  overflow: auto; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
.status { font-weight: 600; }
.status.s-ok { color: var(--ok); } .status.s-failed { color: var(--failed); }
.status.s-skipped { color: var(--skipped); } .status.s-cancelled { color: var(--cancelled); }
.status.s-interrupted { color: var(--interrupted); } .status.s-planned { color: var(--planned); }
.failure { border-left: 4px solid var(--failed); background: #fff5f5; padding: 6px 10px;
  margin: 6px 0; }
.failure .where { font-weight: 600; }
.failure .message { white-space: pre-wrap; }
.empty, .note-text { color: var(--muted); }
.scroll { overflow-x: auto; }
.hidden { display: none; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg .axis { fill: var(--muted); text-anchor: middle; font-size: 11px; }
svg .tick { stroke: #eaeef2; }
svg .row .bar { fill: var(--skipped); }
svg .row.s-ok .bar { fill: var(--ok); } svg .row.s-failed .bar { fill: var(--failed); }
svg .row.s-interrupted .bar { fill: var(--interrupted); }
svg .row.s-cancelled .bar { fill: var(--cancelled); }
svg .row.s-planned .bar { fill: var(--planned); }
svg .row.item .bar { opacity: 0.75; }
svg .row.step .label { font-weight: 600; }
svg .row .note { fill: var(--muted); font-style: italic; }
svg .wait.retry { fill: #fff8c5; stroke: #bf8700; stroke-dasharray: 2 2; }
svg .wait.rate_limit { fill: #ddf4ff; stroke: #0969da; stroke-dasharray: 2 2; }
svg .call { stroke: #1f2328; stroke-width: 1.5; }
svg .call.failed { stroke: #82071e; }
.legend span { margin-right: 14px; }
.legend i { display: inline-block; width: 12px; height: 12px; vertical-align: -1px;
  margin-right: 4px; border-radius: 2px; }
svg .node rect, svg .node polygon { fill: #ffffff; stroke: #8c959f; stroke-width: 1.5; }
svg .node line { stroke: #8c959f; stroke-width: 1.5; }
svg .node.s-ok rect { fill: #dafbe1; stroke: var(--ok); }
svg .node.s-failed rect { fill: #ffebe9; stroke: var(--failed); stroke-width: 2.5; }
svg .node.s-skipped rect { fill: #f6f8fa; stroke: var(--skipped); stroke-dasharray: 4 3; }
svg .node.s-cancelled rect { fill: #fff8c5; stroke: var(--cancelled); }
svg .node.s-interrupted rect { fill: #fff1e5; stroke: var(--interrupted); }
svg .node.s-planned rect { fill: #ddf4ff; stroke: var(--planned); }
svg .node.s-not-run rect { stroke-dasharray: 2 3; }
svg .node.terminal rect { fill: var(--panel); }
svg .node.dim { opacity: 0.3; }
svg .node .title { font-weight: 600; text-anchor: middle; }
svg .node .detail { fill: var(--muted); text-anchor: middle; font-size: 11px; }
svg .edge { stroke: #6e7781; fill: none; stroke-width: 1.3; }
svg .edge.skip { stroke-dasharray: 5 3; }
svg .edge-label { fill: var(--muted); font-size: 11px; }
svg .group { fill: none; stroke: #8c959f; stroke-dasharray: 6 4; }
svg .group-label { fill: var(--muted); font-size: 11px; }
svg marker path { fill: #6e7781; }
@media (prefers-color-scheme: dark) {
  :root { --ink: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg: #0d1117; --panel: #151b23; }
  .failure { background: #2d1214; }
  svg .tick { stroke: #262c36; }
  svg .node rect, svg .node polygon { fill: #151b23; }
  svg .node.s-ok rect { fill: #12261e; } svg .node.s-failed rect { fill: #3c1618; }
  svg .node.s-skipped rect, svg .node.terminal rect { fill: #151b23; }
  svg .wait.retry { fill: #4b3a00; } svg .wait.rate_limit { fill: #0c2d6b; }
  svg .call { stroke: #e6edf3; }
}
"""

#: Filters hide table rows, timeline rows and failures; timeline rows are stacked again so a
#: filtered chart has no holes. `data-ready` on <body> tells a headless browser it has run.
JS: Final = """
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=status]"));
  var stepSelect = document.getElementById("step-filter");
  var search = document.getElementById("text-filter");
  var count = document.getElementById("shown-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-filter]"));
  var nodes = Array.prototype.slice.call(document.querySelectorAll("svg.graph .node[data-step]"));
  var chart = document.querySelector("svg.timeline");
  var rowHeight = chart ? Number(chart.getAttribute("data-row-height")) : 0;
  var axis = chart ? Number(chart.getAttribute("data-axis-height")) : 0;

  function stepMatches(step, chosen) {
    return !chosen || step === chosen || step.indexOf(chosen + ".") === 0;
  }

  function apply() {
    var on = {};
    boxes.forEach(function (box) { on[box.value] = box.checked; });
    var chosen = stepSelect ? stepSelect.value : "";
    var text = search ? search.value.toLowerCase() : "";
    var shown = 0, total = 0, line = 0;
    rows.forEach(function (row) {
      var status = row.getAttribute("data-status");
      var visible = (status === "more" || on[status] !== false) &&
        stepMatches(row.getAttribute("data-step") || "", chosen) &&
        (!text || (row.textContent || "").toLowerCase().indexOf(text) >= 0);
      row.classList.toggle("hidden", !visible);
      if (row.getAttribute("data-filter") === "table") {
        total += 1;
        if (visible) { shown += 1; }
      }
      if (row.getAttribute("data-filter") === "timeline" && visible) {
        row.setAttribute("transform", "translate(0," + (axis + line * rowHeight) + ")");
        line += 1;
      }
    });
    if (chart) {
      var height = axis + Math.max(line, 1) * rowHeight + 6;
      var box = chart.getAttribute("viewBox").split(" ");
      chart.setAttribute("viewBox", box[0] + " " + box[1] + " " + box[2] + " " + height);
      chart.setAttribute("height", String(height));
      Array.prototype.forEach.call(chart.querySelectorAll(".tick"), function (tick) {
        tick.setAttribute("y2", String(height));
      });
    }
    nodes.forEach(function (node) {
      var status = node.getAttribute("data-status");
      var visible = on[status] !== false && stepMatches(node.getAttribute("data-step"), chosen);
      node.classList.toggle("dim", !visible);
    });
    if (count) { count.textContent = shown + " of " + total + " rows shown"; }
  }

  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  if (stepSelect) { stepSelect.addEventListener("change", apply); }
  if (search) { search.addEventListener("input", apply); }
  var reset = document.getElementById("reset-filters");
  if (reset) {
    reset.addEventListener("click", function () {
      boxes.forEach(function (box) { box.checked = true; });
      if (stepSelect) { stepSelect.value = ""; }
      if (search) { search.value = ""; }
      apply();
    });
  }
  // A link can carry filters: page.html#status=failed,interrupted&step=send&text=ada
  var wanted = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
    var at = pair.indexOf("=");
    if (at > 0) { wanted[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1)); }
  });
  if (wanted.status) {
    var keep = wanted.status.split(",");
    boxes.forEach(function (box) { box.checked = keep.indexOf(box.value) >= 0; });
  }
  if (wanted.step && stepSelect) { stepSelect.value = wanted.step; }
  if (wanted.text && search) { search.value = wanted.text; }
  apply();
  document.body.setAttribute("data-ready", "true");
})();
"""
