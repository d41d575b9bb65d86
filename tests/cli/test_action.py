"""The composite GitHub Action (`action.yml`), examples/github/ and the workflows of docs/ci.md.

The metadata is checked as GitHub reads it (SchemaStore's action and workflow schemas, every
input used, only its own inputs and steps referenced, no expression pasted into a script,
actions pinned by commit), and the scripts of its steps are run with bash against a fake `mw`
and a fake `python`, so the commands they build and the outputs they write are asserted exactly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers import DATA, ROOT

SCHEMAS = DATA / "schemastore"
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
CONTEXT_NAME = re.compile(r"\b(inputs|steps|github|runner|env|matrix|secrets)\.([\w.-]+)")
# `owner/repo@<full commit> # vX.Y.Z`: a tag can be moved, a commit cannot.
PINNED = re.compile(r"^[\w-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
EXAMPLES = sorted((ROOT / "examples" / "github").glob("*.yml"))
INPUTS = set(ACTION["inputs"])
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*_strings(key), *_strings(value))]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def _step(step_id_or_name: str) -> dict[str, Any]:
    for step in STEPS:
        if step_id_or_name in (step.get("id"), step.get("name")):
            return step
    raise AssertionError(f"action.yml has no step {step_id_or_name!r}")


def _schema(name: str) -> jsonschema.Draft7Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def _workflow(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    if True in data:  # PyYAML reads a bare `on:` as True
        data["on"] = data.pop(True)
    return data


def _schema_errors(validator: jsonschema.Draft7Validator, data: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(data)
    ]


def test_action_matches_the_github_action_schema():
    assert _schema_errors(_schema("github-action"), ACTION) == []


def test_the_schema_check_can_fail():
    broken = {**ACTION, "runs": {**ACTION["runs"], "using": "composit"}}
    assert _schema_errors(_schema("github-action"), broken)
    assert _schema_errors(_schema("github-workflow"), {"on": "push", "jobs": {"a": {}}})


def test_metadata_has_what_github_requires():
    assert isinstance(ACTION["name"], str) and ACTION["name"]
    assert isinstance(ACTION["description"], str) and ACTION["description"]
    assert ACTION["runs"]["using"] == "composite"
    for name, spec in ACTION["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
        assert spec["description"].strip(), name
        assert isinstance(spec.get("required", False), bool), name
        if not spec.get("required"):
            assert isinstance(spec.get("default"), str), f"input {name!r} needs a string default"
    # `merge` takes reports, not a recipe; the script checks the recipe for the others.
    assert ACTION["inputs"]["recipe"]["required"] is False
    for step in STEPS:
        assert "uses" in step or ("run" in step and step.get("shell") == "bash"), step
    for output in ACTION["outputs"].values():
        assert output["description"] and output["value"]


def test_the_inputs_and_outputs_the_brief_asks_for_are_there():
    assert {
        "recipe",
        "inputs",
        "sandbox",
        "command",
        "report",
        "junit",
        "events",
        "html",
        "python-version",
        "mw-version",
        "shard",
        "reports",
    } <= INPUTS
    assert set(ACTION["outputs"]) == {"exit-code", "status", "run-id", "report", "html", "outputs"}
    for name, output in ACTION["outputs"].items():
        assert output["value"] == f"${{{{ steps.mw.outputs.{name} }}}}"


def test_every_input_is_used_and_only_declared_names_are_referenced():
    used: set[str] = set()
    step_ids = [step["id"] for step in STEPS if "id" in step]
    texts = _strings(ACTION["runs"]) + _strings(ACTION["outputs"])
    conditions = [step["if"] for step in STEPS if "if" in step]
    for expression in [e for t in texts for e in EXPRESSION.findall(t)] + conditions:
        names = CONTEXT_NAME.findall(expression)
        assert names, f"${{{{ {expression} }}}} reads nothing"
        for context, rest in names:
            if context == "inputs":
                assert rest in INPUTS, f"${{{{ {expression} }}}} names no declared input"
                used.add(rest)
            elif context == "steps":
                step_id, kind, _ = rest.split(".", 2)
                # A step may only read a step before it.
                assert step_id in step_ids and kind == "outputs", expression
            else:
                assert (context, rest) == ("github", "action_path"), expression
    assert used == INPUTS


def test_no_expression_is_pasted_into_a_script():
    for step in STEPS:
        assert "${{" not in step.get("run", ""), f"step {step.get('name')!r} interpolates"


def test_actions_are_pinned_by_commit_and_run_on_node_24():
    for step in STEPS:
        if "uses" in step:
            line = next(
                line.strip().removeprefix("uses: ")
                for line in (ROOT / "action.yml").read_text().splitlines()
                if line.strip().startswith(f"uses: {step['uses']}")
            )
            assert PINNED.fullmatch(line), line


def test_setup_python_runs_only_without_a_usable_python_and_leaves_the_job_alone():
    setup = _step("setup-python")
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["if"] == "steps.python.outputs.path == ''"
    assert setup["with"] == {
        "python-version": "${{ inputs.python-version || '3.12' }}",
        "update-environment": False,
    }


# --- the scripts, run for real with bash ---------------------------------------------------

_FAKE_MW = """#!/bin/sh
# A fake mw: logs its argv (not `--help` probes), answers --help with $FAKE_HELP, writes
# $FAKE_REPORT to --report and a page to --html, and exits $FAKE_EXIT.
for last; do :; done
if [ "${last:-}" = --help ]; then
  printf '%s\\n' "${FAKE_HELP:-Usage: mw}"
  exit 0
