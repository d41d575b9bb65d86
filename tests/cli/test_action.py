"""The composite GitHub Action (`action.yml`) and the example workflows of docs/ci.md.

The metadata is checked as GitHub reads it (required keys, every input used, only its own
inputs referenced, no expression pasted into a script), and the scripts of its steps are run
with bash against a fake `mw` and a fake `python`, so the command they build is asserted
exactly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
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


def test_the_inputs_the_brief_asks_for_are_there():
    assert {
        "recipe",
        "inputs",
        "sandbox",
        "command",
        "report",
        "junit",
        "events",
        "python-version",
        "mw-version",
        "shard",
        "reports",
    } <= INPUTS


def test_every_input_is_used_and_only_declared_names_are_referenced():
    used: set[str] = set()
    step_ids = {step["id"] for step in STEPS if "id" in step}
    for text in _strings(ACTION["runs"]) + _strings(ACTION["outputs"]):
        for expression in EXPRESSION.findall(text):
            if expression.startswith("inputs."):
                name = expression.removeprefix("inputs.")
                assert name in INPUTS, f"${{{{ {expression} }}}} names no declared input"
                used.add(name)
            elif expression.startswith("steps."):
                assert expression.split(".")[1] in step_ids, expression
            else:
                assert expression == "github.action_path", f"unexpected ${{{{ {expression} }}}}"
    assert used == INPUTS


def test_no_expression_is_pasted_into_a_script():
    for step in STEPS:
        assert "${{" not in step.get("run", ""), f"step {step.get('name')!r} interpolates"


def test_python_is_set_up_from_the_input():
    setup = STEPS[0]
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"] == {"python-version": "${{ inputs.python-version }}"}


# --- the scripts, run for real with bash ---------------------------------------------------


def _fake(bin_dir: Path, name: str) -> None:
    script = bin_dir / name
    script.write_text(
        '#!/bin/sh\nprintf \'%s\\n\' "$(basename "$0")" "$@" >> "$FAKE_LOG"\n'
        'exit "${FAKE_EXIT:-0}"\n'
    )
    script.chmod(0o755)


def _run_step(step: dict[str, Any], tmp_path: Path, **values: str) -> tuple[int, str, list[str]]:
    """Run a step's script as the runner would: its env with `values` as the inputs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("mw", "python"):
        _fake(bin_dir, name)
    log = tmp_path / "calls.log"
    log.write_text("")
    output = tmp_path / "github_output"
    output.write_text("")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_LOG": str(log),
        "FAKE_EXIT": values.pop("fake_exit", "0"),
        "GITHUB_OUTPUT": str(output),
    }
    for name, template in step.get("env", {}).items():
        match = EXPRESSION.fullmatch(template)
        assert match, template
        expression = match.group(1)
        if expression == "github.action_path":
            env[name] = "/actions/mw"
        else:
            key = expression.removeprefix("inputs.")
            env[name] = values.get(key.replace("-", "_"), ACTION["inputs"][key].get("default", ""))
    proc = subprocess.run(
        [BASH or "bash", "-c", step["run"]], env=env, capture_output=True, text=True, check=False
    )
    return (
        proc.returncode,
        proc.stdout + proc.stderr + output.read_text(),
        log.read_text().split("\n")[:-1],
    )


