"""What users see of the wire's undocumented shapes: exact output, exit codes, no "bug" line."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from tests import helpers
from wrapper.membrane import dialect as dialects

CONN = "65f1c0ffee0000000000c0a1"
ENSURE = ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"]
REQUEST = ["membrane", "request", "c1", "/api/v1/accounts/1/contacts/9", "-X", "GET", "--json"]
READY = json.dumps({"id": CONN, "name": "Chatwoot", "state": "READY"})


@pytest.fixture(autouse=True)
def fresh_dialect_memory():
    dialects.clear_memory_cache()


@pytest.fixture
def mw():
    return partial(helpers.mw, catch_exceptions=True)


@pytest.fixture
def current(monkeypatch):
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "current")


def test_connections_ensure_quiet_prints_only_the_id(fake_process, mw, current):
    fake_process.register(ENSURE, stdout=READY)
    result = mw("connections", "ensure", "chatwoot", "-q")
    assert result.exit_code == 0
    assert result.stdout == f"{CONN}\n"
    assert result.stderr == ""


def test_connections_ensure_warns_about_an_unknown_bare_word(fake_process, mw, current):
    fake_process.register(["membrane", "connection", "ensure", "hubspot", "--json"], stdout=READY)
    result = mw("connections", "ensure", "hubspot")
    assert result.exit_code == 0
    assert result.stderr.startswith(
        "warning: app 'hubspot' is not a URL or domain and not one of the names mw knows"
    )
    assert f"id:    {CONN}\n" in result.stdout


@pytest.mark.parametrize("state", ["DISCONNECTING", "DISCONNECTED", "ERROR"])
def test_connections_ensure_refuses_a_connection_that_is_not_ready(
    fake_process, mw, current, state
):
    fake_process.register(ENSURE, stdout=json.dumps({"id": CONN, "state": state}))
    result = mw("connections", "ensure", "chatwoot")
    assert result.exit_code == 4
    assert result.stderr == (
        f"Error: connection {CONN} to chatwoot is {state}, not READY\n"
        "  Reconnect it in the Membrane console, or run `mw connections ensure chatwoot` again "
        "once it is READY.\n"
    )


def test_request_raw_body_with_a_status_field(fake_process, mw, current):
    conversation = {"id": 9, "status": "open", "messages": []}
    fake_process.register(REQUEST, stdout=json.dumps(conversation), occurrences=2)
    result = mw("request", "c1", "/api/v1/accounts/1/contacts/9")
    assert result.exit_code == 0
    assert result.stderr == ""  # no status to report: membrane printed only the body
    assert json.loads(result.stdout) == conversation
    as_json = mw("request", "c1", "/api/v1/accounts/1/contacts/9", "--json")
    assert json.loads(as_json.stdout) == {"status": None, "headers": {}, "body": conversation}


@pytest.mark.parametrize("returncode", [0, 1])
def test_request_404_envelope(fake_process, mw, current, returncode):
    fake_process.register(
        REQUEST,
        stdout=json.dumps({"status": 404, "body": {"error": "Resource could not be found"}}),
        returncode=returncode,
    )
    result = mw("request", "c1", "/api/v1/accounts/1/contacts/9")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "Error: membrane request GET /api/v1/accounts/1/contacts/9 failed: HTTP 404 "
        "(the app said: Resource could not be found)"
    )
    assert result.stderr.splitlines()[1] == (
        "  The app has no such record or route: check the path and the ids in it against the "
        "app's API."
    )
    assert "bug" not in result.stderr


def test_request_404_as_a_membrane_error_body(fake_process, mw, current):
    body = {
        "type": "bad_request",
        "key": "not_found",
        "message": "Request failed with status code 404",
        "data": {"response": {"status": 404, "data": {"error": "Resource could not be found"}}},
    }
    fake_process.register(REQUEST, stderr=json.dumps(body), returncode=1)
    result = mw("request", "c1", "/api/v1/accounts/1/contacts/9")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: membrane request GET /api/v1/accounts/1/contacts/9 failed: Request failed with "
        "status code 404 (the app said: Resource could not be found)\n"
        "  The app has no such record or route: check the path and the ids in it against the "
        "app's API.\n"
    )


def test_request_to_a_missing_connection_keeps_membranes_advice(fake_process, mw, current):
    body = {"type": "bad_request", "key": "not_found", "message": "Connection c1 not found"}
    fake_process.register(REQUEST, stderr=json.dumps(body), returncode=1)
    result = mw("request", "c1", "/api/v1/accounts/1/contacts/9")
    assert result.exit_code == 1
    assert "`mw connections list` shows the connections" in result.stderr


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_request_app_error_body_after_a_non_zero_exit(fake_process, mw, current, stream):
    fake_process.register(
        REQUEST, **{stream: '{"error": "Resource could not be found"}'}, returncode=1
    )
    result = mw("request", "c1", "/api/v1/accounts/1/contacts/9")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "Error: membrane request GET /api/v1/accounts/1/contacts/9 failed (exit code 1): "
        "the app said: Resource could not be found"
    )
    assert "different program" not in result.stderr


def test_actions_list_limit_20_over_pages_of_10(fake_process, mw, current):
    def page(start: int, cursor: str | None) -> str:
        items = [{"id": f"a{i}", "key": f"k{i}", "name": f"A{i}"} for i in range(start, start + 10)]
        return json.dumps({"items": items, "cursor": cursor})

    base = ["membrane", "action", "list", "--connectionId=c1"]
    fake_process.register([*base, "--limit", "20", "--json"], stdout=page(0, "p2"))
    fake_process.register(
        [*base, "--limit", "10", "--cursor", "p2", "--json"], stdout=page(10, "p3")
    )
    result = mw("actions", "list", "--connection", "c1", "--limit", "20", "--json")
    assert result.exit_code == 0
    assert [a["key"] for a in json.loads(result.stdout)] == [f"k{i}" for i in range(20)]


def test_doctor_goes_on_when_status_does_not_say(fake_process, mw, current, tmp_path: Path):
    binary = tmp_path / "membrane"
    binary.write_text("#!/bin/sh\nexit 0\n")
    binary.chmod(0o755)
    fake_process.register([str(binary), "--version"], stdout="1.18.0\n")
    fake_process.register(
        [str(binary), "status", "--json"], stdout='{"workspace": "acme", "tenant": "ada"}'
    )
    result = mw("--membrane", str(binary), "doctor")
    assert result.exit_code == 0, result.output
    assert (
        "login      warn  unknown: `membrane status` did not say; calls will tell" in result.stdout
    )
    assert "bug" not in result.output