fi
printf '%s\\n' "${0##*/}" "$@" >> "$FAKE_LOG"
previous=""
for arg; do
  case "$previous" in
    --report) if [ -n "${FAKE_REPORT:-}" ]; then printf '%s' "$FAKE_REPORT" > "$arg"; fi ;;
    --html) printf '<html></html>' > "$arg" ;;
  esac
  previous="$arg"
done
exit "${FAKE_EXIT:-0}"
"""

_FAKE_PYTHON = """#!/bin/sh
# A fake python: logs its argv; `-c` exits $FAKE_PYTHON_EXIT (0: new enough) and prints a
# version; `-m venv DIR` makes DIR/bin with a fake python and mw.
printf '%s\\n' "${0##*/}" "$@" >> "$FAKE_LOG"
case "$1" in
  -c) printf '3.12.9\\n'; exit "${FAKE_PYTHON_EXIT:-0}" ;;
  -m) if [ "$2" = venv ]; then
        mkdir -p "$3/bin"
        cp "$FAKE_BIN/python" "$3/bin/python"
        cp "$FAKE_BIN/mw" "$3/bin/mw"
      fi ;;
esac
exit 0
"""


def _write_fake(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    if not bin_dir.exists():
        bin_dir.mkdir()
        _write_fake(bin_dir / "mw", _FAKE_MW)
        for name in ("python", "python3"):
            _write_fake(bin_dir / name, _FAKE_PYTHON)
    return bin_dir


def _outputs(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def _run_step(
    step: dict[str, Any], tmp_path: Path, *, path: str | None = None, **values: str
) -> tuple[int, str, list[str], dict[str, str]]:
    """Run a step's script as the runner would: its env with `values` as the inputs (and the
    earlier steps' outputs), fakes first on PATH. (exit code, output, calls, step outputs)."""
    bin_dir = _bin(tmp_path)
    log = tmp_path / "calls.log"
    log.write_text("")
    output = tmp_path / "github_output"
    output.write_text("")
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    env = {
        "PATH": path if path is not None else f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_LOG": str(log),
        "FAKE_BIN": str(bin_dir),
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(temp),
    }
    for name in ("fake_exit", "fake_help", "fake_report", "fake_python_exit"):
        if name in values:
            env[name.upper()] = values.pop(name)
    earlier = {
        "github.action_path": values.pop("action_path", "/actions/mw"),
        "steps.python.outputs.path": values.pop("found_python", ""),
        "steps.setup-python.outputs.python-path": values.pop("setup_python", ""),
        "steps.install.outputs.mw": str(bin_dir / "mw"),
        "steps.install.outputs.python": sys.executable,
    }
    for name, template in step.get("env", {}).items():
        match = EXPRESSION.fullmatch(template)
        assert match, template
        expression = match.group(1)
        if expression in earlier:
            env[name] = earlier[expression]
        else:
            key = expression.removeprefix("inputs.")
            env[name] = values.get(key.replace("-", "_"), ACTION["inputs"][key].get("default", ""))
    proc = subprocess.run(
        [BASH or "bash", "-c", step["run"]],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    return (
        proc.returncode,
        proc.stdout + proc.stderr,
        log.read_text().split("\n")[:-1],
        _outputs(output.read_text()),
    )


@pytest.fixture
def out_dir(tmp_path):
    (tmp_path / "out").mkdir()
    return tmp_path / "out"


REPORT = json.dumps(
    {
        "run_id": "20261201T101500-abc123",
        "status": "ok",
        "outputs": {"contact_id": 7, "x": "a b", "who": "Zoë"},
    }
)


@needs_bash
def test_run_builds_the_exact_command_and_sets_every_output(tmp_path, out_dir):
    code, out, calls, outputs = _run_step(
        _step("mw"),
        tmp_path,
        recipe="recipes/chatwoot/welcome-contact.yaml",
        inputs='email=ada@example.com\n\n   name=Ada Lovelace  \nlabels=["vip"]\n',
        sandbox="true",
        report="out/report.json",
        junit="out/junit.xml",
        events="out/events.ndjson",
        args="--connection chatwoot=c1",
        fake_report=REPORT,
    )
    assert code == 0, out
    assert calls == [
        "mw",
        "--sandbox",
        "run",
        "recipes/chatwoot/welcome-contact.yaml",
        "-i",
        "email=ada@example.com",
        "-i",
        "name=Ada Lovelace",
        "-i",
        'labels=["vip"]',
        "--report",
        "out/report.json",
        "--junit",
        "out/junit.xml",
        "--events",
        "out/events.ndjson",
        "--connection",
        "chatwoot=c1",
    ]
    assert outputs == {
        "exit-code": "0",
        "status": "ok",
        "run-id": "20261201T101500-abc123",
        "report": "out/report.json",
        "html": "",
        # One line of ASCII JSON, which fromJSON() reads back as written.
        "outputs": '{"contact_id":7,"x":"a b","who":"Zo\\u00eb"}',
    }


@needs_bash
def test_defaults_run_one_recipe_with_a_report_in_the_runners_temp(tmp_path):
    code, out, calls, outputs = _run_step(_step("mw"), tmp_path, recipe="r.yaml")
    assert code == 0, out
    assert calls[:4] == ["mw", "run", "r.yaml", "--report"]
    assert re.fullmatch(
        rf"{re.escape(str(tmp_path))}/runner-temp/mw-action\.\w+/report\.json", calls[4]
    )
    assert len(calls) == 5
    # The fake wrote no report: the status comes from the exit code, nothing else is known.
    assert outputs == {
        "exit-code": "0",
        "status": "ok",
        "run-id": "",
        "report": "",
        "html": "",
        "outputs": "{}",
    }


@needs_bash
def test_a_run_refused_before_it_began_fails_without_a_run_id(tmp_path):
    code, _, _, outputs = _run_step(_step("mw"), tmp_path, recipe="r.yaml", fake_exit="2")
    assert code == 2
    assert outputs["status"] == "failed"
    assert (outputs["run-id"], outputs["report"], outputs["outputs"]) == ("", "", "{}")


@needs_bash
def test_an_old_report_at_the_path_is_not_this_runs(tmp_path, out_dir):
    old = out_dir / "report.json"
    old.write_text(REPORT)
    past = time.time() - 3600
    os.utime(old, (past, past))
    code, _, _, outputs = _run_step(
        _step("mw"), tmp_path, recipe="r.yaml", report="out/report.json", fake_exit="4"
    )
    assert code == 4
    assert outputs == {
        "exit-code": "4",
        "status": "failed",
        "run-id": "",
        "report": "",
        "html": "",
        "outputs": "{}",
    }


@needs_bash
def test_an_interrupted_run_says_so(tmp_path):
    _, _, _, outputs = _run_step(_step("mw"), tmp_path, recipe="r.yaml", fake_exit="130")
    assert (outputs["exit-code"], outputs["status"]) == ("130", "interrupted")


@needs_bash
def test_html_is_asked_for_when_this_mw_has_the_option(tmp_path, out_dir):
    help_text = "Options:\n  --report FILE\n  --html FILE  Write a self-contained HTML report."
    code, out, calls, outputs = _run_step(
        _step("mw"),
        tmp_path,
        recipe="r.yaml",
        report="out/r.json",
        html="out/r.html",
        fake_help=help_text,
        fake_report=REPORT,
    )
    assert code == 0, out
    assert calls == ["mw", "run", "r.yaml", "--report", "out/r.json", "--html", "out/r.html"]
    assert (outputs["report"], outputs["html"]) == ("out/r.json", "out/r.html")
    assert (out_dir / "r.html").read_text() == "<html></html>"
    # Without the html input, the page goes beside the report in the runner's temp folder.
    _, _, calls, outputs = _run_step(_step("mw"), tmp_path, recipe="r.yaml", fake_help=help_text)
    assert calls[5] == "--html" and calls[6].endswith("/report.html")
    assert outputs["html"] == calls[6]


@needs_bash
def test_html_asked_of_an_mw_without_the_option_warns_and_stays_empty(tmp_path):
    code, out, calls, outputs = _run_step(
        _step("mw"), tmp_path, recipe="r.yaml", report="r.json", html="r.html"
    )
    assert code == 0
    assert "--html" not in calls
    assert "::warning title=mw action::this mw has no --html option: no HTML report" in (
        out.splitlines()
    )
    assert outputs["html"] == ""


@needs_bash
def test_plan_and_lint(tmp_path):
    _, _, calls, _ = _run_step(
        _step("mw"), tmp_path, recipe="r.yaml", command="plan", inputs="a=1", report="p.json"
    )
    assert calls == ["mw", "plan", "r.yaml", "-i", "a=1", "--report", "p.json"]
    code, _, calls, outputs = _run_step(
        _step("mw"),
        tmp_path,
        recipe="recipes/chatwoot\nrecipes/chatra/a.yaml  b.yaml",
        command="lint",
        inputs="ignored=1",
        report="ignored.json",
        html="ignored.html",
        args="--strict",
        fake_exit="2",
    )
    assert code == 2
    assert calls == [
        "mw",
        "lint",
        "recipes/chatwoot",
        "recipes/chatra/a.yaml",
        "b.yaml",
        "--strict",
    ]
    assert outputs == {
        "exit-code": "2",
        "status": "failed",
        "run-id": "",
        "report": "",
        "html": "",
        "outputs": "{}",
    }


@needs_bash
def test_shard_is_passed_to_run(tmp_path):
    code, _, calls, _ = _run_step(
        _step("mw"), tmp_path, recipe="r.yaml", shard="2/3", report="s.json"
    )
    assert code == 0
    assert calls == ["mw", "run", "r.yaml", "--report", "s.json", "--shard", "2/3"]


@needs_bash
def test_merge_expands_report_globs_in_order(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("shard-2.json", "shard-1.json", "shard-3.json", "other.txt"):
        (reports / name).write_text("{}")
    monkeypatch.chdir(tmp_path)
    merged = json.dumps({"run_id": "merged-1", "status": "failed", "outputs": {"n": 40}})
    code, out, calls, outputs = _run_step(
        _step("mw"),
        tmp_path,
        command="merge",
        reports="reports/shard-*.json\n",
        report="run.json",
        junit="junit.xml",
        shard="9/9",
        fake_report=merged,
        fake_exit="1",
    )
    assert code == 1, out
    assert calls == [
        "mw",
        "runs",
        "merge",
        "reports/shard-1.json",
        "reports/shard-2.json",
        "reports/shard-3.json",
        "--report",
        "run.json",
        "--junit",
        "junit.xml",
    ]
    assert outputs == {
        "exit-code": "1",
        "status": "failed",
        "run-id": "merged-1",
        "report": "run.json",
        "html": "",
        "outputs": '{"n":40}',
    }


@needs_bash
@pytest.mark.parametrize(
    ("reports", "message"),
    [
        ("", "::error::merge needs the reports input (the shards' report files)"),
        ("nothing-*.json", "::error::no report file matches 'nothing-*.json'"),
    ],
)
def test_merge_without_reports_fails_with_an_annotation(tmp_path, monkeypatch, reports, message):
    monkeypatch.chdir(tmp_path)
    code, out, calls, _ = _run_step(_step("mw"), tmp_path, command="merge", reports=reports)
    assert code == 2
    assert message in out.splitlines()
    assert calls == []


@needs_bash
def test_values_are_data_never_shell_code(tmp_path):
    code, _, calls, _ = _run_step(
        _step("mw"),
        tmp_path,
        recipe="r.yaml",
        inputs="note=$(touch pwned) `id` ;rm -rf x",
        report="r.json",
    )
    assert code == 0
    assert calls == [
        "mw",
        "run",
        "r.yaml",
        "-i",
        "note=$(touch pwned) `id` ;rm -rf x",
        "--report",
        "r.json",
    ]
    assert not (tmp_path / "pwned").exists()


@needs_bash
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"command": "deploy"}, "::error::command must be run, plan, lint or merge, not 'deploy'"),
        ({"sandbox": "yes"}, "::error::sandbox must be true or false, not 'yes'"),
        ({"recipe": "  \n "}, "::error::the recipe input is empty"),
        ({"recipe": "a.yaml b.yaml"}, "::error::run takes one recipe, got: a.yaml b.yaml"),
    ],
)
def test_bad_inputs_fail_with_an_annotation(tmp_path, values, message):
    values = {"recipe": "r.yaml", **values}
    code, out, calls, _ = _run_step(_step("mw"), tmp_path, **values)
    assert code == 2
    assert message in out.splitlines()
    assert calls == []


