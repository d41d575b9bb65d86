"""The committed probe transcript is what `mw doctor --probe --record` writes today."""

from __future__ import annotations

import json

import pytest

from tests.e2e.replay import TRANSCRIPT
from tests.e2e.test_fake_membrane import mw

pytestmark = pytest.mark.integration


def test_transcript_fixture_is_current(tmp_path):
    fresh = tmp_path / "probe.json"
    probe = mw("", "doctor", "--probe", "--record", str(fresh), cwd=tmp_path)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    recorded, committed = json.loads(fresh.read_text()), json.loads(TRANSCRIPT.read_text())
    assert recorded["calls"] == committed["calls"]
    assert recorded["checks"] == committed["checks"]
    assert "@example.com" not in fresh.read_text()
