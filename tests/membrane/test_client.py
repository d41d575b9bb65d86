"""MembraneClient: the exact argv of every operation in every dialect, and what it returns."""

from __future__ import annotations

import json
import threading

import pytest

from tests.helpers import MEMBRANE_DATA as DATA
from wrapper.errors import (
    AccessDeniedError,
    ConnectionActionRequiredError,
    ConnectionFailedError,
    InputTooLargeError,
    MembraneError,
    MembraneTimeoutError,
    NotFoundError,
    UsageError,
)
from wrapper.membrane import dialect as dialects
from wrapper.membrane.client import MembraneClient

CONN = "65f1c0ffee0000000000c0a1"


def text(name: str) -> str:
    return (DATA / name).read_text()


def body(name: str):
    return json.loads(text(name))


def make(dialect: str = "current", **kwargs) -> MembraneClient:
    client = MembraneClient(["membrane"], dialect=dialect, **kwargs)
    client.poll_interval_s = 0  # type: ignore[misc]
    return client


@pytest.fixture(autouse=True)
def fresh_dialect_memory():
    dialects.clear_memory_cache()


# --- account --------------------------------------------------------------------------------


def test_version_extracts_the_semver(fake_process):
    fake_process.register(["membrane", "--version"], stdout="@membranehq/cli/1.18.0 linux-x64\n")
    assert make().version() == "1.18.0"


def test_status_logged_in_and_out(fake_process):
    fake_process.register(["membrane", "status", "--json"], stdout=text("status-logged-in.json"))
    fake_process.register(["membrane", "status", "--json"], stdout=text("status-logged-out.json"))
    fake_process.register(
        ["membrane", "status", "--json"], stdout=text("error-not-authenticated.json"), returncode=1
    )
    client = make()
    assert client.status().logged_in is True
    assert client.status().logged_in is False
    assert client.status().logged_in is False


# --- connections ----------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["current", "newest"])
def test_ensure_connection_ready(fake_process, dialect):
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=text("connection-wrapped.json"),
    )
    connection = make(dialect).ensure_connection("chatwoot")
    assert (connection.id, connection.state) == (CONN, "READY")


def test_ensure_connection_waits_out_building(fake_process, monkeypatch):
    from wrapper.membrane import client as client_module

    slept: list[float] = []
    monkeypatch.setattr(client_module.time, "sleep", slept.append)
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=text("connection-building.json"),
    )
    wait = ["membrane", "connection", "get", CONN, "--wait", "--timeout", fake_process.any()]
    fake_process.register(wait, stdout=text("connection-building.json"))
    fake_process.register(wait, stdout=text("connection-ready.json"))
    connection = make().ensure_connection("https://www.chatwoot.com/", wait_timeout_s=300)
    assert connection.state == "READY"
    calls = [list(c) for c in fake_process.calls]
    # Each long-poll is capped at 60 s however long the overall deadline is.
    assert calls[1] == [
        "membrane",
        "connection",
        "get",
        CONN,
        "--wait",
        "--timeout",
        "60",
        "--json",
    ]
    assert len(calls) == 3
    # The CLI answered BUILDING at once instead of waiting: mw paused (its poll interval,
    # 0 under test) before asking again.
    assert slept == [0]


def test_ensure_connection_gives_up_at_the_deadline(fake_process):
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=text("connection-building.json"),
    )
    with pytest.raises(MembraneTimeoutError) as info:
        make().ensure_connection("chatwoot", wait_timeout_s=0)
    assert str(info.value) == f"connection {CONN} to chatwoot is still BUILDING after 0 s"
    # The wait was as long as allowed: a retry would only wait the same again.
    assert not info.value.retryable
    assert info.value.advice == (
        "Membrane is still setting it up: run again in a while, or wait longer with "
        "`mw connections ensure chatwoot --wait-timeout 600`."
    )


def test_ensure_connection_needs_a_person(fake_process):
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=text("connection-client-action.json"),
    )
    with pytest.raises(ConnectionActionRequiredError) as info:
        make().ensure_connection("chatwoot")
    error = info.value
    assert str(error) == (
        f"connection {CONN} to chatwoot needs a person: "
        "Sign in to Chatwoot to authorise the connection"
    )
    assert error.ui_url == "https://console.getmembrane.com/connect/abc123"
    assert error.advice == (
        "Open https://console.getmembrane.com/connect/abc123 , finish the step, "
        "then run the command again."
    )
    assert error.exit_code == 4


