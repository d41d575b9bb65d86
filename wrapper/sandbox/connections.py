"""Login state and connections, with the switches that make a connection wait or fail.

`MW_SANDBOX_CONNECTION_STATE` decides the state a connection is put in by `connection ensure`
(or `connect`): `building:N` (BUILDING; READY on the N-th poll by `connection get` or
`connection list`), `client_action_required`, `setup_failed`, `configuration_error`,
`disconnecting`, `disconnected` or `error` (Membrane's SDK names DISCONNECTING; its examples
also show DISCONNECTED and ERROR). Unset, ensure makes the connection READY, which is how "a
person finished the step" looks from the command line.
`MW_SANDBOX_LOGGED_OUT=1`, or `logout`, makes every tenant command answer not_authenticated.
"""

from __future__ import annotations

import os
import time
import zlib
from typing import Any, Final

from wrapper.sandbox.store import Store
from wrapper.sandbox.wire import SandboxError, not_authenticated, not_found

API_URI: Final = "https://api.sandbox.membrane.local"
WORKSPACE_KEY: Final = "sandbox-workspace"
TENANT_KEY: Final = "sandbox-tenant"
USER_ID: Final = "5e1f0c0ffee0000000000001"

#: app key -> (display name, domains it is known by, logo)
KNOWN_APPS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "chatwoot": ("Chatwoot", ("chatwoot.com", "app.chatwoot.com")),
    "chaport": ("Chaport", ("chaport.com", "chaport.ru")),
    "chatra": ("Chatra", ("chatra.io", "chatra.com")),
}
#: Switch value -> a state that stays put until the switch changes.
FIXED_STATES: Final = {
    "client_action_required": "CLIENT_ACTION_REQUIRED",
    "setup_failed": "SETUP_FAILED",
    "configuration_error": "CONFIGURATION_ERROR",
    "disconnecting": "DISCONNECTING",
    "disconnected": "DISCONNECTED",
    "error": "ERROR",
}
#: States that carry an `error` object saying what went wrong.
_FAILED: Final = {
    "SETUP_FAILED": "Could not set up the {name} connection: the credentials were rejected.",
    "CONFIGURATION_ERROR": "The {name} connection is misconfigured: its connector has no auth.",
    "ERROR": "The {name} connection failed: the app stopped answering.",
}


def hex_id(*parts: str) -> str:
    """A stable 24-hex id derived from its parts (Membrane ids are Mongo-style object ids)."""
    # Three CRC-32s of salted text: stable, well spread, and far cheaper to import than hashlib.
    text = ":".join(parts).encode()
    return "".join(f"{zlib.crc32(bytes([salt]) + text):08x}" for salt in (1, 2, 3))


def new_hex_id() -> str:
    return os.urandom(12).hex()


