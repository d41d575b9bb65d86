"""`mw run --shard I/N`: which step is split, which items each shard runs, what it records."""

from __future__ import annotations

import json
import textwrap
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import helpers
from wrapper.cli import cli
from wrapper.errors import UsageError
from wrapper.membrane.client import MembraneClient
from wrapper.recipe.inputs import resolve_inputs
from wrapper.recipe.loader import load_recipe_text
from wrapper.recipe.shard import Shard, choose_step, items_digest, parse_spec
from wrapper.records import events as ev
from wrapper.records.journal import load_state
from wrapper.records.report import ReportBuilder
from wrapper.run.engine import Engine, RunOptions

CONN = "conn1"

TWO_STAGES = """\
version: 1
name: tag-all
inputs:
  ids: {type: array, items: {type: integer}}
connections:
  c: {app: chatwoot}
steps:
  - id: look
    effect: read
    foreach: {items: "inputs.ids", concurrency: 2}
    action: get-contact
    input: {id: "${item}"}
    outputs: {email: email}
  - id: tag
    foreach: {items: "steps.look.items[].{id: item, email: outputs.email}", concurrency: 2}
    action: tag-contact
    input: {id: "${item.id}"}
    outputs: {ok: ok}
outputs:
  tagged: "length(steps.tag.items[?status == 'ok'])"
  ids: "length(inputs.ids)"
"""


def action_argv(key, payload):
    data = json.dumps(payload, separators=(",", ":"))
    return ["membrane", "action", "run", key, f"--connectionId={CONN}", "--input", data, "--json"]


def register(fake_process, key, payload, output):
    fake_process.register(action_argv(key, payload), stdout=json.dumps({"output": output}))


def loaded(text=TWO_STAGES):
    return load_recipe_text(textwrap.dedent(text), "r.yaml")


class Collect:
    def __init__(self):
        self.events = []

    def handle(self, event):
        self.events.append(event)


def run_shard(shard, ids, text=TWO_STAGES, run_id="run-1"):
    recipe = loaded(text)
    inputs = resolve_inputs(recipe.recipe.inputs, values={"ids": ids})
    sink, builder = Collect(), ReportBuilder()
    ticks = iter(range(1_000_000))
    engine = Engine(
        recipe,
        inputs,
        MembraneClient(["membrane"], dialect="current"),
        sinks=[sink, builder],
        options=RunOptions(
            run_id=run_id,
            connections={"c": CONN},
            clock=lambda: float(next(ticks)),
            sleep=lambda s: None,
            shard=shard,
        ),
    )
    result = engine.run()
    return result, sink.events, builder.report(), engine


# --- the spec -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"), [("2/4", (2, 4)), (" 1 / 1 ", (1, 1)), ("4/4", (4, 4))]
)
def test_a_shard_spec_reads_index_and_total(text, parsed):
    assert parse_spec(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/4", "--shard 0/4: I must be between 1 and N (N at least 1)"),
        ("5/4", "--shard 5/4: I must be between 1 and N (N at least 1)"),
        ("1/0", "--shard 1/0: I must be between 1 and N (N at least 1)"),
        ("2-4", "--shard '2-4': write it as I/N, e.g. --shard 2/4 (shard 2 of 4), or auto"),
        ("a/b", "--shard 'a/b': write it as I/N, e.g. --shard 2/4 (shard 2 of 4), or auto"),
    ],
)
def test_a_bad_shard_spec_says_how_to_write_it(text, message):
    with pytest.raises(UsageError) as info:
        parse_spec(text)
    assert str(info.value) == message


@pytest.mark.parametrize("total", [1, 2, 3, 7, 11])
def test_every_position_goes_to_exactly_one_shard_and_shards_are_even(total):
    count = 50
    shares = [Shard(i, total, "s").indexes(count) for i in range(1, total + 1)]
    every = sorted(i for share in shares for i in share)
    assert every == list(range(count))
    sizes = [len(share) for share in shares]
    assert max(sizes) - min(sizes) <= 1


# --- which step is split --------------------------------------------------------------------


def test_the_largest_foreach_over_inputs_is_split_not_the_ones_over_results():
    text = """\
    version: 1
    name: pick
    inputs:
      small: {type: array}
      big: {type: array}
    connections:
      c: {app: chatwoot}
    steps:
      - id: a
        foreach: {items: "inputs.small"}
        action: x
      - id: b
        foreach: {items: "unique_by(inputs.big, &@)"}
        action: x
      - id: c
        foreach: {items: "steps.b.items[].outputs"}
        action: x
    """
    recipe = loaded(text).recipe
    chosen = choose_step(recipe, {"small": [1, 2], "big": [1, 2, 3, 3]}, {}, "2/3")
    assert chosen == Shard(2, 3, "b")
    # A tie goes to the first such step in the recipe.
    assert choose_step(recipe, {"small": [1, 2, 3], "big": [1, 2, 3]}, {}, "1/2").step_id == "a"


