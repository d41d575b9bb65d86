"""`request` passes the app's status, headers and body through, as an envelope or raw."""

from __future__ import annotations

import json

import pytest

from tests.sandbox.conftest import spawn

A1 = "/api/v1/accounts/1"
JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}
NOT_FOUND = {"error": "Resource could not be found"}


def test_a_404_from_chatwoot_is_an_answer_in_the_envelope(sb, connect) -> None:
    cid = connect("chatwoot")
    result = sb("request", cid, A1 + "/conversations/9999", "--json")
    assert (result.code, result.err) == (0, "")
    envelope = {"status": 404, "headers": JSON_HEADERS, "body": NOT_FOUND}
    assert result.out == json.dumps(envelope, separators=(",", ":")) + "\n"


def test_the_envelope_is_the_default_and_success_looks_the_same(sb, connect) -> None:
    cid = connect("chatra")
    result = sb("request", cid, "/clients/demoClient0000001")
    assert result.code == 0
    assert set(result.json) == {"status", "headers", "body"}
    assert result.json["status"] == 200
    assert result.json["body"]["id"] == "demoClient0000001"
    assert result.out.startswith('{\n  "status": 200,')  # indented without --json


@pytest.mark.parametrize(
    ("path", "status"),
    [(A1 + "/inboxes", 200), (A1 + "/contacts/9999", 404), ("/api/v1/accounts/3/inboxes", 401)],
)
def test_every_app_status_exits_0_in_both_modes(sb, connect, monkeypatch, path, status) -> None:
    cid = connect("chatwoot")
    monkeypatch.setenv("MW_SANDBOX_REQUEST_OUTPUT", "envelope")
    envelope = sb("request", cid, path, "--json")
    monkeypatch.setenv("MW_SANDBOX_REQUEST_OUTPUT", "raw")
    raw = sb("request", cid, path, "--json")
    assert (envelope.code, envelope.err, raw.code, raw.err) == (0, "", 0, "")
    assert envelope.json["status"] == status
    assert raw.json == envelope.json["body"]


