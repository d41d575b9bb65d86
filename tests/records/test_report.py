"""The JSON report (and its schema), JUnit XML and the NDJSON event stream."""

from __future__ import annotations

import io
import json
import textwrap
import xml.etree.ElementTree as ET

import jsonschema

from wrapper.membrane.client import MembraneClient
from wrapper.recipe.inputs import resolve_inputs
from wrapper.recipe.loader import load_recipe_text
from wrapper.records.junit import junit_xml, write_junit
from wrapper.records.report import EventWriter, ReportBuilder, report_schema, write_report
from wrapper.run.engine import Engine, RunOptions

RECIPE = textwrap.dedent("""\
    version: 1
    name: report-demo
    inputs:
      token: {type: string, secret: true}
    connections:
      c: {app: chatwoot}
    steps:
      - id: find
        effect: read
        action: find
        input: {auth: "${inputs.token}"}
        outputs: {ids: "items[].id"}
      - id: tag
        foreach: {items: "steps.find.outputs.ids"}
        skip_if: "item == `2`"
        action: tag
        input: {id: "${item}"}
        continue_on_error: true
    finally:
      - id: never_fails
        if: "`false`"
        action: noop
    outputs:
      ids: "steps.find.outputs.ids"
    """)


def argv(key, payload):
    data = json.dumps(payload, separators=(",", ":"))
    return ["membrane", "action", "run", key, "--connectionId=c1", "--input", data, "--json"]


def run_demo(fake_process):
    fake_process.register(
        argv("find", {"auth": "tok-XYZ"}),
        stdout=json.dumps({"output": {"items": [{"id": 1}, {"id": 2}, {"id": 3}]}}),
    )
    fake_process.register(argv("tag", {"id": 1}), stdout=json.dumps({"output": {}}))
    fake_process.register(
        argv("tag", {"id": 3}),
        stderr=json.dumps({"type": "bad_request", "message": "tok-XYZ may not tag 3"}),
        returncode=1,
    )
    loaded = load_recipe_text(RECIPE, "demo.yaml")
    builder = ReportBuilder()
    stream = io.StringIO()
    engine = Engine(
        loaded,
        resolve_inputs(loaded.recipe.inputs, values={"token": "tok-XYZ"}),
        MembraneClient(["membrane"], dialect="current"),
        sinks=[builder, EventWriter(stream)],
        options=RunOptions(run_id="r1", connections={"c": "c1"}),
    )
    result = engine.run()
    return result, builder.report(), stream.getvalue()


def test_report_validates_against_its_schema_and_masks_secrets(fake_process):
    result, report, _ = run_demo(fake_process)
    assert result.exit_code == 0
    data = report.to_json()
    jsonschema.Draft202012Validator(report_schema()).validate(data)
    assert data["schema_version"] == 1
    assert data["run_id"] == "r1"
    assert data["recipe"]["name"] == "report-demo"
    assert len(data["recipe"]["sha256"]) == 64
    assert data["inputs"] == {"token": "***"}
    assert data["connections"] == [{"name": "c", "app": "chatwoot", "id": "c1", "source": "given"}]
    assert [(s["id"], s["status"]) for s in data["steps"]] == [
        ("find", "ok"),
        ("tag", "failed"),
        ("never_fails", "skipped"),
    ]
    tag = data["steps"][1]
    assert [(i["index"], i["item"], i["status"]) for i in tag["items"]] == [
        (0, 1, "ok"),
        (1, 2, "skipped"),
        (2, 3, "failed"),
    ]
    assert tag["items"][2]["error"]["message"] == (
        "membrane action run tag failed: *** may not tag 3"
    )
    assert tag["counts"] == {"ok": 1, "skipped": 1, "failed": 1}
    assert data["outputs"] == {"ids": [1, 2, 3]}
    assert data["status"] == "ok" and data["exit_code"] == 0
    assert "tok-XYZ" not in json.dumps(data)


def test_junit_has_a_testcase_per_step_or_item(fake_process, tmp_path):
    _, report, _ = run_demo(fake_process)
    path = tmp_path / "out" / "junit.xml"
    write_junit(report, path)
    root = ET.parse(path).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "1", "2")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == ["find", "tag[0]", "tag[1]", "tag[2]", "never_fails"]
    failure = cases["tag[2]"].find("failure")
    assert failure is not None
    assert failure.get("message") == "membrane action run tag failed: *** may not tag 3"
    assert cases["tag[1]"].find("skipped") is not None
    assert "tok-XYZ" not in junit_xml(report)