# --- finding Python and installing mw --------------------------------------------------------


@needs_bash
def test_the_runners_python3_is_used_when_new_enough(tmp_path):
    bin_dir = _bin(tmp_path)
    code, out, calls, outputs = _run_step(_step("python"), tmp_path, path=str(bin_dir))
    assert code == 0, out
    assert outputs == {"path": str(bin_dir / "python3")}
    assert calls == ["python3", "-c", "import sys; sys.exit(sys.version_info < (3, 10))"]


@needs_bash
def test_an_old_python_or_a_named_version_leaves_it_to_setup_python(tmp_path):
    bin_dir = _bin(tmp_path)
    code, out, calls, outputs = _run_step(
        _step("python"), tmp_path, path=str(bin_dir), fake_python_exit="1"
    )
    assert code == 0, out
    assert outputs == {}
    assert [c for c in calls if c in ("python3", "python")] == ["python3", "python"]
    assert "No python3 3.10 or newer on PATH: setting one up for mw alone." in out
    code, _, calls, outputs = _run_step(
        _step("python"), tmp_path, path=str(bin_dir), python_version="3.13"
    )
    assert (code, calls, outputs) == (0, [], {})


def _checkout(tmp_path: Path) -> Path:
    checkout = tmp_path / "action"
    (checkout / "wrapper").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'membrane-wrapper'\n")
    (checkout / "wrapper" / "__init__.py").write_text("__version__ = '1'\n")
    return checkout