def test_raw_prints_the_app_body_alone(sb, connect, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_REQUEST_OUTPUT", "raw")
    cid = connect("chatwoot")
    missing = sb("request", cid, A1 + "/conversations/9999", "--json")
    assert (missing.code, missing.out, missing.err) == (
        0, '{"error":"Resource could not be found"}\n', ""
    )  # fmt: skip
    inboxes = sb("request", cid, A1 + "/inboxes", "--json").json
    assert [i["id"] for i in inboxes["payload"]] == [1, 2, 3]
    # A body that has its own `status` field stays the app's body, untouched.
    conversation = sb("request", cid, A1 + "/conversations/1", "--json").json
    assert conversation["id"] == 1 and conversation["status"] in ("open", "resolved", "pending",
                                                                  "snoozed")  # fmt: skip


def test_raw_prints_nothing_for_an_empty_body(sb, connect, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_REQUEST_OUTPUT", "raw")
    cid = connect("chatwoot")
    deleted = sb("request", cid, A1 + "/contacts/5", "-X", "DELETE", "--json")
    assert (deleted.code, deleted.out, deleted.err) == (0, "", "")
    monkeypatch.setenv("MW_SANDBOX_REQUEST_OUTPUT", "envelope")
    again = sb("request", cid, A1 + "/contacts/6", "-X", "DELETE", "--json").json
    assert (again["status"], again["body"]) == (200, "")


def test_membrane_errors_stay_membrane_errors_in_both_modes(sb, monkeypatch) -> None:
    """Only the app's answers pass through; a missing connection is Membrane's own failure."""
    for mode in ("envelope", "raw"):
        monkeypatch.setenv("MW_SANDBOX_REQUEST_OUTPUT", mode)
        result = sb("request", "0123456789abcdef01234567", "/x", "--json")
        assert result.code == 1
        assert result.json == {
            "type": "bad_request",
            "key": "not_found",
            "message": "Connection with id '0123456789abcdef01234567' not found",
        }


def test_act_api_still_answers_an_app_error_as_a_membrane_error(sb, connect) -> None:
    cid = connect("chatwoot")
    api = json.dumps({"method": "GET", "path": A1 + "/contacts/9999"})
    result = sb("act", "--api", api, "--connectionId", cid, "--json")
    assert result.code == 1
    assert result.json["key"] == "not_found"
    assert result.json["data"]["body"] == NOT_FOUND


def test_an_unknown_output_mode_is_a_configuration_error(sb, connect, monkeypatch) -> None:
    cid = connect("chatwoot")
    monkeypatch.setenv("MW_SANDBOX_REQUEST_OUTPUT", "xml")
    result = sb("request", cid, A1 + "/inboxes", "--json")
    assert result.code == 1
    assert result.json == {
        "type": "configuration",
        "message": "MW_SANDBOX_REQUEST_OUTPUT='xml' is not one of envelope, raw",
    }


def test_a_real_process_passes_a_404_through(tmp_path) -> None:
    env = {"MW_SANDBOX_DIR": str(tmp_path)}
    cid = spawn("connection", "ensure", "https://www.chatwoot.com/", "--json", env=env).json["id"]
    envelope = spawn("request", cid, A1 + "/contacts/9999", "--json", env=env)
    assert (envelope.code, envelope.err) == (0, "")
    assert envelope.json == {"status": 404, "headers": JSON_HEADERS, "body": NOT_FOUND}
    raw = spawn("request", cid, A1 + "/contacts/9999", "--json",
                env={**env, "MW_SANDBOX_REQUEST_OUTPUT": "raw"})  # fmt: skip
    assert (raw.code, raw.json, raw.err) == (0, NOT_FOUND, "")


def test_app_rate_limit_passes_each_app_s_own_429_through(sb, connect, monkeypatch) -> None:
    ids = {app: connect(app) for app in ("chatwoot", "chaport", "chatra")}
    monkeypatch.setenv("MW_SANDBOX_FAULTS", "app_rate_limit=1")
    chatwoot = sb("request", ids["chatwoot"], A1 + "/contacts", "-X", "POST", "-d",
                  '{"name": "Never made"}', "--json")  # fmt: skip
    assert (chatwoot.code, chatwoot.err) == (0, "")
    assert chatwoot.json == {  # rack-attack's default: plain text, no Retry-After
        "status": 429, "headers": {"content-type": "text/plain"}, "body": "Retry later\n"
    }  # fmt: skip
    chatra = sb("request", ids["chatra"], "/clients/demoClient0000001", "--json").json
    assert chatra == {
        "status": 429,
        "headers": {**JSON_HEADERS, "retry-after": "2"},
        "body": {"error": "Too many requests"},
    }
    chaport = sb("request", ids["chaport"], "/operators", "--json").json
    assert (chaport["status"], chaport["headers"]["retry-after"]) == (429, "2")
    monkeypatch.setenv("MW_SANDBOX_REQUEST_OUTPUT", "raw")
    raw = sb("request", ids["chatwoot"], A1 + "/contacts", "--json")
    assert (raw.code, raw.out) == (0, "Retry later\n")
    # Nothing was applied, and actions are spared: Membrane retries an app's 429 itself.
    monkeypatch.delenv("MW_SANDBOX_REQUEST_OUTPUT")
    search = sb("action", "run", "search-contacts", f"--connectionId={ids['chatwoot']}",
                "--input", '{"q": "Never made"}', "--json")  # fmt: skip
    assert (search.code, search.json["output"]["payload"]) == (0, [])


def test_app_rate_limit_still_needs_a_login_and_a_ready_connection(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_FAULTS", "app_rate_limit=1")
    missing = sb("request", "0123456789abcdef01234567", "/x", "--json")
    assert (missing.code, missing.json["key"]) == (1, "not_found")
    monkeypatch.setenv("MW_SANDBOX_LOGGED_OUT", "1")
    assert sb("request", "0123456789abcdef01234567", "/x", "--json").json["key"] == (
        "not_authenticated"
    )
