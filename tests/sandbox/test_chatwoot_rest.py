"""Chatwoot's REST routes answer with the real server's shapes, pages and error bodies."""

from __future__ import annotations

from typing import Any

A1 = "/api/v1/accounts/1"


def _body(result: Any) -> Any:
    assert result.code == 0, result.out
    return result.json["body"]


def _error(result: Any) -> tuple[int, Any]:
    """An app's error status is an answer the proxy passes through: exit 0, the envelope."""
    assert (result.code, result.err) == (0, ""), result.out
    assert result.json["headers"] == {"content-type": "application/json; charset=utf-8"}
    return result.json["status"], result.json["body"]


def test_contacts_come_15_a_page_in_a_payload_envelope(rest) -> None:
    first = _body(rest("chatwoot", "GET", A1 + "/contacts"))
    assert first["meta"] == {"count": 40, "current_page": 1}  # anonymous visitors are left out
    assert len(first["payload"]) == 15
    third = _body(rest("chatwoot", "GET", A1 + "/contacts", None, "--query", "page=3"))
    assert len(third["payload"]) == 10
    assert third["meta"] == {"count": 40, "current_page": "3"}  # echoed as given, like Rails
    contact = first["payload"][0]
    assert contact["contact_inboxes"][0]["inbox"]["channel_type"].startswith("Channel::")
    assert isinstance(contact["created_at"], int)


def test_contacts_sort(rest) -> None:
    page = _body(rest("chatwoot", "GET", A1 + "/contacts?sort=name"))
    names = [c["name"] for c in page["payload"]]
    assert names == sorted(names)


def test_search_needs_q_and_matches_email(rest) -> None:
    status, body = _error(rest("chatwoot", "GET", A1 + "/contacts/search"))
    assert (status, body) == (422, {"error": "Specify search string with parameter q"})
    first = _body(rest("chatwoot", "GET", A1 + "/contacts/1"))["payload"]
    found = _body(rest("chatwoot", "GET", A1 + "/contacts/search", None, "--query",
                       f"q={first['email'].upper()}"))  # fmt: skip
    assert [c["id"] for c in found["payload"]] == [1]


def test_create_contact_wraps_contact_and_contact_inbox(rest) -> None:
    created = _body(rest("chatwoot", "POST", A1 + "/contacts",
                         {"name": "Ada", "email": "Ada@Example.com", "inbox_id": 3}))  # fmt: skip
    contact = created["payload"]["contact"]
    assert contact["email"] == "ada@example.com"
    assert created["payload"]["contact_inbox"]["inbox"]["id"] == 3
    assert created["payload"]["contact_inbox"]["source_id"]
    assert contact["id"] == 51  # after the 50 seeded contacts of all accounts


def test_contact_email_is_unique_per_account(rest) -> None:
    existing = _body(rest("chatwoot", "GET", A1 + "/contacts/1"))["payload"]["email"]
    status, body = _error(rest("chatwoot", "POST", A1 + "/contacts",
                               {"name": "Twin", "email": existing.upper()}))  # fmt: skip
    assert (status, body) == (
        422,
        {"message": "Email has already been taken", "attributes": ["email"]},
    )
    # The same address is fine in another account.
    other = rest(
        "chatwoot", "POST", "/api/v1/accounts/2/contacts", {"name": "T", "email": existing}
    )
    assert other.code == 0


def test_update_merges_attributes_and_answers_200_with_payload(rest) -> None:
    before = _body(rest("chatwoot", "GET", A1 + "/contacts/2"))["payload"]
    after = _body(rest("chatwoot", "PUT", A1 + "/contacts/2",
                       {"custom_attributes": {"tier": "gold"}}))["payload"]  # fmt: skip
    assert after["custom_attributes"] == {**before["custom_attributes"], "tier": "gold"}


def test_delete_contact_and_online_contacts(rest) -> None:
    status, body = _error(rest("chatwoot", "DELETE", A1 + "/contacts/2"))
    name = _body(rest("chatwoot", "GET", A1 + "/contacts/2"))["payload"]["name"]
    assert (status, body) == (
        422,
        {"message": f"{name.capitalize()} is Online, please try again later"},
    )
    assert _body(rest("chatwoot", "DELETE", A1 + "/contacts/1")) == ""
    status, body = _error(rest("chatwoot", "GET", A1 + "/contacts/1"))
    assert (status, body) == (404, {"error": "Resource could not be found"})


