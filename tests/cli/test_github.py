"""GitHub Actions output: annotations and the job summary, exactly as a workflow run shows them.

`mw run`, `mw plan`, `mw lint` and `mw runs merge` are invoked through CliRunner with
GITHUB_ACTIONS=true, GITHUB_WORKSPACE at the test's folder and GITHUB_STEP_SUMMARY pointing at a
temporary file; membrane is faked with pytest-subprocess.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import helpers
from wrapper.cli import cli
from wrapper.cli.github import GitHubReporter, workflow_command

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
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
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
    given = ["--connection", "chatwoot=c1", "-i", f"token={SECRET}"]
    return helpers.mw(*args, *given, membrane="membrane", catch_exceptions=True)


def _summary(path: Path) -> str:
    """The summary with durations (which vary from run to run) replaced by `T`."""
    return re.sub(r"\d+\.\d\ds", "Ts", path.read_text())


def _annotations(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("::")]


GRAPH = """\
```mermaid
flowchart TD
  start(["start"])
  s_find["find<br/>action search-contacts · read"]
  start --> s_find
  s_tag[["tag<br/>action add-labels · write<br/>foreach steps.find.outputs.ids (1 at a time)"]]
  s_find --> s_tag
  done(["end"])
  s_tag --> done
"""
OK_STYLE = "fill:#dafbe1,stroke:#1a7f37,color:#0d1117"
FAILED_STYLE = "fill:#ffebe9,stroke:#cf222e,color:#0d1117"
TAG_FAILED = (
    "step 'tag' failed: item 1: membrane action run add-labels failed: cannot label 2 with ***"
)


def test_workflow_command_escapes_data_and_properties():
    assert (
        workflow_command("error", "50% off\r\nnow", file="a,b:c.yaml", line=3, col=7, title="x: y")
        == "::error file=a%2Cb%3Ac.yaml,line=3,col=7,title=x%3A y::50%25 off%0D%0Anow"
    )
    assert workflow_command("warning", "no place") == "::warning::no place"
    assert workflow_command("error", "x", file="r.yaml") == "::error file=r.yaml::x"


def test_github_actions_is_read_in_one_place():
    package = Path(__file__).resolve().parents[2] / "wrapper"
    # The variable's name as a string in code, in either quotes: that is what reading it takes.
    literal = re.compile(r"""["']GITHUB_ACTIONS["']""")
    readers = [
        (path.relative_to(package).as_posix(), len(literal.findall(path.read_text())))
        for path in sorted(package.rglob("*.py"))
        if literal.search(path.read_text())
    ]
    assert readers == [("ci.py", 1)]
    # Every GitHub annotation and summary goes through the one reporter it makes.
    users = sorted(
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if "on_github_actions(" in path.read_text() and path.name != "ci.py"
    )
    assert users == ["cli/context.py", "recipe/shard_auto.py"]


def test_failed_step_annotation_graph_and_summary_table(fake_process, github):
    _found(fake_process, [1, 2])
    _tag(fake_process, 1)
    _tag(fake_process, 2, fails=True)
    result = _mw("run", "demo.yaml", "-q")
    assert result.exit_code == 1
    assert _annotations(result.stderr) == [
        f"::error file=demo.yaml,line=14,col=5,title=mw run%3A step 'tag' failed::{TAG_FAILED}"
    ]
    # The error line is printed once, by the handler, after the annotations.
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] == [
        f"Error: {TAG_FAILED}"
    ]
    assert _summary(github) == (
        "# earlier content\n"
        "### mw run `gh-demo`: failed (exit 1, Ts)\n"
        "\n" + GRAPH + f"  classDef ok {OK_STYLE}\n"
        "  class s_find ok\n"
        f"  classDef failed {FAILED_STYLE}\n"
        "  class s_tag failed\n"
        "```\n"
        "\n"
        "| step | status | attempts | duration | note |\n"
        "|---|---|---|---|---|\n"
        "| `find` | ✅ ok | 1 | Ts |  |\n"
        "| `tag` | ❌ failed | 2 | Ts | 1 failed, 1 ok |\n"
        "\n"
        f"**Error:** {TAG_FAILED}\n"
        "\n"
    )
    assert SECRET not in result.output + github.read_text()


