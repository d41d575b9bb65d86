"""Typed views of what `membrane ... --json` prints.

The models are tolerant on purpose: unknown keys are ignored, unknown `state` strings are kept,
and almost every field is optional, so a newer CLI does not break `mw`. Field names are
snake_case in Python and camelCase on the wire (`uiUrl`, `actionRunId`).
"""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

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


class MembraneModel(BaseModel):
    """Base of every wire model: camelCase aliases, unknown keys ignored."""

    model_config = ConfigDict(
        extra="ignore", alias_generator=to_camel, populate_by_name=True, frozen=True
    )

    def to_wire(self) -> dict[str, Any]:
        """The model as the CLI would print it (camelCase, unset fields left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ErrorData(MembraneModel):
    """Membrane's error body `{type, key, message, data}`."""

    type: str | None = None
    key: str | None = None
    message: str = ""
    data: Any = None


def _error_or_none(value: Any) -> Any:
    # Some versions print a plain string where the SDK has an ErrorData object.
    if isinstance(value, str):
        return {"message": value}
    return value


class ClientAction(MembraneModel):
    """What a person must do before a connection works (`connect`, `provide-input`)."""

    type: str | None = None
    description: str = ""
    ui_url: str | None = None
    agent_instructions: str | None = None


class Connection(MembraneModel):
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

    _coerce_error = field_validator("error", mode="before")(_error_or_none)

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


class Action(MembraneModel):
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

    _coerce_error = field_validator("error", mode="before")(_error_or_none)


class ActionRunResult(MembraneModel):
    """An action's result: its `output` and, when the CLI tells, the run's id."""

    output: Any = None
    action_run_id: str | None = None


class ProxyResponse(MembraneModel):
    """An HTTP answer relayed by Membrane; `status` is None when the CLI does not say."""

    status: int | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None

    @field_validator("headers", mode="before")
    @classmethod
    def _stringify_headers(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items()}
        return {} if value is None else value


class LoginStatus(MembraneModel):
    """What `membrane status` said; `logged_in` is None when it gave no clear signal."""

    logged_in: bool | None = None
    api_uri: str | None = None
    workspace_key: str | None = None
    tenant_key: str | None = None


class SearchElement(MembraneModel):
    id: str = ""
    key: str | None = None
    name: str = ""
    logo_uri: str | None = None


class SearchResult(MembraneModel):
    element_type: str | None = None
    element: SearchElement = Field(default_factory=SearchElement)

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
        return ActionRunResult.model_validate(data)
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
        return ProxyResponse.model_validate(data)
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