def test_ensure_connection_failed_setup(fake_process):
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=text("connection-setup-failed.json"),
    )
    with pytest.raises(ConnectionFailedError) as info:
        make().ensure_connection("chatwoot")
    assert str(info.value) == (
        f"connection {CONN} to chatwoot is SETUP_FAILED: Invalid API access token"
    )
    assert info.value.exit_code == 4


def test_ensure_connection_never_hands_out_an_unknown_state(fake_process):
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=text("connection-unknown.json"),
    )
    with pytest.raises(ConnectionFailedError) as info:
        make().ensure_connection("chatwoot")
    assert str(info.value) == (
        f"connection {CONN} to chatwoot is QUARANTINED, not READY: legacy string error"
    )
    assert info.value.exit_code == 4


def test_older_ensure_searches_connects_and_polls(fake_process):
    fake_process.register(
        ["membrane", "search", "chatwoot", "--elementType=connector", "--json"],
        stdout=text("search.json"),
    )
    fake_process.register(
        ["membrane", "connection", "list", "--json"], stdout='{"items": [], "cursor": null}'
    )
    fake_process.register(
        ["membrane", "connect", "--connectorId=65f1c0ffee0000000000c0b2", "--json"],
        stdout=text("connection-building.json"),
    )
    fake_process.register(
        ["membrane", "connection", "list", "--json"], stdout=text("connections-list.json")
    )
    connection = make("older").ensure_connection("chatwoot")
    assert (connection.id, connection.state) == (CONN, "READY")
    assert len(fake_process.calls) == 4


def test_older_ensure_reuses_a_connection_to_the_connector(fake_process):
    fake_process.register(
        ["membrane", "search", "chatwoot", "--elementType=connector", "--json"],
        stdout=text("search.json"),
    )
    fake_process.register(
        ["membrane", "connection", "list", "--json"], stdout=text("connections-bare-list.json")
    )
    assert make("older").ensure_connection("chatwoot").id == CONN
    assert len(fake_process.calls) == 2


def test_older_ensure_without_a_connector(fake_process):
    fake_process.register(
        ["membrane", "search", "nochat", "--elementType=connector", "--json"],
        stdout='{"items": []}',
    )
    with pytest.raises(NotFoundError) as info:
        make("older").ensure_connection("nochat")
    assert str(info.value) == "membrane search nochat found no connector for 'nochat'"


def test_get_connection(fake_process):
    fake_process.register(
        ["membrane", "connection", "get", CONN, "--json"], stdout=text("connection-ready.json")
    )
    fake_process.register(
        ["membrane", "connection", "get", CONN, "--wait", "--timeout", "45", "--json"],
        stdout=text("connection-ready.json"),
    )
    client = make()
    assert client.get_connection(CONN).state == "READY"
    assert client.get_connection(CONN, wait=True, timeout_s=45).state == "READY"


def test_older_get_connection_reads_the_list(fake_process):
    fake_process.register(
        ["membrane", "connection", "list", "--json"], stdout=text("connections-list.json")
    )
    fake_process.register(
        ["membrane", "connection", "list", "--json"], stdout=text("connections-list.json")
    )
    client = make("older")
    assert client.get_connection(CONN).name == "Chatwoot"
    with pytest.raises(NotFoundError, match="membrane connection list: no connection nope"):
        client.get_connection("nope")


@pytest.mark.parametrize("dialect", dialects.DIALECTS)
def test_list_connections(fake_process, dialect):
    fake_process.register(
        ["membrane", "connection", "list", "--json"], stdout=text("connections-list.json")
    )
    found = make(dialect).list_connections()
    assert [(c.key, c.state) for c in found] == [("chatwoot", "READY"), ("chatra", "BUILDING")]


# --- actions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "argv"),
    [
        (
            "current",
            ["action", "list", "--connectionId=c1", "--intent", "contacts", "--limit", "1"],
        ),
        ("newest", ["action", "list", "--connectionId=c1", "--intent", "contacts", "--limit", "1"]),
        ("older", ["action", "list", "--intent=contacts", "--connectionId=c1"]),
    ],
)
def test_list_actions(fake_process, dialect, argv):
    fake_process.register(["membrane", *argv, "--json"], stdout=text("actions-list.json"))
    found = make(dialect).list_actions("c1", intent="contacts", limit=1)
    # The older CLI has no --limit; the client cuts the list itself.
    assert [a.key for a in found] == ["create-contact"]


