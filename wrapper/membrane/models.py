"""Typed views of what `membrane ... --json` prints.

The models are tolerant on purpose: unknown keys are ignored, unknown `state` strings are kept,
a null is an absent field, and almost every field is optional, so a newer CLI does not break
`mw`. Field names are snake_case in Python and camelCase on the wire (`uiUrl`, `actionRunId`);
both are read. They are immutable slotted classes (`wrapper.frozen`) with hand-written
`__init__`s, read by small `from_wire` functions: no pydantic and no dataclass code generation
when the direct commands (`mw actions run`, ...) start.
"""

from __future__ import annotations

import re
from typing import Any, Final

from wrapper.frozen import Frozen

# The `name as name` imports are re-exported: the rest of `membrane` reads them from here.
from wrapper.membrane.wire import ShapeError as ShapeError
from wrapper.membrane.wire import as_object as _object
from wrapper.membrane.wire import flag as _flag
from wrapper.membrane.wire import is_envelope as is_envelope
from wrapper.membrane.wire import items_of as items_of
from wrapper.membrane.wire import mapping as _mapping
from wrapper.membrane.wire import page_of as page_of
from wrapper.membrane.wire import text as _text
from wrapper.membrane.wire import to_wire as to_wire
from wrapper.membrane.wire import unwrap as unwrap
from wrapper.membrane.wire import wire_value as _get

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

_set = object.__setattr__  # fields are set once, in __init__; `Frozen` refuses assignment


class ErrorData(Frozen):
    """Membrane's error body `{type, key, message, data}`."""

    __slots__ = ("type", "key", "message", "data")
    type: str | None
    key: str | None
    message: str
    data: Any

    def __init__(
        self, type: str | None = None, key: str | None = None, message: str = "", data: Any = None
    ) -> None:
        _set(self, "type", type)
        _set(self, "key", key)
        _set(self, "message", message)
        _set(self, "data", data)

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


class ClientAction(Frozen):
    """What a person must do before a connection works (`connect`, `provide-input`)."""

    __slots__ = ("type", "description", "ui_url", "agent_instructions")
    type: str | None
    description: str
    ui_url: str | None
    agent_instructions: str | None

    def __init__(
        self,
        type: str | None = None,
        description: str = "",
        ui_url: str | None = None,
        agent_instructions: str | None = None,
    ) -> None:
        _set(self, "type", type)
        _set(self, "description", description)
        _set(self, "ui_url", ui_url)
        _set(self, "agent_instructions", agent_instructions)

    @classmethod
    def from_wire(cls, data: Any) -> ClientAction:
        body = _object(data)
        return cls(
            type=_text(body, "type"),
            description=_text(body, "description") or "",
            ui_url=_text(body, "ui_url"),
            agent_instructions=_text(body, "agent_instructions"),
        )


class Connection(Frozen):
    __slots__ = (
        "id",
        "name",
        "key",
        "integration_key",
        "integration_id",
        "connector_id",
        "state",
        "disconnected",
        "created_at",
        "updated_at",
        "user_id",
        "client_action",
        "error",
    )
    id: str
    name: str
    key: str | None
    integration_key: str | None
    integration_id: str | None
    connector_id: str | None
    state: str | None
    disconnected: bool | None
    created_at: str | None
    updated_at: str | None
    user_id: str | None
    client_action: ClientAction | None
    error: ErrorData | None

    def __init__(
        self,
        id: str,
        name: str = "",
        key: str | None = None,
        integration_key: str | None = None,
        integration_id: str | None = None,
        connector_id: str | None = None,
        state: str | None = None,
        disconnected: bool | None = None,
        created_at: str | None = None,
        updated_at: str | None = None,
        user_id: str | None = None,
        client_action: ClientAction | None = None,
        error: ErrorData | None = None,
    ) -> None:
        _set(self, "id", id)
        _set(self, "name", name)
        _set(self, "key", key)
        _set(self, "integration_key", integration_key)
        _set(self, "integration_id", integration_id)
        _set(self, "connector_id", connector_id)
        _set(self, "state", state)
        _set(self, "disconnected", disconnected)
        _set(self, "created_at", created_at)
        _set(self, "updated_at", updated_at)
        _set(self, "user_id", user_id)
        _set(self, "client_action", client_action)
        _set(self, "error", error)

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


