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


def test_welcome_contact_creates_once_then_finds_the_contact():
    first = mw_run(recipe("chatwoot/welcome-contact"), "-i", "email=ada@example.com")
    out = first["outputs"]
    assert statuses(first) == {"find": "ok", "create": "ok", "open": "ok", "label": "ok"}
    assert out["created_contact"] is True
    assert out["conversation_status"] == "open"
    assert out["labels"] == ["feature-request"]
    assert out["conversation_id"] > 60
    again = mw_run(
        recipe("chatwoot/welcome-contact"), "-i", "email=ada@example.com", "-i", 'labels=["vip"]'
    )
    assert statuses(again)["create"] == "skipped"
    assert again["outputs"]["contact_id"] == out["contact_id"]
    assert again["outputs"]["created_contact"] is False
    assert again["outputs"]["labels"] == ["vip"]
    assert again["outputs"]["conversation_id"] == out["conversation_id"] + 1


def test_welcome_contact_finds_a_demo_contact_without_creating_one():
    report = mw_run(recipe("chatwoot/welcome-contact"), "-i", "email=priya.rossi19@example.com")
    assert statuses(report)["create"] == "skipped"
    assert report["outputs"]["contact_id"] == 19


def test_resolve_stale_pending_resolves_the_four_oldest_with_a_note():
    report = mw_run(recipe("chatwoot/resolve-stale-pending"))
    out = report["outputs"]
    assert out["pending_seen"] == 9
    assert sorted(out["resolved"]) == [7, 13, 19, 25]
    assert out["notes_left"] == 4
    summary = mw_run(recipe("chatwoot/daily-summary"))["outputs"]["by_status"]
    assert summary == {"open": 32, "pending": 5, "snoozed": 4, "resolved": 19}
    again = mw_run(recipe("chatwoot/resolve-stale-pending"))["outputs"]
    assert again["pending_seen"] == 5
    assert again["resolved_count"] == 0


def test_triage_open_labels_routes_and_notes_by_keyword():
    report = mw_run(recipe("chatwoot/triage-open"))
    out = report["outputs"]
    assert out["scanned"] == 13
    assert out["billing"] == [30, 21, 15]
    assert out["bugs"] == [57, 54, 51, 45, 39, 27, 18]
    assert out["untouched"] == [42, 9, 6]
    assert out["triaged_count"] == out["notes_left"] == 10
    routed = next(s for s in report["steps"] if s["id"] == "route")["outputs"]
    teams = {o["team_id"] for o in routed if o}
    assert teams == {2, 3}


def test_import_contacts_from_csv_dedupes_skips_existing_and_is_safe_to_rerun(tmp_path):
    rows = tmp_path / "people.csv"
    rows.write_text(
        "name,email\nAda Lovelace,ada@example.com\nGrace Hopper,grace@example.com\n"
        "Ada again,ADA@example.com\nPriya Rossi,priya.rossi19@example.com\n,linus@example.com\n",
        encoding="utf-8",
    )
    first = mw_run(recipe("chatwoot/import-contacts"), "-i", f"contacts=@{rows}")
    out = first["outputs"]
    assert out["rows"] == 5
    assert out["unique_emails"] == 4
    assert sorted(c["email"] for c in out["created"]) == [
        "ada@example.com",
        "grace@example.com",
        "linus@example.com",
    ]
    assert out["skipped_existing"] == ["priya.rossi19@example.com"]
    assert out["failed"] == []
    again = mw_run(recipe("chatwoot/import-contacts"), "-i", f"contacts=@{rows}")["outputs"]
    assert again["created_count"] == 0
    assert len(again["skipped_existing"]) == 4


def test_import_contacts_from_json(tmp_path):
    rows = tmp_path / "people.json"
    rows.write_text(
        json.dumps([{"name": "Joan Clarke", "email": "joan@example.com"}]), encoding="utf-8"
    )
    out = mw_run(recipe("chatwoot/import-contacts"), "-i", f"contacts=@{rows}")["outputs"]
    assert [c["email"] for c in out["created"]] == ["joan@example.com"]
    assert out["skipped_existing"] == []


def test_chatra_client_is_mirrored_to_one_chatwoot_contact():
    path = str(RECIPES / "cross-app" / "chatra-client-to-chatwoot.yaml")
    first = mw_run(path)
    out = first["outputs"]
    assert out["email"] == "client1@example.net"
    assert out["action"] == "created"
    again = mw_run(path)
    assert again["outputs"]["action"] == "updated"
    assert again["outputs"]["contact_id"] == out["contact_id"]
    assert statuses(again)["create"] == "skipped"


def test_a_name_that_is_neither_a_file_nor_bundled_says_no_such_file(tmp_path):
    done = subprocess.run(
        [MW, "--sandbox", "run", "chatwoot/no-such-recipe"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("Error: chatwoot/no-such-recipe: no such file\n")
