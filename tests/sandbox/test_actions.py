"""Every action key exists, runs, validates its input and answers its output schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from tests.published_keys import CHAPORT_KEYS, CHATRA_KEYS
from tests.sandbox.samples import CHAPORT, CHATRA, SAMPLES
from wrapper.sandbox import apps


def test_every_chaport_and_chatra_key_is_present() -> None:
    assert set(apps.load("chaport").actions) == CHAPORT_KEYS == set(CHAPORT)
    assert set(apps.load("chatra").actions) == CHATRA_KEYS == set(CHATRA)


def test_every_action_has_a_sample() -> None:
    for app, samples in SAMPLES.items():
        assert set(apps.load(app).actions) == set(samples), app


CASES = [(app, key) for app, samples in SAMPLES.items() for key in samples]


@pytest.mark.parametrize(("app", "key"), CASES, ids=[f"{a}:{k}" for a, k in CASES])
def test_every_action_runs_and_fits_its_output_schema(sb, connect, app: str, key: str) -> None:
    cid = connect(app)
    described = sb("action", "get", key, f"--connectionId={cid}", "--json").json
    jsonschema.Draft7Validator.check_schema(described["inputSchema"])
    jsonschema.Draft7Validator.check_schema(described["outputSchema"])
    payload: dict[str, Any] = SAMPLES[app][key]
    jsonschema.validate(payload, described["inputSchema"])
    result = sb("action", "run", key, f"--connectionId={cid}", "--input", json.dumps(payload),
                "--json")  # fmt: skip
    assert result.code == 0, result.out
    jsonschema.validate(result.json["output"], described["outputSchema"])


def test_action_objects_carry_the_wire_fields(sb, connect) -> None:
    cid = connect("chaport")
    listed = sb("action", "list", f"--connectionId={cid}", "--limit", "20", "--json").json
    assert len(listed["items"]) == 20 and "cursor" not in listed
    item = listed["items"][0]
    assert {"id", "key", "name", "description", "type", "state", "connectionId",
            "integrationKey", "inputSchema", "outputSchema"} <= set(item)  # fmt: skip
    assert item["state"] == "READY" and item["connectionId"] == cid


def test_intent_ranks_by_words(sb, connect) -> None:
    cid = connect("chatwoot")

    def top(intent: str) -> str:
        items = sb("action", "list", f"--connectionId={cid}", "--intent", intent, "--json").json
        return str(items["items"][0]["key"])

    assert top("list conversations") == "list-conversations"
    assert top("add a private note") == "create-private-note"
    assert top("search contacts by email") == "search-contacts"
    assert top("assign conversation to an agent") == "assign-conversation"
    nothing = sb("action", "list", f"--connectionId={cid}", "--intent", "zzz", "--json").json
    assert nothing["items"] == []


def _bad(sb, connect, app: str, key: str, payload: Any) -> Any:
    cid = connect(app)
    result = sb("action", "run", key, f"--connectionId={cid}", "--input", json.dumps(payload),
                "--json")  # fmt: skip
    assert result.code == 1
    return result


def test_input_that_does_not_fit_names_each_field(sb, connect) -> None:
    result = _bad(sb, connect, "chatwoot", "create-contact",
                  {"email": "x", "phone_number": "12", "emial": "a@b.c"})  # fmt: skip
    assert result.json == {
        "type": "bad_request",
        "message": "Invalid input: email: 'x' is not a 'email'; "
        "name: 'name' is a required property; "
        "phone_number: '12' does not match '^\\\\+[1-9]\\\\d{1,14}$'",
        "data": {
            "errors": [
                {"field": "email", "message": "'x' is not a 'email'"},
                {"field": "name", "message": "'name' is a required property"},
                {"field": "phone_number",
                 "message": "'12' does not match '^\\\\+[1-9]\\\\d{1,14}$'"},
            ]
        },
    }  # fmt: skip
    assert result.err.startswith("Error: Invalid input: email: 'x' is not a 'email';")


def test_extra_properties_are_silently_ignored(sb, connect) -> None:
    """Membrane: "Extra properties are silently ignored" -- at the top and inside objects."""
    cid = connect("chatwoot")
    payload = {"name": "Ada", "emial": "ada@example.com", "inbox_id": 1, "nickname": "A"}
    result = sb("action", "run", "create-contact", f"--connectionId={cid}", "--input",
                json.dumps(payload), "--json")  # fmt: skip
    assert (result.code, result.err) == (0, "")
    contact = result.json["output"]["payload"]["contact"]
    assert (contact["name"], contact["email"]) == ("Ada", None)
    assert "emial" not in contact and "nickname" not in contact
    nested = {"inbox_id": 1, "contact_id": 1, "message": {"content": "Hi", "colour": "red"}}
    opened = sb("action", "run", "create-conversation", f"--connectionId={cid}", "--input",
                json.dumps(nested), "--json")  # fmt: skip
    assert opened.code == 0, opened.out
    schema = sb("action", "get", "create-contact", f"--connectionId={cid}", "--json").json
    assert "additionalProperties" not in schema["inputSchema"]


def test_extra_properties_do_not_excuse_missing_or_wrong_fields(sb, connect) -> None:
    missing = _bad(sb, connect, "chaport", "send-message",
                   {"visitorID": "65a1c0de0000000000000001", "text": "Hi"})  # fmt: skip
    assert missing.json == {
        "type": "bad_request",
        "message": "Invalid input: visitorId: 'visitorId' is a required property",
        "data": {"errors": [{"field": "visitorId",
                             "message": "'visitorId' is a required property"}]},
    }  # fmt: skip
    wrong = _bad(sb, connect, "chatra", "send-agent-message",
                 {"clientId": 7, "text": "Hi", "agent": "x"})  # fmt: skip
    assert wrong.json["data"]["errors"] == [
        {"field": "clientId", "message": "7 is not of type 'string'"}
    ]


def test_wrong_types_and_enums_are_refused(sb, connect) -> None:
    result = _bad(sb, connect, "chatwoot", "list-conversations", {"status": "closed", "page": "2"})
    assert result.json["data"]["errors"] == [
        {"field": "page", "message": "'2' is not of type 'integer'"},
        {"field": "status",
         "message": "'closed' is not one of ['open', 'resolved', 'pending', 'snoozed', 'all']"},
    ]  # fmt: skip


def test_nested_fields_are_named_by_path(sb, connect) -> None:
    result = _bad(sb, connect, "chatwoot", "create-conversation",
                  {"inbox_id": 1, "contact_id": 1, "message": {"content": ""}})  # fmt: skip
    assert result.json["data"]["errors"] == [
        {"field": "message.content", "message": "'' should be non-empty"}
    ]


def test_chaport_ids_must_be_24_hex(sb, connect) -> None:
    result = _bad(sb, connect, "chaport", "get-visitor", {"visitorId": "42"})
    assert result.json["data"]["errors"] == [
        {"field": "visitorId", "message": "'42' does not match '^[0-9a-f]{24}$'"}
    ]


def test_input_must_be_json(sb, connect) -> None:
    cid = connect("chatra")
    result = sb("action", "run", "get-client", f"--connectionId={cid}", "--input", "{nope",
                "--json")  # fmt: skip
    assert result.code == 1
    assert result.json == {
        "type": "bad_request",
        "message": "--input is not valid JSON: Expecting property name enclosed in double quotes",
    }


def test_app_errors_inside_actions_keep_the_app_body(sb, connect) -> None:
    result = _bad(sb, connect, "chatwoot", "get-contact", {"contact_id": 9999})
    assert result.json == {
        "type": "bad_request",
        "key": "not_found",
        "message": "Request failed with status code 404: Resource could not be found",
        "data": {
            "status": 404,
            "headers": {"content-type": "application/json; charset=utf-8"},
            "body": {"error": "Resource could not be found"},
        },
    }
    chatra = _bad(sb, connect, "chatra", "get-message", {"messageId": "nope"})
    assert chatra.json["data"]["body"] == {"error": "Message not found"}


ILLUSTRATIVE = (
    "(Illustrative: Membrane publishes no Chatwoot action keys; this one exists only in the "
    "sandbox. On a real connection, find actions with `action list --intent`, or use `request`.)"
)


def test_chatwoot_actions_say_they_are_illustrative(sb, connect) -> None:
    cid = connect("chatwoot")
    got = sb("action", "get", "get-contact", f"--connectionId={cid}", "--json").json
    assert got["illustrative"] is True
    assert got["description"] == f"Retrieve a contact by id. {ILLUSTRATIVE}"
    listed = sb("action", "list", f"--connectionId={cid}", "--limit", "100", "--json").json
    assert {item.get("illustrative") for item in listed["items"]} == {True}
    assert all(item["description"].endswith(ILLUSTRATIVE) for item in listed["items"])
    built = sb("action", "create", "add a private note", f"--connectionId={cid}", "--json").json
    assert built["illustrative"] is True
    # The note does not change what an intent finds: its words match no action.
    none = sb("action", "list", f"--connectionId={cid}", "--intent", "publishes", "--json").json
    assert none["items"] == []


def test_chaport_and_chatra_keys_are_membrane_s_own(sb, connect) -> None:
    for app in ("chaport", "chatra"):
        cid = connect(app)
        listed = sb("action", "list", f"--connectionId={cid}", "--limit", "100", "--json").json
        assert not any("illustrative" in item for item in listed["items"]), app
        assert not any("Illustrative" in item["description"] for item in listed["items"]), app


def test_action_list_and_get_need_no_connection(sb, connect) -> None:
    """Membrane documents `--connectionId` as optional on `action list` and absent on `get`."""
    chaport, chatra = connect("chaport"), connect("chatra")
    listed = sb("action", "list", "--limit", "100", "--json").json
    owners = [item["connectionId"] for item in listed["items"]]
    assert owners == [chaport] * 20 + [chatra] * 10  # oldest connection first
    ranked = sb("action", "list", "--intent", "pushed message", "--json").json["items"]
    assert ranked[0]["key"].endswith("-pushed-message")
    assert ranked[0]["connectionId"] == chatra
    got = sb("action", "get", "send-agent-message", "--json").json
    assert (got["key"], got["connectionId"]) == ("send-agent-message", chatra)
    missing = sb("action", "get", "no-such-key", "--json")
    assert (missing.code, missing.json) == (
        1, {"type": "bad_request", "key": "not_found", "message": "Action 'no-such-key' not found"}
    )  # fmt: skip
    scoped = sb("action", "get", "no-such-key", f"--connectionId={chatra}", "--json").json
    assert scoped["message"] == f"Action 'no-such-key' not found for connection '{chatra}'"
