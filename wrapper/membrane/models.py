"""Typed views of what `membrane ... --json` prints.

The models are tolerant on purpose: unknown keys are ignored, unknown `state` strings are kept,
and almost every field is optional, so a newer CLI does not break `mw`. Field names are
snake_case in Python and camelCase on the wire (`uiUrl`, `actionRunId`).
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

# Connection / action states (SDK `WorkspaceElementState`); others are kept as given.
READY: Final = "READY"
BUILDING: Final = "BUILDING"
CLIENT_ACTION_REQUIRED: Final = "CLIENT_ACTION_REQUIRED"
SETUP_FAILED: Final = "SETUP_FAILED"
CONFIGURATION_ERROR: Final = "CONFIGURATION_ERROR"
FAILED_STATES: Final = frozenset({SETUP_FAILED, CONFIGURATION_ERROR})


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
    logged_in: bool = False
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


def proxy_response_of(data: Any) -> ProxyResponse:
    """`{"status", "headers", "body"}` from `request`, or `{"output"}` from `act --api`."""
    if isinstance(data, dict) and ("status" in data or "body" in data):
        return ProxyResponse.model_validate(data)
    if isinstance(data, dict) and "output" in data:
        return ProxyResponse(body=data["output"])
    return ProxyResponse(body=data)
