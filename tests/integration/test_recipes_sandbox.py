"""Recipes run by `mw --sandbox run` against real `membrane-sandbox` processes."""

from __future__ import annotations

import json
from functools import partial

import pytest

from tests import helpers
from tests.helpers import RECIPES

pytestmark = pytest.mark.integration


mw = partial(helpers.mw, sandbox=True)


def test_the_design_recipe_creates_then_finds_the_contact(tmp_path):
    recipe = str(RECIPES / "welcome-contact.yaml")
    first = mw("run", recipe, "-i", "email=ada@example.com", "--json")
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    statuses = {s["id"]: s["status"] for s in report["steps"]}
    assert statuses == {"find": "ok", "create": "ok", "open": "ok", "label": "ok"}
    contact = report["outputs"]["contact_id"]
    assert isinstance(contact, int)
    assert report["assertions"] == [
        {
            "that": "outputs.conversation_id != null",
            "message": "a conversation must exist at the end",
            "ok": True,
            "error": None,
        }
    ]
    again = mw("run", recipe, "-i", "email=ada@example.com", "--json")
    assert again.exit_code == 0, again.stderr
    second = json.loads(again.stdout)
    assert {s["id"]: s["status"] for s in second["steps"]}["create"] == "skipped"
    assert second["outputs"]["contact_id"] == contact
    assert second["outputs"]["conversation_id"] != report["outputs"]["conversation_id"]


def test_foreach_of_sub_recipes_with_outputs_assertions_and_artefacts(tmp_path):
    emails = ",".join(f"guest{n}@example.com" for n in range(5))
    junit, events = tmp_path / "junit.xml", tmp_path / "events.ndjson"
    result = mw(
        "run",
        str(RECIPES / "welcome-many.yaml"),
        "-i",
        f"emails={emails}",
        "--json",
        "--junit",
        str(junit),
        "--events",
        str(events),
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["outputs"]["welcomed"] == 5
    assert len(set(report["outputs"]["conversations"])) == 5
    welcome = report["steps"][0]
    assert [i["item"] for i in welcome["items"]] == emails.split(",")
    assert {s["id"] for s in report["steps"]} >= {"welcome", "welcome[0].find", "welcome[4].label"}
    ensures = [
        json.loads(line)
        for line in events.read_text().splitlines()
        if '"operation": "ensure"' in line
    ]
    assert len(ensures) == 1  # one connection for the whole run, sub-recipes included
    assert 'name="welcome[3]"' in junit.read_text()


def test_a_failing_assertion_exits_3():
    result = mw(
        "run",
        str(RECIPES / "welcome-many.yaml"),
        "-i",
        "emails=solo@example.com",
        "-i",
        "min_ok=2",
    )
    assert result.exit_code == 3
    assert "Error: assertion failed: too few customers were welcomed" in result.stderr


def test_a_bad_input_exits_2_naming_the_input():
    result = mw("run", str(RECIPES / "welcome-many.yaml"), "-i", "emails=[1, 2]")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: input 'emails'[0]: 1 is not a string\n")


def test_plan_against_the_sandbox_runs_no_write():
    recipe = str(RECIPES / "welcome-contact.yaml")
    result = mw("plan", recipe, "-i", "email=nobody-yet@example.com", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["plan"] is True
    assert {s["id"]: s["status"] for s in report["steps"]} == {
        "find": "ok",
        "create": "planned",
        "open": "planned",
        "label": "planned",
    }
    check = mw("run", recipe, "-i", "email=nobody-yet@example.com", "--json")
    assert json.loads(check.stdout)["steps"][1]["status"] == "ok"  # plan created nothing


def test_sigterm_lets_the_call_in_flight_finish_and_exits_130(tmp_path, monkeypatch):
    import os
    import signal
    import subprocess
    import sys
    import time

    events = tmp_path / "events.ndjson"
    # The first call lasts at least this long, so the SIGTERM sent once its start is seen lands
    # while it is in flight even when this test is not scheduled for seconds.
    monkeypatch.setenv("MW_SANDBOX_LATENCY_MS", "5000")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wrapper",
            "--sandbox",
            "run",
            str(RECIPES / "welcome-contact.yaml"),
            "-q",
            "-i",
            "email=term@example.com",
            "--events",
            str(events),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300  # a guard against a hang, not a measurement
        while '"operation": "action"' not in (events.read_text() if events.exists() else ""):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never started a step"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert "Error: interrupted; calls in flight were allowed to finish" in err
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    kinds = [e["event"] for e in lines]
    assert kinds.count("call_start") == kinds.count("call_finish")
    assert lines[-1]["event"] == "run_finish" and lines[-1]["status"] == "interrupted"
    # The interrupted step has no finish, so a resume knows it did not complete.
    assert [e["step_id"] for e in lines if e["event"] == "step_start"] == ["find"]
    assert [e for e in lines if e["event"] == "step_finish"] == []
