"""The shipped Chaport and Chatra recipes, each run by a real `mw --sandbox run` process, then
the world read back with `mw --sandbox actions run`.

Every test starts from the sandbox's fresh demo world (conftest gives each test its own
MW_SANDBOX_DIR), so the outputs are checked against the seeded operators, visitors, chats,
webhooks, clients and messages; near-miss records are planted in the test's own world first.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.recipe_sandbox import RECIPES, action, action_fails, mw, run, statuses

pytestmark = pytest.mark.integration

OPERATORS = [f"65a1c0dd00000000000000{n:02x}" for n in range(1, 4)]
VISITOR_1 = "65a1c0de0000000000000001"
# Visitors whose last chat is missed (stage "offline") in the demo world: every fifth from 1.
MISSED = [f"65a1c0de00000000000000{n:02x}" for n in (26, 21, 16, 11, 6, 1)]
DEMO_WEBHOOK = "65a1c0df0000000000000001"
CLIENTS = [f"demoClient{n:07d}" for n in range(1, 13)]


def visitor(n: int) -> str:
    return f"65a1c0de{n:016x}"


def mw_run(recipe: str, *inputs: str) -> dict[str, Any]:
    """The --json report of a successful run of recipes/<recipe>.yaml with `-i` inputs."""
    report = run(recipe, *inputs)
    assert report["status"] == "ok"
    return report


def assert_missing(error: str) -> None:
    """The error line of a lookup of a record that is gone: the app's 404."""
    assert error.startswith("Error: membrane action run get-"), error
    assert "404" in error or "not found" in error.lower(), error


def chaport(key: str, **payload: Any) -> Any:
    """The `result` of a Chaport action run through the sandbox."""
    return action("chaport", key, **payload)["result"]


# --- Chaport ---------------------------------------------------------------------------------


def test_operator_shift_status_sets_every_operator_by_default() -> None:
    report = mw_run("chaport/operator-shift-status", "status=away", "ttl=3600")
    out = report["outputs"]
    assert out["updated"] == OPERATORS
    assert out["status"] == "away"
    assert out["statuses"] == {"away": 3}
    assert out["valid_until"].endswith("Z")
    assert all(a["ok"] for a in report["assertions"])
    assert {o["id"]: o["lastStatus"] for o in chaport("list-operators")} == dict.fromkeys(
        OPERATORS, "away"
    )


def test_operator_shift_status_takes_a_list_of_operators() -> None:
    report = mw_run(
        "chaport/operator-shift-status", f"operator_ids={OPERATORS[2]}", "status=offline"
    )
    assert report["outputs"]["updated"] == [OPERATORS[2]]
    assert report["outputs"]["statuses"] == {"offline": 1}
    seeded = ["online", "away", "offline"]  # the others keep their seeded status
    assert [o["lastStatus"] for o in chaport("list-operators")] == seeded
    report = mw_run("chaport/operator-shift-status", f"operator_ids={OPERATORS[0]}", "status=away")
    assert [o["lastStatus"] for o in chaport("list-operators")] == ["away", "away", "offline"]


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
    stored = chaport("get-visitor", visitorId=VISITOR_1)
    assert (stored["email"], stored["notes"], stored["custom"]) == (
        "vip@example.org",
        "Called about a refund",
        {"crm_id": "C-42"},
    )
    assert stored["name"] == out["name"]
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
    hooks = {
        h["id"]: (h["targetUrl"], h["event"], h["essential"]) for h in chaport("list-webhooks")
    }
    assert hooks == {
        DEMO_WEBHOOK: ("https://hooks.example.org/chaport", "chat.started", True),
        created["webhook_id"]: ("https://crm.example.org/chaport", "chat.finished", False),
    }


def test_upsert_webhook_leaves_a_subscription_whose_url_only_starts_alike() -> None:
    longer = chaport(
        "create-webhook", targetUrl="https://crm.example.org/chaport/v2", event="chat.started"
    )["id"]
    other_case = chaport(
        "create-webhook", targetUrl="https://CRM.example.org/chaport", event="chat.started"
    )["id"]
    out = mw_run("chaport/upsert-webhook", "target_url=https://crm.example.org/chaport")["outputs"]
    assert out["action"] == "created"
    assert out["webhook_id"] not in (longer, other_case, DEMO_WEBHOOK)
    assert chaport("get-webhook", webhookId=longer)["targetUrl"] == (
        "https://crm.example.org/chaport/v2"
    )
    assert len(chaport("list-webhooks")) == 4


