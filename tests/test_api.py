"""The library API: `from wrapper import run_recipe` and friends, against real sandbox processes.

Each call must do what its command does and hand back a result object; a problem found before
anything ran is one `WrapperError`, never `SystemExit`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.helpers import RECIPES, ROOT
from wrapper import (
    LintResult,
    RunResult,
    WrapperError,
    lint_recipe,
    load_recipe,
    plan_recipe,
    resume_run,
    run_recipe,
)
from wrapper.errors import InputError, RecipeError, ResumeError
from wrapper.records import events as ev
from wrapper.records.journal import journal_path

WELCOME = RECIPES / "welcome-contact.yaml"


class Heard:
    """An event sink that keeps what it hears."""

    def __init__(self) -> None:
        self.events: list[ev.Event] = []

    def handle(self, event: ev.Event) -> None:
        self.events.append(event)


@pytest.mark.integration
def test_run_recipe_runs_a_recipe_and_returns_its_result(tmp_path) -> None:
    report_path = tmp_path / "run.json"
    result = run_recipe(
        WELCOME, {"email": "ada@example.com"}, sandbox=True, report_path=report_path
    )
    assert isinstance(result, RunResult)
    assert (result.status, result.exit_code, result.ok) == ("ok", 0, True)
    assert isinstance(result.outputs["contact_id"], int)
    steps = {s.id: s.status for s in result.report.steps}
    assert steps == {"find": "ok", "create": "ok", "open": "ok", "label": "ok"}
    written = json.loads(report_path.read_text())
    assert written["run_id"] == result.run_id
    assert written["outputs"] == result.outputs
    assert journal_path(result.run_id).is_file()
    assert result.raise_for_status() is result

    again = run_recipe(WELCOME, {"email": "ada@example.com"}, sandbox=True)
    assert again.outputs["contact_id"] == result.outputs["contact_id"]
    assert again.run_id != result.run_id


@pytest.mark.integration
def test_plan_recipe_runs_reads_only_and_keeps_no_journal() -> None:
    result = plan_recipe(WELCOME, {"email": "grace@example.com"}, sandbox=True, run_id="planned")
    assert (result.status, result.plan) == ("ok", True)
    steps = {s.id: s.status for s in result.report.steps}
    assert steps == {"find": "ok", "create": "planned", "open": "planned", "label": "planned"}
    assert not journal_path("planned").exists()


@pytest.mark.integration
def test_a_failed_run_is_a_result_and_resume_run_continues_it(tmp_path) -> None:
    recipe = RECIPES / "notes-then-fail.yaml"
    first = run_recipe(recipe, {"notes": ["one", "two"]}, sandbox=True, run_id="notes")
    assert (first.status, first.exit_code, first.ok) == ("failed", 1, False)
    assert first.error is not None and "step 'fail' failed" in first.error.message
    with pytest.raises(WrapperError, match="step 'fail' failed"):
        first.raise_for_status()

    heard = Heard()
    page = tmp_path / "notes.html"
    again = resume_run("notes", sandbox=True, events=[heard], html_path=page)
    assert (again.run_id, again.status, again.exit_code) == ("notes", "failed", 1)
    finished = {e.step_id: e.resumed for e in heard.events if isinstance(e, ev.StepFinish)}
    assert finished == {"note": True, "fail": False}  # the notes were not written again
    # The replayed step keeps the times the first session ran it, in the report and the page.
    before = {s.id: s for s in first.report.steps}
    after = {s.id: s for s in again.report.steps}
    assert after["note"].started_at == before["note"].started_at is not None
    assert after["note"].finished_at == before["note"].finished_at is not None
    assert after["fail"].started_at > before["fail"].finished_at  # type: ignore[operator]
    assert again.html_path == page
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "notes-then-fail" in text
    assert before["note"].started_at[11:19] in text  # type: ignore[index]


def test_problems_before_the_run_raise_the_error_family_not_system_exit() -> None:
    with pytest.raises(InputError, match="input 'email'") as caught:
        run_recipe(WELCOME, {"email": 42}, sandbox=True)
    assert caught.value.exit_code == 2
    with pytest.raises(ResumeError, match="no run 'nothing-here'"):
        resume_run("nothing-here", sandbox=True)


def test_a_refused_run_still_writes_a_red_junit_file_and_page(tmp_path) -> None:
    junit, page = tmp_path / "junit.xml", tmp_path / "run.html"
    heard = []
    with pytest.raises(InputError):
        run_recipe(WELCOME, {}, junit_path=junit, html_path=page, on_refused=heard.append)
    text = junit.read_text()
    assert "<failure" in text and "input 'email'" in text
    assert [r.run_id for r in heard] == ["not-started"]
    # Milliseconds, as every other time in a report.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", heard[0].started_at)
    shown = page.read_text()
    assert "not-started" in shown and "input &#x27;email&#x27;" in shown


def test_load_recipe_takes_a_file_or_a_shipped_name(tmp_path) -> None:
    assert load_recipe(WELCOME).recipe.name == "chatwoot-welcome-contact"
    assert load_recipe("chatwoot/welcome-contact").path.is_file()
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: bad\nsteps:\n  - id: a\n    nope: 1\n")
    with pytest.raises(RecipeError, match=r"bad\.yaml:5:5: .*unknown key 'nope'"):
        load_recipe(bad)


def test_lint_recipe_returns_every_problem(tmp_path) -> None:
    clean = lint_recipe(WELCOME)
    assert isinstance(clean, LintResult)
    assert (clean.ok, clean.errors, clean.files) == (True, 0, [str(WELCOME)])
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: bad\nsteps:\n  - id: a\n    set: {x: 'steps.b.outputs'}\n")
    found = lint_recipe(bad, WELCOME)
    assert (found.ok, found.errors) == (False, 1)
    assert found.problems[0].location.startswith(f"{bad}:5:")


def test_importing_wrapper_stays_cheap() -> None:
    code = (
        "import sys, wrapper; "
        "print(sorted(m for m in ('pydantic', 'click', 'wrapper.api') if m in sys.modules))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert shown.stdout.strip() == "[]"
    help_run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "wrapper", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "pydantic" not in help_run.stderr