@needs_bash
def test_run_builds_the_exact_command(tmp_path):
    code, out, calls = _run_step(
        _step("mw"),
        tmp_path,
        recipe="recipes/chatwoot/welcome-contact.yaml",
        inputs='email=ada@example.com\n\n   name=Ada Lovelace  \nlabels=["vip"]\n',
        sandbox="true",
        report="out/report.json",
        junit="out/junit.xml",
        events="out/events.ndjson",
        args="--connection chatwoot=c1",
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
    assert "exit-code=0" in out


@needs_bash
def test_defaults_run_one_recipe_against_the_real_membrane(tmp_path):
    code, _, calls = _run_step(_step("mw"), tmp_path, recipe="r.yaml")
    assert code == 0
    assert calls == ["mw", "run", "r.yaml"]


@needs_bash
def test_plan_and_lint(tmp_path):
    _, _, calls = _run_step(_step("mw"), tmp_path, recipe="r.yaml", command="plan", inputs="a=1")
    assert calls == ["mw", "plan", "r.yaml", "-i", "a=1"]
    code, _, calls = _run_step(
        _step("mw"),
        tmp_path,
        recipe="recipes/chatwoot\nrecipes/chatra/a.yaml  b.yaml",
        command="lint",
        inputs="ignored=1",
        report="ignored.json",
        args="--strict",
    )
    assert code == 0
    assert calls == [
        "mw",
        "lint",
        "recipes/chatwoot",
        "recipes/chatra/a.yaml",
        "b.yaml",
        "--strict",
    ]


@needs_bash
def test_shard_is_passed_to_run(tmp_path):
    code, _, calls = _run_step(_step("mw"), tmp_path, recipe="r.yaml", shard="2/3")
    assert code == 0
    assert calls == ["mw", "run", "r.yaml", "--shard", "2/3"]


@needs_bash
def test_merge_expands_report_globs_in_order(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("shard-2.json", "shard-1.json", "shard-3.json", "other.txt"):
        (reports / name).write_text("{}")
    monkeypatch.chdir(tmp_path)
    code, out, calls = _run_step(
        _step("mw"),
        tmp_path,
        command="merge",
        reports="reports/shard-*.json\n",
        report="run.json",
        junit="junit.xml",
        shard="9/9",
    )
    assert code == 0, out
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
    code, out, calls = _run_step(_step("mw"), tmp_path, command="merge", reports=reports)
    assert code == 2
    assert message in out.splitlines()
    assert calls == []


@needs_bash
def test_mw_exit_code_is_the_steps_and_an_output(tmp_path):
    code, out, _ = _run_step(_step("mw"), tmp_path, recipe="r.yaml", fake_exit="3")
    assert code == 3
    assert "exit-code=3" in out


@needs_bash
def test_values_are_data_never_shell_code(tmp_path):
    code, _, calls = _run_step(
        _step("mw"), tmp_path, recipe="r.yaml", inputs="note=$(touch pwned) `id` ;rm -rf x"
    )
    assert code == 0
    assert calls == ["mw", "run", "r.yaml", "-i", "note=$(touch pwned) `id` ;rm -rf x"]
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
    code, out, calls = _run_step(_step("mw"), tmp_path, **values)
    assert code == 2
    assert message in out.splitlines()
    assert calls == []


@needs_bash
def test_install_uses_the_actions_checkout_or_the_given_requirement(tmp_path):
    install = _step("Install mw")
    code, _, calls = _run_step(install, tmp_path)
    assert code == 0
    assert calls == [
        "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "/actions/mw",
        "mw",
        "--version",
    ]
    _, _, calls = _run_step(install, tmp_path, mw_version="membrane-wrapper==0.1.0")
    assert calls[6] == "membrane-wrapper==0.1.0"


# --- the example workflows of docs/ci.md ----------------------------------------------------------


def _readme_workflows() -> list[dict[str, Any]]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```ya?ml\n(.*?)```", text, flags=re.DOTALL)
    return [doc for doc in map(yaml.safe_load, blocks) if isinstance(doc, dict) and "jobs" in doc]


def _uses_of_this_action(workflow: dict[str, Any], marker: str) -> list[dict[str, Any]]:
    assert True in workflow or "on" in workflow  # PyYAML reads a bare `on:` as True
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    used = [step for step in steps if marker in step.get("uses", "")]
    for step in used:
        given = set(step.get("with", {}))
        assert given <= INPUTS, given - INPUTS
        if step["with"].get("command") == "merge":
            assert "reports" in given and "recipe" not in given
        else:
            assert "recipe" in given
    return used


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
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    used = _uses_of_this_action(workflow, "./")
    assert [step["with"].get("command", "run") for step in used] == ["lint", "run"]
    for step in used:
        assert (ROOT / step["with"]["recipe"]).exists(), step["with"]["recipe"]