class Action(Frozen):
    __slots__ = (
        "id",
        "key",
        "name",
        "description",
        "type",
        "state",
        "connection_id",
        "integration_key",
        "input_schema",
        "output_schema",
        "error",
    )
    id: str
    key: str | None
    name: str
    description: str
    type: str | None
    state: str | None
    connection_id: str | None
    integration_key: str | None
    input_schema: dict[str, Any] | None
    output_schema: dict[str, Any] | None
    error: ErrorData | None

    def __init__(
        self,
        id: str = "",
        key: str | None = None,
        name: str = "",
        description: str = "",
        type: str | None = None,
        state: str | None = None,
        connection_id: str | None = None,
        integration_key: str | None = None,
        input_schema: dict[str, Any] | None = None,
        output_schema: dict[str, Any] | None = None,
        error: ErrorData | None = None,
    ) -> None:
        _set(self, "id", id)
        _set(self, "key", key)
        _set(self, "name", name)
        _set(self, "description", description)
        _set(self, "type", type)
        _set(self, "state", state)
        _set(self, "connection_id", connection_id)
        _set(self, "integration_key", integration_key)
        _set(self, "input_schema", input_schema)
        _set(self, "output_schema", output_schema)
        _set(self, "error", error)

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


class ActionRunResult(Frozen):
    """An action's result: its `output` and, when the CLI tells, the run's id."""

    __slots__ = ("output", "action_run_id")
    output: Any
    action_run_id: str | None

    def __init__(self, output: Any = None, action_run_id: str | None = None) -> None:
        _set(self, "output", output)
        _set(self, "action_run_id", action_run_id)

    def to_wire(self) -> dict[str, Any]:
        """`{"output": ..., "actionRunId": ...}`, the id null when the CLI gave none."""
        return to_wire(self, keep_none=True)


class ProxyResponse(Frozen):
    """An HTTP answer relayed by Membrane; `status` is None when the CLI does not say."""

    __slots__ = ("status", "headers", "body")
    status: int | None
    headers: dict[str, str]
    body: Any

    def __init__(
        self, status: int | None = None, headers: dict[str, str] | None = None, body: Any = None
    ) -> None:
        _set(self, "status", status)
        _set(self, "headers", {} if headers is None else headers)
        _set(self, "body", body)

    def to_wire(self, *, keep_none: bool = False) -> dict[str, Any]:
        return to_wire(self, keep_none=keep_none)


class LoginStatus(Frozen):
    """What `membrane status` said; `logged_in` is None when it gave no clear signal."""

    __slots__ = ("logged_in", "api_uri", "workspace_key", "tenant_key")
    logged_in: bool | None
    api_uri: str | None
    workspace_key: str | None
    tenant_key: str | None

    def __init__(
        self,
        logged_in: bool | None = None,
        api_uri: str | None = None,
        workspace_key: str | None = None,
        tenant_key: str | None = None,
    ) -> None:
        _set(self, "logged_in", logged_in)
        _set(self, "api_uri", api_uri)
        _set(self, "workspace_key", workspace_key)
        _set(self, "tenant_key", tenant_key)

    @classmethod
    def from_wire(cls, data: Any) -> LoginStatus:
        body = _object(data)
        return cls(
            _flag(body, "logged_in"),
            _text(body, "api_uri"),
            _text(body, "workspace_key"),
            _text(body, "tenant_key"),
        )


class SearchElement(Frozen):
    __slots__ = ("id", "key", "name", "logo_uri")
    id: str
    key: str | None
    name: str
    logo_uri: str | None

    def __init__(
        self, id: str = "", key: str | None = None, name: str = "", logo_uri: str | None = None
    ) -> None:
        _set(self, "id", id)
        _set(self, "key", key)
        _set(self, "name", name)
        _set(self, "logo_uri", logo_uri)


class SearchResult(Frozen):
    __slots__ = ("element_type", "element")
    element_type: str | None
    element: SearchElement

    def __init__(
        self, element_type: str | None = None, element: SearchElement | None = None
    ) -> None:
        _set(self, "element_type", element_type)
        _set(self, "element", SearchElement() if element is None else element)

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


def run_result_of(data: Any) -> ActionRunResult:
    """`{"output", "actionRunId"}`; a body without `output` is taken as the output itself."""
    if isinstance(data, dict) and ("output" in data or "actionRunId" in data):
        run_id = data.get("actionRunId")
        # An id of another type is still the run's id; it is shown, never computed with.
        return ActionRunResult(data.get("output"), None if run_id is None else str(run_id))
    return ActionRunResult(output=data)


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