def test_a_step_the_run_never_reached_is_pale_in_the_graph(fake_process, github):
    fake_process.register(
        _argv("search-contacts", {"q": "ada"}),
        stderr=json.dumps({"type": "bad_request", "message": "no search today"}),
        returncode=1,
    )
    result = _mw("run", "demo.yaml", "-q")
    assert result.exit_code == 1
    text = github.read_text()
    assert (
        "  classDef notrun fill:#ffffff,stroke:#d0d7de,color:#8c959f\n  class s_tag notrun\n"
        in (text)
    )
    assert "| `find` | ❌ failed | 1 |" in _summary(github)
    assert "`tag`" not in text.split("```\n")[-1]  # never started: not in the table


def test_failed_assertion_is_annotated_at_the_assert_block(fake_process, github):
    _found(fake_process, [1])
    _tag(fake_process, 1)
    result = _mw("run", "demo.yaml", "-q")
    assert result.exit_code == 3
    assert _annotations(result.stderr) == [
        "::error file=demo.yaml,line=22,col=5,title=mw run%3A assertion failed::"
        "assertion failed: at least six contacts"
    ]
    assert _summary(github).split("```\n")[-1].splitlines() == [
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
    title = "title=mw run%3A assertion failed"
    assert _annotations(result.stderr) == [
        f"::error file=demo.yaml,line=22,col=5,{title}::assertion failed: at least six contacts",
        f"::error file=demo.yaml,line=24,col=5,{title}::assertion failed: outputs.found > `9`",
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
        "::warning file=demo.yaml,line=14,col=5,title=mw run%3A step 'tag' failed::step 'tag' "
        "failed: item 0: membrane action run add-labels failed: cannot label 2 with ***"
    ]


def test_plan_summary_marks_writes_as_planned(fake_process, github):
    _found(fake_process, [1, 2])
    result = _mw("plan", "demo.yaml", "-q")
    assert result.exit_code == 0, result.output
    assert _annotations(result.stderr) == []
    text = _summary(github)
    assert "### mw plan `gh-demo`: ok (exit 0, Ts)\n" in text
    assert (
        "  classDef planned fill:#ddf4ff,stroke:#0969da,color:#0d1117\n  class s_tag planned\n"
        in (text)
    )
    assert text.split("```\n")[-1].splitlines() == [
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
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] == [
        f"Error: {TAG_FAILED}"
    ]
    assert github.read_text() == "# earlier content\n"


def test_paths_are_relative_to_the_workspace(fake_process, github, monkeypatch, tmp_path):
    _found(fake_process, [1, 2])
    _tag(fake_process, 1)
    _tag(fake_process, 2, fails=True)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "demo.yaml").write_text(RECIPE)
    monkeypatch.chdir(tmp_path / "sub")  # a `working-directory:` below the repository
    result = _mw("run", "demo.yaml", "-q")
    assert _annotations(result.stderr) == [
        f"::error file=sub/demo.yaml,line=14,col=5,title=mw run%3A step 'tag' failed::{TAG_FAILED}"
    ]


def test_a_file_outside_the_workspace_is_named_in_the_message(fake_process, github, tmp_path):
    _found(fake_process, [1, 2])
    _tag(fake_process, 1)
    _tag(fake_process, 2, fails=True)
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere.yaml"
    outside.write_text(RECIPE)
    try:
        result = _mw("run", str(outside), "-q")
    finally:
        outside.unlink()
    assert _annotations(result.stderr) == [
        f"::error title=mw run%3A step 'tag' failed::{outside}:14:5: {TAG_FAILED}"
    ]


def _many_problems(count: int) -> str:
    steps = "".join(f"  - {{id: s{n:02d}, set: {{v: '`1`'}}, iff: x}}\n" for n in range(count))
    return f"version: 1\nname: many\nsteps:\n{steps}"