def iso_now() -> str:
    now = time.time()
    millis = int(now * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{millis:03d}Z"


# --- login -----------------------------------------------------------------------------------


def logged_in(store: Store) -> bool:
    if os.environ.get("MW_SANDBOX_LOGGED_OUT", "") not in ("", "0", "false"):
        return False
    return store.get_meta("logged_in", "1") == "1"


def require_login(store: Store) -> None:
    if not logged_in(store):
        raise not_authenticated()


#: `MW_SANDBOX_STATUS_SHAPE` values: the JSON of `membrane status` is not documented.
STATUS_SHAPES: Final = ("loggedIn", "plain", "text")


def status_shape() -> str:
    raw = os.environ.get("MW_SANDBOX_STATUS_SHAPE", "").strip() or "loggedIn"
    for shape in STATUS_SHAPES:
        if raw.lower() == shape.lower():
            return shape
    raise SandboxError(
        f"MW_SANDBOX_STATUS_SHAPE={raw!r} is not one of {', '.join(STATUS_SHAPES)}",
        type_="configuration",
    )


def status(store: Store) -> Any:
    """What `status --json` prints, in the shape `MW_SANDBOX_STATUS_SHAPE` picks.

    `loggedIn` (default) answers `{"loggedIn": ..., ...}` logged in or out; `plain` a JSON object
    with no `loggedIn` key, and the not_authenticated error when logged out; `text` the human
    lines (`Logged in` and the workspace), whatever `--json` says.
    """
    shape = status_shape()
    logged = logged_in(store)
    if shape == "plain":
        if not logged:
            raise not_authenticated()
        return {
            "workspace": {"key": WORKSPACE_KEY, "name": "Sandbox workspace"},
            "tenant": {"key": TENANT_KEY},
            "apiUri": API_URI,
        }
    if shape == "text":
        if not logged:
            return "Not logged in. Run `membrane login` to log in."
        return f"Logged in\nWorkspace: {WORKSPACE_KEY}\nTenant: {TENANT_KEY}\nAPI: {API_URI}"
    return {
        "loggedIn": logged,
        "apiUri": API_URI,
        "workspaceKey": WORKSPACE_KEY,
        "tenantKey": TENANT_KEY,
    }


# --- apps and connectors -------------------------------------------------------------------


def resolve_app(text: str) -> str:
    """The app meant by a name, a domain or a URL (`chatwoot`, `chaport.com`, `https://chatra.io`)."""
    lowered = text.strip().lower()
    host = lowered.split("://", 1)[-1].split("/", 1)[0]
    for key, (_name, domains) in KNOWN_APPS.items():
        if key in lowered or any(host == d or host.endswith("." + d) for d in domains):
            return key
    known = ", ".join(KNOWN_APPS)
    raise not_found(f"No app found for '{text}'. The sandbox knows: {known}.")


def connector(app: str) -> dict[str, Any]:
    name = KNOWN_APPS[app][0]
    return {
        "id": hex_id("connector", app),
        "key": app,
        "name": name,
        "logoUri": f"https://static.sandbox.membrane.local/logos/{app}.png",
    }


def search(query: str) -> dict[str, Any]:
    lowered = query.strip().lower()
    items = [
        {"elementType": "connector", "element": connector(app)}
        for app, (name, domains) in KNOWN_APPS.items()
        if lowered in app
        or lowered in name.lower()
        or any(lowered in d for d in domains)
        or app in lowered
    ]
    return {"items": items, "cursor": None}


def app_for_connector(connector_id: str) -> str:
    for app in KNOWN_APPS:
        if connector_id in (hex_id("connector", app), app):
            return app
    raise not_found(f"Connector with id '{connector_id}' not found")


# --- connections ---------------------------------------------------------------------------


def public(connection: dict[str, Any]) -> dict[str, Any]:
    """The connection as `membrane` prints it (internal bookkeeping removed)."""
    return {name: value for name, value in connection.items() if not name.startswith("_")}


def _switch() -> tuple[str, int]:
    raw = os.environ.get("MW_SANDBOX_CONNECTION_STATE", "").strip().lower()
    if not raw or raw == "ready":
        return "READY", 0
    name, _, count = raw.partition(":")
    if name == "building":
        try:
            return "BUILDING", max(int(count or "1"), 0)
        except ValueError:
            return "BUILDING", 1
    if name in FIXED_STATES and not count:
        return FIXED_STATES[name], 0
    known = ", ".join(["building:N", *FIXED_STATES])
    raise SandboxError(
        f"MW_SANDBOX_CONNECTION_STATE={raw!r} is not one of {known}", type_="internal"
    )


def _apply_state(connection: dict[str, Any], state: str, polls: int) -> None:
    connection["state"] = state
    connection["_pollsLeft"] = polls
    connection.pop("clientAction", None)
    connection.pop("error", None)
    connection["disconnected"] = state in (
        "CLIENT_ACTION_REQUIRED",
        "DISCONNECTING",
        "DISCONNECTED",
    )
    if state == "CLIENT_ACTION_REQUIRED":
        connection["clientAction"] = {
            "type": "connect",
            "description": f"Authorize {connection['name']} to finish connecting.",
            "uiUrl": f"https://console.sandbox.membrane.local/connect/{connection['id']}",
        }
    elif state in _FAILED:
        message = _FAILED[state].format(name=KNOWN_APPS[connection["key"]][0])
        connection["error"] = {"type": "connection", "message": message}


def ensure(store: Store, app: str, name: str | None = None) -> dict[str, Any]:
    """Return the app's connection, creating it (named `name`, else after the app).

    The state switch applies on every ensure.
    """
    state, polls = _switch()
    with store.write():
        existing = find_by_app(store, app)
        now = iso_now()
        if existing is None:
            existing = {
                "id": new_hex_id(),
                "name": name or KNOWN_APPS[app][0],
                "key": app,
                "integrationKey": app,
                "integrationId": hex_id("integration", app),
                "connectorId": hex_id("connector", app),
                "state": "READY",
                "disconnected": False,
                "isTest": False,
                "createdAt": now,
                "updatedAt": now,
                "userId": USER_ID,
            }
            _apply_state(existing, state, polls)
        elif existing["state"] != state:
            # A BUILDING connection keeps counting its polls; any other change applies at once.
            _apply_state(existing, state, polls)
            existing["updatedAt"] = now
        store.put("membrane", "connection", existing["id"], existing)
    return public(existing)


def find_by_app(store: Store, app: str) -> dict[str, Any] | None:
    for connection in store.all("membrane", "connection"):
        if connection.get("key") == app:
            return connection
    return None


def lookup(store: Store, id_or_key: str) -> dict[str, Any]:
    """A connection by id or key (raw, with bookkeeping), or the not_found error."""
    found = store.get("membrane", "connection", id_or_key)
    if found is None:
        found = find_by_app(store, id_or_key)
    if found is None:
        raise not_found(f"Connection with id '{id_or_key}' not found")
    return found


def _poll(store: Store, connection: dict[str, Any]) -> dict[str, Any]:
    """One poll of a BUILDING connection: the N-th poll sees it READY."""
    if connection.get("state") == "BUILDING":
        left = int(connection.get("_pollsLeft", 0)) - 1
        if left <= 0:
            _apply_state(connection, "READY", 0)
        else:
            connection["_pollsLeft"] = left
        connection["updatedAt"] = iso_now()
        store.put("membrane", "connection", connection["id"], connection)
    return connection


def get(store: Store, id_or_key: str) -> dict[str, Any]:
    with store.write():
        return public(_poll(store, lookup(store, id_or_key)))


def list_page(store: Store, window: tuple[int, int]) -> dict[str, Any]:
    """One page of connections, oldest first; each one shown counts as a poll."""
    from wrapper.sandbox import paging

    with store.write():
        shown = paging.page(store.all("membrane", "connection"), *window)
        shown["items"] = [public(_poll(store, c)) for c in shown["items"]]
    return shown


def ready_ones(store: Store) -> list[dict[str, Any]]:
    """Every READY connection, oldest first."""
    return [c for c in store.all("membrane", "connection") if c.get("state") == "READY"]


def require_ready(store: Store, id_or_key: str | None) -> dict[str, Any]:
    """The connection an action or request runs on; it must exist and be READY."""
    if not id_or_key:
        raise SandboxError("Pass --connectionId=<id> (or --connectionKey=<key>).")
    connection = lookup(store, id_or_key)
    state = connection.get("state")
    if state != "READY":
        raise SandboxError(
            f"Connection '{connection['id']}' is not ready (state {state}).",
            type_="connection",
            key="connection_is_defunct" if state != "BUILDING" else None,
        )
    return connection


def delete(store: Store, id_or_key: str) -> dict[str, Any]:
    with store.write():
        connection = lookup(store, id_or_key)
        store.delete("membrane", "connection", connection["id"])
    archived = public(connection)
    archived["archivedAt"] = iso_now()
    return archived
