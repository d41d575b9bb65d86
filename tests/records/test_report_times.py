"""Start and finish times in the report: per step, per item, per call and per wait."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime

import jsonschema

from wrapper.membrane.client import MembraneClient
from wrapper.recipe.inputs import resolve_inputs
from wrapper.recipe.loader import load_recipe_text
from wrapper.records import events as ev
from wrapper.records.report import ReportBuilder, report_schema
from wrapper.records.timing import Timing, shift
from wrapper.run.engine import Engine, RunOptions

RECIPE = textwrap.dedent("""\
    version: 1
    name: times
    connections:
      c: {app: chatwoot}
    steps:
      - id: flaky
        effect: read
        action: flaky
        retry: {attempts: 3, backoff: fixed, initial: 2s, jitter: false}
      - id: each
        effect: read
        foreach: {items: "`[1, 2]`"}
        action: each
        input: {n: "${item}"}
    """)

ISO_MS = "%Y-%m-%dT%H:%M:%S.%fZ"


def argv(key, payload=None):
    if payload is None:
        return ["membrane", "action", "run", key, "--connectionId=c1", "--json"]
    data = json.dumps(payload, separators=(",", ":"))
    return ["membrane", "action", "run", key, "--connectionId=c1", "--input", data, "--json"]


def parse(stamp):
    return datetime.strptime(stamp, ISO_MS)


def run(fake_process, *, before_call=None, clock=None):
    rate = {"type": "rate_limit", "key": "rate_limit_exceeded", "message": "slow down"}
    fake_process.register(argv("flaky"), stderr=json.dumps(rate), returncode=1)
    fake_process.register(argv("flaky"), stdout=json.dumps({"output": {"ok": True}}))
    for n in (1, 2):
        fake_process.register(argv("each", {"n": n}), stdout=json.dumps({"output": {}}))
    loaded = load_recipe_text(RECIPE, "times.yaml")
    builder = ReportBuilder()
    options = RunOptions(
        run_id="t1",
        connections={"c": "c1"},
        sleep=lambda seconds: None,
        before_call=before_call,
    )
    if clock is not None:
        options.clock = clock
    engine = Engine(
        loaded,
        resolve_inputs(loaded.recipe.inputs, values={}),
        MembraneClient(["membrane"], dialect="current"),
        sinks=[builder],
        options=options,
    )
    result = engine.run()
    assert result.exit_code == 0, result.error
    return builder.report().to_json()


def test_every_step_and_item_has_its_start_and_finish_in_iso_utc_with_ms(fake_process):
    data = run(fake_process)
    jsonschema.Draft202012Validator(report_schema()).validate(data)
    run_start, run_end = parse(data["started_at"]), parse(data["finished_at"])
    units = [*data["steps"], *data["steps"][1]["items"]]
    assert len(units) == 4
    for unit in units:
        start, end = parse(unit["started_at"]), parse(unit["finished_at"])
        assert run_start <= start <= end <= run_end
        assert unit["started_at"].endswith("Z") and len(unit["started_at"]) == 24
    each = data["steps"][1]
    for item in each["items"]:
        assert parse(each["started_at"]) <= parse(item["started_at"])
        assert parse(item["finished_at"]) <= parse(each["finished_at"])
        # One call and no wait: nothing the item's own bar does not already show.
        assert item["calls"] is None and item["waits"] is None


def test_a_retried_step_lists_each_attempt_and_the_back_off_between(fake_process):
    flaky = run(fake_process)["steps"][0]
    assert flaky["attempts"] == 2
    calls = flaky["calls"]
    assert [(c["attempt"], c["page"], c["status"]) for c in calls] == [
        (1, 1, "failed"),
        (2, 1, "ok"),
    ]
    (wait,) = flaky["waits"]
    assert (wait["kind"], wait["attempt"]) == ("retry", 1)
    # The back-off is the retry's planned 2 s, from the moment it was scheduled.
    assert (parse(wait["finished_at"]) - parse(wait["started_at"])).total_seconds() == 2.0
    assert parse(calls[0]["finished_at"]) <= parse(wait["started_at"])
    assert parse(flaky["started_at"]) <= parse(calls[0]["started_at"])


def test_a_wait_for_the_rate_limit_is_a_wait_before_its_call(fake_process):
    now = [100.0]

    def clock():
        return now[0]

    def before_call(unit, connection):
        if unit is not None and unit.step_id == "each" and unit.index == 1:
            now[0] += 1.5  # this call waited 1.5 s for a token

    data = run(fake_process, before_call=before_call, clock=clock)
    first, second = data["steps"][1]["items"]
    assert first["waits"] is None
    (wait,) = second["waits"]
    (call,) = second["calls"]
    assert (wait["kind"], wait["attempt"], call["rate_wait_s"]) == ("rate_limit", 1, 1.5)
    assert wait["finished_at"] == call["started_at"]
    assert wait["started_at"] == shift(call["started_at"], -1.5)


def test_a_resumed_unit_has_no_times_rather_than_the_replays():
    builder = ReportBuilder()
    builder.handle(ev.RunStart(run_id="r", recipe="x"))
    builder.handle(ev.StepStart(run_id="r", step_id="a"))
    builder.handle(ev.StepFinish(run_id="r", step_id="a", resumed=True))
    builder.handle(ev.StepStart(run_id="r", step_id="b"))
    builder.handle(ev.StepFinish(run_id="r", step_id="b"))
    a, b = builder.report().steps
    assert (a.started_at, a.finished_at) == (None, None)
    assert b.started_at is not None and b.finished_at is not None


def test_calls_of_connections_and_unfinished_calls_are_tolerated():
    timing = Timing()
    timing.fold(ev.CallStart(run_id="r", call_id=1, step_id=""))  # ensuring a connection
    timing.fold(ev.CallStart(run_id="r", call_id=2, step_id="s", page=1))
    timing.fold(ev.CallFinish(run_id="r", call_id=2, step_id="s"))
    timing.fold(ev.CallStart(run_id="r", call_id=3, step_id="s", page=2))
    calls, waits = timing.take("s", None)
    assert calls is not None and waits is None
    assert [(c.page, c.status, c.finished_at is None) for c in calls] == [
        (1, "ok", False),
        (2, None, True),
    ]
    assert timing.take("", None) == (None, None)


def test_shift_keeps_the_event_time_format():
    assert shift("2026-12-01T10:00:59.500Z", 0.75) == "2026-12-01T10:01:00.250Z"
    assert shift("2026-12-01T00:00:00.000Z", -1) == "2026-11-30T23:59:59.000Z"


def test_a_merge_keeps_every_items_times_and_spans_each_step_over_its_shards(
    fake_process, tmp_path
):
    from tests.records.test_merge import merged, shard_reports
    from wrapper.records.merge import read_report

    paths = shard_reports(fake_process, tmp_path, total=2)
    shards = [read_report(path) for path in paths]
    report = merged(paths)
    look = next(s for s in report.steps if s.id == "look")
    by_shard = {
        (shard.shard.index if shard.shard else 0, item.item): item
        for shard in shards
        for item in next(s for s in shard.steps if s.id == "look").items or []
    }
    for item in look.items or []:
        original = by_shard[(item.shard, item.item)]
        assert item.started_at is not None
        assert (item.started_at, item.finished_at) == (original.started_at, original.finished_at)
    shard_looks = [next(s for s in shard.steps if s.id == "look") for shard in shards]
    assert look.started_at == min(s.started_at for s in shard_looks if s.started_at)
    assert look.finished_at == max(s.finished_at for s in shard_looks if s.finished_at)
