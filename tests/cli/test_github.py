"""GitHub Actions output: annotations and the job summary, exactly as a workflow run shows them.

`mw run`, `mw plan` and `mw lint` are invoked through CliRunner with GITHUB_ACTIONS=true and
GITHUB_STEP_SUMMARY pointing at a temporary file; membrane is faked with pytest-subprocess.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from wrapper.cli import cli
from wrapper.cli.github import workflow_command

SECRET = "tok-SECRET-42"
RECIPE = """\
version: 1
name: gh-demo
inputs:
  token: {type: string, secret: true}
connections:
  chatwoot: {app: chatwoot}
steps:
  - id: find
    effect: read
    action: search-contacts
    connection: chatwoot
    input: {q: ada}
    outputs: {ids: "payload[*].id"}
  - id: tag
    action: add-labels
    connection: chatwoot
    foreach: {items: steps.find.outputs.ids, concurrency: 1}
    input: {contact_id: "${item}", note: "${inputs.token}"}
outputs:
  found: length(steps.find.outputs.ids)
assert:
  - that: "outputs.found > `5`"
    message: at least six contacts
"""


def _argv(key, payload):
    data = json.dumps(payload, separators=(",", ":"))
    return ["membrane", "action", "run", key, "--connectionId=c1", "--input", data, "--json"]


@pytest.fixture(autouse=True)
def github(monkeypatch, tmp_path):
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "current")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier content\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.yaml").write_text(RECIPE)
    return summary


def _found(fake_process, ids):
    fake_process.register(
        _argv("search-contacts", {"q": "ada"}),
        stdout=json.dumps({"output": {"payload": [{"id": i} for i in ids]}}),
    )


def _tag(fake_process, contact, *, fails=False):
    argv = _argv("add-labels", {"contact_id": contact, "note": SECRET})
    if fails:
        body = {"type": "bad_request", "message": f"cannot label {contact} with {SECRET}"}
        fake_process.register(argv, stderr=json.dumps(body), returncode=1)
    else:
        fake_process.register(argv, stdout=json.dumps({"output": {"ok": True}}))


def _mw(*args):
    return CliRunner().invoke(
        cli,
        ["--membrane", "membrane", *args, "--connection", "chatwoot=c1", "-i", f"token={SECRET}"],
    )


def _summary(path: Path) -> str:
    """The summary with durations (which vary from run to run) replaced by `T`."""
    return re.sub(r"\d+\.\d\ds", "Ts", path.read_text())


def _annotations(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("::")]


def test_workflow_command_escapes_data_and_properties():
    assert (
        workflow_command("error", "50% off\r\nnow", file="a,b:c.yaml", line=3, col=7)
        == "::error file=a%2Cb%3Ac.yaml,line=3,col=7::50%25 off%0D%0Anow"
    )
    assert workflow_command("warning", "no place") == "::warning::no place"
    assert workflow_command("error", "x", file="r.yaml") == "::error file=r.yaml::x"


def test_failed_step_annotation_and_summary_table(fake_process, github):
    _found(fake_process, [1, 2])
    _tag(fake_process, 1)
    _tag(fake_process, 2, fails=True)
    result = _mw("run", "demo.yaml", "-q")
    assert result.exit_code == 1
    assert _annotations(result.stderr) == [
        "::error file=demo.yaml,line=14,col=5::step 'tag' failed: item 1: membrane action run "
        "add-labels failed: cannot label 2 with ***"
    ]
    assert _summary(github) == (
        "# earlier content\n"
        "### mw run `gh-demo`: failed (exit 1, Ts)\n"
        "\n"
        "| step | status | attempts | duration | note |\n"
        "|---|---|---|---|---|\n"
        "| `find` | ✅ ok | 1 | Ts |  |\n"
        "| `tag` | ❌ failed | 2 | Ts | 1 failed, 1 ok |\n"
        "\n"
        "**Error:** step 'tag' failed: item 1: membrane action run add-labels failed: cannot "
        "label 2 with ***\n"
        "\n"
    )
    assert SECRET not in result.output + github.read_text()


def test_failed_assertion_is_annotated_at_the_assert_block(fake_process, github):
    _found(fake_process, [1])
    _tag(fake_process, 1)
    result = _mw("run", "demo.yaml", "-q")
    assert result.exit_code == 3
    assert _annotations(result.stderr) == [
        "::error file=demo.yaml,line=22,col=5::assertion failed: at least six contacts"
    ]
    assert _summary(github).splitlines()[1:] == [
        "### mw run `gh-demo`: failed (exit 3, Ts)",
        "",
        "| step | status | attempts | duration | note |",
        "|---|---|---|---|---|",
        "| `find` | ✅ ok | 1 | Ts |  |",
        "| `tag` | ✅ ok | 1 | Ts | 1 ok |",
        "",
        "**Error:** assertion failed: at least six contacts",
        "",
    ]


def test_every_failed_assertion_is_annotated_at_its_own_line(fake_process):
    _found(fake_process, [1])
    _tag(fake_process, 1)
    text = RECIPE + '  - that: "outputs.found > `9`"\n  - that: "outputs.found == `1`"\n'
    Path("demo.yaml").write_text(text)
    result = _mw("run", "demo.yaml", "-q")
    assert result.exit_code == 3
    assert _annotations(result.stderr) == [
        "::error file=demo.yaml,line=22,col=5::assertion failed: at least six contacts",
        "::error file=demo.yaml,line=24,col=5::assertion failed: outputs.found > `9`",
    ]


def test_a_failure_the_recipe_allows_is_a_warning(fake_process):
    _found(fake_process, [2])
    _tag(fake_process, 2, fails=True)
    text = RECIPE.replace(
        "    action: add-labels\n", "    action: add-labels\n    continue_on_error: true\n"
    )
    Path("demo.yaml").write_text(text.split("assert:")[0])
    result = _mw("run", "demo.yaml", "-q")
    assert result.exit_code == 0, result.output
    assert _annotations(result.stderr) == [
        "::warning file=demo.yaml,line=14,col=5::step 'tag' failed: item 0: membrane action run "
        "add-labels failed: cannot label 2 with ***"
    ]


def test_plan_summary_marks_writes_as_planned(fake_process, github):
    _found(fake_process, [1, 2])
    result = _mw("plan", "demo.yaml", "-q")
    assert result.exit_code == 0, result.output
    assert _annotations(result.stderr) == []
    assert _summary(github).splitlines()[1:] == [
        "### mw plan `gh-demo`: ok (exit 0, Ts)",
        "",
        "| step | status | attempts | duration | note |",
        "|---|---|---|---|---|",
        "| `find` | ✅ ok | 1 | Ts |  |",
        "| `tag` | 📝 planned | 0 | Ts | 2 planned |",
        "",
    ]


def test_outside_github_actions_nothing_is_added(fake_process, github, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS")
    _found(fake_process, [1, 2])
    _tag(fake_process, 1)
    _tag(fake_process, 2, fails=True)
    result = _mw("run", "demo.yaml", "-q")
    assert result.exit_code == 1
    assert _annotations(result.stderr) == []
    assert github.read_text() == "# earlier content\n"


def test_lint_prints_its_problems_through_the_same_formatter(tmp_path):
    bad = tmp_path / "odd,name.yaml"
    bad.write_text(RECIPE.replace("    effect: read\n", "    effect: read\n    iff: x\n"))
    result = CliRunner().invoke(cli, ["lint", "odd,name.yaml"])
    assert result.exit_code == 2
    assert _annotations(result.output) == [
        "::error file=odd%2Cname.yaml,line=10,col=5::steps[0]: unknown key 'iff' "
        "(did you mean 'if'?)"
    ]


def test_a_recipe_that_does_not_load_is_annotated_at_each_problem(github):
    Path("demo.yaml").write_text(
        RECIPE.replace("    effect: read\n", "    effect: reed\n").replace(
            "    action: add-labels\n", "    action: add-labels\n    iff: x\n"
        )
    )
    result = _mw("run", "demo.yaml", "-q")
    assert result.exit_code == 2
    assert _annotations(result.stderr) == [
        "::error file=demo.yaml,line=9,col=13::steps[0].effect: must be one of: read, write "
        "(got 'reed') (did you mean 'read'?)",
        "::error file=demo.yaml,line=16,col=5::steps[1]: unknown key 'iff' (did you mean 'if'?)",
    ]
    # The job summary is red too, one problem a line.
    assert github.read_text() == (
        "# earlier content\n"
        "### mw run `demo`: failed (exit 2, 0.00s)\n\n"
        "**Error:**\n\n"
        "- demo.yaml:9:13: steps[0].effect: must be one of: read, write (got 'reed') "
        "(did you mean 'read'?)\n"
        "- demo.yaml:16:5: steps[1]: unknown key 'iff' (did you mean 'if'?)\n\n"
    )


def test_a_missing_input_is_annotated_without_a_place():
    result = CliRunner().invoke(cli, ["run", "demo.yaml", "--connection", "chatwoot=c1"])
    assert result.exit_code == 2
    assert _annotations(result.stderr) == [
        "::error::input 'token' is required: pass -i token=VALUE"
    ]


def test_a_connection_that_cannot_be_ensured_is_annotated_on_the_file(fake_process, github):
    body = {"type": "bad_request", "key": "not_authenticated", "message": "Not authenticated."}
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=json.dumps(body),
        returncode=1,
    )
    result = CliRunner().invoke(
        cli, ["--membrane", "membrane", "run", "demo.yaml", "-q", "-i", f"token={SECRET}"]
    )
    assert result.exit_code == 4
    lines = _annotations(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("::error file=demo.yaml::"), result.stderr
    assert "### mw run `gh-demo`: failed (exit 4, " in github.read_text()


def test_summary_cells_keep_the_table_and_show_text_as_written():
    from wrapper.cli.github import summary_markdown
    from wrapper.records.report import ErrorReport, RecipeRef, Report, StepReport

    error = ErrorReport(message="HTTP 500: <html>a | b</html>\n  & more")
    report = Report(
        run_id="r",
        recipe=RecipeRef(name="demo", path="demo.yaml", sha256="0"),
        started_at="2026-01-01T00:00:00Z",
        status="failed",
        exit_code=1,
        duration_s=1.5,
        steps=[StepReport(id="s", status="failed", attempts=3, duration_s=1.25, error=error)],
        error=error,
    )
    assert summary_markdown(report) == (
        "### mw run `demo`: failed (exit 1, 1.50s)\n"
        "\n"
        "| step | status | attempts | duration | note |\n"
        "|---|---|---|---|---|\n"
        "| `s` | ❌ failed | 3 | 1.25s | HTTP 500: &lt;html>a \\| b&lt;/html> &amp; more |\n"
        "\n"
        "**Error:** HTTP 500: &lt;html>a | b&lt;/html> &amp; more\n"
        "\n"
    )


def test_an_output_that_fails_on_data_is_annotated_at_its_line(github):
    Path("calc.yaml").write_text(
        "version: 1\nname: calc\nsteps:\n  - id: a\n    set: {word: \"'abc'\"}\n"
        'outputs:\n  n: "abs(steps.a.outputs.word)"\n'
    )
    result = CliRunner().invoke(cli, ["run", "calc.yaml", "-q"])
    assert result.exit_code == 1
    assert _annotations(result.stderr) == [
        "::error file=calc.yaml,line=7,col=6::'abs(steps.a.outputs.word)': abs() expected "
        "number, got string 'abc'"
    ]
    assert "**Error:** calc.yaml:7:6: 'abs(steps.a.outputs.word)'" in github.read_text()
