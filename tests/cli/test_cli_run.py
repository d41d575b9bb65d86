"""`mw run` and `mw plan` as users see them: exit codes, messages, reports on disk."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import helpers
from wrapper.cli import cli

RECIPE = str(Path(__file__).parents[1] / "data" / "recipes" / "tag-contacts.yaml")
SECRET = "tok-SECRET-42"


def argv(key, payload, conn="c1"):
    data = json.dumps(payload, separators=(",", ":"))
    return ["membrane", "action", "run", key, f"--connectionId={conn}", "--input", data, "--json"]


@pytest.fixture(autouse=True)
def current_dialect(monkeypatch):
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "current")


def found(fake_process, ids, query="ada"):
    fake_process.register(
        argv("search-contacts", {"q": query}),
        stdout=json.dumps({"output": {"payload": [{"id": i} for i in ids]}}),
    )


def tagged(fake_process, contact, note=None, fails=False):
    payload = {"contact_id": contact, "labels": ["vip"], "note": note}
    if fails:
        body = {"type": "bad_request", "message": f"cannot label {contact} with {note}"}
        fake_process.register(
            argv("add-contact-labels", payload), stderr=json.dumps(body), returncode=1
        )
    else:
        fake_process.register(
            argv("add-contact-labels", payload), stdout=json.dumps({"output": ["vip"]})
        )


mw = partial(helpers.mw, membrane="membrane")


def test_run_prints_progress_on_stderr_and_outputs_on_stdout(fake_process):
    found(fake_process, [1, 2])
    tagged(fake_process, 1)
    tagged(fake_process, 2)
    result = mw("run", RECIPE, "-i", "query=ada", "--connection", "chatwoot=c1", "--run-id", "R")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "found: 2\n"
    lines = result.stderr.splitlines()
    assert lines[0] == f"[run] tag-contacts ({RECIPE}) id R"
    assert lines[1] == "[connection] chatwoot = c1 (given)"
    assert lines[2].startswith("[ok] find ")
    assert "foreach tag 0/2" in lines
    assert "foreach tag 2/2" in lines
    assert any(line.startswith("[ok] tag ") and line.endswith("(2 ok)") for line in lines)
    assert lines[-1].startswith("[ok] run finished in ")


def test_quiet_prints_only_the_result(fake_process):
    found(fake_process, [1])
    tagged(fake_process, 1)
    result = mw("run", RECIPE, "-q", "-i", "query=ada", "--connection", "chatwoot=c1")
    assert result.exit_code == 0
    assert (result.stdout, result.stderr) == ("found: 1\n", "")


def test_json_report_and_files(fake_process, tmp_path):
    found(fake_process, [1])
    tagged(fake_process, 1, note=SECRET)
    report, junit, events = tmp_path / "r.json", tmp_path / "j.xml", tmp_path / "e.ndjson"
    result = mw(
        "run",
        RECIPE,
        "-i",
        "query=ada",
        "-i",
        f"token={SECRET}",
        "--connection",
        "chatwoot=c1",
        "--json",
        "--report",
        str(report),
        "--junit",
        str(junit),
        "--events",
        str(events),
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "ok" and data["outputs"] == {"found": 1}
    assert data["inputs"]["token"] == "***"
    assert json.loads(report.read_text()) == data
    # A testcase per step and one per assertion.
    assert ET.parse(junit).getroot().find("testsuite").get("tests") == "3"
    kinds = [json.loads(line)["event"] for line in events.read_text().splitlines()]
    assert kinds[0] == "run_start" and kinds[-1] == "run_finish"
    for text in (
        result.stdout,
        result.stderr,
        report.read_text(),
        junit.read_text(),
        events.read_text(),
    ):
        assert SECRET not in text


def test_events_to_stdout(fake_process):
    found(fake_process, [])
    result = mw(
        "run",
        RECIPE,
        "-q",
        "-i",
        "query=ada",
        "-i",
        "min_found=0",
        "--connection",
        "chatwoot=c1",
        "--events",
        "-",
    )
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[-1]["event"] == "run_finish" and events[-1]["exit_code"] == 0


def test_plan_runs_reads_only(fake_process):
    found(fake_process, [7])
    result = mw(
        "plan", RECIPE, "-i", "query=ada", "-i", f"token={SECRET}", "--connection", "chatwoot=c1"
    )
    assert result.exit_code == 0, result.stderr
    assert [c[3] for c in fake_process.calls] == ["search-contacts"]
    planned = argv("add-contact-labels", {"contact_id": 7, "labels": ["vip"], "note": "***"})
    assert f"[planned] tag[0]: {' '.join(planned[:-3])}" in result.stderr
    assert SECRET not in result.stderr + result.stdout


def test_a_failing_step_exits_1_with_a_masked_error(fake_process):
    found(fake_process, [1])
    tagged(fake_process, 1, note=SECRET, fails=True)
    result = mw(
        "run", RECIPE, "-i", "query=ada", "-i", f"token={SECRET}", "--connection", "chatwoot=c1"
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        "Error: step 'tag' failed: item 0: membrane action run add-contact-labels failed: "
        "cannot label 1 with ***",
        "  Compare the input with the schema: `mw actions get KEY --connection C`.",
    ]
    assert SECRET not in result.stderr + result.stdout


def test_a_failing_assertion_exits_3(fake_process):
    found(fake_process, [])
    result = mw("run", RECIPE, "-q", "-i", "query=ada", "--connection", "chatwoot=c1")
    assert result.exit_code == 3
    assert "Error: assertion failed: too few contacts found" in result.stderr


def test_a_bad_input_exits_2_before_any_call(fake_process):
    result = mw("run", RECIPE, "-i", "query=ada", "-i", "min_found=many")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: input 'min_found': 'many' is not an integer\n")
    assert list(fake_process.calls) == []


def test_usage_errors_exit_2(fake_process, tmp_path):
    result = mw("run", RECIPE, "-i", "query=a", "--connection", "nope=c1")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: --connection nope: the recipe declares no such connection (it declares: chatwoot)"
    )
    result = mw("run", RECIPE, "-i", "query=a", "--json", "--events", "-")
    assert result.exit_code == 2
    assert "--json and --events - both want stdout" in result.stderr
    result = mw("run", RECIPE, "-i", "query=a", "--run-id", "../escape")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --run-id '../escape': use letters, digits")
    result = mw("run", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    assert "missing.yaml: no such file" in result.stderr


def test_not_logged_in_exits_4(fake_process):
    fake_process.register(
        argv("search-contacts", {"q": "ada"}),
        stderr=json.dumps({"type": "not_authenticated", "message": "not logged in"}),
        returncode=1,
    )
    result = mw("run", RECIPE, "-q", "-i", "query=ada", "--connection", "chatwoot=c1")
    assert result.exit_code == 4
    assert "membrane login --tenant" in result.stderr


def test_help_has_examples():
    for command in ("run", "plan"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0
        assert "Examples:" in result.output


def test_github_actions_annotations_and_summary(fake_process, monkeypatch, tmp_path):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    found(fake_process, [1])
    tagged(fake_process, 1, note=SECRET, fails=True)
    result = mw(
        "run",
        RECIPE,
        "-q",
        "-i",
        "query=ada",
        "-i",
        f"token={SECRET}",
        "--connection",
        "chatwoot=c1",
    )
    assert result.exit_code == 1
    assert (
        f"::error file={RECIPE},line=16,col=5,title=mw run%3A step 'tag' failed::step 'tag' "
        "failed: item 0: membrane action run "
        "add-contact-labels failed: cannot label 1 with ***"
    ) in result.stderr.splitlines()
    text = summary.read_text()
    assert "| `tag` | ❌ failed | 1 |" in text
    assert SECRET not in text


def test_the_views_render_every_event_kind():
    import io

    from wrapper.cli.console import LiveView, PlainView
    from wrapper.records import events as ev

    stream = [
        ev.RunStart(run_id="r", recipe="demo", path="demo.yaml"),
        ev.ConnectionReady(run_id="r", name="c", app="chatwoot", id="c1"),
        ev.StepStart(run_id="r", step_id="tag", items_total=2),
        ev.ItemStart(run_id="r", step_id="tag", index=0, item=1),
        ev.RetryScheduled(
            run_id="r",
            step_id="tag",
            index=0,
            attempt=1,
            attempts=3,
            delay_s=0.5,
            error={"message": "busy"},
        ),
        ev.ItemFinish(run_id="r", step_id="tag", index=0, status="ok", attempts=2),
        ev.ItemFinish(run_id="r", step_id="tag", index=1, status="failed", error={"message": "no"}),
        ev.StepFinish(run_id="r", step_id="tag", status="failed", error={"message": "item 1"}),
        ev.RunFinish(run_id="r", status="failed", exit_code=1, duration_s=1.25),
    ]
    plain = io.StringIO()
    view = PlainView(plain)
    for event in stream:
        view.handle(event)
    assert plain.getvalue().splitlines() == [
        "[run] demo (demo.yaml) id r",
        "[connection] c = c1 (ensured)",
        "foreach tag 0/2",
        "[retry] tag[0] attempt 1/3 failed, next in 0.50s: busy",
        "foreach tag 1/2",
        "[failed] tag[1]: no",
        "foreach tag 2/2",
        "[failed] tag: item 1",
        "[failed] run finished in 1.25s",
    ]
    live_out = io.StringIO()
    live = LiveView(live_out)
    for event in stream:
        live.handle(event)
    live.close()
    assert "tag" in live_out.getvalue()
    assert "2/2" in live_out.getvalue()


def test_the_views_show_a_shard_and_steps_done_before_a_resume():
    import io

    from wrapper.cli.console import LiveView, PlainView
    from wrapper.records import events as ev

    stream = [
        ev.RunStart(run_id="r", recipe="demo", path="demo.yaml", shard={"index": 2, "total": 3}),
        ev.StepStart(run_id="r", step_id="find", items_total=1),
        ev.ShardSplit(run_id="r", step_id="find", index=2, total=3, items_total=4, selected=1),
        ev.ItemFinish(run_id="r", step_id="find", index=1, status="ok", resumed=True),
        ev.StepFinish(run_id="r", step_id="find", status="ok", resumed=True),
        ev.RunFinish(run_id="r", status="ok", duration_s=0.5),
    ]
    plain = io.StringIO()
    view = PlainView(plain)
    for event in stream:
        view.handle(event)
    assert plain.getvalue().splitlines() == [
        "[run] demo (demo.yaml) id r",
        "foreach find 0/1",
        "[shard] 2/3 of find: 1 of 4 items",
        "foreach find 1/1",
        "[ok] find (finished before the resume, not run again)",
        "[ok] run finished in 0.50s",
    ]
    live_out = io.StringIO()
    live = LiveView(live_out)
    for event in stream:
        live.handle(event)
    live.close()
    assert "run demo · r · shard 2/3" in live_out.getvalue()
    assert "done before the resume" in live_out.getvalue()


def test_a_run_id_already_used_is_refused_before_anything_runs(fake_process, tmp_path):
    found(fake_process, [1])
    tagged(fake_process, 1)
    args = ["-i", "query=ada", "--connection", "chatwoot=c1", "--run-id", "R"]
    first = mw("run", RECIPE, *args)
    assert first.exit_code == 0, first.stderr
    # No call is registered now: the refusal comes before any.
    again = mw("run", RECIPE, *args)
    assert again.exit_code == 2
    journal = tmp_path / "state" / "runs" / "R" / "journal.jsonl"
    assert again.stderr.splitlines() == [
        f"Error: --run-id R: a run with this id exists ({journal})",
        "  Continue it with `mw resume R`, or choose another id.",
    ]
    # plan keeps no journal, so it may reuse the id.
    found(fake_process, [1])
    planned = mw("plan", RECIPE, *args)
    assert planned.exit_code == 0, planned.stderr


def test_a_recipe_lint_rejects_is_not_run(tmp_path):
    # No membrane call is registered: the run must stop before any.
    (tmp_path / "a.yaml").write_text(
        "version: 1\nname: a\nconnections:\n  c: {app: chatwoot}\n"
        "steps:\n  - id: s\n    recipe: ./b.yaml\n"
    )
    (tmp_path / "b.yaml").write_text(
        "version: 1\nname: b\nconnections:\n  c: {app: chatwoot}\n"
        "steps:\n  - id: s\n    recipe: ./a.yaml\n"
    )
    for command in ("run", "plan"):
        result = mw(command, str(tmp_path / "a.yaml"))
        assert result.exit_code == 2
        assert result.stderr.splitlines()[0] == (
            f"Error: {tmp_path / 'a.yaml'}:7:13: steps[0].recipe: sub-recipe cycle: "
            "a.yaml -> b.yaml -> a.yaml"
        )


def test_an_output_file_that_cannot_be_written_is_refused_before_any_call(tmp_path):
    # No membrane call is registered: the refusal must come before any.
    (tmp_path / "afile").write_text("")
    for option in ("--report", "--junit"):
        target = tmp_path / "afile" / "out"
        result = mw("run", RECIPE, "-i", "query=ada", option, str(target))
        assert result.exit_code == 2
        assert result.stderr.splitlines()[0].startswith(
            f"Error: {option} {target}: cannot create its folder: "
        )


def test_a_report_to_a_device_is_written_in_place(fake_process, tmp_path):
    import os
    import stat

    found(fake_process, [])
    link = tmp_path / "report.json"
    link.symlink_to(os.devnull)
    result = mw(
        "run", RECIPE, "-i", "query=ada", "--connection", "chatwoot=c1", "--report", str(link)
    )
    assert result.exit_code in (0, 3), result.stderr
    # The link (and the device behind it) are still there: nothing was renamed over them.
    assert link.is_symlink()
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_logged_out_run_leaves_a_red_junit_and_a_failed_report(fake_process, tmp_path):
    fake_process.register(
        ["membrane", fake_process.any()],
        stderr=json.dumps({"type": "not_authenticated", "message": "not logged in"}),
        returncode=1,
        occurrences=20,
    )
    junit, report = tmp_path / "junit.xml", tmp_path / "run.json"
    result = mw(
        "run", RECIPE, "-q", "-i", "query=ada", "--junit", str(junit), "--report", str(report)
    )
    assert result.exit_code == 4
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("1", "1")
    case = suite.find("testcase")
    assert case.get("name") == "run"
    assert "not logged in" in case.find("failure").get("message")
    assert json.loads(report.read_text())["status"] == "failed"


def test_a_run_lint_refuses_still_writes_a_red_junit_and_summary(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    recipe = tmp_path / "a.yaml"
    recipe.write_text(
        "version: 1\nname: a\nconnections:\n  c: {app: chatwoot}\n"
        "steps:\n  - {id: s, action: x, input: {v: '${steps.nope.outputs.x}'}}\n"
    )
    junit = tmp_path / "junit.xml"
    result = mw("run", str(recipe), "--junit", str(junit))
    assert result.exit_code == 2
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case.get("name") == "run"
    assert case.find("failure").get("message") == (
        f"{recipe}:6:35: steps[0].input.v: no step has the id 'nope'"
    )
    assert "### mw run `a`" in summary.read_text()
    assert ": failed (exit 2" in summary.read_text()


def test_the_live_view_builds_its_table_when_it_draws_not_per_event(monkeypatch):
    import io

    from wrapper.cli.console import LiveView
    from wrapper.records import events as ev

    built = [0]
    render = LiveView._render

    def counted(self: LiveView) -> object:
        built[0] += 1
        return render(self)

    monkeypatch.setattr(LiveView, "_render", counted)
    out = io.StringIO()
    live = LiveView(out)
    live.handle(ev.RunStart(run_id="r", recipe="demo", path="demo.yaml"))
    live.handle(ev.StepStart(run_id="r", step_id="each", items_total=5000))
    for index in range(5000):
        live.handle(ev.ItemFinish(run_id="r", step_id="each", index=index, status="ok"))
    live.handle(ev.StepFinish(run_id="r", step_id="each", status="ok"))
    live.handle(ev.RunFinish(run_id="r", status="ok"))
    live.close()
    # Drawn 8 times a second: far fewer tables than events, however slow the machine.
    assert 1 <= built[0] < 2500
    assert "5000/5000" in out.getvalue()
