"""Typed views of what `membrane ... --json` prints.

The models are tolerant on purpose: unknown keys are ignored, unknown `state` strings are kept,
a null is an absent field, and almost every field is optional, so a newer CLI does not break
`mw`. Field names are snake_case in Python and camelCase on the wire (`uiUrl`, `actionRunId`);
both are read. They are plain frozen dataclasses read by small `from_wire` functions, not
pydantic models: the direct commands (`mw actions run`, ...) start without importing pydantic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Final

# Connection / action states (SDK `WorkspaceElementState`); others are kept as given.
READY: Final = "READY"
BUILDING: Final = "BUILDING"
CLIENT_ACTION_REQUIRED: Final = "CLIENT_ACTION_REQUIRED"
SETUP_FAILED: Final = "SETUP_FAILED"
CONFIGURATION_ERROR: Final = "CONFIGURATION_ERROR"
DISCONNECTING: Final = "DISCONNECTING"
FAILED_STATES: Final = frozenset({SETUP_FAILED, CONFIGURATION_ERROR})
# DISCONNECTING is in the SDK's enum; DISCONNECTED and ERROR appear in Membrane's own examples.
GONE_STATES: Final = frozenset({DISCONNECTING, "DISCONNECTED", "ERROR"})


class ShapeError(ValueError):
    """JSON that is not the object a model reads (not an object, a required field missing, a
    field of the wrong type)."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ShapeError(f"expected a JSON object, got {type(data).__name__}")
    return data


def _get(data: dict[str, Any], name: str) -> Any:
    """A field by its wire name (camelCase), or by its Python name."""
    camel = _camel(name)
    return data[camel] if camel in data else data.get(name)


def _text(data: dict[str, Any], name: str) -> str | None:
    value = _get(data, name)
    if value is None or isinstance(value, str):
        return value
    raise ShapeError(f"{_camel(name)} is not a string")


def _flag(data: dict[str, Any], name: str) -> bool | None:
    """A boolean, also written as 0/1 or "true"/"false" (and the like) by some programs."""
    value = _get(data, name)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ShapeError(f"{_camel(name)} is not a boolean")