def test_conversations_come_25_a_page_under_data(rest) -> None:
    page1 = _body(rest("chatwoot", "GET", A1 + "/conversations?status=all"))
    assert set(page1) == {"data"}
    assert page1["data"]["meta"]["all_count"] == 60
    assert len(page1["data"]["payload"]) == 25
    page3 = _body(rest("chatwoot", "GET", A1 + "/conversations?status=all&page=3"))
    assert len(page3["data"]["payload"]) == 10
    ids = [c["id"] for p in (page1, page3) for c in p["data"]["payload"]]
    assert len(set(ids)) == 35


def test_conversations_default_to_open(rest) -> None:
    page = _body(rest("chatwoot", "GET", A1 + "/conversations"))
    assert {c["status"] for c in page["data"]["payload"]} == {"open"}
    meta = page["data"]["meta"]
    assert meta["assigned_count"] + meta["unassigned_count"] == meta["all_count"]
    mine = _body(rest("chatwoot", "GET", A1 + "/conversations?assignee_type=me"))
    assert all(c["meta"]["assignee"]["id"] == 1 for c in mine["data"]["payload"])


def test_display_ids_are_per_account(rest) -> None:
    one = _body(rest("chatwoot", "GET", A1 + "/conversations/1"))
    two = _body(rest("chatwoot", "GET", "/api/v1/accounts/2/conversations/1"))
    assert (one["id"], one["account_id"]) == (1, 1)
    assert (two["id"], two["account_id"]) == (1, 2)
    assert one["uuid"] != two["uuid"]
    created = _body(rest("chatwoot", "POST", "/api/v1/accounts/2/conversations",
                         {"inbox_id": 4, "contact_id": 43}))  # fmt: skip
    assert created["id"] == 5  # account 2 had 4 conversations


def test_messages_use_integer_message_type(rest) -> None:
    listed = _body(rest("chatwoot", "GET", A1 + "/conversations/1/messages"))
    assert len(listed["payload"]) == 20  # the latest 20 of 25
    assert {m["message_type"] for m in listed["payload"]} == {0, 1}
    older = _body(rest("chatwoot", "GET", A1 + "/conversations/1/messages?before=6"))
    assert [m["id"] for m in older["payload"]] == [1, 2, 3, 4, 5]
    note = _body(rest("chatwoot", "POST", A1 + "/conversations/1/messages",
                      {"content": "internal", "private": True}))  # fmt: skip
    assert (note["message_type"], note["private"]) == (1, True)
    assert note["sender"]["type"] == "user"


def test_incoming_messages_only_in_api_inboxes(rest) -> None:
    conversation = _body(rest("chatwoot", "GET", A1 + "/conversations/1"))
    assert conversation["inbox_id"] != 3
    status, body = _error(rest("chatwoot", "POST", A1 + "/conversations/1/messages",
                               {"content": "hi", "message_type": "incoming"}))  # fmt: skip
    assert (status, body) == (422, {"error": "Incoming messages are only allowed in Api inboxes"})


def test_labels_replace_on_post(rest) -> None:
    path = A1 + "/conversations/2/labels"
    assert _body(rest("chatwoot", "POST", path, {"labels": ["vip", "bug"]})) == {
        "payload": ["vip", "bug"]
    }
    assert _body(rest("chatwoot", "POST", path, {"labels": ["urgent"]})) == {"payload": ["urgent"]}
    assert _body(rest("chatwoot", "GET", path)) == {"payload": ["urgent"]}
    assert _body(rest("chatwoot", "GET", A1 + "/conversations/2"))["labels"] == ["urgent"]


def test_toggle_status_and_assignment(rest) -> None:
    toggled = _body(rest("chatwoot", "POST", A1 + "/conversations/2/toggle_status",
                         {"status": "pending"}))  # fmt: skip
    assert toggled == {"meta": {}, "payload": {"success": True, "conversation_id": 2,
                                               "current_status": "pending",
                                               "snoozed_until": None}}  # fmt: skip
    flipped = _body(rest("chatwoot", "POST", A1 + "/conversations/2/toggle_status", {}))
    assert flipped["payload"]["current_status"] == "open"
    agent = _body(rest("chatwoot", "POST", A1 + "/conversations/2/assignments",
                       {"assignee_id": 3}))  # fmt: skip
    assert (agent["id"], agent["role"]) == (3, "agent")
    team = _body(rest("chatwoot", "POST", A1 + "/conversations/2/assignments", {"team_id": 2}))
    assert team["name"] == "Support"
    shown = _body(rest("chatwoot", "GET", A1 + "/conversations/2"))["meta"]
    assert (shown["assignee"]["id"], shown["team"]["id"]) == (3, 2)