@needs_bash
def test_install_makes_its_own_venv_once_per_version(tmp_path):
    install = _step("install")
    checkout = _checkout(tmp_path)
    python = str(tmp_path / "bin" / "python3")
    venv = tmp_path / "runner-temp" / "mw-action-venv"
    given = {"action_path": str(checkout), "found_python": python}
    code, out, calls, outputs = _run_step(install, tmp_path, **given)
    assert code == 0, out
    assert calls == [
        "python3",
        "-c",
        "import sys; print(sys.version.split()[0])",
        "python3",
        "-m",
        "venv",
        str(venv),
        "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        str(checkout),
        "mw",
        "--version",
    ]
    assert outputs == {"mw": f"{venv}/bin/mw", "python": f"{venv}/bin/python"}
    # The same checkout and Python again: nothing is installed.
    code, out, calls, _ = _run_step(install, tmp_path, **given)
    assert code == 0, out
    assert f"mw is already installed in {venv}" in out
    assert "pip" not in calls and "venv" not in calls
    # A changed checkout (a `uses: ./` after an edit) is installed afresh.
    (checkout / "wrapper" / "__init__.py").write_text("__version__ = '2'\n")
    _, _, calls, _ = _run_step(install, tmp_path, **given)
    assert "pip" in calls and "venv" in calls


