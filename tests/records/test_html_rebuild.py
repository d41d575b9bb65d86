"""`mw runs show ID --html`: the report rebuilt from a run's journal, resumed runs included."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.records.test_report import run_demo
from wrapper.cli import cli
from wrapper.records import events as ev
from wrapper.records.journal import Journal
from wrapper.records.rebuild import add_earlier_times, as_event, journal_report
from wrapper.records.report import ReportBuilder


def mw(*args: str):
    return CliRunner().invoke(cli, ["--sandbox", *args], catch_exceptions=False)


def at(second: int) -> str:
    return f"2026-12-01T10:00:{second:02d}.000Z"


def journal_two_sessions(run_id: str) -> list[ev.Event]:
    """A run killed during item 1 of `b`, then resumed: its second session's events."""
    first: list[ev.Event] = [
        ev.RunStart(run_id=run_id, time=at(0), recipe="two"),
        ev.StepStart(run_id=run_id, time=at(1), step_id="a"),
        ev.StepFinish(run_id=run_id, time=at(2), step_id="a", attempts=1),
        ev.StepStart(run_id=run_id, time=at(3), step_id="b", items_total=2),
        ev.ItemStart(run_id=run_id, time=at(3), step_id="b", index=0, item="x"),
        ev.ItemFinish(run_id=run_id, time=at(5), step_id="b", index=0, attempts=1),
        ev.ItemStart(run_id=run_id, time=at(4), step_id="b", index=1, item="y"),
    ]
    second: list[ev.Event] = [
        ev.RunStart(run_id=run_id, time=at(30), recipe="two"),
        ev.StepStart(run_id=run_id, time=at(31), step_id="a"),
        ev.StepFinish(run_id=run_id, time=at(31), step_id="a", resumed=True),
        ev.StepStart(run_id=run_id, time=at(31), step_id="b", items_total=2),
        ev.ItemStart(run_id=run_id, time=at(31), step_id="b", index=0, item="x"),
        ev.ItemFinish(run_id=run_id, time=at(31), step_id="b", index=0, resumed=True),
        ev.ItemStart(run_id=run_id, time=at(32), step_id="b", index=1, item="y"),
        ev.ItemFinish(run_id=run_id, time=at(34), step_id="b", index=1, attempts=1),
        ev.StepFinish(run_id=run_id, time=at(35), step_id="b", attempts=2),
        ev.RunFinish(run_id=run_id, time=at(35)),
    ]
    journal = Journal(run_id)
    for event in [*first, *second]:
        journal.handle(event)
    journal.close()
    return second


def times(report):
    out = {}
    for step in report.steps:
        out[step.id] = (step.started_at, step.finished_at)
        for item in step.items or []:
            out[f"{step.id}[{item.index}]"] = (item.started_at, item.finished_at)
    return out


def test_a_resumed_runs_report_keeps_the_times_its_earlier_session_ran_things():
    second = journal_two_sessions("res-1")
    report = journal_report("res-1")
    assert report.status == "ok" and report.started_at == at(30)
    assert times(report) == {
        "a": (at(1), at(2)),  # ran in the first session, replayed in the second
        "b": (at(31), at(35)),
        "b[0]": (at(3), at(5)),
        "b[1]": (at(32), at(34)),
    }
    # What `mw resume` itself builds from its session's events, then completes the same way.
    builder = ReportBuilder()
    for event in second:
        builder.handle(event)
    live = builder.report()
    assert times(live)["a"] == (None, None)
    add_earlier_times(live)
    assert times(live) == times(report)


def test_a_journaled_run_rebuilds_into_the_report_it_wrote(fake_process):
    _, report, stream = run_demo(fake_process)
    journal = Journal(report.run_id)
    for line in stream.splitlines():
        journal.write(json.loads(line))
    journal.close()
    assert journal_report(report.run_id).to_json() == report.to_json()


def test_records_that_are_not_events_are_left_out():
    assert as_event({"event": "resume", "run_id": "r"}) is None
    assert as_event({"event": "step_start"}) is None  # no run id
    event = as_event({"event": "step_start", "run_id": "r", "step_id": "a", "future": 1})
    assert isinstance(event, ev.StepStart) and event.step_id == "a"


def test_runs_show_id_html_writes_the_page_of_a_journaled_run(tmp_path):
    journal_two_sessions("res-2")
    out = tmp_path / "res.html"
    result = CliRunner().invoke(cli, ["runs", "show", "res-2", "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "run res-2: two ()"
    page = out.read_text()
    assert '<g class="row item s-ok" data-step="b" data-status="ok" data-index="0"' in page
    assert "earlier session" not in page  # every unit has its times


FAILING = """\
version: 1
name: fails-then-resumes
connections:
  chatwoot: {app: chatwoot}
steps:
  - id: first
    effect: read
    request: {path: /api/v1/accounts/1/contacts/1}
  - id: missing
    effect: read
    request: {path: /api/v1/accounts/1/contacts/999999}
"""


@pytest.mark.integration
def test_mw_resume_html_keeps_the_first_sessions_times(tmp_path):
    recipe = tmp_path / "fails.yaml"
    recipe.write_text(FAILING)
    first_json = tmp_path / "first.json"
    done = mw("run", str(recipe), "--run-id", "again-1", "--report", str(first_json), "-q")
    assert done.exit_code == 1, done.output
    resumed_json, page = tmp_path / "resumed.json", tmp_path / "resumed.html"
    done = mw("resume", "again-1", "--report", str(resumed_json), "--html", str(page), "-q")
    assert done.exit_code == 1, done.output
    before = {s["id"]: s for s in json.loads(first_json.read_text())["steps"]}
    after = {s["id"]: s for s in json.loads(resumed_json.read_text())["steps"]}
    # `first` ran in the first session only; `missing` ran (and failed) again in the resume.
    assert after["first"]["started_at"] == before["first"]["started_at"]
    assert after["first"]["finished_at"] == before["first"]["finished_at"]
    assert after["missing"]["started_at"] > before["missing"]["finished_at"]
    text = page.read_text()
    assert "earlier session" not in text
    assert '<span class="where">missing</span>' in text