def test_onboard_operator_creates_then_updates_by_exact_email() -> None:
    # Near misses: an e-mail that contains the new one, and one that it starts.
    xnina = chaport("create-operator", email="xnina@example.org", name="X Nina")["id"]
    longer = chaport("create-operator", email="nina@example.org.uk", name="Nina UK")["id"]
    first = mw_run("chaport/onboard-operator", "email=nina@example.org", "name=Nina New")
    out = first["outputs"]
    assert statuses(first)["update"] == "skipped"
    assert out["action"] == "created"
    assert out["operator_id"] not in (xnina, longer)
    assert (out["email"], out["role"], out["status"]) == ("nina@example.org", "operator", "online")
    stored = chaport("get-operator", operatorId=out["operator_id"])
    assert (stored["name"], stored["jobTitle"], stored["lastStatus"]) == (
        "Nina New",
        "Support",
        "online",
    )
    again = mw_run(
        "chaport/onboard-operator",
        "email=NINA@Example.org",
        "name=Nina Newer",
        "role=admin",
        "status=away",
    )["outputs"]
    assert (again["action"], again["operator_id"]) == ("updated", out["operator_id"])
    operators = {o["id"]: o for o in chaport("list-operators")}
    assert len(operators) == 6  # 3 seeded, 2 near misses, Nina once
    assert (operators[out["operator_id"]]["role"], operators[out["operator_id"]]["name"]) == (
        "admin",
        "Nina Newer",
    )
    assert operators[xnina]["name"] == "X Nina"
    assert operators[longer]["name"] == "Nina UK"


def test_offboard_operator_hands_open_chats_over_then_deletes() -> None:
    pavel, olga = OPERATORS[1], OPERATORS[0]
    report = mw_run("chaport/offboard-operator", f"operator_id={pavel}", f"successor_id={olga}")
    out = report["outputs"]
    assert (out["operator"], out["successor"]) == ("Pavel Operator", "Olga Operator")
    assert out["chats_seen"] == 30
    # Pavel's open (responded or engaged) last chats in the demo world: visitors 28, 22, 13, 7.
    assert out["handed_over"] == [1037, 1029, 1017, 1009]
    assert out["deleted"] is True
    assert_missing(action_fails("chaport", "get-operator", operatorId=pavel))
    for n in (7, 13, 22, 28):
        assert chaport("get-visitor-last-chat", visitorId=visitor(n))["operators"] == [olga]
    # A closed chat keeps its history.
    assert chaport("get-visitor-last-chat", visitorId=visitor(4))["operators"] == [pavel]