@needs_bash
def test_install_takes_the_given_requirement_and_the_set_up_python(tmp_path):
    install = _step("install")
    checkout = _checkout(tmp_path)
    setup = str(tmp_path / "bin" / "python")
    code, out, calls, _ = _run_step(
        install,
        tmp_path,
        action_path=str(checkout),
        found_python=str(tmp_path / "bin" / "python3"),
        setup_python=setup,
        mw_version="membrane-wrapper==0.1.0",
    )
    assert code == 0, out
    assert calls[0] == "python" and calls[3:6] == ["python", "-m", "venv"]
    assert calls[13] == "membrane-wrapper==0.1.0"
    _, out, calls, _ = _run_step(
        install,
        tmp_path,
        action_path=str(checkout),
        setup_python=setup,
        mw_version="membrane-wrapper==0.2.0",
    )
    assert "membrane-wrapper==0.2.0" in calls


# --- the example workflows: examples/github/, docs/ci.md, this repository's CI ------------------


def _readme_workflows() -> list[dict[str, Any]]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```ya?ml\n(.*?)```", text, flags=re.DOTALL)
    return [doc for doc in map(_workflow, blocks) if isinstance(doc, dict) and "jobs" in doc]


def _all_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _uses_of_this_action(workflow: dict[str, Any], marker: str) -> list[dict[str, Any]]:
    used = [step for step in _all_steps(workflow) if marker in step.get("uses", "")]
    for step in used:
        given = set(step.get("with", {}))
        assert given <= INPUTS, given - INPUTS
        if step["with"].get("command") == "merge":
            assert "reports" in given and "recipe" not in given
        else:
            assert "recipe" in given
    return used


