"""The shipped Chatwoot recipes, each run by a real `mw --sandbox run` process on the demo world,
then the world read back through Chatwoot's REST routes.

The demo world is seeded the same way every time: account 1 with 60 conversations (32 open,
15 resolved, 9 pending, 4 snoozed) and contacts 1-42, so counts are checked exactly. Near-miss
records (an e-mail that contains the one asked for, or differs in case) are created in each
test's own sandbox before the run.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.recipe_sandbox import RECIPES, action, mw, request, run, statuses

pytestmark = pytest.mark.integration

ACCOUNT = "/api/v1/accounts/1"


def contact_by_email(email: str) -> list[dict[str, Any]]:
    """Every contact whose e-mail is exactly this one (Chatwoot's search matches parts)."""
    hits = request("chatwoot", f"{ACCOUNT}/contacts/search", q=email)["payload"]
    return [c for c in hits if c["email"] == email.lower()]


def create_contact(name: str, email: str) -> int:
    body = {"name": name, "email": email, "inbox_id": 1}
    contact_id: int = request("chatwoot", f"{ACCOUNT}/contacts", "POST", body)["payload"][
        "contact"
    ]["id"]
    return contact_id


def conversation(conversation_id: int) -> dict[str, Any]:
    found: dict[str, Any] = request("chatwoot", f"{ACCOUNT}/conversations/{conversation_id}")
    return found


def messages(conversation_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = request(
        "chatwoot", f"{ACCOUNT}/conversations/{conversation_id}/messages"
    )["payload"]
    return found


def test_daily_summary_counts_the_demo_world_with_no_inputs():
    report = run("chatwoot/daily-summary")
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
    assert all(s["effect"] == "read" for s in report["steps"])


def test_the_readme_first_command_runs(tmp_path):
    done = mw("run", "recipes/chatwoot/daily-summary.yaml")
    assert done.returncode == 0, done.stderr
    assert "total: 60" in done.stdout


def test_a_bundled_name_runs_from_any_folder(tmp_path):
    report = run("chatwoot/daily-summary", cwd=tmp_path)
    assert report["status"] == "ok"
    assert report["recipe"]["path"].endswith("chatwoot/daily-summary.yaml")
    assert report["outputs"]["total"] == 60


def test_welcome_contact_creates_once_then_finds_the_contact():
    first = run("chatwoot/welcome-contact", "email=ada@example.com", "name=Ada")
    out = first["outputs"]
    assert statuses(first) == {
        "search": "ok",
        "find": "ok",  # no hit at all: nothing to compare
        "create": "ok",
        "open": "ok",
        "label": "ok",
    }
    assert out["created_contact"] is True
    assert out["conversation_status"] == "open"
    assert out["labels"] == ["feature-request"]
    assert out["conversation_id"] > 60
    [contact] = contact_by_email("ada@example.com")
    assert (contact["id"], contact["name"]) == (out["contact_id"], "Ada")
    opened = conversation(out["conversation_id"])
    assert opened["meta"]["sender"]["id"] == out["contact_id"]
    assert opened["labels"] == ["feature-request"]
    assert [m["content"] for m in messages(out["conversation_id"])] == [
        "Hi Ada, Thanks for reaching out - how can we help?"
    ]
    again = run("chatwoot/welcome-contact", "email=ada@example.com", 'labels=["vip"]')
    assert statuses(again)["create"] == "skipped"
    assert again["outputs"]["contact_id"] == out["contact_id"]
    assert again["outputs"]["created_contact"] is False
    assert again["outputs"]["labels"] == ["vip"]
    assert again["outputs"]["conversation_id"] == out["conversation_id"] + 1
    assert len(contact_by_email("ada@example.com")) == 1


def test_welcome_contact_finds_a_demo_contact_without_creating_one():
    report = run("chatwoot/welcome-contact", "email=priya.rossi19@example.com")
    assert statuses(report)["create"] == "skipped"
    assert report["outputs"]["contact_id"] == 19
    assert conversation(report["outputs"]["conversation_id"])["meta"]["sender"]["id"] == 19


def test_welcome_contact_creates_a_contact_whose_email_is_part_of_another():
    # The search for na.lee@... finds ana.lee@...: that is someone else.
    other = create_contact("Ana Lee", "ana.lee@example.com")
    report = run("chatwoot/welcome-contact", "email=na.lee@example.com", "name=Na Lee")
    out = report["outputs"]
    assert statuses(report)["find"] == "skipped"
    assert out["created_contact"] is True
    assert out["contact_id"] != other
    [created] = contact_by_email("na.lee@example.com")
    assert created["id"] == out["contact_id"]
    assert conversation(out["conversation_id"])["meta"]["sender"]["id"] == created["id"]
    assert request("chatwoot", f"{ACCOUNT}/contacts/{other}/conversations")["payload"] == []


def test_welcome_contact_finds_the_contact_whatever_the_case_of_the_email():
    ana = create_contact("Ana Lee", "ana.lee@example.com")
    create_contact("Ana Lee Junior", "ana.lee@example.com.au")  # longer: also a search hit
    report = run("chatwoot/welcome-contact", "email=Ana.Lee@Example.COM")
    assert statuses(report)["create"] == "skipped"
    assert report["outputs"]["contact_id"] == ana
    assert report["outputs"]["created_contact"] is False
    assert conversation(report["outputs"]["conversation_id"])["meta"]["sender"]["id"] == ana


def test_resolve_stale_pending_resolves_the_four_oldest_with_a_note():
    report = run("chatwoot/resolve-stale-pending")
    out = report["outputs"]
    assert out["pending_seen"] == 9
    assert sorted(out["resolved"]) == [7, 13, 19, 25]
    assert out["notes_left"] == 4
    for conversation_id in out["resolved"]:
        assert conversation(conversation_id)["status"] == "resolved"
        note = messages(conversation_id)[-1]
        assert (note["private"], note["message_type"]) == (True, 1)
        assert note["content"].startswith("Resolved automatically")
    summary = run("chatwoot/daily-summary")["outputs"]["by_status"]
    assert summary == {"open": 32, "pending": 5, "snoozed": 4, "resolved": 19}
    again = run("chatwoot/resolve-stale-pending")["outputs"]
    assert again["pending_seen"] == 5
    assert again["resolved_count"] == 0


def test_triage_open_labels_routes_and_notes_by_keyword():
    before = {c: conversation(c)["labels"] for c in (30, 57, 42)}
    report = run("chatwoot/triage-open")
    out = report["outputs"]
    assert out["scanned"] == 13
    assert out["billing"] == [30, 21, 15]
    assert out["bugs"] == [57, 54, 51, 45, 39, 27, 18]
    assert out["untouched"] == [42, 9, 6]
    assert out["triaged_count"] == out["notes_left"] == 10
    routed = next(s for s in report["steps"] if s["id"] == "route")["outputs"]
    assert {o["team_id"] for o in routed if o} == {2, 3}
    billing = conversation(30)
    assert "billing" in billing["labels"]
    assert set(before[30]) <= set(billing["labels"])  # labels replace: the old ones were resent
    assert billing["meta"]["team"]["id"] == 3
    assert messages(30)[-1]["content"] == (
        "Triaged automatically by keywords: billing, routed to team 3."
    )
    assert messages(30)[-1]["private"] is True
    assert "bug" in conversation(57)["labels"]
    assert conversation(57)["meta"]["team"]["id"] == 2
    assert conversation(42)["labels"] == before[42]  # no keyword: left alone
    assert not messages(42)[-1]["private"]


def test_import_contacts_from_csv_dedupes_skips_existing_and_is_safe_to_rerun(tmp_path):
    rows = tmp_path / "people.csv"
    rows.write_text(
        "name,email\nAda Lovelace,ada@example.com\nGrace Hopper,grace@example.com\n"
        "Ada again,ADA@example.com\nPriya Rossi,priya.rossi19@example.com\n,linus@example.com\n",
        encoding="utf-8",
    )
    first = run("chatwoot/import-contacts", f"contacts=@{rows}")
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
    [grace] = contact_by_email("grace@example.com")
    assert (grace["name"], grace["custom_attributes"]) == ("Grace Hopper", {"source": "imported"})
    assert contact_by_email("linus@example.com")[0]["name"] == "linus@example.com"
    again = run("chatwoot/import-contacts", f"contacts=@{rows}")["outputs"]
    assert again["created_count"] == 0
    assert len(again["skipped_existing"]) == 4
    assert len(contact_by_email("ada@example.com")) == 1


def test_import_contacts_creates_a_row_whose_email_is_part_of_an_existing_one(tmp_path):
    create_contact("Ana Lee", "ana.lee@example.com")
    create_contact("Bo Berg", "bo.berg@example.com")
    rows = tmp_path / "people.json"
    rows.write_text(
        json.dumps(
            [
                {"name": "Na Lee", "email": "na.lee@example.com"},  # part of ana.lee@...
                {"name": "Bo Berg", "email": "BO.Berg@Example.com"},  # the same, in capitals
            ]
        ),
        encoding="utf-8",
    )
    out = run("chatwoot/import-contacts", f"contacts=@{rows}")["outputs"]
    assert [c["email"] for c in out["created"]] == ["na.lee@example.com"]
    assert out["skipped_existing"] == ["BO.Berg@Example.com"]
    assert contact_by_email("na.lee@example.com")[0]["name"] == "Na Lee"
    assert len(contact_by_email("bo.berg@example.com")) == 1


def test_import_contacts_from_json(tmp_path):
    rows = tmp_path / "people.json"
    rows.write_text(
        json.dumps([{"name": "Joan Clarke", "email": "joan@example.com"}]), encoding="utf-8"
    )
    out = run("chatwoot/import-contacts", f"contacts=@{rows}")["outputs"]
    assert [c["email"] for c in out["created"]] == ["joan@example.com"]
    assert out["skipped_existing"] == []
    assert contact_by_email("joan@example.com")[0]["name"] == "Joan Clarke"


def test_chatra_client_is_mirrored_to_one_chatwoot_contact():
    path = str(RECIPES / "cross-app" / "chatra-client-to-chatwoot.yaml")
    first = run(path)
    out = first["outputs"]
    assert out["email"] == "client1@example.net"
    assert out["action"] == "created"
    [contact] = contact_by_email("client1@example.net")
    assert contact["id"] == out["contact_id"]
    assert contact["identifier"] == "chatra:demoClient0000001"
    assert contact["custom_attributes"]["chatra_client_id"] == "demoClient0000001"
    again = run(path)
    assert again["outputs"]["action"] == "updated"
    assert again["outputs"]["contact_id"] == out["contact_id"]
    assert statuses(again)["create"] == "skipped"
    assert len(contact_by_email("client1@example.net")) == 1


def test_chatra_client_is_not_merged_into_a_contact_whose_email_contains_it():
    path = str(RECIPES / "cross-app" / "chatra-client-to-chatwoot.yaml")
    other = create_contact("Someone Else", "xclient1@example.net")
    out = run(path)["outputs"]
    assert out["action"] == "created"
    assert out["contact_id"] != other
    untouched = request("chatwoot", f"{ACCOUNT}/contacts/{other}")["payload"]
    assert untouched["name"] == "Someone Else"
    assert "chatra_client_id" not in untouched["custom_attributes"]


def test_chatra_client_updates_the_contact_whatever_the_case_of_the_email():
    path = str(RECIPES / "cross-app" / "chatra-client-to-chatwoot.yaml")
    mine = create_contact("Old Name", "client1@example.net")
    create_contact("Someone Else", "client1@example.net.example.org")
    first = run(path)["outputs"]
    assert (first["action"], first["contact_id"]) == ("updated", mine)
    action("chatra", "update-client", clientId="demoClient0000001", email="Client1@Example.NET")
    again = run(path)["outputs"]
    assert (again["action"], again["contact_id"]) == ("updated", mine)
    assert request("chatwoot", f"{ACCOUNT}/contacts/{mine}")["payload"]["name"] == "Jo March"


def test_a_name_that_is_neither_a_file_nor_bundled_says_no_such_file(tmp_path):
    done = mw("run", "chatwoot/no-such-recipe", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: chatwoot/no-such-recipe: no such file\n")


def test_the_recipe_reference_example_greets_the_exact_contact_not_a_near_miss(tmp_path):
    from tests.integration.test_recipes_coverage import readme_example

    example = tmp_path / "welcome.yaml"
    example.write_text(readme_example(), encoding="utf-8")
    other = create_contact("Ana Lee", "ana.lee@example.com")
    first = run(str(example), "email=na.lee@example.com")
    assert statuses(first)["create"] == "ok"
    [created] = contact_by_email("na.lee@example.com")
    opened = conversation(first["outputs"]["conversation_id"])
    assert opened["meta"]["sender"]["id"] == created["id"] != other
    again = run(str(example), "email=ANA.LEE@example.com")
    assert statuses(again)["create"] == "skipped"
    assert conversation(again["outputs"]["conversation_id"])["meta"]["sender"]["id"] == other
