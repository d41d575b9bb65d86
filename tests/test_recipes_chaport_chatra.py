"""The shipped Chaport and Chatra recipes, each run by a real `mw --sandbox run` process.

Every test starts from the sandbox's fresh demo world (conftest gives each test its own
MW_SANDBOX_DIR), so the outputs are checked against the seeded operators, visitors, chats,
webhooks, clients and messages.
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

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ROOT / "recipes"
MW = Path(sys.executable).parent / "mw"

OPERATORS = [f"65a1c0dd00000000000000{n:02x}" for n in range(1, 4)]
VISITOR_1 = "65a1c0de0000000000000001"
# Visitors whose last chat is missed (stage "offline") in the demo world: every fifth from 1.
MISSED = [f"65a1c0de00000000000000{n:02x}" for n in (26, 21, 16, 11, 6, 1)]
DEMO_WEBHOOK = "65a1c0df0000000000000001"
CLIENTS = [f"demoClient{n:07d}" for n in range(1, 13)]


def mw_run(recipe: str, *inputs: str) -> dict[str, Any]:
    """The --json report of a successful run of recipes/<recipe>.yaml with `-i` inputs."""
    args = [str(MW), "--sandbox", "run", str(RECIPES / f"{recipe}.yaml"), "--json"]
    for value in inputs:
        args += ["-i", value]
    proc = subprocess.run(args, capture_output=True, text=True, env=os.environ, check=False)
    assert proc.returncode == 0, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    assert report["status"] == "ok"
    return report


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {step["id"]: step["status"] for step in report["steps"]}


# --- Chaport ---------------------------------------------------------------------------------


def test_operator_shift_status_sets_every_operator_by_default() -> None:
    report = mw_run("chaport/operator-shift-status", "status=away", "ttl=3600")
    out = report["outputs"]
    assert out["updated"] == OPERATORS
    assert out["status"] == "away"
    assert out["statuses"] == {"away": 3}
    assert out["valid_until"].endswith("Z")
    assert all(a["ok"] for a in report["assertions"])


def test_operator_shift_status_takes_a_list_of_operators() -> None:
    report = mw_run(
        "chaport/operator-shift-status", f"operator_ids={OPERATORS[2]}", "status=offline"
    )
    assert report["outputs"]["updated"] == [OPERATORS[2]]
    assert report["outputs"]["statuses"] == {"offline": 1}


def test_follow_up_missed_messages_only_the_missed_visitors() -> None:
    report = mw_run("chaport/follow-up-missed", "text=We missed you, how can we help?")
    out = report["outputs"]
    assert out["scanned"] == 30
    assert out["missed"] == MISSED
    assert out["messaged"] == 6
    assert len(set(out["messages"])) == 6
    follow_up = next(s for s in report["steps"] if s["id"] == "follow_up")
    assert [item["item"] for item in follow_up["items"]] == MISSED
    # The message landed in the first visitor's chat as an operator message.
    export = mw_run("chaport/export-chat-events")["outputs"]
    assert export["events"][-1]["text"] == "We missed you, how can we help?"
    assert export["events"][-1]["operator_id"] == OPERATORS[0]


def test_enrich_visitor_changes_only_the_fields_given() -> None:
    report = mw_run(
        "chaport/enrich-visitor",
        f"visitor_id={VISITOR_1}",
        "email=vip@example.org",
        "notes=Called about a refund",
        'custom={"crm_id": "C-42"}',
    )
    out = report["outputs"]
    assert out["email"] == "vip@example.org"
    assert out["notes"] == "Called about a refund"
    assert out["custom"] == {"crm_id": "C-42"}
    assert sorted(out["changed"]) == ["email", "notes"]
    assert out["name"]  # kept from the demo world
    again = mw_run("chaport/enrich-visitor", f"visitor_id={VISITOR_1}")["outputs"]
    assert again["email"] == "vip@example.org"
    assert again["changed"] == []


def test_upsert_webhook_updates_the_match_and_creates_once() -> None:
    existing = mw_run(
        "chaport/upsert-webhook", "target_url=https://hooks.example.org/chaport", "essential=true"
    )
    assert existing["outputs"]["webhook_id"] == DEMO_WEBHOOK
    assert existing["outputs"]["action"] == "updated"
    assert existing["outputs"]["essential"] is True
    assert statuses(existing)["create"] == "skipped"
    url = "target_url=https://crm.example.org/chaport"
    created = mw_run("chaport/upsert-webhook", url, "event=chat.finished")["outputs"]
    assert created["action"] == "created"
    assert created["subscriptions_before"] == 1
    again = mw_run("chaport/upsert-webhook", url, "event=chat.finished")["outputs"]
    assert again == {**created, "action": "updated", "subscriptions_before": 2}


def test_export_chat_events_runs_with_no_inputs() -> None:
    report = mw_run("chaport/export-chat-events")
    out = report["outputs"]
    assert (out["chat_id"], out["visitor_id"]) == (1001, VISITOR_1)
    assert out["missed"] is True
    assert out["event_count"] == 3
    assert [e["id"] for e in out["events"]] == [f"65a1c0e000000000000000{n:02d}" for n in (1, 2, 3)]
    assert sum(out["counts_by_type"].values()) == 3
    assert all(step["effect"] == "read" for step in report["steps"])


# --- Chatra ----------------------------------------------------------------------------------


def test_update_client_profile_changes_only_the_fields_given() -> None:
    report = mw_run(
        "chatra/update-client-profile",
        f"client_id={CLIENTS[1]}",
        "email=leo@example.net",
        "phone=+46 70 123 45 67",
    )
    out = report["outputs"]
    assert out["client_id"] == CLIENTS[1]
    assert (out["email"], out["phone"]) == ("leo@example.net", "+46 70 123 45 67")
    assert sorted(out["changed"]) == ["email", "phone"]
    assert out["notes"] is None
    lookup = mw_run("chatra/client-lookup-report", f"client_ids={CLIENTS[1]}")["outputs"]
    assert lookup["clients"][0]["email"] == "leo@example.net"


def test_send_agent_message_reads_the_message_back() -> None:
    report = mw_run(
        "chatra/send-agent-message",
        f"client_id={CLIENTS[0]}",
        "text=Your order has shipped.",
        "agent_id=demoAgent00000002",
    )
    out = report["outputs"]
    assert out["text"] == "Your order has shipped."
    assert out["agent_id"] == "demoAgent00000002"
    assert len(out["message_id"]) == 17
    assert out["created_at_ms"] > 1_767_603_600_000  # milliseconds, after the demo epoch
    assert statuses(report) == {"client": "ok", "send": "ok", "check": "ok"}


def test_push_message_to_clients_reports_each_client() -> None:
    ids = ",".join([*CLIENTS[:4], "noSuchClient00001"])
    report = mw_run("chatra/push-message-to-clients", f"client_ids={ids}", "text=Spring sale!")
    out = report["outputs"]
    assert out["sent"] == 4
    assert out["failed"] == ["noSuchClient00001"]
    assert [m["client_id"] for m in out["messages"]] == CLIENTS[:4]
    assert len({m["message_id"] for m in out["messages"]}) == 4
    edited = mw_run(
        "chatra/edit-or-delete-pushed",
        f"message_id={out['messages'][0]['message_id']}",
        "text=Spring sale, 20% off!",
    )
    assert edited["outputs"]["previous_text"] == "Spring sale!"


def test_edit_or_delete_pushed_edits_then_deletes() -> None:
    edit = mw_run("chatra/edit-or-delete-pushed", "message_id=demoPushed0000001", "text=Hi again!")
    out = edit["outputs"]
    assert (out["previous_text"], out["text"], out["deleted"]) == (
        "Welcome back!",
        "Hi again!",
        False,
    )
    assert out["client_id"] == CLIENTS[0]
    assert statuses(edit)["delete"] == "skipped"
    gone = mw_run("chatra/edit-or-delete-pushed", "message_id=demoPushed0000001", "mode=delete")
    assert gone["outputs"]["deleted"] is True
    assert gone["outputs"]["previous_text"] == "Hi again!"
    assert statuses(gone)["edit"] == "skipped"


def test_client_lookup_report_runs_with_no_inputs() -> None:
    report = mw_run("chatra/client-lookup-report")
    out = report["outputs"]
    assert out["found"] == 6
    assert out["not_found"] == []
    assert [c["id"] for c in out["clients"]] == CLIENTS[:6]
    # Odd-numbered demo clients have an e-mail, even-numbered ones do not.
    assert out["with_email"] == CLIENTS[0:6:2]
    assert out["without_email"] == CLIENTS[1:6:2]
    assert out["by_country"] == {"Sweden": 6}
    assert all(step["effect"] == "read" for step in report["steps"])


def test_client_lookup_report_lists_unknown_clients() -> None:
    out = mw_run("chatra/client-lookup-report", f"client_ids={CLIENTS[11]},missingClient0001")[
        "outputs"
    ]
    assert out["found"] == 1
    assert out["not_found"] == ["missingClient0001"]
