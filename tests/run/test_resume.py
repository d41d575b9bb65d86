"""Resuming from a journal: finished work reused, uncertain writes decided, recipe and secrets
checked; the engine runs only what did not finish (unregistered fake calls would fail)."""

from __future__ import annotations

import _thread
import json
import textwrap

import pytest
from click.testing import CliRunner

from wrapper.cli import cli
from wrapper.errors import ResumeError
from wrapper.recipe.inputs import resolve_inputs
from wrapper.recipe.loader import load_recipe
from wrapper.records.journal import Journal, fold, journal_path, load_state
from wrapper.run.engine import Engine, RunOptions
from wrapper.run.outcome import SKIPPED
from wrapper.run.resume import ResumePlan

RECIPE = """\
version: 1
name: t
inputs:
  emails: {type: array, items: {type: string}}
  token: {type: string, secret: true, required: false}
connections:
  c: {app: chatwoot}
steps:
  - id: create
    foreach: {items: "inputs.emails", concurrency: 1}
    action: create-contact
    connection: c
    input: {email: "${item}"}
    outputs: {id: "id"}
outputs:
  ids: "steps.create.outputs[].id"
"""


@pytest.fixture
def recipe(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    return load_recipe(path)


def write_journal(run_id, loaded, records, inputs=None):
    start = {
        "event": "run_start",
        "run_id": run_id,
        "recipe": "t",
        "path": str(loaded.path),
        "sha256": loaded.sha256,
        "inputs": inputs or {"emails": ["a", "b", "c"]},
    }
    path = journal_path(run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [start, {"event": "connection_ready", "name": "c", "id": "conn1"}, *records]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")


def item(kind, index, value, outputs=None):
    record = {"event": kind, "step_id": "create", "index": index, "item": value}
    if kind == "item_finish":
        record.update(status="ok", attempts=1, outputs=outputs)
    return record


def in_flight(index):
    return {"event": "call_start", "call_id": 9, "step_id": "create", "index": index}


def argv(email):
    payload = json.dumps({"email": email}, separators=(",", ":"))
    head = ["membrane", "action", "run", "create-contact", "--connectionId=conn1"]
    return [*head, "--input", payload, "--json"]


def resume_engine(loaded, plan, client):
    inputs = resolve_inputs(loaded.recipe.inputs, values={"emails": ["a", "b", "c"]})
    journal = Journal("r")
    engine = Engine(
        loaded,
        inputs,
        client,
        sinks=[journal],
        options=RunOptions(run_id="r", connections=plan.connections, resume=plan),
    )
    return engine, journal


def test_finished_items_are_reused_and_only_the_rest_runs(recipe, fake):
    write_journal("r", recipe, [item("item_start", 0, "a"), item("item_finish", 0, "a", {"id": 1})])
    fake.expect("action", "create-contact", {"email": "b"}, {"id": 2})
    fake.expect("action", "create-contact", {"email": "c"}, {"id": 3})
    plan = ResumePlan(load_state("r"), recipe, uncertain=None)
    engine, journal = resume_engine(recipe, plan, fake)
    result = engine.run()
    journal.close()
    assert result.exit_code == 0
    assert result.outputs == {"ids": [1, 2, 3]}
    state = load_state("r")
    assert state.status == "ok"
    assert {k[1]: u.status for k, u in state.items.items()} == {0: "ok", 1: "ok", 2: "ok"}


def test_an_unfinished_plain_write_stops_the_resume_naming_step_and_item(recipe):
    write_journal("r", recipe, [item("item_start", 0, "a"), in_flight(0)])
    with pytest.raises(ResumeError) as caught:
        ResumePlan(load_state("r"), recipe, uncertain=None)
    assert str(caught.value) == (
        "run r: step 'create' item 0 is a write that may or may not have been applied "
        "(it was in flight when the run stopped)"
    )
    assert caught.value.advice == (
        "Check the app, then resume with --uncertain retry (run it again) or "
        "--uncertain skip (treat it as done)."
    )


def test_uncertain_skip_treats_the_item_as_done_and_retry_runs_it(recipe):
    write_journal("r", recipe, [item("item_start", 0, "a"), in_flight(0)])
    skip = ResumePlan(load_state("r"), recipe, uncertain="skip")
    assert skip.item("create", 0, "a").status == SKIPPED
    assert skip.record()["skipped_uncertain"] == [["create", 0]]
    retry = ResumePlan(load_state("r"), recipe, uncertain="retry")
    assert retry.item("create", 0, "a") is None
    assert retry.record()["retried_uncertain"] == [["create", 0]]


def test_a_retried_write_that_then_failed_for_sure_is_not_asked_about_again(recipe):
    retried = {"event": "resume", "skipped_uncertain": [], "retried_uncertain": [["create", 0]]}
    refused = {"type": "bad_request", "message": "Email has already been taken"}
    write_journal(
        "r",
        recipe,
        [
            item("item_start", 0, "a"),
            in_flight(0),
            {"event": "run_start", "run_id": "r", "sha256": recipe.sha256},
            retried,
            item("item_start", 0, "a"),
            in_flight(0),
            {
                "event": "call_finish",
                "call_id": 9,
                "step_id": "create",
                "index": 0,
                "error": refused,
            },
            {**item("item_finish", 0, "a"), "status": "failed", "error": refused},
        ],
    )
    state = load_state("r")
    assert state.uncertain == {}
    # The next resume runs the failed item again without a question.
    plan = ResumePlan(state, recipe, uncertain=None)
    assert plan.item("create", 0, "a") is None
    # A retried write that was in flight again when that session stopped is in doubt again.
    write_journal("r2", recipe, [item("item_start", 0, "a"), in_flight(0), retried, in_flight(0)])
    assert list(load_state("r2").uncertain) == [("create", 0)]


def test_masked_outputs_of_a_plain_write_count_as_uncertain(recipe):
    write_journal("r", recipe, [item("item_start", 0, "a"), item("item_finish", 0, "a", "***")])
    with pytest.raises(ResumeError, match="step 'create' item 0 is a write"):
        ResumePlan(load_state("r"), recipe, uncertain=None)


def test_a_changed_item_at_the_same_index_runs_again(recipe):
    write_journal("r", recipe, [item("item_start", 0, "x"), item("item_finish", 0, "x", {})])
    plan = ResumePlan(load_state("r"), recipe, uncertain=None)
    assert plan.item("create", 0, "a") is None
    assert plan.item("create", 0, "x") is not None


def test_a_finished_run_has_nothing_to_resume(recipe):
    write_journal("r", recipe, [{"event": "run_finish", "status": "ok", "exit_code": 0}])
    with pytest.raises(ResumeError, match=r"^run r finished ok; there is nothing to resume$"):
        ResumePlan(load_state("r"), recipe, uncertain=None)


def test_mw_resume_refuses_a_changed_recipe_unless_forced(recipe):
    write_journal("r", recipe, [])
    old = recipe.sha256
    recipe.path.write_text(RECIPE + "# changed\n", encoding="utf-8")
    new = load_recipe(recipe.path).sha256
    result = CliRunner().invoke(cli, ["resume", "r"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"Error: run r: the recipe {recipe.path} changed since the run started "
        f"(sha256 {old[:12]} is now {new[:12]})"
    )
    assert "Resume anyway with --force" in result.stderr


def test_mw_resume_asks_for_a_secret_again(recipe):
    write_journal("r", recipe, [], inputs={"emails": ["a"], "token": "***"})
    result = CliRunner().invoke(cli, ["resume", "r"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "Error: input 'token' is secret and not kept in the journal: give it again (-i token=...)"
    )


def test_mw_resume_refuses_a_new_value_for_a_recorded_input(recipe):
    write_journal("r", recipe, [], inputs={"emails": ["a"], "token": "***"})
    result = CliRunner().invoke(cli, ["resume", "r", "-i", 'emails=["b"]', "-i", "token=t"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: -i emails: run r recorded this input; a resume reuses it (only secret inputs "
        "are given again)",
        "  To run with another value, start a new run with `mw run`.",
    ]


def test_mw_resume_of_an_unknown_run():
    result = CliRunner().invoke(cli, ["resume", "nope"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: no run 'nope' in ")


def test_the_journal_never_holds_a_secret(recipe, fake):
    secret = "s3cr3t-token-value"
    text = textwrap.dedent(RECIPE).replace(
        'input: {email: "${item}"}', 'input: {email: "${item}", t: "${inputs.token}"}'
    )
    recipe.path.write_text(text, encoding="utf-8")
    loaded = load_recipe(recipe.path)
    inputs = resolve_inputs(loaded.recipe.inputs, values={"emails": ["a"], "token": secret})
    fake.expect("action", "create-contact", {"email": "a", "t": secret}, {"id": secret})
    journal = Journal("sec")
    engine = Engine(
        loaded,
        inputs,
        fake,
        sinks=[journal],
        options=RunOptions(run_id="sec", connections={"c": "conn1"}),
    )
    assert engine.run().exit_code == 0
    journal.close()
    text = journal_path("sec").read_text(encoding="utf-8")
    assert secret not in text
    assert fold("sec", [json.loads(line) for line in text.splitlines()]).inputs["token"] == "***"


MW = ["--membrane", "membrane", "run", "--connection", "c=conn1"]


def test_ctrl_c_exits_130_and_prints_the_resume_command(recipe, fake_process, monkeypatch):
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "current")
    engines: list[Engine] = []
    build = Engine.__init__

    def capture(self, *args, **kwargs):
        build(self, *args, **kwargs)
        engines.append(self)

    monkeypatch.setattr(Engine, "__init__", capture)

    def interrupt(process):
        _thread.interrupt_main()  # what Ctrl-C does: KeyboardInterrupt in the main thread
        # The call in flight ends only once the main thread has heard it: on a loaded machine
        # the main thread can otherwise wake after this worker has started the next item.
        assert engines[0].stop.wait(120)

    fake_process.register(argv("a"), stdout=json.dumps({"output": {"id": 1}}), callback=interrupt)
    result = CliRunner().invoke(
        cli,
        [*MW, str(recipe.path), "-i", 'emails=["a","b"]', "--run-id", "intr", "-q"],
    )
    assert result.exit_code == 130, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "  The journal is kept; continue with: mw resume intr"
    )
    assert load_state("intr").status == "interrupted"