def test_lint_annotations_are_capped_and_every_problem_is_in_the_summary(github):
    Path("many.yaml").write_text(_many_problems(12))
    result = CliRunner().invoke(cli, ["lint", "many.yaml"])
    assert result.exit_code == 2
    lines = _annotations(result.stderr)
    assert lines[:10] == [
        f"::error file=many.yaml,line={n + 4},col=32,title=mw lint::steps[{n}]: "
        "unknown key 'iff' (did you mean 'if'?)"
        for n in range(10)
    ]
    assert lines[10:] == ["::notice title=mw::2 more errors in the job summary"]
    assert github.read_text() == (
        "# earlier content\n"
        "### mw lint: 1 recipe checked, 12 errors\n"
        "\n"
        "| where | kind | problem |\n"
        "|---|---|---|\n"
        + "".join(
            f"| `many.yaml:{n + 4}:32` | error | steps[{n}]: unknown key 'iff' (did you mean "
            "'if'?) |\n"
            for n in range(12)
        )
        + "\n"
    )


def test_lint_of_clean_recipes_says_so_in_the_summary(github):
    Path("demo.yaml").write_text(RECIPE)
    Path("calc.yaml").write_text("version: 1\nname: calc\nsteps:\n  - id: a\n    set: {n: '`1`'}\n")
    result = CliRunner().invoke(cli, ["lint", "demo.yaml", "calc.yaml", "--json"])
    assert result.exit_code == 0, result.output
    assert _annotations(result.stderr) == []
    assert github.read_text() == (
        "# earlier content\n### mw lint: 2 recipes checked, no problems\n\n"
    )


def test_lint_prints_its_problems_through_the_same_formatter(tmp_path):
    bad = tmp_path / "odd,name.yaml"
    bad.write_text(RECIPE.replace("    effect: read\n", "    effect: read\n    iff: x\n"))
    result = CliRunner().invoke(cli, ["lint", "odd,name.yaml"])
    assert result.exit_code == 2
    assert _annotations(result.stderr) == [
        "::error file=odd%2Cname.yaml,line=10,col=5,title=mw lint::steps[0]: "
        "unknown key 'iff' (did you mean 'if'?)"
    ]
    # stdout keeps the plain lines, for people and for `grep`.
    assert result.stdout.splitlines()[0] == (
        "odd,name.yaml:10:5: steps[0]: unknown key 'iff' (did you mean 'if'?)"
    )


