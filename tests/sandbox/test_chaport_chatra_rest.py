"""Chaport's `{"result": ...}` API and Chatra's list-less, millisecond API."""

from __future__ import annotations

import re
from datetime import datetime

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
HEX24 = re.compile(r"^[0-9a-f]{24}$")


def _ok(result) -> object:
    assert result.code == 0, result.out
    return result.json["body"]


def test_chaport_envelope_ids_and_timestamps(rest) -> None:
    body = _ok(rest("chaport", "GET", "/visitors"))
    assert set(body) == {"result", "links"}
    visitor = body["result"][0]
    assert HEX24.match(visitor["id"]) and ISO.match(visitor["lastChatAt"])
    datetime.fromisoformat(visitor["lastChatAt"].replace("Z", "+00:00"))
    me = _ok(rest("chaport", "GET", "/me.json"))
    assert HEX24.match(me["result"]["id"])


def test_chaport_visitors_are_paged_most_recent_chat_first(rest) -> None:
    first = _ok(rest("chaport", "GET", "/visitors"))
    second = _ok(rest("chaport", "GET", "/api/v1/visitors?page=2"))  # the base path is accepted
    assert len(first["result"]) == 20 and len(second["result"]) == 10
    assert first["links"] == {"next": "/api/v1/visitors?page=2"}
    assert second["links"] == {}
    stamps = [v["lastChatAt"] for v in first["result"] + second["result"]]
    assert stamps == sorted(stamps, reverse=True)


def test_chaport_chat_ids_are_integers_and_events_ordered(rest) -> None:
    last = _ok(rest("chaport", "GET", "/visitors/65a1c0de0000000000000003/chats?transcript=true"))
    assert isinstance(last["result"]["id"], int)
    assert last["links"]["more"] == ["/api/v1/visitors/65a1c0de0000000000000003/chats/1003"]
    events = last["result"]["events"]
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)


def test_chaport_send_message_starts_a_chat_when_none_is_open(rest) -> None:
    visitor = "65a1c0de0000000000000004"  # its only chat is closed
    before = _ok(rest("chaport", "GET", f"/visitors/{visitor}/chats"))["result"]
    assert before["stage"] == "closed"
    sent = _ok(rest("chaport", "POST", "/messages", {
        "visitorId": visitor, "chatEvent": {"type": "operator-message", "params": {"text": "Hi"}}
    }))["result"]  # fmt: skip
    assert sent["chatId"] != before["id"] and sent["type"] == "operator-message"
    after = _ok(rest("chaport", "GET", f"/visitors/{visitor}/chats"))["result"]
    assert after["id"] == sent["chatId"]


def test_chaport_operator_status_needs_exactly_one_of_ttl_or_valid_until(rest) -> None:
    path = "/operators/65a1c0dd0000000000000001/status"
    result = rest("chaport", "POST", path, {"status": "away"})
    assert result.code == 0
    assert result.json == {
        "status": 400,
        "headers": {"content-type": "application/json; charset=utf-8"},
        "body": {
            "error": {"code": "bad_request", "message": "Pass exactly one of ttl or validUntil"}
        },
    }
    ok = _ok(
        rest("chaport", "POST", path, {"status": "away", "validUntil": "2030-01-01T00:00:00Z"})
    )
    assert ok["result"]["status"] == "away"


def test_chaport_404_and_401(rest) -> None:
    missing = rest("chaport", "GET", "/visitors/65a1c0de00000000000000ff")
    assert (missing.code, missing.json["status"]) == (0, 404)
    assert missing.json["body"] == {"error": {"code": "not_found", "message": "Visitor not found"}}
    denied = rest("chaport", "GET", "/operators", None, "-H", "Authorization: Bearer wrong")
    assert (denied.code, denied.json["status"]) == (0, 401)
    assert denied.json["body"] == {
        "error": {"code": "unauthorized", "message": "Invalid access token"}
    }


def test_chatra_has_no_list_endpoints(rest) -> None:
    for path in ("/clients", "/messages", "/pushedMessages"):
        result = rest("chatra", "GET", path)
        assert (result.code, result.json["status"]) == (0, 404), path


def test_chatra_messages_use_milliseconds(rest) -> None:
    sent = _ok(rest("chatra", "POST", "/api/messages/", {"clientId": "demoClient0000003",
                                                         "text": "Hello"}))  # fmt: skip
    assert sent["createdAt"] > 10**12  # milliseconds, not seconds
    assert re.fullmatch(r"[23456789A-HJ-NP-Za-km-z]{17}", sent["id"])
    fetched = _ok(rest("chatra", "GET", f"/messages/{sent['id']}"))
    assert fetched == sent


def test_chatra_client_update_is_partial_and_null_removes(rest) -> None:
    before = _ok(rest("chatra", "GET", "/clients/demoClient0000001"))
    assert before["basicInfo"]["email"] == "client1@example.net"
    after = _ok(rest("chatra", "PUT", "/clients/demoClient0000001", {"email": None, "phone": "+1"}))
    assert after["basicInfo"]["email"] is None and after["basicInfo"]["phone"] == "+1"
    assert after["basicInfo"]["name"] == before["basicInfo"]["name"]
    assert "email" not in after["info"]


def test_chatra_pushed_message_limits(rest) -> None:
    result = rest("chatra", "POST", "/pushedMessages", {"clientId": "demoClient0000001",
                                                        "text": "x" * 5001})  # fmt: skip
    assert result.json["status"] == 400
    assert result.json["body"] == {"error": "text must be at most 5000 characters"}
    body = {"clientId": "demoClient0000001", "text": "Hi", "groupId": "sales"}
    pushed = _ok(rest("chatra", "POST", "/pushedMessages", body))
    assert pushed["isPushed"] is True and pushed["agentId"] == "demoAgent00000002"
