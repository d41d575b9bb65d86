"""The action's `mw` step, run by bash with the real `mw` against the real sandbox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import RECIPES, ROOT

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed"),
]

STEP = next(
    step
    for step in yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]
    if step.get("id") == "mw"
)


def run_action(tmp_path: Path, **inputs: str) -> tuple[int, str, str, dict[str, str]]:
    """(exit code, output, job summary, step outputs) of the step as a runner would run it."""
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    summary.write_text("")
    outputs.write_text("")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_WORKSPACE": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path),
        # What the install step hands on: this environment's mw and Python.
        "MW_ACTION_MW": str(Path(sys.executable).parent / "mw"),
        "MW_ACTION_PYTHON": sys.executable,
    }
    defaults = {"command": "run", "inputs": "", "sandbox": "false", "args": ""}
    defaults.update(report="", junit="", events="", html="", shard="", reports="")
    for name, value in {**defaults, **inputs}.items():
        env[f"MW_ACTION_{name.upper()}"] = value
    proc = subprocess.run(
        ["bash", "-c", STEP["run"]],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return proc.returncode, proc.stdout + proc.stderr, summary.read_text(), written


def test_run_in_the_sandbox_writes_the_report_and_the_summary(tmp_path):
    code, out, summary, outputs = run_action(
        tmp_path,
        recipe=str(RECIPES / "welcome-contact.yaml"),
        sandbox="true",
        inputs="email=ada@example.com\nname=Ada Lovelace\n",
        report="out/report.json",
    )
    assert code == 0, out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert outputs == {
        "exit-code": "0",
        "status": "ok",
        "run-id": report["run_id"],
        "report": "out/report.json",
        "html": outputs["html"],  # set when this mw has --html
        "outputs": json.dumps(report["outputs"], separators=(",", ":")),
    }
    assert json.loads(outputs["outputs"])["contact_id"]
    assert report["status"] == "ok"
    assert [step["id"] for step in report["steps"]] == ["find", "create", "open", "label"]
    assert "### mw run `chatwoot-welcome-contact`: ok (exit 0, " in summary
    assert "| `create` | ✅ ok | 1 |" in summary
    assert "```mermaid\nflowchart TD\n" in summary
    assert "  class s_find,s_create,s_open,s_label ok\n" in summary


def test_sharded_runs_and_their_merge_through_the_action(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("name,email\n" + "".join(f"P{n},act-{n}@example.com\n" for n in range(5)))
    for shard in (1, 2):
        code, out, summary, _ = run_action(
            tmp_path,
            recipe="chatwoot/import-contacts",
            sandbox="true",
            inputs=f"contacts=@{people}",
            shard=f"{shard}/2",
            report=f"out/shard-{shard}.json",
        )
        assert code == 0, out
        assert f", shard {shard}/2 of `find`: ok (exit 0, " in summary
    code, out, summary, outputs = run_action(
        tmp_path, command="merge", recipe="", reports="out/shard-*.json", report="out/run.json"
    )
    assert code == 0, out
    assert (outputs["exit-code"], outputs["status"], outputs["report"]) == (
        "0",
        "ok",
        "out/run.json",
    )
    assert "### mw run `chatwoot-import-contacts`, 2 shards merged: ok (exit 0, " in summary
    report = json.loads((tmp_path / "out" / "run.json").read_text())
    find = next(step for step in report["steps"] if step["id"] == "find")
    assert [(item["index"], item["shard"]) for item in find["items"]] == [
        (0, 1),
        (1, 2),
        (2, 1),
        (3, 2),
        (4, 1),
    ]


def test_lint_of_a_broken_recipe_fails_with_an_annotation(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (RECIPES / "welcome.yaml").read_text().replace("    effect: read\n", "    effct: read\n", 1)
    )
    code, out, summary, outputs = run_action(tmp_path, command="lint", recipe="broken.yaml")
    assert summary.startswith("### mw lint: 1 recipe checked, 1 error\n"), summary
    assert code == 2
    assert outputs == {
        "exit-code": "2",
        "status": "failed",
        "run-id": "",
        "report": "",
        "html": "",
        "outputs": "{}",
    }
    assert any(
        line.startswith("::error file=broken.yaml,line=") and "unknown key 'effct'" in line
        for line in out.splitlines()
    ), out