def test_list_actions_from_output_items(fake_process):
    fake_process.register(
        ["membrane", "action", "list", "--connectionId=c1", "--json"],
        stdout=text("actions-output-items.json"),
    )
    assert [a.name for a in make().list_actions("c1")] == ["Create Contact"]


@pytest.mark.parametrize("dialect", ["current", "newest"])
def test_get_action(fake_process, dialect):
    fake_process.register(
        ["membrane", "action", "get", "create-contact", "--connectionId=c1", "--json"],
        stdout=text("action.json"),
    )
    action = make(dialect).get_action("create-contact", connection_id="c1")
    assert action.input_schema is not None and action.state == "READY"


def test_older_get_action_searches_the_list(fake_process):
    argv = ["membrane", "action", "list", "--connectionId=c1", "--json"]
    fake_process.register(argv, stdout=text("actions-list.json"), occurrences=2)
    client = make("older")
    assert client.get_action("list-contacts", connection_id="c1").name == "List Contacts"
    with pytest.raises(NotFoundError) as info:
        client.get_action("nope", connection_id="c1")
    assert str(info.value) == "membrane action list: no action 'nope' on connection c1"
    with pytest.raises(UsageError):
        client.get_action("x")


def test_create_action_waits_until_ready(fake_process):
    building = {**body("action.json"), "state": "BUILDING"}
    fake_process.register(
        ["membrane", "action", "create", "create a contact", "--connectionId=c1", "--json"],
        stdout=json.dumps(building),
    )
    get = ["membrane", "action", "get", "create-contact", "--connectionId=c1", "--json"]
    fake_process.register(get, stdout=json.dumps(building))
    fake_process.register(get, stdout=text("action.json"))
    action = make().create_action("create a contact", connection_id="c1")
    assert action.state == "READY"
    assert len(fake_process.calls) == 3


def test_create_action_that_fails(fake_process):
    failed = {**body("action.json"), "state": "CONFIGURATION_ERROR", "error": {"message": "no API"}}
    fake_process.register(
        ["membrane", "action", "create", "x", "--connectionId=c1", "--json"],
        stdout=json.dumps(failed),
    )
    with pytest.raises(MembraneError) as info:
        make().create_action("x", connection_id="c1")
    assert str(info.value) == (
        "membrane action create x failed: the action ended in CONFIGURATION_ERROR: no API"
    )


def test_create_action_is_not_in_the_older_cli():
    with pytest.raises(UsageError, match="`membrane action create` is not available"):
        make("older").create_action("x", connection_id="c1")


@pytest.mark.parametrize(
    ("dialect", "argv"),
    [
        ("current", ["action", "run", "k", "--connectionId=c1", "--input", '{"k":1}', "--json"]),
        ("older", ["action", "run", "--connectionId=c1", "k", "--json", "--input", '{"k":1}']),
        ("newest", ["act", "--key", "k", "--connectionId", "c1", "--input", '{"k":1}', "--json"]),
    ],
)
def test_run_action(fake_process, dialect, argv):
    fake_process.register(["membrane", *argv], stdout=text("action-run.json"))
    result = make(dialect).run_action("k", connection_id="c1", input={"k": 1})
    assert result.output["email"] == "ada@example.com"
    assert result.action_run_id == "65f1c0ffee0000000000e001"


def test_run_action_without_input(fake_process):
    fake_process.register(
        ["membrane", "action", "run", "k", "--connectionId=c1", "--json"], stdout='{"output": []}'
    )
    assert make().run_action("k", connection_id="c1").output == []


# --- proxy ----------------------------------------------------------------------------------


def test_request_current(fake_process):
    fake_process.register(
        [
            *("membrane", "request", "c1", "/contacts/{id}", "-X", "PATCH"),
            *("-H", "Accept: application/json", "-d", '{"name":"Ada"}'),
            *("--query", "a=1", "--pathParam", "id=7", "--json"),
        ],
        stdout=text("request.json"),
    )
    response = make().request(
        "c1",
        "/contacts/{id}",
        method="patch",
        headers={"Accept": "application/json"},
        body={"name": "Ada"},
        query={"a": "1"},
        path_params={"id": "7"},
    )
    assert response.status == 200
    assert response.body == {"payload": [{"id": 1, "name": "Ada"}]}