def test_a_single_foreach_is_split_even_when_its_list_comes_from_a_step():
    text = """\
    version: 1
    name: one
    connections:
      c: {app: chatwoot}
    steps:
      - id: list
        effect: read
        action: list
      - id: each
        foreach: {items: "steps.list.outputs"}
        action: x
    """
    assert choose_step(loaded(text).recipe, {}, {}, "1/2") == Shard(1, 2, "each")


def test_several_foreach_steps_with_unknown_lists_need_shard_step():
    text = """\
    version: 1
    name: many
    connections:
      c: {app: chatwoot}
    steps:
      - id: list
        effect: read
        action: list
      - id: one
        foreach: {items: "steps.list.outputs"}
        action: x
      - id: two
        foreach: {items: "steps.one.items"}
        action: x
    """
    recipe = loaded(text).recipe
    with pytest.raises(UsageError) as info:
        choose_step(recipe, {}, {}, "1/2")
    assert str(info.value) == (
        "--shard 1/2: the recipe has several foreach steps (one, two) and none of their lists "
        "is known before the run"
    )
    assert info.value.advice == "Name the one to split with --shard-step ID."
    assert choose_step(recipe, {}, {}, "1/2", "two") == Shard(1, 2, "two")
    with pytest.raises(UsageError) as info:
        choose_step(recipe, {}, {}, "1/2", "list")
    assert str(info.value) == (
        "--shard-step list: not a top-level foreach step of the recipe (its foreach steps: "
        "one, two)"
    )


def test_a_recipe_without_foreach_cannot_be_sharded():
    text = """\
    version: 1
    name: flat
    connections:
      c: {app: chatwoot}
    steps:
      - id: only
        action: x
    """
    with pytest.raises(UsageError) as info:
        choose_step(loaded(text).recipe, {}, {}, "1/2")
    assert str(info.value) == "--shard 1/2: the recipe has no top-level foreach step to split"


# --- the run --------------------------------------------------------------------------------


def test_a_shard_runs_its_share_and_the_steps_over_its_results_follow(fake_process):
    # Only shard 2/3's items are registered: any other call fails the test.
    for contact in (20, 50):
        register(fake_process, "get-contact", {"id": contact}, {"email": f"{contact}@x.io"})
        register(fake_process, "tag-contact", {"id": contact}, {"ok": True})
    result, events, report, _ = run_shard(Shard(2, 3, "look"), [10, 20, 30, 40, 50, 60])
    assert result.exit_code == 0, result.error
    assert result.outputs == {"tagged": 2, "ids": 6}
    look = [e for e in events if isinstance(e, ev.ItemStart) and e.step_id == "look"]
    assert [(e.index, e.item) for e in look] == [(1, 20), (4, 50)]
    starts = {e.step_id: e.items_total for e in events if isinstance(e, ev.StepStart)}
    assert starts == {"look": 2, "tag": 2}
    (split,) = [e for e in events if isinstance(e, ev.ShardSplit)]
    assert (split.step_id, split.index, split.total, split.items_total, split.selected) == (
        "look",
        2,
        3,
        6,
        2,
    )
    assert split.items_sha256 == items_digest([10, 20, 30, 40, 50, 60])
    assert report.shard is not None
    assert report.shard.to_json() == {
        "index": 2,
        "total": 3,
        "step": "look",
        "items_total": 6,
        "selected": 2,
        "items_sha256": items_digest([10, 20, 30, 40, 50, 60]),
        "engine": None,
        "variables": None,
        "rate_share": 3,
    }
    steps = {s.id: s for s in report.steps}
    assert [i.index for i in steps["look"].items or []] == [1, 4]
    assert steps["look"].counts == {"ok": 2}
    assert [i.index for i in steps["tag"].items or []] == [0, 1]
    started = [e for e in events if isinstance(e, ev.RunStart)]
    assert started[0].shard == {"index": 2, "total": 3, "step": "look", "rate_share": 3}


def test_the_journal_keeps_the_shard_so_a_resume_splits_alike(fake_process):
    register(fake_process, "get-contact", {"id": 10}, {"email": "10@x.io"})
    register(fake_process, "tag-contact", {"id": 10}, {"ok": True})
    from wrapper.records.journal import Journal

    recipe = loaded()
    inputs = resolve_inputs(recipe.recipe.inputs, values={"ids": [10, 20]})
    journal = Journal("sharded")
    try:
        Engine(
            recipe,
            inputs,
            MembraneClient(["membrane"], dialect="current"),
            sinks=[journal],
            options=RunOptions(
                run_id="sharded", connections={"c": CONN}, shard=Shard(1, 2, "look")
            ),
        ).run()
    finally:
        journal.close()
    state = load_state("sharded")
    assert state.shard == {"index": 1, "total": 2, "step": "look", "rate_share": 2}
    assert sorted(k[1] for k in state.items if k[0] == "look") == [0]


# --- the command line -----------------------------------------------------------------------


def write_recipe(tmp_path: Path, text: str = TWO_STAGES) -> str:
    path = tmp_path / "tag-all.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


mw = partial(helpers.mw, membrane="membrane")


@pytest.fixture(autouse=True)
def current_dialect(monkeypatch):
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "current")