def test_events_are_one_json_object_per_line(fake_process, tmp_path):
    _, report, text = run_demo(fake_process)
    lines = text.splitlines()
    events = [json.loads(line) for line in lines]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "run_start" and kinds[-1] == "run_finish"
    assert kinds.count("call_start") == kinds.count("call_finish") == 3
    assert kinds.count("item_start") == kinds.count("item_finish") == 3
    assert all(e["run_id"] == "r1" for e in events)
    assert "tok-XYZ" not in text
    item = next(e for e in events if e["event"] == "item_finish" and e["index"] == 0)
    assert item == {
        "event": "item_finish",
        "run_id": "r1",
        "time": item["time"],
        "step_id": "tag",
        "index": 0,
        "status": "ok",
        "attempts": 1,
        "duration_s": item["duration_s"],
        "outputs": {},
        "error": None,
        "command": None,
        "resumed": False,
    }
    out = tmp_path / "report.json"
    write_report(report, out)
    assert json.loads(out.read_text()) == report.to_json()


def _report(**fields):
    from wrapper.records.report import RecipeRef, Report

    return Report(
        run_id="r",
        recipe=RecipeRef(name="n", path="p", sha256="0" * 64),
        started_at="2026-01-01T00:00:00Z",
        **fields,
    )


def _cases(report):
    root = ET.fromstring(junit_xml(report).split("\n", 1)[1])
    suite = root.find("testsuite")
    cases = {
        case.get("name"): (
            case.find("failure").get("message") if case.find("failure") is not None else None
        )
        for case in suite.findall("testcase")
    }
    return suite.get("tests"), suite.get("failures"), cases


def test_each_failed_assertion_is_its_own_junit_failure():
    from wrapper.records.report import AssertionReport, ErrorReport

    report = _report(
        status="failed",
        exit_code=3,
        error=ErrorReport(message="2 assertions failed", class_="AssertionFailedError"),
        assertions=[
            AssertionReport(that="a", message="a holds", ok=False),
            AssertionReport(that="b", ok=True),
            AssertionReport(that="c", ok=False, error="r.yaml:9:11: 'c': boom"),
        ],
    )
    assert _cases(report) == (
        "3",
        "2",
        {
            "assert[0]": "assertion failed: a holds",
            "assert[1]": None,
            "assert[2]": "r.yaml:9:11: 'c': boom",
        },
    )


def test_a_failure_outside_any_step_is_a_run_level_junit_failure():
    from wrapper.records.report import ErrorReport

    logged_out = ErrorReport(
        type="not_logged_in", message="not logged in", class_="NotLoggedInError"
    )
    report = _report(status="failed", exit_code=4, error=logged_out)
    assert _cases(report) == ("1", "1", {"run": "not logged in"})
    # An assertion error without assertion results still shows.
    bare = ErrorReport(message="assertion failed: x", class_="AssertionFailedError")
    assert _cases(_report(status="failed", exit_code=3, error=bare))[2] == {
        "run": "assertion failed: x"
    }


def test_a_merge_with_a_shard_that_failed_outside_its_steps_is_red():
    from wrapper.records.report import ErrorReport, ShardRun

    dead = ErrorReport(message="not logged in", class_="NotLoggedInError")
    report = _report(
        status="failed",
        exit_code=4,
        error=dead,
        shards=[
            ShardRun(run_id="a", index=1, status="ok", exit_code=0),
            ShardRun(run_id="b", index=2, status="failed", exit_code=4, error=dead),
        ],
    )
    assert _cases(report) == ("1", "1", {"run (shard 2/2)": "not logged in"})


def test_the_report_file_is_streamed_with_the_same_text_as_one_dump(fake_process, tmp_path):
    _, report, _ = run_demo(fake_process)
    path = tmp_path / "run.json"
    write_report(report, path)
    written = path.read_text()
    # Items (one failed, with its error's `class`), a step without items, a secret masked.
    assert written == json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    assert '"class": "BadRequestError"' in written
    assert '"items": null' in written
    assert "tok-XYZ" not in written
    assert not list(tmp_path.glob(".*.tmp"))