def test_request_newest_uses_act_api(fake_process):
    api = '{"method":"GET","path":"/contacts/7","query":{"a":"1"}}'
    fake_process.register(
        ["membrane", "act", "--api", api, "--connectionId", "c1", "--json"],
        stdout=text("act-api.json"),
    )
    response = make("newest").request(
        "c1", "/contacts/{id}", query={"a": "1"}, path_params={"id": "7"}
    )
    assert (response.status, response.body) == (None, {"payload": [{"id": 1, "name": "Ada"}]})


def test_request_with_error_status_on_exit_zero(fake_process):
    fake_process.register(
        ["membrane", "request", "c1", "/x", "-X", "GET", "--json"],
        stdout='{"status": 404, "headers": {}, "body": {"error": "nope"}}',
    )
    with pytest.raises(NotFoundError) as info:
        make().request("c1", "/x")
    assert str(info.value) == "membrane request GET /x failed: HTTP 404 (the app said: nope)"
    assert info.value.data["body"] == {"error": "nope"}


# --- detection, threads, masking ------------------------------------------------------------


def test_dialect_is_detected_lazily_once_across_threads(fake_process, tmp_path):
    binary = tmp_path / "membrane"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    fake_process.register([str(binary), "--help"], stdout=text("help-newest.txt"))
    # Its top-level help lists only groups: the groups' own help is read too.
    fake_process.register(
        [str(binary), "connection", "--help"], stdout=text("help-connection-current.txt")
    )
    fake_process.register([str(binary), "action", "--help"], stdout=text("help-action-newest.txt"))
    fake_process.register(
        [str(binary), "act", "--key", "k", "--connectionId", "c1", "--json"],
        stdout='{"output": 1}',
        occurrences=8,
    )
    client = MembraneClient([str(binary)])
    assert client.command == [str(binary)]
    results: list[object] = []

    def work() -> None:
        results.append(client.run_action("k", connection_id="c1").output)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [1] * 8
    assert client.dialect == "newest"
    assert fake_process.call_count([str(binary), "--help"]) == 1


def test_input_too_large_is_refused_before_the_call(fake_process):
    big = {"text": "x" * (128 * 1024)}
    with pytest.raises(InputTooLargeError) as info:
        make().run_action("send-message", connection_id="c1", input=big)
    assert str(info.value) == (
        "membrane action run send-message: the input is 131083 bytes of JSON, over the "
        "131071-byte limit on one command-line argument"
    )
    assert info.value.exit_code == 2
    assert len(fake_process.calls) == 0


def test_mask_applies_to_errors(fake_process):
    fake_process.register(
        ["membrane", "request", "c1", "/x", "-X", "GET", "-H", "Authorization: sk-9", "--json"],
        stdout='{"type": "internal", "message": "boom near sk-9"}',
        returncode=1,
    )
    client = make(mask=lambda s: s.replace("sk-9", "***"))
    with pytest.raises(MembraneError) as info:
        client.request("c1", "/x", headers={"Authorization": "sk-9"})
    assert str(info.value) == "membrane request GET /x failed: boom near ***"
    assert "Authorization: ***" in info.value.command
    assert "sk-9" not in info.value.output


def test_request_401_on_exit_zero_is_the_apps_token_not_the_login(fake_process):
    fake_process.register(
        ["membrane", "request", "c1", "/x", "-X", "GET", "--json"],
        stdout='{"status": 401, "headers": {}, "body": "expired"}',
    )
    with pytest.raises(AccessDeniedError) as info:
        make().request("c1", "/x")
    assert str(info.value) == "membrane request GET /x failed: HTTP 401 (the app said: expired)"
    assert "reconnect it" in info.value.advice


def test_older_get_connection_with_wait_polls_the_list(fake_process):
    building = {"items": [{"id": CONN, "name": "Chatwoot", "state": "BUILDING"}]}
    list_argv = ["membrane", "connection", "list", "--json"]
    fake_process.register(list_argv, stdout=json.dumps(building))
    fake_process.register(list_argv, stdout=text("connections-list.json"))
    assert make("older").get_connection(CONN, wait=True, timeout_s=60).state == "READY"
    assert len(fake_process.calls) == 2