def test_a_recipe_that_does_not_load_is_annotated_at_each_problem(github):
    Path("demo.yaml").write_text(
        RECIPE.replace("    effect: read\n", "    effect: reed\n").replace(
            "    action: add-labels\n", "    action: add-labels\n    iff: x\n"
        )
    )
    result = _mw("run", "demo.yaml", "-q")
    assert result.exit_code == 2
    assert _annotations(result.stderr) == [
        "::error file=demo.yaml,line=9,col=13,title=mw%3A RecipeError::steps[0].effect: must be "
        "one of: read, write (got 'reed') (did you mean 'read'?)",
        "::error file=demo.yaml,line=16,col=5,title=mw%3A RecipeError::steps[1]: unknown key "
        "'iff' (did you mean 'if'?)",
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


def test_a_recipe_with_many_problems_keeps_ten_annotations(github):
    Path("many.yaml").write_text(_many_problems(13))
    result = CliRunner().invoke(cli, ["run", "many.yaml", "-q"])
    assert result.exit_code == 2
    lines = _annotations(result.stderr)
    assert len(lines) == 11
    assert lines[9].startswith("::error file=many.yaml,line=13,col=32,title=mw%3A RecipeError::")
    assert lines[10] == "::notice title=mw::3 more errors in the job summary"
    text = github.read_text()
    assert "**3 more annotations** (GitHub shows 10 of each kind on a step):" in text
    assert "| many.yaml:16:32 | error | steps[12]: unknown key 'iff' (did you mean 'if'?) |" in text
    assert result.stderr.count("Error: ") == 1


def test_a_missing_input_is_annotated_without_a_place():
    result = CliRunner().invoke(cli, ["run", "demo.yaml", "--connection", "chatwoot=c1"])
    assert result.exit_code == 2
    assert _annotations(result.stderr) == [
        "::error title=mw%3A InputError::input 'token' is required: pass -i token=VALUE"
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
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("::error file=demo.yaml,title=mw run failed::"), lines
    assert "### mw run `gh-demo`: failed (exit 4, " in github.read_text()
    # Annotated once, by the run's reporter; printed once, by the handler.
    assert result.stderr.count("Error: ") == 1


def test_summary_cells_keep_the_table_and_show_text_as_written(tmp_path):
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
    shown: list[str] = []
    summary = tmp_path / "replayed.md"
    GitHubReporter(summary=str(summary), write=shown.append).replay(report)
    assert shown == ["::error title=mw run failed::HTTP 500: <html>a | b</html>%0A  & more"]
    assert summary.read_text() == (
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
        "::error file=calc.yaml,line=7,col=6,title=mw run failed::'abs(steps.a.outputs.word)': "
        "abs() expected number, got string 'abc'"
    ]
    assert "**Error:** calc.yaml:7:6: 'abs(steps.a.outputs.word)'" in github.read_text()


def test_many_allowed_failures_are_capped_per_kind(fake_process, github):
    ids = list(range(1, 13))
    steps = "".join(
        f"  - id: t{n}\n    action: add-labels\n    connection: chatwoot\n"
        f"    continue_on_error: true\n    input: {{contact_id: {n}, note: x}}\n"
        for n in ids
    )
    Path("many.yaml").write_text(
        "version: 1\nname: many\ninputs:\n  token: {type: string, secret: true}\n"
        f"connections:\n  chatwoot: {{app: chatwoot}}\nsteps:\n{steps}"
    )
    for n in ids:
        argv = _argv("add-labels", {"contact_id": n, "note": "x"})
        body = {"type": "bad_request", "message": f"no label for {n}"}
        fake_process.register(argv, stderr=json.dumps(body), returncode=1)
    result = _mw("run", "many.yaml", "-q")
    assert result.exit_code == 0, result.output
    lines = _annotations(result.stderr)
    assert [line.split("::")[1].split(",")[0] for line in lines] == [
        "warning file=many.yaml"
    ] * 10 + ["notice title=mw"]
    assert lines[-1] == "::notice title=mw::2 more warnings in the job summary"
    text = github.read_text()
    assert text.count("| `t12` | ❌ failed |") == 1
    assert (
        "| many.yaml:63:5 | warning | step 't12' failed: membrane action run add-labels failed: "
        "no label for 12 |"
    ) in text


def test_merge_summary_names_the_shards_and_annotates_once(github, tmp_path):
    from wrapper.records.report import ErrorReport, RecipeRef, Report, ShardReport, StepReport

    Path("demo.yaml").write_text(RECIPE)
    sha = __import__("hashlib").sha256(RECIPE.encode()).hexdigest()
    paths = []
    for index in (1, 2):
        failed = index == 2
        error = ErrorReport(message="step 'tag' failed: boom", class_="StepFailedError")
        report = Report(
            run_id=f"r{index}",
            recipe=RecipeRef(name="gh-demo", path="demo.yaml", sha256=sha),
            started_at="2026-01-01T00:00:00Z",
            status="failed" if failed else "ok",
            exit_code=1 if failed else 0,
            inputs={"token": "***"},
            steps=[
                StepReport(id="find", effect="read", status="ok", attempts=1),
                StepReport(
                    id="tag",
                    status="failed" if failed else "ok",
                    attempts=1,
                    items=[],
                    error=error if failed else None,
                ),
            ],
            error=error if failed else None,
            shard=ShardReport(index=index, total=2, step="tag", items_total=0, selected=0),
        )
        path = tmp_path / f"shard-{index}.json"
        path.write_text(json.dumps(report.to_json()))
        paths.append(str(path))
    result = CliRunner().invoke(cli, ["-q", "runs", "merge", *paths])
    assert result.exit_code == 1, result.output
    assert _annotations(result.stderr) == [
        "::error file=demo.yaml,line=14,col=5,title=mw run%3A step 'tag' failed::"
        "step 'tag' failed: step 'tag' failed: boom"
    ]
    assert result.stderr.splitlines()[-1] == "Error: shard 2: step 'tag' failed: boom"
    text = _summary(github)
    assert "### mw run `gh-demo`, 2 shards merged: failed (exit 1, Ts)\n" in text
    assert "  class s_tag failed\n" in text