def _mapping(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = _get(data, name)
    if value is None or isinstance(value, dict):
        return value
    raise ShapeError(f"{_camel(name)} is not an object")


_TRUE: Final = frozenset({"true", "1", "yes", "y", "on", "t"})
_FALSE: Final = frozenset({"false", "0", "no", "n", "off", "f"})


def to_wire(model: Any, *, keep_none: bool = False) -> dict[str, Any]:
    """A model as the CLI would print it: camelCase keys, nested models too, and unset (None)
    fields left out unless `keep_none`."""
    wire: dict[str, Any] = {}
    for item in fields(model):
        value = getattr(model, item.name)
        if is_dataclass(value):
            value = to_wire(value, keep_none=keep_none)
        if value is not None or keep_none:
            wire[_camel(item.name)] = value
    return wire


@dataclass(frozen=True)
class ErrorData:
    """Membrane's error body `{type, key, message, data}`."""

    type: str | None = None
    key: str | None = None
    message: str = ""
    data: Any = None

    @classmethod
    def from_wire(cls, data: Any) -> ErrorData:
        if isinstance(data, str):  # some versions print a string where the SDK has an object
            return cls(message=data)
        body = _object(data)
        return cls(
            _text(body, "type"), _text(body, "key"), _text(body, "message") or "", body.get("data")
        )

    def to_wire(self) -> dict[str, Any]:
        return to_wire(self)


def _error(data: dict[str, Any]) -> ErrorData | None:
    value = _get(data, "error")
    return None if value is None else ErrorData.from_wire(value)


@dataclass(frozen=True)
class ClientAction:
    """What a person must do before a connection works (`connect`, `provide-input`)."""

    type: str | None = None
    description: str = ""
    ui_url: str | None = None
    agent_instructions: str | None = None

    @classmethod
    def from_wire(cls, data: Any) -> ClientAction:
        body = _object(data)
        return cls(
            type=_text(body, "type"),
            description=_text(body, "description") or "",
            ui_url=_text(body, "ui_url"),
            agent_instructions=_text(body, "agent_instructions"),
        )


@dataclass(frozen=True)
class Connection:
    id: str
    name: str = ""
    key: str | None = None
    integration_key: str | None = None
    integration_id: str | None = None
    connector_id: str | None = None
    state: str | None = None
    disconnected: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None
    user_id: str | None = None
    client_action: ClientAction | None = None
    error: ErrorData | None = None

    @classmethod
    def from_wire(cls, data: Any) -> Connection:
        body = _object(data)
        ident = _text(body, "id")
        if ident is None:
            raise ShapeError("a connection has no id")
        action = _get(body, "client_action")
        return cls(
            id=ident,
            name=_text(body, "name") or "",
            key=_text(body, "key"),
            integration_key=_text(body, "integration_key"),
            integration_id=_text(body, "integration_id"),
            connector_id=_text(body, "connector_id"),
            state=_text(body, "state"),
            disconnected=_flag(body, "disconnected"),
            created_at=_text(body, "created_at"),
            updated_at=_text(body, "updated_at"),
            user_id=_text(body, "user_id"),
            client_action=None if action is None else ClientAction.from_wire(action),
            error=_error(body),
        )

    def to_wire(self) -> dict[str, Any]:
        return to_wire(self)

    @property
    def app(self) -> str:
        """The best short name of the connected app."""
        return self.integration_key or self.key or self.name or ""

    @property
    def ready(self) -> bool:
        """READY, or no state at all on a connection not marked disconnected.

        Any other state, known or not, is not handed out as ready.
        """
        if self.disconnected:
            return False
        return self.state is None or self.state == READY


@dataclass(frozen=True)
class Action:
    id: str = ""
    key: str | None = None
    name: str = ""
    description: str = ""
    type: str | None = None
    state: str | None = None
    connection_id: str | None = None
    integration_key: str | None = None
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    error: ErrorData | None = None

    @classmethod
    def from_wire(cls, data: Any) -> Action:
        body = _object(data)
        return cls(
            id=_text(body, "id") or "",
            key=_text(body, "key"),
            name=_text(body, "name") or "",
            description=_text(body, "description") or "",
            type=_text(body, "type"),
            state=_text(body, "state"),
            connection_id=_text(body, "connection_id"),
            integration_key=_text(body, "integration_key"),
            input_schema=_mapping(body, "input_schema"),
            output_schema=_mapping(body, "output_schema"),
            error=_error(body),
        )

    def to_wire(self) -> dict[str, Any]:
        return to_wire(self)


@dataclass(frozen=True)
class ActionRunResult:
    """An action's result: its `output` and, when the CLI tells, the run's id."""

    output: Any = None
    action_run_id: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """`{"output": ..., "actionRunId": ...}`, the id null when the CLI gave none."""
        return to_wire(self, keep_none=True)


@dataclass(frozen=True)
class ProxyResponse:
    """An HTTP answer relayed by Membrane; `status` is None when the CLI does not say."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None

    def to_wire(self, *, keep_none: bool = False) -> dict[str, Any]:
        return to_wire(self, keep_none=keep_none)


@dataclass(frozen=True)
class LoginStatus:
    """What `membrane status` said; `logged_in` is None when it gave no clear signal."""

    logged_in: bool | None = None
    api_uri: str | None = None
    workspace_key: str | None = None
    tenant_key: str | None = None

    @classmethod
    def from_wire(cls, data: Any) -> LoginStatus:
        body = _object(data)
        return cls(
            _flag(body, "logged_in"),
            _text(body, "api_uri"),
            _text(body, "workspace_key"),
            _text(body, "tenant_key"),
        )


@dataclass(frozen=True)
class SearchElement:
    id: str = ""
    key: str | None = None
    name: str = ""
    logo_uri: str | None = None


@dataclass(frozen=True)
class SearchResult:
    element_type: str | None = None
    element: SearchElement = field(default_factory=SearchElement)

    @classmethod
    def from_wire(cls, data: Any) -> SearchResult:
        body = _object(data)
        element = _mapping(body, "element") or {}
        return cls(
            _text(body, "element_type"),
            SearchElement(
                id=_text(element, "id") or "",
                key=_text(element, "key"),
                name=_text(element, "name") or "",
                logo_uri=_text(element, "logo_uri"),
            ),
        )

    @property
    def is_connector(self) -> bool:
        # Docs show both "connector" and "Connector".
        return (self.element_type or "").lower() == "connector"


# --- shapes around the objects -------------------------------------------------------------


def unwrap(data: Any, *, marker: str = "id") -> Any:
    """The object itself from a raw body or an `{"output": {...}}` wrapper."""
    if isinstance(data, dict) and marker not in data and isinstance(data.get("output"), dict):
        return data["output"]
    return data


def page_of(data: Any) -> tuple[list[Any] | None, str | None]:
    """One page of a list and the cursor of the next (None on the last page)."""
    items = items_of(data)
    cursor = None
    for holder in (data, data.get("output") if isinstance(data, dict) else None):
        if isinstance(holder, dict) and holder.get("cursor") not in (None, ""):
            cursor = str(holder["cursor"])
            break
    return items, cursor


def items_of(data: Any) -> list[Any] | None:
    """A list result from `items`, `output.items`, `output` as a list, or a bare list."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("items"), list):
            return list(data["items"])
        if "output" in data:
            return items_of(data["output"])
    return None


def run_result_of(data: Any) -> ActionRunResult:
    """`{"output", "actionRunId"}`; a body without `output` is taken as the output itself."""
    if isinstance(data, dict) and ("output" in data or "actionRunId" in data):
        run_id = data.get("actionRunId")
        # An id of another type is still the run's id; it is shown, never computed with.
        return ActionRunResult(data.get("output"), None if run_id is None else str(run_id))
    return ActionRunResult(output=data)


def is_envelope(data: Any) -> bool:
    """`{status, body}` plus optional `headers`, nothing else, with an HTTP status number.

    Decided by the whole key set, never by one key: an app's own body may well have a
    `status` field (Chatwoot's conversations do).
    """
    if not isinstance(data, dict) or not _ENVELOPE_REQUIRED <= data.keys() <= _ENVELOPE_KEYS:
        return False
    status = data["status"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return False
    return data.get("headers") is None or isinstance(data.get("headers"), dict)


def proxy_response_of(data: Any) -> ProxyResponse:
    """The `{status, headers, body}` envelope, or the app's raw body with the status unknown.

    `act --api` answers `{output, actionRunId}`; its `output` is read the same way.
    """
    if isinstance(data, dict) and "output" in data and data.keys() <= {"output", "actionRunId"}:
        data = data["output"]
    if is_envelope(data):
        headers = data.get("headers") or {}
        return ProxyResponse(
            status=data["status"],
            headers={str(k): v if isinstance(v, str) else str(v) for k, v in headers.items()},
            body=data.get("body"),
        )
    return ProxyResponse(body=data)


def login_status_of(data: Any) -> LoginStatus:
    """Read `membrane status` output of any shape: JSON with or without a login flag, or text."""
    if isinstance(data, str):
        return LoginStatus(logged_in=logged_in_from_text(data))
    data = unwrap(data, marker="loggedIn")
    if not isinstance(data, dict):
        return LoginStatus()
    flag = next(
        (data[k] for k in _LOGIN_FLAGS if isinstance(data.get(k), bool)),
        None,
    )
    return LoginStatus(
        logged_in=flag,
        api_uri=_name(data, "apiUri", "api_uri", "apiUrl"),
        workspace_key=_name(data, "workspaceKey", "workspace_key", "workspace"),
        tenant_key=_name(data, "tenantKey", "tenant_key", "tenant"),
    )


def logged_in_from_text(text: str) -> bool | None:
    """`Logged in as ...` -> True; `Not logged in` -> False; anything else -> None."""
    lowered = " ".join(text.lower().split())
    if _LOGGED_OUT_TEXT.search(lowered):
        return False
    if "logged in" in lowered:
        return True
    return None


_ENVELOPE_REQUIRED: Final = frozenset({"status", "body"})
_ENVELOPE_KEYS: Final = frozenset({"status", "body", "headers"})
_LOGIN_FLAGS: Final = ("loggedIn", "logged_in", "isLoggedIn", "authenticated", "isAuthenticated")
_LOGGED_OUT_TEXT: Final = re.compile(
    r"not (?:currently )?logged in|not authenticated|logged out|no (?:stored )?login|"
    r"membrane login"
)


def _name(data: dict[str, Any], *keys: str) -> str | None:
    """A string field, or the `key`/`name` of an object in its place."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("key") or value.get("name")
        if isinstance(value, str) and value:
            return value
    return None