def test_401_bodies(rest) -> None:
    status, body = _error(rest("chatwoot", "GET", A1 + "/contacts", None,
                               "-H", "api_access_token: wrong"))  # fmt: skip
    assert (status, body) == (401, {"error": "Invalid Access Token"})
    status, body = _error(rest("chatwoot", "GET", "/api/v1/accounts/3/contacts"))
    assert (status, body) == (401, {"error": "You are not authorized to access this account"})
    status, body = _error(rest("chatwoot", "POST", A1 + "/labels", {"title": "x"},
                               "-H", "api_access_token: cw-sandbox-token-2"))  # fmt: skip
    assert (status, body) == (401, {"error": "You are not authorized to do this action"})


def test_401_is_passed_through_not_turned_into_a_membrane_error(rest) -> None:
    result = rest("chatwoot", "GET", "/api/v1/accounts/3/inboxes")
    assert result.code == 0
    assert result.json == {
        "status": 401,
        "headers": {"content-type": "application/json; charset=utf-8"},
        "body": {"error": "You are not authorized to access this account"},
    }


def test_404_for_missing_records_and_accounts(rest) -> None:
    for path in (A1 + "/conversations/999", "/api/v1/accounts/99/contacts", A1 + "/teams/4"):
        status, body = _error(rest("chatwoot", "GET", path))
        assert (status, body) == (404, {"error": "Resource could not be found"}), path


def test_label_validation_bodies(rest) -> None:
    created = _body(rest("chatwoot", "POST", A1 + "/labels", {"label": {"title": "Refund"}}))
    assert (created["title"], created["color"]) == ("refund", "#1f93ff")
    status, body = _error(rest("chatwoot", "POST", A1 + "/labels", {"title": "refund"}))
    assert (status, body) == (
        422,
        {"message": "Title has already been taken", "attributes": ["title"]},
    )
    status, body = _error(rest("chatwoot", "POST", A1 + "/labels"))
    assert (status, body) == (422, {"error": "param is missing or the value is empty: label"})


def test_index_shapes(rest) -> None:
    assert isinstance(_body(rest("chatwoot", "GET", A1 + "/agents")), list)
    assert isinstance(_body(rest("chatwoot", "GET", A1 + "/teams")), list)
    assert isinstance(_body(rest("chatwoot", "GET", A1 + "/canned_responses")), list)
    assert set(_body(rest("chatwoot", "GET", A1 + "/labels"))) == {"payload"}
    assert set(_body(rest("chatwoot", "GET", A1 + "/inboxes"))) == {"payload"}


def test_full_urls_and_path_params(sb, connect) -> None:
    cid = connect("chatwoot")
    result = sb("request", cid, "https://app.chatwoot.com/api/v1/accounts/{account}/contacts/{id}",
                "--pathParam", "account=1", "--pathParam", "id=3", "--json")  # fmt: skip
    assert result.json["body"]["payload"]["id"] == 3


def test_filters(rest) -> None:
    conditions = [
        {"attribute_key": "status", "filter_operator": "equal_to", "values": ["pending"],
         "query_operator": "and"},
        {"attribute_key": "inbox_id", "filter_operator": "is_present", "values": []},
    ]  # fmt: skip
    found = _body(rest("chatwoot", "POST", A1 + "/conversations/filter", {"payload": conditions}))
    assert found["meta"] == {"all_count": 9}
    assert {c["status"] for c in found["payload"]} == {"pending"}
    either = [
        {"attribute_key": "status", "filter_operator": "equal_to", "values": ["pending"],
         "query_operator": "or"},
        {"attribute_key": "status", "filter_operator": "equal_to", "values": ["snoozed"]},
    ]  # fmt: skip
    both = _body(rest("chatwoot", "POST", A1 + "/conversations/filter", {"payload": either}))
    assert both["meta"] == {"all_count": 13}
    contacts = _body(rest("chatwoot", "POST", A1 + "/contacts/filter", {"payload": [
        {"attribute_key": "email", "filter_operator": "contains", "values": ["EXAMPLE.COM"]}
    ]}))  # fmt: skip
    assert contacts["meta"]["count"] == 40 and len(contacts["payload"]) == 15
    status, body = _error(rest("chatwoot", "POST", A1 + "/contacts/filter", {"payload": [
        {"attribute_key": "zip", "filter_operator": "equal_to", "values": ["1"]}
    ]}))  # fmt: skip
    assert (status, body) == (422, {"error": "Invalid attribute key - [zip]"})