def _outputs_read(text: str) -> set[str]:
    return set(re.findall(r"steps\.\w+\.outputs\.([\w-]+)", text))


def _example_texts() -> list[tuple[str, str]]:
    found = [(path.relative_to(ROOT).as_posix(), path.read_text()) for path in EXAMPLES]
    for page in sorted((ROOT / "docs").glob("*.md")):
        blocks = re.findall(r"```ya?ml\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
        found += [
            (f"docs/{page.name} block {i}", block)
            for i, block in enumerate(blocks)
            if re.search(r"^jobs:", block, re.MULTILINE) and re.search(r"^on:", block, re.M)
        ]
    found.append((".github/workflows/ci.yml", (ROOT / ".github/workflows/ci.yml").read_text()))
    return found


@pytest.mark.parametrize(("name", "text"), _example_texts(), ids=[n for n, _ in _example_texts()])
def test_workflows_match_the_github_workflow_schema(name, text):
    assert _schema_errors(_schema("github-workflow"), _workflow(text)) == [], name


@pytest.mark.parametrize(("name", "text"), _example_texts(), ids=[n for n, _ in _example_texts()])
def test_workflows_pin_other_actions_by_commit(name, text):
    for line in text.splitlines():
        uses = line.strip().removeprefix("- ").removeprefix("uses: ")
        if line.strip().removeprefix("- ").startswith("uses: ") and uses.startswith("actions/"):
            assert PINNED.fullmatch(uses), f"{name}: {uses}"


def test_the_example_workflow_uses_the_action_and_its_outputs():
    assert EXAMPLES, "examples/github/ has no workflow"
    workflow = _workflow(EXAMPLES[0].read_text())
    commands = {
        step["with"].get("command", "run")
        for step in _uses_of_this_action(workflow, "membrane-wrapper@")
    }
    assert commands == {"lint", "run", "merge"}
    read = _outputs_read(EXAMPLES[0].read_text())
    assert read and read <= set(ACTION["outputs"]), read


def test_readme_example_workflows_parse_and_use_only_real_inputs():
    workflows = _readme_workflows()
    assert workflows, "docs/ci.md shows no example workflow"
    assert any(_uses_of_this_action(w, "membrane-wrapper@") for w in workflows)
    commands = {
        step["with"].get("command", "run")
        for w in workflows
        for step in _uses_of_this_action(w, "membrane-wrapper@")
    }
    assert {"lint", "run", "merge"} <= commands


def test_this_repositorys_ci_uses_the_action_on_files_that_exist():
    workflow = _workflow((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    used = _uses_of_this_action(workflow, "./")
    assert [step["with"].get("command", "run") for step in used] == ["lint", "run"]
    for step in used:
        assert (ROOT / step["with"]["recipe"]).exists(), step["with"]["recipe"]