def test_offboard_operator_plan_lists_the_chats_and_changes_nothing() -> None:
    pavel, olga = OPERATORS[1], OPERATORS[0]
    done = mw(
        "plan", str(RECIPES / "chaport/offboard-operator.yaml"), "-i", f"operator_id={pavel}", "-i",
        f"successor_id={olga}", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    steps = {s["id"]: s for s in json.loads(done.stdout)["steps"]}
    assert steps["hand_over"]["counts"] == {"planned": 4, "skipped": 26}
    assert (steps["offline"]["status"], steps["delete"]["status"]) == ("planned", "planned")
    assert chaport("get-operator", operatorId=pavel)["lastStatus"] == "away"
    assert chaport("get-visitor-last-chat", visitorId=visitor(7))["operators"] == [pavel]


def test_offboard_operator_refuses_to_hand_chats_to_the_same_operator() -> None:
    pavel = OPERATORS[1]
    report = run(
        "chaport/offboard-operator", f"operator_id={pavel}", f"successor_id={pavel}", exit_code=3
    )
    assert statuses(report)["delete"] == "skipped"
    assert [a["message"] for a in report["assertions"] if not a["ok"]] == [
        "the successor must be someone else",
        "the operator was not deleted",
    ]
    assert chaport("get-operator", operatorId=pavel)["name"] == "Pavel Operator"


def test_forget_visitor_plans_then_deletes_only_exact_email_matches() -> None:
    planted = {
        5: "gdpr.ada@example.org",
        6: "GDPR.Ada@Example.ORG",  # the same address in capitals: the same person
        7: "x.gdpr.ada@example.org",  # contains it: someone else
        8: "gdpr.ada@example.org.uk",  # starts with it: someone else
    }
    for n, email in planted.items():
        chaport("update-visitor", visitorId=visitor(n), email=email)
    recipe = str(RECIPES / "chaport/forget-visitor.yaml")
    done = mw("plan", recipe, "-i", "email=gdpr.ada@example.org", "--json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert sorted(m["id"] for m in plan["outputs"]["matched"]) == [visitor(5), visitor(6)]
    assert chaport("get-visitor", visitorId=visitor(5))["email"] == planted[5]  # plan kept it
    report = mw_run("chaport/forget-visitor", "email=gdpr.ada@example.org")
    out = report["outputs"]
    assert out["scanned"] == 30
    assert sorted(out["deleted"]) == [visitor(5), visitor(6)]
    assert out["deleted_count"] == 2
    for n in (5, 6):
        assert_missing(action_fails("chaport", "get-visitor", visitorId=visitor(n)))
        assert_missing(action_fails("chaport", "get-visitor-last-chat", visitorId=visitor(n)))
    for n in (7, 8):
        assert chaport("get-visitor", visitorId=visitor(n))["email"] == planted[n]


def test_forget_visitor_with_no_match_deletes_nothing() -> None:
    out = mw_run("chaport/forget-visitor", "email=nobody@example.org")["outputs"]
    assert (out["matched"], out["deleted"], out["deleted_count"]) == ([], [], 0)
    assert len(chaport("list-visitors", page=2)) == 10  # still 30 visitors, 20 a page


def test_correct_operator_message_changes_only_the_exact_text() -> None:
    target = visitor(3)
    wrong = "Your refund is on its way"
    sent = [
        chaport("send-message", visitorId=target, text=text)["id"]
        for text in (wrong, "your refund is on its way.", f"{wrong} - Olga")
    ]
    report = mw_run(
        "chaport/correct-operator-message",
        f"visitor_id={target}",
        f"old_text={wrong}",
        "text=Your refund was sent today",
    )
    out = report["outputs"]
    assert out["corrected"] == [sent[0]]
    assert out["texts"] == ["Your refund was sent today"]
    events = chaport("list-chat-events", visitorId=target, chatId=out["chat_id"])
    texts = {e["id"]: e["params"]["text"] for e in events}
    assert [texts[i] for i in sent] == [
        "Your refund was sent today",
        "your refund is on its way.",
        f"{wrong} - Olga",
    ]


def test_correct_operator_message_fails_when_no_message_has_the_text() -> None:
    report = run(
        "chaport/correct-operator-message",
        f"visitor_id={VISITOR_1}",
        "old_text=Nothing like this was said",
        "text=New",
        "chat_id=1001",
        exit_code=3,
    )
    assert report["outputs"]["corrected"] == []
    assert statuses(report)["last_chat"] == "skipped"


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
    stored = action("chatra", "get-client", clientId=CLIENTS[1])["basicInfo"]
    assert (stored["email"], stored["phone"]) == ("leo@example.net", "+46 70 123 45 67")
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
    stored = action("chatra", "get-message", messageId=out["message_id"])
    assert (stored["clientId"], stored["type"]) == (CLIENTS[0], "agent")


def test_push_message_to_clients_reports_each_client() -> None:
    ids = ",".join([*CLIENTS[:4], "noSuchClient00001"])
    report = mw_run("chatra/push-message-to-clients", f"client_ids={ids}", "text=Spring sale!")
    out = report["outputs"]
    assert out["sent"] == 4
    assert out["failed"] == ["noSuchClient00001"]
    assert [m["client_id"] for m in out["messages"]] == CLIENTS[:4]
    assert len({m["message_id"] for m in out["messages"]}) == 4
    pushed = action("chatra", "get-pushed-message", messageId=out["messages"][3]["message_id"])
    assert (pushed["clientId"], pushed["text"]) == (CLIENTS[3], "Spring sale!")
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
    assert_missing(action_fails("chatra", "get-pushed-message", messageId="demoPushed0000001"))


def test_edit_or_delete_agent_message_edits_then_deletes() -> None:
    edit = mw_run(
        "chatra/edit-or-delete-agent-message", "message_id=demoMessage000002", "text=Corrected"
    )
    out = edit["outputs"]
    assert (out["previous_text"], out["text"], out["deleted"]) == (
        "Sure, what do you need?",
        "Corrected",
        False,
    )
    assert out["client_id"] == CLIENTS[0]
    assert action("chatra", "get-message", messageId="demoMessage000002")["text"] == "Corrected"
    gone = mw_run(
        "chatra/edit-or-delete-agent-message", "message_id=demoMessage000002", "mode=delete"
    )
    assert gone["outputs"]["deleted"] is True
    assert statuses(gone)["edit"] == "skipped"
    assert_missing(action_fails("chatra", "get-message", messageId="demoMessage000002"))
    assert action("chatra", "get-message", messageId="demoMessage000001")["type"] == "client"


def test_edit_or_delete_agent_message_leaves_a_clients_message() -> None:
    report = run(
        "chatra/edit-or-delete-agent-message",
        "message_id=demoMessage000001",
        "mode=delete",
        exit_code=3,
    )
    assert statuses(report) == {"current": "ok", "edit": "skipped", "delete": "skipped"}
    kept = action("chatra", "get-message", messageId="demoMessage000001")
    assert kept["text"] == "Hello, can I get a quote?"


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
