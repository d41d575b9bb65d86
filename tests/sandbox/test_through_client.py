"""The wrapper's client against real sandbox processes: every action key, errors and states."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import SANDBOX
from tests.sandbox.samples import SAMPLES
from wrapper.errors import (
    BadRequestError,
    ConnectionActionRequiredError,
    ConnectionFailedError,
    InvalidOutputError,
    NotFoundError,
    NotLoggedInError,
    RateLimitedError,
)
from wrapper.membrane import dialect as dialects
from wrapper.membrane.client import MembraneClient

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def fresh_dialect_memory():
    dialects.clear_memory_cache()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One world for the read-mostly cases below, so each key runs in one process."""
    folder = tmp_path_factory.mktemp("client-world")
    env = {"MW_SANDBOX_DIR": str(folder), "MW_SANDBOX_FAULTS": None, "MW_SANDBOX_SEED": None}
    client = MembraneClient(SANDBOX, env=env)  # type: ignore[arg-type]
    ids = {app: client.ensure_connection(app).id for app in SAMPLES}
    return {"dir": str(folder), **ids}


def _client(world: dict[str, str], dialect: str | None = None, **env: str) -> MembraneClient:
    full: dict[str, str | None] = {"MW_SANDBOX_DIR": world["dir"], "MW_SANDBOX_FAULTS": None}
    full.update(env)
    return MembraneClient(SANDBOX, dialect=dialect, env=full)


def test_the_sandbox_is_detected_as_the_current_dialect(world) -> None:
    assert _client(world).dialect == dialects.CURRENT


# Deletes last, so the other keys still find their records in the shared world; deleting a
# Chatwoot contact takes its conversations with it, so that one goes very last.
ORDER = sorted(
    ((app, key) for app, keys in SAMPLES.items() for key in keys),
    key=lambda pair: ("delete" in pair[1], pair[1] == "delete-contact"),
)


@pytest.mark.parametrize(("app", "key"), ORDER, ids=[f"{a}:{k}" for a, k in ORDER])
def test_every_action_key_runs_through_the_client(world, app: str, key: str) -> None:
    result = _client(world).run_action(key, connection_id=world[app], input=SAMPLES[app][key])
    assert result.action_run_id and len(result.action_run_id) == 24
    if "delete" not in key or app != "chatwoot":
        assert result.output is not None


@pytest.mark.parametrize("dialect", [dialects.OLDER, dialects.NEWEST])
def test_other_dialects_reach_the_same_actions(world, dialect: str) -> None:
    client = _client(world, dialect)
    found = client.run_action("get-contact", connection_id=world["chatwoot"],
                              input={"contact_id": 3})  # fmt: skip
    assert found.output["payload"]["id"] == 3
    keys = {a.key for a in client.list_actions(world["chatra"])}
    assert "send-agent-message" in keys


def test_listing_and_getting_actions(world) -> None:
    client = _client(world)
    top = client.list_actions(world["chatwoot"], intent="list conversations", limit=2)
    assert top[0].key == "list-conversations"
    action = client.get_action("send-message", connection_id=world["chaport"])
    assert action.input_schema["required"] == ["visitorId", "text"]


def test_requests_through_the_client(world) -> None:
    client = _client(world)
    response = client.request(world["chatwoot"], "/api/v1/accounts/1/contacts",
                              query={"page": "2"})  # fmt: skip
    assert response.status == 200 and len(response.body["payload"]) == 15
    with pytest.raises(NotFoundError):
        client.request(world["chatwoot"], "/api/v1/accounts/1/conversations/9999")


def test_bad_input_is_a_bad_request(world) -> None:
    with pytest.raises(BadRequestError) as caught:
        _client(world).run_action("create-contact", connection_id=world["chatwoot"],
                                  input={"email": "nope"})  # fmt: skip
    fields = [e["field"] for e in caught.value.data["errors"]]
    assert fields == ["email", "name"]


def test_logged_out(world) -> None:
    with pytest.raises(NotLoggedInError):
        _client(world, MW_SANDBOX_LOGGED_OUT="1").list_connections()


def test_rate_limited(world) -> None:
    with pytest.raises(RateLimitedError) as caught:
        _client(world, MW_SANDBOX_FAULTS="rate_limit=1").list_connections()
    assert caught.value.retry_after_s == 1.5


def test_garbage_is_invalid_output(world) -> None:
    with pytest.raises(InvalidOutputError):
        _client(world, MW_SANDBOX_FAULTS="garbage=1").list_connections()


def test_error_on_stderr_is_still_understood(world) -> None:
    with pytest.raises(NotFoundError):
        _client(world, MW_SANDBOX_FAULTS="error_on_stderr=1").run_action(
            "get-visitor", connection_id=world["chaport"],
            input={"visitorId": "65a1c0de00000000000000ff"},
        )  # fmt: skip


def test_connection_states(tmp_path) -> None:
    base = {"MW_SANDBOX_DIR": str(tmp_path), "MW_SANDBOX_FAULTS": None}

    def client(state: str) -> MembraneClient:
        return MembraneClient(SANDBOX, env={**base, "MW_SANDBOX_CONNECTION_STATE": state})

    ready = client("building:2").ensure_connection("chatwoot", wait_timeout_s=60)
    assert ready.state == "READY"
    with pytest.raises(ConnectionActionRequiredError) as caught:
        client("client_action_required").ensure_connection("chaport")
    assert caught.value.ui_url and caught.value.ui_url.startswith("https://console.sandbox")
    with pytest.raises(ConnectionFailedError):
        client("setup_failed").ensure_connection("chatra")
