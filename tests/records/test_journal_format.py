"""The journal's record format: an event less what no reader needs, read back whole; a kill
between a write's start and finish still leaves it uncertain, and a journal written in the
earlier, whole form (`tests/data/journal/main-v1.jsonl`) still resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import FakeClient
from wrapper.cli import cli
from wrapper.errors import ResumeError
from wrapper.recipe.inputs import resolve_inputs
from wrapper.recipe.loader import LoadedRecipe, load_recipe
from wrapper.records import events as ev
from wrapper.records.journal import Journal, journal_path, load_state, read_records
from wrapper.records.journal_format import compact, expand
from wrapper.records.rebuild import journal_report
from wrapper.run.engine import Engine, RunOptions
from wrapper.run.resume import ResumePlan

DATA = Path(__file__).parent.parent / "data" / "journal"
EMAILS = ["a@x.io", "b@x.io", "c@x.io", "d@x.io"]
SECRET = "tok-SECRET-123"


def test_a_call_start_holds_no_argv_no_run_id_and_no_default():
    event = ev.CallStart(
        run_id="r",
        time="T",
        call_id=3,
        step_id="create",
        index=0,
        operation="action",
        target="create-contact",
        command=["membrane", "action", "run", "create-contact", "--input", '{"a":1}'],
    )
    assert compact(event) == {
        "event": "call_start",
        "time": "T",
        "call_id": 3,
        "step_id": "create",
        "index": 0,
    }
    finish = ev.CallFinish(
        run_id="r", time="U", call_id=3, step_id="create", index=0, duration_s=1.5
    )
    assert compact(finish) == {"event": "call_finish", "time": "U", "call_id": 3, "status": "ok"}


def test_the_unit_and_its_end_are_written_even_at_their_defaults():
    start = ev.ItemStart(run_id="r", time="T", step_id="s", index=0, item=0)
    assert compact(start) == {
        "event": "item_start",
        "time": "T",
        "step_id": "s",
        "index": 0,
        "item": 0,
    }
    done = ev.ItemFinish(run_id="r", time="T", step_id="s", index=0, outputs=None)
    assert compact(done) == {
        "event": "item_finish",
        "time": "T",
        "step_id": "s",
        "index": 0,
        "status": "ok",
    }
    # A value of another type than its default (0 is not False) is written as it is.
    assert compact(ev.RunStart(run_id="r", time="T", plan=True))["plan"] is True
    assert "attempts" in compact(ev.ItemFinish(run_id="r", time="T", attempts=0.5))  # type: ignore[arg-type]


EVENTS = [
    ev.RunStart(run_id="r", time="T", recipe="t", path="t.yaml", sha256="ab", inputs={"x": 1}),
    ev.ConnectionReady(run_id="r", time="T", name="c", app="chatwoot", id="conn1"),
    ev.StepStart(run_id="r", time="T", step_id="s", effect="read", items_total=2),
    ev.ItemStart(run_id="r", time="T", step_id="s", index=1, item={"k": [1, None]}),
    ev.CallStart(
        run_id="r",
        time="T",
        call_id=1,
        step_id="s",
        index=1,
        attempt=2,
        page=3,
        safe_to_repeat=True,
        waited_s=0.5,
    ),
    ev.CallFinish(
        run_id="r",
        time="U",
        call_id=1,
        step_id="s",
        index=1,
        attempt=2,
        page=3,
        status="failed",
        error={"type": "timeout"},
    ),
    ev.RetryScheduled(
        run_id="r", time="T", step_id="s", index=1, attempt=1, attempts=3, delay_s=0.25
    ),
    ev.ItemFinish(
        run_id="r",
        time="T",
        step_id="s",
        index=1,
        status="failed",
        attempts=2,
        outputs=[0, ""],
        error={"type": "timeout"},
    ),
    ev.StepFinish(
        run_id="r", time="T", step_id="s", status="ok", outputs={"n": 0}, counts={"ok": 2}
    ),
    ev.RunWarning(run_id="r", time="T", message="m"),
    ev.RunFinish(run_id="r", time="T", status="failed", exit_code=1, outputs={"o": False}),
]


def test_read_back_every_event_is_whole_again_but_for_the_fields_nobody_reads():
    records = json.loads(json.dumps([compact(e) for e in EVENTS]))
    whole = expand("r", records)
    expected = [e.to_json() for e in EVENTS]
    # Never written: the duration of a call, its argv, operation and target.
    expected[5]["duration_s"] = 0.0
    assert whole == expected


def test_mutable_defaults_read_back_are_never_shared_between_records():
    whole = expand("r", [compact(ev.RunFinish(run_id="r", time="T"))] * 2)
    assert whole[0]["outputs"] == {} and whole[0]["outputs"] is not whole[1]["outputs"]


def test_a_call_finish_takes_its_unit_from_the_start_of_its_own_segment():
    records = [
        compact(ev.RunStart(run_id="r", time="T")),
        compact(ev.CallStart(run_id="r", time="T", call_id=1, step_id="a", index=4)),
        compact(ev.RunStart(run_id="r", time="T")),  # a resume: call ids restart
        compact(ev.CallFinish(run_id="r", time="T", call_id=1, step_id="b")),
    ]
    assert expand("r", records)[3]["step_id"] == ""  # not the earlier segment's call


# --- exactly once, through the engine ----------------------------------------------------------


@pytest.fixture
def legacy() -> LoadedRecipe:
    return load_recipe(DATA / "legacy.yaml")


def engine(loaded: LoadedRecipe, client: FakeClient, plan: ResumePlan | None, run_id: str):
    values = {"emails": EMAILS, "token": SECRET}
    inputs = resolve_inputs(loaded.recipe.inputs, values=values)
    journal = Journal(run_id)
    options = RunOptions(run_id=run_id, connections={"c": "conn1"}, resume=plan)
    return Engine(loaded, inputs, client, sinks=[journal], options=options), journal


def creates(fake: FakeClient, *indexes: int) -> FakeClient:
    """The fake answers a create of each item at `indexes` (id: index + 1), once."""
    for n in indexes:
        fake.expect(
            "action", "create-contact", {"email": EMAILS[n], "token": SECRET}, {"id": n + 1}
        )
    return fake


def run_all(loaded: LoadedRecipe, run_id: str) -> None:
    fake = FakeClient().expect("action", "list-contacts", answer={"items": [{"id": 7}]})
    run, journal = engine(loaded, creates(fake, 0, 1, 2, 3), None, run_id)
    assert run.run().exit_code == 0
    journal.close()


def cut_after(run_id: str, kind: str, index: int) -> None:
    """Keep the journal up to the `kind` record of item `index`, as a kill -9 there would."""
    path = journal_path(run_id)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(
        n
        for n, line in enumerate(lines)
        if json.loads(line)["event"] == kind and json.loads(line).get("index") == index
    )
    path.write_text("".join(lines[: at + 1]), encoding="utf-8")


def test_a_kill_between_a_writes_start_and_finish_leaves_it_uncertain(legacy):
    run_all(legacy, "cut")
    cut_after("cut", "call_start", 2)
    state = load_state("cut")
    assert list(state.uncertain) == [("create", 2)]
    with pytest.raises(ResumeError) as caught:
        ResumePlan(state, legacy, uncertain=None)
    assert caught.value.message.startswith("run cut: step 'create' item 2 is a write that may")
    # Retried: the finished items 0 and 1 are never sent again; the fake takes only 2 and 3.
    plan = ResumePlan(state, legacy, uncertain="retry")
    fake = creates(FakeClient(), 2, 3)
    run, journal = engine(legacy, fake, plan, "cut")
    result = run.run()
    journal.close()
    assert result.exit_code == 0
    assert result.outputs == {"ids": [1, 2, 3, 4]}
    assert fake.targets("action") == ["create-contact", "create-contact"]


def test_a_finished_write_is_never_run_again(legacy):
    run_all(legacy, "done")
    cut_after("done", "item_finish", 1)
    plan = ResumePlan(load_state("done"), legacy, uncertain=None)  # nothing in doubt
    fake = creates(FakeClient(), 2, 3)
    run, journal = engine(legacy, fake, plan, "done")
    assert run.run().outputs == {"ids": [1, 2, 3, 4]}
    journal.close()
    assert fake.targets("action") == ["create-contact", "create-contact"]
    assert SECRET not in journal_path("done").read_text(encoding="utf-8")


# --- a journal written before this format --------------------------------------------------------


def install_legacy(loaded: LoadedRecipe) -> None:
    text = (DATA / "main-v1.jsonl").read_text(encoding="utf-8")
    path = journal_path("legacy")
    path.parent.mkdir(parents=True)
    path.write_text(text.replace("@RECIPE@", str(loaded.path)), encoding="utf-8")


def test_a_journal_of_the_earlier_format_folds_as_before(legacy):
    install_legacy(legacy)
    state = load_state("legacy")
    assert state.steps["probe"].status == "ok" and state.steps["probe"].outputs == {"count": 1}
    assert {k: u.status for k, u in state.items.items()} == {
        ("create", 0): "ok",
        ("create", 1): "ok",
        ("create", 2): "started",
    }
    assert list(state.uncertain) == [("create", 2)]
    assert state.inputs == {"emails": EMAILS, "token": "***"}


def test_a_journal_of_the_earlier_format_resumes_and_its_report_is_rebuilt(legacy):
    install_legacy(legacy)
    plan = ResumePlan(load_state("legacy"), legacy, uncertain="skip")
    fake = FakeClient().expect(
        "action", "create-contact", {"email": "d@x.io", "token": SECRET}, {"id": 4}
    )
    run, journal = engine(legacy, fake, plan, "legacy")
    journal.write(plan.record())
    result = run.run()
    journal.close()
    assert result.exit_code == 0
    assert result.outputs == {"ids": [1, 2, 4]}  # the skipped item has no id
    assert fake.targets("action") == ["create-contact"]  # the probe and items 0-1 were reused
    state = load_state("legacy")
    assert state.status == "ok" and state.resumes == 1
    assert [u.status for _, u in sorted(state.items.items())] == ["ok", "ok", "skipped", "ok"]
    report = journal_report("legacy")
    items = report.steps[1].items or []
    assert [(i.item, i.status) for i in items] == [
        ("a@x.io", "ok"),
        ("b@x.io", "ok"),
        ("c@x.io", "skipped"),
        ("d@x.io", "ok"),
    ]
    # Items the first session ran keep its times; the earlier records still read whole.
    assert items[0].started_at is not None
    assert all(r["run_id"] == "legacy" for r in read_records("legacy") if r["event"] != "resume")
    shown = CliRunner().invoke(cli, ["runs", "show", "legacy"])
    assert shown.exit_code == 0
    assert "  create: ok (items: 3 ok, 1 skipped)\n" in shown.stdout
