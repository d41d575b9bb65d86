"""`mw --sandbox doctor --probe`: the offline sandbox meets every assumption the probe checks."""

from __future__ import annotations

import json
from functools import partial

import pytest

from tests.e2e.test_fake_membrane import CALL_TIMEOUT_S
from tests.helpers import run_mw

pytestmark = pytest.mark.integration


mw = partial(run_mw, timeout=CALL_TIMEOUT_S)


@pytest.mark.parametrize(
    ("app", "action_get"),
    [
        ("https://www.chaport.com/", {"ok"}),
        # Membrane publishes no Chatwoot action (7.1): the sandbox may list none to look up.
        ("https://www.chatwoot.com/", {"ok", "skip"}),
    ],
)
def test_probe_against_the_sandbox(tmp_path, app, action_get):
    ensured = mw("connections", "ensure", app, "--json", cwd=tmp_path)
    assert ensured.returncode == 0, ensured.stderr
    connection = json.loads(ensured.stdout)["id"]
    recorded = tmp_path / "probe.json"
    probe = mw("doctor", "--probe", connection, "--record", str(recorded), "--json", cwd=tmp_path)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    report = json.loads(probe.stdout)
    failed = [c for c in report["checks"] if c["status"] == "FAIL"]
    assert failed == []
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["request"] == "ok"
    assert statuses["request 404"] == "ok"
    assert statuses["action get"] in action_get
    calls = json.loads(recorded.read_text())["calls"]
    assert len(calls) == report["calls"]
