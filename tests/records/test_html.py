"""`--html`: the page drawn from a report (structure, masking, limits) and the options that
write it. A real browser loads it in test_html_browser.py."""

from __future__ import annotations

import base64
import html
import json
import re
import textwrap
import urllib.parse

from click.testing import CliRunner

from tests.records.test_report import run_demo
from wrapper.cli import cli
from wrapper.recipe.loader import load_recipe_text
from wrapper.records.html import render_html, report_flow, saved_recipe
from wrapper.records.merge import read_report
from wrapper.records.report import (
    ErrorReport,
    ItemReport,
    RecipeRef,
    Report,
    StepReport,
    write_report,
)
from wrapper.records.timing import CallReport, WaitReport
from wrapper.secrets import Masker

SECRET = 's3cr3t/tok+en=&"<x>'


def forms(secret: str) -> list[str]:
    """The secret as text, JSON, URL, base64 and HTML would write it."""
    return [
        secret,
        json.dumps(secret)[1:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        base64.b64encode(secret.encode()).decode(),
        html.escape(secret),
        html.escape(secret, quote=False),
    ]


def at(second: float) -> str:
    return f"2026-12-01T10:00:{second:06.3f}Z"


def sample() -> Report:
    """A failed run: a retried step, a foreach with a failed item, a skipped step."""
    failure = ErrorReport(type="not_found", message="contact 7 <gone>", class_="NotFoundError")
    return Report(
        run_id="r-1",
        recipe=RecipeRef(name="demo", path="/nowhere/demo.yaml", sha256="ab" * 32),
        status="failed",
        exit_code=1,
        started_at=at(0),
        finished_at=at(9),
        duration_s=9.0,
        inputs={"email": "ada@example.com", "token": "***"},
        steps=[
            StepReport(
                id="find",
                kind="request",
                effect="read",
                status="ok",
                attempts=2,
                started_at=at(0.5),
                finished_at=at(4),
                calls=[
                    CallReport(attempt=1, started_at=at(0.6), finished_at=at(1), status="failed"),
                    CallReport(attempt=2, started_at=at(3), finished_at=at(4), status="ok"),
                ],
                waits=[
                    WaitReport(kind="retry", started_at=at(1), finished_at=at(3), attempt=1),
                ],
                outputs={"id": 7},
            ),
            StepReport(
                id="tag",
                status="failed",
                attempts=2,
                started_at=at(4),
                finished_at=at(8),
                items=[
                    ItemReport(
                        index=0,
                        item={"id": 6},
                        status="ok",
                        started_at=at(4),
                        finished_at=at(6),
                        attempts=1,
                    ),
                    ItemReport(
                        index=1,
                        item={"id": 7},
                        status="failed",
                        started_at=at(4.1),
                        finished_at=at(8),
                        attempts=1,
                        error=failure,
                    ),
                ],
                counts={"ok": 1, "failed": 1},
                error=failure,
            ),
            StepReport(id="notify", status="skipped", started_at=at(8), finished_at=at(8)),
        ],
        outputs={"tagged": ["<script>alert(1)</script>"]},
        error=ErrorReport(message="step 'tag' failed: contact 7 <gone>", class_="StepFailedError"),
    )


def rows(page: str, kind: str) -> list[tuple[str, str]]:
    """(data-step, data-status) of each timeline row (`step`, `item`) or table row (`table`)."""
    if kind == "table":
        pattern = r'<tr class="\w+" data-filter="table" data-step="([^"]*)" data-status="([^"]*)"'
    else:
        pattern = rf'<g class="row {kind} [^"]*" data-step="([^"]*)" data-status="([^"]*)"'
    return re.findall(pattern, page)


def test_the_page_shows_status_failures_first_timeline_graph_and_steps():
    page = render_html(sample())
    assert page.startswith("<!DOCTYPE html>")
    assert '<span class="badge s-failed" id="run-status">failed</span>' in page
    # Failed items come first, with their (escaped) error.
    sections = re.findall(r'<section id="([a-z]+)"', page)
    assert sections == ["failures", "outputs", "timeline", "graph", "steps", "inputs"]
    failures = page.split('<section id="failures">')[1].split("</section>")[0]
    assert "<h2>Failures (1)</h2>" in failures
    assert '<span class="where">tag [1] 7</span>' in failures
    assert "contact 7 &lt;gone&gt; (NotFoundError not_found)" in failures
    # Every step and item has a timeline row and a table row.
    expected = [("find", "ok"), ("tag", "failed"), ("notify", "skipped")]
    assert rows(page, "step") == expected
    assert rows(page, "item") == [("tag", "ok"), ("tag", "failed")]
    assert rows(page, "table") == [*expected[:2], ("tag", "ok"), ("tag", "failed"), expected[2]]
    # The retried step shows both calls and the back-off between them.
    assert page.count('<rect class="wait retry"') == 1
    assert page.count('<line class="call failed"') == 1
    assert page.count('<line class="call ok"') == 1
    # The graph colours each step by its status.
    for step, status in expected:
        node = rf'<g class="node \w+ s-{status}" data-status="{status}" data-step="{step}">'
        assert re.search(node, page)


def test_user_text_is_escaped_and_nothing_is_fetched():
    page = render_html(sample())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # the page's own filters
    assert not re.search(r"https?://|<link|@import|src=", page)
    assert "default-src 'none'" in page


def test_a_secret_the_report_still_holds_is_masked_in_every_form():
    """The run's masker masks the page again: a value that became secret late in the run."""
    report = sample()
    report.inputs["token"] = SECRET
    report.steps[1].items[1].item = {"id": SECRET}  # type: ignore[index]
    assert report.steps[1].error is not None
    report.steps[1].error.message = f"GET /contacts/{urllib.parse.quote(SECRET, safe='')} failed"
    report.outputs = {"header": f"Bearer {SECRET}", "quoted": json.dumps({"t": SECRET})}
    report.steps[0].duration_s = 0.1234  # a secret of digits leaves numbers alone
    page = render_html(report, mask=Masker([SECRET, "1234"]).mask)
    for form in forms(SECRET):
        assert form not in page, form
    assert "Bearer ***" in page


def test_a_long_foreach_draws_its_first_rows_and_every_failed_one():
    report = sample()
    items = [
        ItemReport(index=n, item=n, status="failed" if n == 240 else "ok", started_at=at(4),
                   finished_at=at(5))
        for n in range(250)
    ]  # fmt: skip
    report.steps[1].items = items
    page = render_html(report)
    drawn = re.findall(r'<g class="row item [^"]*" data-step="tag" [^>]*data-index="(\d+)"', page)
    assert drawn == [str(n) for n in range(200)] + ["240"]
    assert "49 more items" in page
    assert "49 more items not shown: the JSON report has every item" in page


def test_without_the_recipe_the_graph_is_the_steps_in_run_order():
    report = sample()
    assert saved_recipe(report) is None  # /nowhere/demo.yaml
    flow = report_flow(report)
    ids = [getattr(e, "id", None) for e in flow if hasattr(e, "id")]
    assert ids == ["start", "s_find", "s_tag", "s_notify", "done"]
    page = render_html(report)
    assert "Drawn from the report: the recipe file was not at hand" in page


GRAPH = textwrap.dedent("""\
    version: 1
    name: g
    steps:
      - id: a
        set: {n: "`1`"}
      - id: b
        if: "steps.a.outputs.n > `1`"
        set: {m: "`2`"}
    """)


def test_with_the_recipe_the_graph_has_its_conditions(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(GRAPH)
    loaded = load_recipe_text(GRAPH, str(path))
    report = sample()
    report.recipe = RecipeRef(name="g", path=str(path), sha256=loaded.sha256)
    recipe = saved_recipe(report)
    assert recipe is not None
    page = render_html(report, recipe=recipe)
    assert '<g class="node condition s-none" data-status="none">' in page
    assert "if steps.a.outputs.n &gt; `1`" in page
    assert "Drawn from the report" not in page
    path.write_text(GRAPH + "# changed\n")
    assert saved_recipe(report) is None


def test_runs_show_of_a_saved_report_and_of_a_journaled_run_write_the_page(fake_process, tmp_path):
    _, report, _ = run_demo(fake_process)
    saved = tmp_path / "run.json"
    write_report(report, saved)
    out = tmp_path / "from-report.html"
    result = CliRunner().invoke(cli, ["runs", "show", str(saved), "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"run r1: report-demo ({report.recipe.path})"
    page = out.read_text()
    assert rows(page, "step") == [("find", "ok"), ("tag", "failed"), ("never_fails", "skipped")]
    assert "tok-XYZ" not in page


def test_runs_show_of_a_missing_report_is_one_line():
    result = CliRunner().invoke(cli, ["runs", "show", "gone.json", "--html", "x.html"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "Error: no run or report 'gone.json': give a run id or a JSON report file"
    )


def test_an_html_path_that_cannot_be_written_is_refused_before_the_run(tmp_path):
    (tmp_path / "file").write_text("")
    target = tmp_path / "file" / "run.html"
    result = CliRunner().invoke(cli, ["run", "missing.yaml", "--html", str(target)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(
        f"Error: --html {target}: cannot create its folder"
    )


def test_a_run_refused_before_its_first_step_still_leaves_a_red_page(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: bad\nsteps:\n  - id: a\n    iff: x\n    set: {}\n")
    out = tmp_path / "bad.html"
    result = CliRunner().invoke(cli, ["run", str(bad), "--html", str(out)])
    assert result.exit_code == 2
    page = out.read_text()
    assert '<span class="badge s-failed" id="run-status">failed</span>' in page
    assert "unknown key &#x27;iff&#x27;" in page


def test_a_merged_report_is_drawn_with_each_shards_items(fake_process, tmp_path):
    from tests.records.test_merge import shard_reports

    paths = shard_reports(fake_process, tmp_path, total=2)
    out = tmp_path / "merged.html"
    result = CliRunner().invoke(cli, ["-q", "runs", "merge", *map(str, paths), "--html", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    looks = [s for s in rows(page, "item") if s[0] == "look"]
    assert len(looks) == 5
    first = read_report(paths[0])
    assert first.recipe.name in page
