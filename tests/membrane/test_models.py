"""Parsing of captured-style `membrane --json` outputs into the tolerant models."""

from __future__ import annotations

import json

import pytest

from tests.helpers import MEMBRANE_DATA as DATA
from wrapper.frozen import FrozenError
from wrapper.membrane.models import (
    Action,
    ActionRunResult,
    ClientAction,
    Connection,
    ErrorData,
    LoginStatus,
    ProxyResponse,
    SearchElement,
    SearchResult,
    items_of,
    proxy_response_of,
    run_result_of,
    unwrap,
)


def load(name: str):
    return json.loads((DATA / name).read_text())


@pytest.mark.parametrize("fixture", ["connection-ready.json", "connection-wrapped.json"])
def test_connection_from_raw_body_or_output_wrapper(fixture):
    connection = Connection.from_wire(unwrap(load(fixture)))
    assert connection.id == "65f1c0ffee0000000000c0a1"
    assert connection.state == "READY"
    assert connection.integration_key == "chatwoot"
    assert connection.connector_id == "65f1c0ffee0000000000c0b2"
    assert connection.disconnected is False
    assert connection.app == "chatwoot"


def test_connection_keeps_unknown_state_and_ignores_unknown_fields():
    connection = Connection.from_wire(load("connection-unknown.json"))
    assert connection.state == "QUARANTINED"
    assert connection.error is not None and connection.error.message == "legacy string error"
    assert "brandNewField" not in connection.to_wire()


def test_client_action_and_error_body():
    waiting = Connection.from_wire(load("connection-client-action.json"))
    assert waiting.client_action is not None
    assert waiting.client_action.type == "connect"
    assert waiting.client_action.ui_url == "https://console.getmembrane.com/connect/abc123"
    assert waiting.client_action.agent_instructions == "Ask the user to open the link"
    failed = Connection.from_wire(load("connection-setup-failed.json"))
    assert failed.error is not None
    assert (failed.error.type, failed.error.message) == ("connection", "Invalid API access token")


@pytest.mark.parametrize(
    ("fixture", "count"),
    [
        ("connections-list.json", 2),
        ("connections-bare-list.json", 1),
    ],
)
def test_connection_lists(fixture, count):
    items = items_of(load(fixture))
    assert items is not None
    assert [Connection.from_wire(i).id[:8] for i in items] == ["65f1c0ff"] * count


@pytest.mark.parametrize("fixture", ["actions-list.json", "actions-output-items.json"])
def test_action_lists_from_items_or_output_items(fixture):
    items = items_of(load(fixture))
    assert items is not None
    first = Action.from_wire(items[0])
    assert first.key == "create-contact"
    assert first.input_schema is not None and first.input_schema["required"] == ["email"]
    assert first.type == "create-data-record"


def test_items_of_rejects_non_lists():
    assert items_of({"id": "x"}) is None
    assert items_of("text") is None


def test_run_result_shapes():
    result = run_result_of(load("action-run.json"))
    assert result.output == {"id": 42, "name": "Ada", "email": "ada@example.com"}
    assert result.action_run_id == "65f1c0ffee0000000000e001"
    bare = run_result_of([1, 2])
    assert (bare.output, bare.action_run_id) == ([1, 2], None)
    assert run_result_of({"output": None}).output is None


def test_proxy_response_shapes():
    response = proxy_response_of(load("request.json"))
    assert response.status == 200
    assert response.headers["x-ratelimit-remaining"] == "59"
    assert response.body == {"payload": [{"id": 1, "name": "Ada"}]}
    via_act = proxy_response_of(load("act-api.json"))
    assert (via_act.status, via_act.body) == (None, {"payload": [{"id": 1, "name": "Ada"}]})


def test_login_status_and_search_results():
    status = LoginStatus.from_wire(load("status-logged-in.json"))
    assert (status.logged_in, status.workspace_key, status.tenant_key) == (True, "acme", "ada")
    # No flag at all is not a "logged out": it is unknown.
    assert LoginStatus.from_wire({}).logged_in is None
    results = [SearchResult.from_wire(i) for i in items_of(load("search.json")) or []]
    assert [r.is_connector for r in results] == [False, True]
    assert results[1].element.key == "chatwoot"


def test_to_wire_round_trips_camel_case():
    action = Action.from_wire(load("action.json"))
    wire = action.to_wire()
    assert wire["inputSchema"] == load("action.json")["inputSchema"]
    assert Action.from_wire(wire) == action


def test_models_are_immutable_values_with_a_dataclass_like_repr():
    error = ErrorData("http", None, "boom")
    connection = Connection("c1", "Chatwoot", state="READY", error=error)
    assert connection == Connection(id="c1", name="Chatwoot", state="READY", error=error)
    assert connection != Connection("c1", "Chatwoot")
    assert len({connection, Connection("c1", "Chatwoot", state="READY", error=error)}) == 1
    assert repr(ErrorData("http", message="boom")) == (
        "ErrorData(type='http', key=None, message='boom', data=None)"
    )
    with pytest.raises(FrozenError, match="cannot assign to field 'state'"):
        connection.state = "BUILDING"  # type: ignore[misc]
    assert connection.replace(state="BUILDING").state == "BUILDING"
    assert connection.state == "READY"


def test_model_defaults_match_the_wire_and_are_not_shared():
    assert ProxyResponse().headers == {} and ProxyResponse().headers is not ProxyResponse().headers
    assert SearchResult().element == SearchElement()
    assert Connection("c1", client_action=ClientAction("connect", ui_url="u")).to_wire() == {
        "id": "c1",
        "name": "",
        "clientAction": {"type": "connect", "description": "", "uiUrl": "u"},
    }
    assert ActionRunResult({"a": 1}).to_wire() == {"output": {"a": 1}, "actionRunId": None}
    assert Action().to_wire() == {"id": "", "name": "", "description": ""}
