"""The sandbox answers the argv of all three `membrane` generations, and fails like Membrane."""

from __future__ import annotations

import json
import re

import pytest

from wrapper.sandbox.argv import parse


def test_parser_takes_commander_forms() -> None:
    args = parse(
        ["action", "run", "--connectionId=abc", "get-x", "--json", "--input", '{"a":1}',
         "-H", "A: 1", "-H", "B: 2", "-XPOST", "--query", "q=1", "--", "--literal"]
    )  # fmt: skip
    assert args.positionals == ["action", "run", "get-x", "--literal"]
    assert args.value("connectionId") == "abc"
    assert args.flag("json")
    assert args.value("input") == '{"a":1}'
    assert args.values("header") == ["A: 1", "B: 2"]
    assert args.value("method") == "POST"
    assert args.values("query") == ["q=1"]


def test_help_lists_every_command_so_dialect_detection_says_current(sb) -> None:
    result = sb("--help")
    assert result.code == 0
    assert result.out.startswith("Usage: membrane [options] [command]")
    for command in ("connection ensure", "action run", "request", "act", "search", "connect",
                    "login", "logout", "status"):  # fmt: skip
        assert re.search(rf"^  {command}\b", result.out, re.MULTILINE), command


def test_version_is_a_bare_semver(sb) -> None:
    result = sb("--version")
    assert (result.code, result.out) == (0, "1.18.0\n")


def test_status_reports_login(sb) -> None:
    result = sb("status", "--json")
    assert result.json == {
        "loggedIn": True,
        "apiUri": "https://api.sandbox.membrane.local",
        "workspaceKey": "sandbox-workspace",
        "tenantKey": "sandbox-tenant",
    }


def test_current_dialect(sb) -> None:
    connection = sb("connection", "ensure", "chatwoot", "--json").json
    cid = connection["id"]
    assert re.fullmatch(r"[0-9a-f]{24}", cid)
    assert sb("connection", "get", cid, "--wait", "--timeout", "5", "--json").json["state"] == (
        "READY"
    )
    listed = sb("connection", "list", "--json").json
    assert [c["id"] for c in listed["items"]] == [cid] and "cursor" not in listed
    actions = sb("action", "list", f"--connectionId={cid}", "--intent", "list conversations",
                 "--limit", "3", "--json").json  # fmt: skip
    assert actions["items"][0]["key"] == "list-conversations"
    assert len(actions["items"]) == 3
    got = sb("action", "get", "get-contact", f"--connectionId={cid}", "--json").json
    assert got["inputSchema"]["required"] == ["contact_id"]
    run = sb("action", "run", "get-contact", f"--connectionId={cid}", "--input",
             '{"contact_id": 1}', "--json").json  # fmt: skip
    assert run["output"]["payload"]["id"] == 1
    assert re.fullmatch(r"[0-9a-f]{24}", run["actionRunId"])
    response = sb("request", cid, "/api/v1/accounts/1/inboxes", "-X", "GET", "--json").json
    assert response["status"] == 200
    assert [i["name"] for i in response["body"]["payload"]] == ["Website", "Support Email", "API"]


def test_older_dialect(sb) -> None:
    found = sb("search", "chaport", "--elementType=connector", "--json").json
    element = found["items"][0]
    assert element["elementType"] == "connector"
    assert set(element["element"]) == {"id", "key", "name", "logoUri"}
    connection = sb("connect", f"--connectorId={element['element']['id']}", "--json").json
    assert connection["key"] == "chaport" and connection["state"] == "READY"
    listed = sb("action", "list", "--intent=visitors", f"--connectionId={connection['id']}",
                "--json").json  # fmt: skip
    assert listed["items"][0]["key"] in {"list-visitors", "get-visitor"}
    run = sb("action", "run", f"--connectionId={connection['id']}", "list-operators", "--json",
             "--input", "{}").json  # fmt: skip
    assert len(run["output"]["result"]) == 3


def test_newest_dialect(sb) -> None:
    cid = sb("connection", "ensure", "https://chatra.io", "--json").json["id"]
    run = sb("act", "--key", "get-client", "--connectionId", cid, "--input",
             '{"clientId": "demoClient0000001"}', "--json").json  # fmt: skip
    assert run["output"]["id"] == "demoClient0000001"
    api = {"method": "GET", "path": "/clients/demoClient0000002"}
    proxied = sb("act", "--api", json.dumps(api), "--connectionId", cid, "--json").json
    assert proxied["output"]["chatId"] == "demoChat000000002"
    assert re.fullmatch(r"[0-9a-f]{24}", proxied["actionRunId"])


ENSURE_FORMS = {
    "chatwoot": ("chatwoot", "Chatwoot", "chatwoot.com", "www.chatwoot.com",
                 "https://www.chatwoot.com/", "https://app.chatwoot.com/app/accounts/1"),
    "chaport": ("chaport", "chaport.com", "www.chaport.com", "https://www.chaport.com/",
                "http://chaport.com"),
    "chatra": ("chatra", "chatra.io", "www.chatra.io", "https://chatra.io", "https://chatra.io/"),
}  # fmt: skip


@pytest.mark.parametrize("app", list(ENSURE_FORMS))
def test_ensure_accepts_names_domains_and_urls(sb, app: str) -> None:
    """`connection ensure` takes an app URL or domain (mw sends those) or a bare name."""
    found = [sb("connection", "ensure", text, "--json").json for text in ENSURE_FORMS[app]]
    assert {(c["key"], c["state"]) for c in found} == {(app, "READY")}
    assert len({c["id"] for c in found}) == 1  # one connection, however the app was named


def test_unknown_app_is_not_found(sb) -> None:
    result = sb("connection", "ensure", "slack.com", "--json")
    assert result.code == 1
    assert result.json == {
        "type": "bad_request",
        "key": "not_found",
        "message": "No app found for 'slack.com'. The sandbox knows: chatwoot, chaport, chatra.",
    }
    assert result.err == (
        "Error: No app found for 'slack.com'. The sandbox knows: chatwoot, chaport, chatra.\n"
    )


def test_unknown_connection_and_action(sb, connect) -> None:
    missing = sb("action", "run", "get-contact", "--connectionId=0123456789abcdef01234567",
                 "--json")  # fmt: skip
    assert missing.json["key"] == "not_found"
    assert missing.json["message"] == "Connection with id '0123456789abcdef01234567' not found"
    cid = connect("chatwoot")
    result = sb("action", "run", "no-such-action", f"--connectionId={cid}", "--json")
    assert result.code == 1
    assert result.json == {
        "type": "bad_request",
        "key": "not_found",
        "message": f"Action 'no-such-action' not found for connection '{cid}'",
    }


def test_unknown_command(sb) -> None:
    result = sb("frobnicate", "--json")
    assert (result.code, result.out, result.err) == (1, "", "error: unknown command 'frobnicate'\n")


def test_action_create_builds_from_an_intent(sb, connect) -> None:
    cid = connect("chatwoot")
    built = sb("action", "create", "add a private note", f"--connectionId={cid}", "--json").json
    assert built["key"] == "add-a-private-note"
    assert built["state"] == "READY"
    run = sb("action", "run", "add-a-private-note", f"--connectionId={cid}", "--input",
             '{"conversation_id": 2, "content": "internal"}', "--json").json  # fmt: skip
    assert run["output"]["private"] is True
