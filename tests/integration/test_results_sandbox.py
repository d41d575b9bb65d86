"""Recipes a newcomer writes, against real `membrane-sandbox` processes: filtering by an input
with `$.`, computing with `set`, and failing on data as a result (exit 1, report, journal)."""

from __future__ import annotations

import json
import os
import textwrap
from functools import partial
from pathlib import Path

import pytest

from tests import helpers

pytestmark = pytest.mark.integration

ASSIGN = str(Path(__file__).parents[1] / "data" / "recipes" / "assign-unassigned.yaml")


mw = partial(helpers.mw, sandbox=True)


def test_a_filter_by_an_input_assigns_the_right_agent_and_counts_with_set(tmp_path):
    first = mw("run", ASSIGN, "-i", "agent_email=Carol@ACME.test", "--json")
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    agents = next(s for s in report["steps"] if s["id"] == "agents")["outputs"]["all"]
    carol = next(a for a in agents if a["email"] == "carol@acme.test")
    assert carol["id"] != agents[0]["id"]  # not just the first agent
    outputs = report["outputs"]
    assert outputs["agent_id"] == carol["id"]
    assert outputs["assigned"] > 0
    assert outputs["assigned_to"] == [carol["id"]] * outputs["assigned"]
    assert outputs["left"] == 0
    # Nothing is left unassigned in that inbox, so a second run assigns nothing.
    again = json.loads(mw("run", ASSIGN, "-i", "agent_email=carol@acme.test", "--json").stdout)
    assert again["outputs"]["assigned"] == 0
    assert again["outputs"]["agent_id"] == carol["id"]
    # An unknown agent is no silent null: the assertion fails and nothing is assigned.
    nobody = mw("run", ASSIGN, "-i", "agent_email=nobody@acme.test", "-q")
    assert nobody.exit_code == 3
    assert nobody.stderr.splitlines()[0] == "Error: assertion failed: the agent must exist"


def test_an_expression_that_fails_on_data_is_a_failed_run_with_report_and_journal(tmp_path):
    recipe = tmp_path / "count.yaml"
    recipe.write_text(
        textwrap.dedent("""\
        version: 1
        name: count
        connections:
          chatwoot: {app: chatwoot}
        steps:
          - id: agents
            effect: read
            request: {method: GET, path: /api/v1/accounts/1/agents}
            outputs: {all: "@"}
          - id: ratio
            set: {per_agent: "div(`10`, length(steps.agents.outputs.all[?role == 'nobody']))"}
        """)
    )
    report = tmp_path / "run.json"
    result = mw("run", str(recipe), "--report", str(report), "--run-id", "R1", "-q")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"Error: step 'ratio' failed: {recipe}:11:22: "
        "\"div(`10`, length(steps.agents.outputs.all[?role == 'nobody']))\": "
        "div(10, 0): division by zero"
    )
    data = json.loads(report.read_text())
    assert data["status"] == "failed" and data["exit_code"] == 1
    assert [s["status"] for s in data["steps"]] == ["ok", "failed"]
    journal = Path(os.environ["MW_STATE_DIR"]) / "runs" / "R1" / "journal.jsonl"
    last = json.loads(journal.read_text().splitlines()[-1])
    assert (last["event"], last["status"]) == ("run_finish", "failed")
    assert "R1  count  failed" in mw("runs").stdout
