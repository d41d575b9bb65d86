"""The HTML report in a real headless browser (Chromium from the distribution's packages):
real `mw --sandbox` runs write the page, Chromium loads it from disk, runs its script, and
the DOM it dumps must show every step, the timeline and the failed items."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.recipe_sandbox import mw
from tests.records.test_html import forms

pytestmark = pytest.mark.integration

#: A loaded machine starts a browser slowly; this is a ceiling, not an expectation.
BROWSER_TIMEOUT_S = 300
SECRET = 's3cr3t/tok+en=&"<x>'


def browser() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "Chromium is not installed, so the page cannot be checked in a real browser "
        "(install it with `apt-get install chromium`; .ci/run does when it runs as root)"
    )


def chromium(tmp_path: Path, *args: str) -> str:
    done = subprocess.run(
        [
            browser(),
            "--headless",
            # Root in a container has no user namespace for Chromium's sandbox; the page is ours.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dom(tmp_path: Path, page: Path, fragment: str = "") -> str:
    text = chromium(tmp_path, "--dump-dom", page.as_uri() + fragment)
    assert 'data-ready="true"' in text, "the page's script did not run to its end"
    return text


def timeline_rows(text: str, kind: str) -> list[tuple[str, str, bool]]:
    """(step, status, hidden) of each timeline row of `kind` (`step` or `item`)."""
    found = re.findall(
        rf'<g class="row {kind} ([^"]*)" data-step="([^"]*)" data-status="([^"]*)"', text
    )
    return [(step, status, "hidden" in classes.split()) for classes, step, status in found]


def test_the_daily_summary_page_renders_every_step_and_a_timeline(tmp_path):
    report_path, page = tmp_path / "r.json", tmp_path / "r.html"
    done = mw(
        "run", "chatwoot/daily-summary", "--report", str(report_path), "--html", str(page),
        "-q", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(report_path.read_text())
    text = dom(tmp_path, page)
    steps = [step["id"] for step in report["steps"]]
    assert steps == ["by_status", "open"]
    assert [row[0] for row in timeline_rows(text, "step")] == steps
    items = [(step, status) for step, status, _ in timeline_rows(text, "item")]
    assert items == [("by_status", "ok")] * 4
    # Each started unit is a bar on the chart, and every step is a node of the graph.
    assert text.count('class="bar"') == len(steps) + 4
    for step in steps:
        assert f'data-status="ok" data-step="{step}"' in text
    assert '<span id="shown-count">6 of 6 rows shown</span>' in text
    shot = tmp_path / "daily-summary.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1800", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000  # a drawn page, not a blank one


SECRET_RECIPE = textwrap.dedent("""\
    version: 1
    name: html-secret
    inputs:
      token: {type: string, secret: true}
    connections:
      chatwoot: {app: chatwoot}
    steps:
      - id: prepare
        set: {header: "join('', ['Bearer ', inputs.token])"}
      - id: look
        effect: read
        foreach: {items: "[`1`, inputs.token]"}
        request:
          path: "/api/v1/accounts/1/contacts/${item}"
          query: {token: "${inputs.token}"}
        outputs: {name: "payload.name"}
        continue_on_error: true
    outputs:
      header: steps.prepare.outputs.header
    """)


def test_failed_items_show_first_filters_work_and_no_form_of_a_secret_is_on_the_page(tmp_path):
    recipe = tmp_path / "secret.yaml"
    recipe.write_text(SECRET_RECIPE)
    page = tmp_path / "secret.html"
    done = mw(
        "run", str(recipe), "-i", f"token={SECRET}", "--html", str(page), "--run-id", "sec-1",
        "-q", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    again = tmp_path / "from-journal.html"
    shown = mw("runs", "show", "sec-1", "--html", str(again), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    for path in (page, again):
        written = path.read_text()
        for form in forms(SECRET):
            assert form not in written, f"{form!r} is in {path.name}"
        # Only the failed item (the secret one, masked) is listed as a failure.
        failures = written.split('<section id="failures">')[1].split("</section>")[0]
        assert re.findall(r'<span class="where">([^<]*)</span>', failures) == ["look [1] ***"]
        assert "/api/v1/accounts/1/contacts/*** failed: HTTP 404" in failures
    text = dom(tmp_path, page, "#status=failed")
    for form in forms(SECRET):
        assert form not in text
    # Filtered to failures: ok rows are hidden, the failed item and its step stay.
    assert timeline_rows(text, "item") == [("look", "ok", True), ("look", "failed", False)]
    assert timeline_rows(text, "step") == [("prepare", "ok", True), ("look", "failed", False)]
    assert '<span id="shown-count">2 of 4 rows shown</span>' in text
    assert os.path.getsize(page) > 0