def test_mw_run_shard_reports_its_share_and_writes_the_report(tmp_path, fake_process):
    register(fake_process, "get-contact", {"id": 1}, {"email": "1@x.io"})
    register(fake_process, "tag-contact", {"id": 1}, {"ok": True})
    recipe = write_recipe(tmp_path)
    report_path = tmp_path / "shard-1.json"
    result = mw(
        "run",
        recipe,
        "-i",
        "ids=[1,2]",
        "--connection",
        "c=conn1",
        "--shard",
        "1/2",
        "--run-id",
        "S1",
        "--report",
        str(report_path),
    )
    assert result.exit_code == 0, result.stderr
    assert "[shard] 1/2 of look: 1 of 2 items" in result.stderr.splitlines()
    # `tag` is a write outside the split, but a foreach over the split's results: no warning.
    assert "warning" not in result.stderr
    data = json.loads(report_path.read_text())
    assert data["shard"]["index"] == 1
    assert [i["index"] for i in data["steps"][0]["items"]] == [0]


def test_mw_run_warns_of_writes_that_every_shard_runs(tmp_path, fake_process):
    text = TWO_STAGES.replace(
        "outputs:\n  tagged",
        "  - id: notify\n    action: notify\n    input: {n: 1}\noutputs:\n  tagged",
    )
    register(fake_process, "get-contact", {"id": 2}, {"email": "2@x.io"})
    register(fake_process, "tag-contact", {"id": 2}, {"ok": True})
    register(fake_process, "notify", {"n": 1}, {})
    result = mw(
        "run", write_recipe(tmp_path, text), "-i", "ids=[1,2]", "--connection", "c=conn1",
        "--shard", "2/2",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        "warning: write step notify runs in every shard (only 'look' is split)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shard", "3/2"], "Error: --shard 3/2: I must be between 1 and N (N at least 1)"),
        (["--shard-step", "look"], "Error: --shard-step needs --shard I/N"),
        (
            ["--shard", "1/2", "--shard-step", "nope"],
            "Error: --shard-step nope: not a top-level foreach step of the recipe "
            "(its foreach steps: look, tag)",
        ),
    ],
)
def test_mw_run_shard_usage_errors_exit_2(tmp_path, args, message):
    result = mw("run", write_recipe(tmp_path), "-i", "ids=[1]", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message


def test_a_resumed_shard_splits_alike_and_its_report_covers_the_whole_run(tmp_path, fake_process):
    recipe = write_recipe(tmp_path)
    register(fake_process, "get-contact", {"id": 1}, {"email": "1@x.io"})
    register(fake_process, "get-contact", {"id": 3}, {"email": "3@x.io"})
    register(fake_process, "tag-contact", {"id": 1}, {"ok": True})
    body = {"type": "bad_request", "message": "label locked"}
    fake_process.register(
        action_argv("tag-contact", {"id": 3}), stderr=json.dumps(body), returncode=1
    )
    args = ["-i", "ids=[1,2,3,4]", "--connection", "c=conn1"]
    first = mw("run", recipe, *args, "--shard", "1/2", "--run-id", "S")
    assert first.exit_code == 1, first.stderr
    # Only item 3's tag runs again; shard 2's items (2, 4) are never called.
    register(fake_process, "tag-contact", {"id": 3}, {"ok": True})
    report_path = tmp_path / "resumed.json"
    resumed = mw("resume", "S", "--report", str(report_path))
    assert resumed.exit_code == 0, resumed.stderr
    assert "[ok] look (finished before the resume, not run again)" in resumed.stderr.splitlines()
    report = json.loads(report_path.read_text())
    assert report["shard"]["index"] == 1 and report["shard"]["step"] == "look"
    steps = {s["id"]: s for s in report["steps"]}
    assert [(i["index"], i["item"], i["status"]) for i in steps["look"]["items"]] == [
        (0, 1, "ok"),
        (2, 3, "ok"),
    ]
    assert [(i["index"], i["status"]) for i in steps["tag"]["items"]] == [(0, "ok"), (1, "ok")]
    assert report["outputs"]["tagged"] == 2


def test_mw_runs_lists_and_shows_a_runs_shard(tmp_path, fake_process):
    register(fake_process, "get-contact", {"id": 2}, {"email": "2@x.io"})
    register(fake_process, "tag-contact", {"id": 2}, {"ok": True})
    args = ["-i", "ids=[1,2]", "--connection", "c=conn1", "--shard", "2/2", "--run-id", "S2"]
    assert mw("run", write_recipe(tmp_path), *args).exit_code == 0
    listed = CliRunner().invoke(cli, ["runs"], catch_exceptions=False)
    assert listed.stdout.splitlines()[0].startswith("S2  tag-all  ok  ")
    assert listed.stdout.splitlines()[0].endswith("  shard 2/2")
    shown = CliRunner().invoke(cli, ["runs", "show", "S2"], catch_exceptions=False)
    assert shown.stdout.splitlines()[2] == "shard: 2/2 of step look"
    assert "  look: ok (items: 1 ok)" in shown.stdout.splitlines()
