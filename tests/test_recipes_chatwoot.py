"""The shipped Chatwoot recipes, each run by a real `mw --sandbox run` process on the demo world.

The demo world is seeded the same way every time: account 1 with 60 conversations (32 open,
15 resolved, 9 pending, 4 snoozed) and contacts 1-42, so counts are checked exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[1]
RECIPES = ROOT / "recipes"
MW = str(Path(sys.executable).parent / "mw")


def mw_run(*args: str, cwd: Path = ROOT) -> dict[str, Any]:
    """Run `mw --sandbox run ... --json` (sandbox state isolated by conftest); the report."""
    done = subprocess.run(
        [MW, "--sandbox", "run", *args, "--json"],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def recipe(name: str) -> str:
    return str(RECIPES / f"{name}.yaml")


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["status"] for s in report["steps"] if s.get("parent") is None}


def test_daily_summary_counts_the_demo_world_with_no_inputs():
    report = mw_run(recipe("chatwoot/daily-summary"))
    out = report["outputs"]
    assert out["by_status"] == {"open": 32, "pending": 9, "snoozed": 4, "resolved": 15}
    assert out["total"] == 60
    assert out["open_count"] == 32
    assert out["open_by_label"] == {"bug": 15, "billing": 7, "vip": 5, "feature-request": 1}
    assert out["open_by_agent"] == {
        "Bob Agent": 9,
        "unassigned": 13,
        "Dan Agent": 5,
        "Alice Admin": 3,
        "Carol Agent": 2,
    }
    assert out["open_unassigned"] == 13
    assert all(a["ok"] for a in report["assertions"])


def test_a_bundled_name_runs_from_any_folder(tmp_path):
    report = mw_run("chatwoot/daily-summary", cwd=tmp_path)
    assert report["status"] == "ok"
    assert report["recipe"]["path"].endswith("chatwoot/daily-summary.yaml")
    assert report["outputs"]["total"] == 60
