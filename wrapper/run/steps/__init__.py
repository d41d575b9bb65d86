"""Step kinds: one module each, registered by name in `kinds.py`; this module holds what they
share (a unit of work, its outcome, and the protocols of the client and the runner they see).

A kind knows how to render a step's call from the run context, run it through the engine's one
call chokepoint (`Runner.call`), and show the command it would run (for `mw plan`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from wrapper.frozen import Frozen
from wrapper.recipe.model import Step

T = TypeVar("T")


_set = object.__setattr__  # fields are set once, in __init__; `Frozen` refuses assignment


class Unit(Frozen):
    """One execution of a step: the step itself, or one foreach item, at one attempt."""

    __slots__ = (  # noqa: RUF023  # the order of __init__'s arguments
        "step",
        "step_id",
        "index",
        "attempt",
        "page",
        "connection_id",
        "context",
        "timeout_s",
    )
    step: Step
    step_id: str
    index: int | None
    attempt: int
    page: int
    connection_id: str | None
    context: dict[str, Any]
    timeout_s: float | None

    def __init__(
        self,
        step: Step,
        step_id: str,
        index: int | None,
        attempt: int,
        page: int,
        connection_id: str | None,
        context: dict[str, Any],
        timeout_s: float | None,
    ) -> None:
        _set(self, "step", step)
        _set(self, "step_id", step_id)
        _set(self, "index", index)
        _set(self, "attempt", attempt)
        _set(self, "page", page)
        _set(self, "connection_id", connection_id)
        _set(self, "context", context)
        _set(self, "timeout_s", timeout_s)


class Outcome(Frozen):
    """What a step's call gave: the value `outputs` are evaluated on, and an HTTP status."""

    __slots__ = ("value", "http_status")  # noqa: RUF023  # the order of __init__'s arguments
    value: Any
    http_status: int | None

    def __init__(self, value: Any, http_status: int | None = None) -> None:
        _set(self, "value", value)
        _set(self, "http_status", http_status)


class ClientLike(Protocol):
    """The part of `MembraneClient` the engine uses.

    Only the client knows how its CLI spells a call: the `*_command` methods give the argv a
    call would run, for events and plans, and no step kind builds one itself.
    """

    def run_action(
        self,
        key: str,
        *,
        connection_id: str,
        input: Any = None,
        timeout_s: float | None = None,
    ) -> Any: ...

    def request(
        self,
        connection_id: str,
        path: str,
        *,
        method: str = "GET",
        headers: Any = None,
        body: Any = None,
        query: Any = None,
        path_params: Any = None,
        timeout_s: float | None = None,
    ) -> Any: ...

    def ensure_connection(self, app: str, *, wait_timeout_s: float = 120.0) -> Any: ...

    def ensure_command(self, app: str) -> list[str]: ...

    def ensure_warning(self, app: str) -> str | None: ...

    def action_command(self, key: str, *, connection_id: str, input: Any = None) -> list[str]: ...

    def request_command(
        self,
        connection_id: str,
        path: str,
        *,
        method: str = "GET",
        headers: Any = None,
        body: Any = None,
        query: Any = None,
        path_params: Any = None,
    ) -> list[str]: ...

    def get_action(
        self, key: str, *, connection_id: str | None = None, timeout_s: float | None = None
    ) -> Any: ...


class Runner(Protocol):
    """What a step kind sees of the engine."""

    @property
    def client(self) -> ClientLike: ...

    @property
    def recipe_dir(self) -> Path: ...

    def call(
        self,
        unit: Unit,
        *,
        operation: str,
        target: str,
        command: list[str],
        invoke: Callable[[], T],
    ) -> T: ...

    def run_subrecipe(self, unit: Unit, ref: str, values: dict[str, Any]) -> Any: ...

    def check_input(self, unit: Unit, key: str, value: Any) -> None:
        """Warn about input fields the action does not know (at most one lookup per key)."""


Cursor = tuple[str, Any] | None
