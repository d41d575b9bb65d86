"""Connection states and login switches, as the wire contract describes them."""

from __future__ import annotations

import pytest


def test_building_turns_ready_on_the_nth_poll(sb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_CONNECTION_STATE", "building:3")
    created = sb("connection", "ensure", "chatwoot", "--json").json
    assert created["state"] == "BUILDING"
    cid = created["id"]
    states = [sb("connection", "get", cid, "--wait", "--json").json["state"] for _ in range(3)]
    assert states == ["BUILDING", "BUILDING", "READY"]
    # Each ensure under the switch answers BUILDING again, as the wire contract says.
    assert sb("connection", "ensure", "chatwoot", "--json").json["state"] == "BUILDING"


def test_building_counts_list_polls_too(sb, monkeypatch: pytest.MonkeyPatch) -> None:
    """The older CLI waits by polling `connection list`."""
    monkeypatch.setenv("MW_SANDBOX_CONNECTION_STATE", "building:2")
    cid = sb("connection", "ensure", "chaport", "--json").json["id"]
    first = sb("connection", "list", "--json").json["items"]
    second = sb("connection", "list", "--json").json["items"]
    assert [(c["id"], c["state"]) for c in first] == [(cid, "BUILDING")]
    assert [(c["id"], c["state"]) for c in second] == [(cid, "READY")]


def test_actions_refuse_a_connection_that_is_not_ready(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_CONNECTION_STATE", "building:5")
    cid = sb("connection", "ensure", "chatra", "--json").json["id"]
    result = sb("action", "run", "get-client", f"--connectionId={cid}", "--json")
    assert result.code == 1
    assert result.json == {
        "type": "connection",
        "message": f"Connection '{cid}' is not ready (state BUILDING).",
    }


def test_client_action_required(sb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_CONNECTION_STATE", "client_action_required")
    connection = sb("connection", "ensure", "chatwoot", "--json").json
    assert connection["state"] == "CLIENT_ACTION_REQUIRED"
    assert connection["clientAction"] == {
        "type": "connect",
        "description": "Authorize Chatwoot to finish connecting.",
        "uiUrl": f"https://console.sandbox.membrane.local/connect/{connection['id']}",
    }
    assert sb("connection", "get", connection["id"], "--json").json["state"] == (
        "CLIENT_ACTION_REQUIRED"
    )
    # The person finished the step: without the switch, ensure finds the connection READY.
    monkeypatch.delenv("MW_SANDBOX_CONNECTION_STATE")
    again = sb("connection", "ensure", "chatwoot", "--json").json
    assert (again["id"], again["state"]) == (connection["id"], "READY")
    assert "clientAction" not in again


def test_setup_failed(sb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_CONNECTION_STATE", "setup_failed")
    connection = sb("connection", "ensure", "chaport.com", "--json").json
    assert connection["state"] == "SETUP_FAILED"
    assert connection["error"] == {
        "type": "connection",
        "message": "Could not set up the Chaport connection: the credentials were rejected.",
    }


def test_unknown_state_switch_is_an_internal_error(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_CONNECTION_STATE", "sleepy")
    result = sb("connection", "ensure", "chatwoot", "--json")
    assert result.code == 1
    assert result.json == {
        "type": "internal",
        "message": "MW_SANDBOX_CONNECTION_STATE='sleepy' is not one of building:N, "
        "client_action_required, setup_failed, configuration_error, disconnecting, "
        "disconnected, error",
    }


@pytest.mark.parametrize(
    ("switch", "state", "disconnected", "error"),
    [
        ("disconnecting", "DISCONNECTING", True, None),
        ("disconnected", "DISCONNECTED", True, None),
        ("error", "ERROR", False, "The Chatra connection failed: the app stopped answering."),
        ("configuration_error", "CONFIGURATION_ERROR", False,
         "The Chatra connection is misconfigured: its connector has no auth."),
    ],
)  # fmt: skip
def test_states_that_are_never_ready(sb, monkeypatch, switch, state, disconnected, error) -> None:
    ready = sb("connection", "ensure", "chatra", "--json").json
    monkeypatch.setenv("MW_SANDBOX_CONNECTION_STATE", switch)
    connection = sb("connection", "ensure", "https://chatra.io", "--json").json
    assert (connection["id"], connection["state"]) == (ready["id"], state)
    assert connection["disconnected"] is disconnected
    assert connection.get("error") == (error and {"type": "connection", "message": error})
    assert sb("connection", "get", ready["id"], "--json").json["state"] == state
    assert [c["state"] for c in sb("connection", "list", "--json").json["items"]] == [state]
    refused = sb("action", "run", "get-client", f"--connectionId={ready['id']}", "--json")
    assert refused.code == 1
    assert refused.json == {
        "type": "connection",
        "key": "connection_is_defunct",
        "message": f"Connection '{ready['id']}' is not ready (state {state}).",
    }
    request = sb("request", ready["id"], "/clients/demoClient0000001", "--json")
    assert request.code == 1 and request.json["key"] == "connection_is_defunct"
    monkeypatch.delenv("MW_SANDBOX_CONNECTION_STATE")
    again = sb("connection", "ensure", "chatra.io", "--json").json
    assert (again["state"], again["disconnected"], "error" in again) == ("READY", False, False)


def test_ensure_names_the_connection_it_creates(sb) -> None:
    named = sb("connection", "ensure", "https://www.chaport.com/", "--name", "Support chat",
               "--json").json  # fmt: skip
    assert (named["name"], named["key"]) == ("Support chat", "chaport")
    found = sb("connection", "ensure", "chaport", "--name", "Other", "--json").json
    assert (found["id"], found["name"]) == (named["id"], "Support chat")
    assert sb("connection", "ensure", "chatra.io", "--json").json["name"] == "Chatra"


NOT_AUTHENTICATED = {
    "type": "bad_request",
    "key": "not_authenticated",
    "message": "Not authenticated. Run `membrane login` to log in.",
}


@pytest.mark.parametrize(
    "argv",
    [
        ("connection", "ensure", "chatwoot"),
        ("connection", "list"),
        ("search", "chatwoot"),
        ("action", "list", "--connectionId=x"),
        ("act", "--key", "k", "--connectionId", "x"),
        ("request", "x", "/contacts"),
    ],
)
def test_logged_out_env_fails_every_tenant_command(sb, monkeypatch, argv) -> None:
    monkeypatch.setenv("MW_SANDBOX_LOGGED_OUT", "1")
    result = sb(*argv, "--json")
    assert result.code == 1
    assert result.json == NOT_AUTHENTICATED
    assert result.err == "Error: Not authenticated. Run `membrane login` to log in.\n"


def test_logout_then_login(sb) -> None:
    assert sb("logout", "--json").json == {"loggedIn": False}
    assert sb("status", "--json").json["loggedIn"] is False
    assert sb("connection", "list", "--json").json == NOT_AUTHENTICATED
    assert sb("login", "--tenant", "--clientName=claude").out == "Logged in to the sandbox.\n"
    assert sb("connection", "list", "--json").code == 0
    sb("logout")
    assert sb("login", "complete", "abc123", "--json").json["loggedIn"] is True


def test_status_shows_logged_out_env(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_LOGGED_OUT", "1")
    result = sb("status", "--json")
    assert result.code == 0 and result.json["loggedIn"] is False


def test_connection_delete(sb, connect) -> None:
    cid = connect("chatra")
    archived = sb("connection", "delete", cid, "--json").json
    assert archived["id"] == cid and "archivedAt" in archived
    assert sb("connection", "get", cid, "--json").json["key"] == "not_found"
