"""The run journal: one synced line per event, folded back into what finished and what is
uncertain."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from wrapper.cli import cli
from wrapper.errors import ResumeError
from wrapper.records import events as ev
from wrapper.records import journal as jr
from wrapper.records.journal import Journal, fold, journal_path, list_runs, load_state

START = {"event": "run_start", "run_id": "r", "recipe": "t", "path": "t.yaml", "sha256": "ab"}


def call(call_id, index, safe=False):
    return {
        "event": "call_start",
        "call_id": call_id,
        "step_id": "create",
        "index": index,
        "safe_to_repeat": safe,
    }


def finish(call_id, index, error=None):
    return {
        "event": "call_finish",
        "call_id": call_id,
        "step_id": "create",
        "index": index,
        "status": "failed" if error else "ok",
        "error": error,
    }


def item(kind, index, status="ok", outputs=None):
    record = {"event": kind, "step_id": "create", "index": index, "item": f"i{index}"}
    if kind == "item_finish":
        record.update(status=status, attempts=1, outputs=outputs)
    return record


def test_every_event_is_a_flushed_line_and_what_a_crash_must_keep_is_synced(monkeypatch):
    synced: list[str] = []
    journal = Journal("r1")

    def fsync(fd):
        # The line being synced is the last one written: record which event it was.
        last = journal_path("r1").read_text(encoding="utf-8").splitlines()[-1]
        synced.append(json.loads(last)["event"] + ":" + json.loads(last).get("step_id", ""))

    monkeypatch.setattr(jr.os, "fsync", fsync)
    events = [
        ev.RunStart(run_id="r1", recipe="t", path="t.yaml", sha256="ab"),
        ev.StepStart(run_id="r1", step_id="read"),
        ev.CallStart(run_id="r1", call_id=1, step_id="read", safe_to_repeat=True),
        ev.CallFinish(run_id="r1", call_id=1, step_id="read"),
        ev.StepFinish(run_id="r1", step_id="read"),
        ev.StepStart(run_id="r1", step_id="write"),
        ev.ItemStart(run_id="r1", step_id="write", index=0),
        ev.CallStart(run_id="r1", call_id=2, step_id="write", index=0),
        ev.CallFinish(run_id="r1", call_id=2, step_id="write", index=0),
        ev.ItemFinish(run_id="r1", step_id="write", index=0),
        ev.StepFinish(run_id="r1", step_id="write"),
        ev.RunFinish(run_id="r1"),
    ]
    for event in events:
        journal.handle(event)
    lines = journal_path("r1").read_text(encoding="utf-8").splitlines()
    journal.close()
    assert [json.loads(line)["event"] for line in lines] == [e.event for e in events]
    # A write's call is on disk before it starts; every other record waits for the next sync
    # (a lost finish leaves that write uncertain: resume asks, it never runs it again).
    assert synced == ["run_start:", "call_start:write", "run_finish:"]
    assert journal_path("r1").parent.parent.name == "runs"


def test_closing_syncs_the_records_no_later_sync_carried(monkeypatch):
    synced: list[str] = []
    journal = Journal("r1")

    def fsync(fd):
        last = journal_path("r1").read_text(encoding="utf-8").splitlines()[-1]
        synced.append(json.loads(last)["event"])

    monkeypatch.setattr(jr.os, "fsync", fsync)
    journal.handle(ev.RunStart(run_id="r1", recipe="t", path="t.yaml", sha256="ab"))
    journal.handle(ev.CallStart(run_id="r1", call_id=1, step_id="write"))
    journal.handle(ev.CallFinish(run_id="r1", call_id=1, step_id="write"))
    journal.handle(ev.StepFinish(run_id="r1", step_id="write"))
    assert synced == ["run_start", "call_start"]
    journal.close()
    assert synced == ["run_start", "call_start", "step_finish"]
    journal.close()  # twice is harmless
    assert len(synced) == 3


def test_a_call_started_and_never_finished_is_uncertain_unless_safe_to_repeat():
    state = fold("r", [START, item("item_start", 0), call(1, 0), item("item_start", 1)])
    state_safe = fold("r", [START, item("item_start", 0), call(1, 0, safe=True)])
    assert list(state.uncertain) == [("create", 0)]
    assert state_safe.uncertain == {}
    assert state.status == "unfinished"


def test_a_write_that_timed_out_or_was_killed_is_uncertain_but_a_rate_limit_is_not():
    records = [START, call(1, 0), finish(1, 0, {"type": "timeout"})]
    records += [call(2, 1), finish(2, 1, {"type": "invalid_output"})]
    records += [call(3, 2), finish(3, 2, {"type": "rate_limit"})]
    assert sorted(fold("r", records).uncertain) == [("create", 0), ("create", 1)]


def test_call_ids_restart_with_each_segment_and_a_finished_item_clears_doubt():
    records = [START, item("item_start", 0), call(1, 0), dict(START), item("item_start", 1)]
    records += [call(1, 1)]
    records += [finish(1, 1), item("item_finish", 1)]
    state = fold("r", records)
    assert list(state.uncertain) == [("create", 0)]
    assert state.items[("create", 1)].status == "ok"
    assert state.items[("create", 1)].item == "i1"


def test_a_resume_that_skipped_an_uncertain_item_settles_it_for_good():
    records = [START, item("item_start", 0), call(1, 0)]
    records += [{"event": "resume", "skipped_uncertain": [["create", 0]]}, dict(START)]
    state = fold("r", records)
    assert state.uncertain == {}
    assert state.items[("create", 0)].status == "skipped"
    assert state.items[("create", 0)].item == "i0"
    assert state.resumes == 1


def test_a_torn_last_line_is_ignored_and_an_unknown_run_is_a_resume_error(tmp_path):
    path = journal_path("torn")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(START) + '\n{"event": "call_st', encoding="utf-8")
    assert load_state("torn").status == "unfinished"
    with pytest.raises(ResumeError, match=r"^no run 'nope' in "):
        load_state("nope")


def test_mw_runs_lists_and_shows_runs_with_uncertain_items():
    path = journal_path("20261122T000000-aaaaaa")
    path.parent.mkdir(parents=True)
    records = [
        {**START, "time": "2026-11-22T00:00:00.000Z"},
        {"event": "step_start", "step_id": "create"},
        item("item_start", 0),
        item("item_finish", 0),
        item("item_start", 1),
        call(1, 1),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert [s.run_id for s in list_runs()] == ["20261122T000000-aaaaaa"]
    listed = CliRunner().invoke(cli, ["runs"])
    assert listed.exit_code == 0
    assert listed.stdout == "20261122T000000-aaaaaa  t  unfinished  2026-11-22T00:00:00.000Z\n"
    shown = CliRunner().invoke(cli, ["runs", "show", "20261122T000000-aaaaaa"])
    assert shown.exit_code == 0
    assert "  create: started (items: 1 ok, 1 started)\n" in shown.stdout
    assert "  uncertain: step 'create' item 1 (a write in flight when the run stopped)\n" in (
        shown.stdout
    )


def test_mw_runs_with_no_runs_says_so():
    result = CliRunner().invoke(cli, ["runs"])
    assert result.exit_code == 0
    assert result.stdout == "no runs journaled yet\n"


def test_a_write_that_succeeded_but_whose_item_never_finished_stays_in_doubt():
    records = [START, item("item_start", 0), call(1, 0), finish(1, 0)]
    assert list(fold("r", records).uncertain) == [("create", 0)]
    assert fold("r", [*records, item("item_finish", 0)]).uncertain == {}


# --- finished is final, torn lines, never-started runs ----------------------------------------


def step(kind, status="ok", outputs=None):
    record = {"event": kind, "step_id": "create"}
    if kind == "step_finish":
        record.update(status=status, attempts=1, outputs=outputs)
    return record


def test_a_replayed_start_never_turns_a_finished_item_or_step_back_into_started():
    first = [START, step("step_start"), item("item_start", 0), call(1, 0), finish(1, 0)]
    first += [item("item_finish", 0, outputs={"id": 7})]
    # A resume replays the finished item and step as start + finish; a kill fell in between.
    replay = [{"event": "resume"}, dict(START), step("step_start"), item("item_start", 0)]
    state = fold("r", first + replay)
    assert state.items[("create", 0)].status == "ok"
    assert state.items[("create", 0)].outputs == {"id": 7}
    assert state.uncertain == {}
    finished_step = [START, step("step_start"), step("step_finish"), dict(START)]
    assert fold("r", [*finished_step, step("step_start")]).steps["create"].status == "ok"


def test_finished_work_run_again_that_then_fails_keeps_its_first_finish():
    records = [START, item("item_start", 0), item("item_finish", 0, outputs="***")]
    records += [dict(START), item("item_start", 0), item("item_finish", 0, status="failed")]
    assert fold("r", records).items[("create", 0)].status == "ok"
    records += [item("item_start", 0), item("item_finish", 0, outputs="new")]
    assert fold("r", records).items[("create", 0)].outputs == "new"


def test_another_item_at_a_finished_index_is_a_new_unit():
    changed = {"event": "item_start", "step_id": "create", "index": 0, "item": "other"}
    records = [START, item("item_start", 0), item("item_finish", 0), dict(START), changed]
    unit = fold("r", records).items[("create", 0)]
    assert (unit.status, unit.item) == ("started", "other")
    done = fold("r", [*records, item("item_finish", 0, outputs=1)]).items[("create", 0)]
    assert (done.status, done.item, done.outputs) == ("ok", "other", 1)


def test_an_append_after_a_torn_last_line_starts_on_a_fresh_line():
    path = journal_path("torn")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(START) + '\n{"event": "call_st', encoding="utf-8")
    journal = Journal("torn")
    journal.write({"event": "resume", "uncertain": "skip", "skipped_uncertain": []})
    journal.write(dict(START))
    journal.close()
    records = jr.read_records("torn")
    assert [r["event"] for r in records] == ["run_start", "resume", "run_start"]
    assert load_state("torn").resumes == 1


def test_a_line_separator_inside_a_value_does_not_split_its_record():
    journal = Journal("sep")
    journal.write(dict(START))
    journal.write({**item("item_start", 0), "item": "a\u2028b\x85c\x1cd"})
    journal.close()
    assert load_state("sep").items[("create", 0)].item == "a\u2028b\x85c\x1cd"


@pytest.mark.parametrize("content", ["", '{"event": "run_st'])
def test_a_run_killed_during_its_first_record_can_be_neither_resumed_nor_mistaken(content):
    path = journal_path("early")
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ResumeError) as caught:
        load_state("early")
    assert caught.value.message == (
        "run early never started: it was stopped while writing its first journal record, "
        "before any step ran, so there is nothing to resume"
    )
    assert caught.value.advice == (
        "Start it again with `mw run RECIPE --run-id early` (the id is reused)."
    )
    assert list_runs() == []
