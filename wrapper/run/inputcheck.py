"""Warn about action input fields the action's `inputSchema` does not know.

Membrane silently ignores extra input properties, so a typo (`nmae:`) would send nothing and
fail no check. Before an action step's first call (and when `mw plan` shows a write), mw reads
the action's schema once per connection and key for the whole run, and warns, naming the
field and the fields the action knows. When the schema cannot be had, the run goes on without.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Final

from wrapper.records import events as ev
from wrapper.run.outcome import is_unknown
from wrapper.run.steps import ClientLike

#: `action get` is a small read; a CLI that hangs on it must not hold the run for long.
SCHEMA_TIMEOUT_S: Final = 30.0


def known_fields(action: Any) -> set[str] | None:
    """The input property names of an action, or None when its schema does not say."""
    schema = getattr(action, "input_schema", None)
    if not isinstance(schema, dict):
        return None
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        return None
    extra = schema.get("additionalProperties")
    if extra is True or isinstance(extra, dict):
        return None  # the action itself takes any further field
    return {str(name) for name in properties}


def unknown_fields_message(step_id: str, key: str, unknown: list[str], known: set[str]) -> str:
    names = ", ".join(repr(name) for name in unknown)
    noun = "fields" if len(unknown) > 1 else "field"
    verb = "are" if len(unknown) > 1 else "is"
    return (
        f"step {step_id!r}: input {noun} {names} {verb} not among the inputs of action "
        f"{key!r} ({', '.join(sorted(known))}); Membrane ignores unknown fields"
    )


class InputChecker:
    """One `action get` per connection and key per run; one warning per step and field."""

    def __init__(self, client: ClientLike, run_id: str, emit: Callable[[ev.Event], None]) -> None:
        self._client = client
        self._run_id = run_id
        self._emit = emit
        self._lock = threading.Lock()
        self._schemas: dict[tuple[str | None, str], set[str] | None] = {}
        self._fetching: dict[tuple[str | None, str], threading.Lock] = {}
        self._warned: set[tuple[str, str]] = set()

    def check(
        self,
        step_id: str,
        connection_id: str | None,
        key: str,
        value: Any,
        *,
        timeout_s: float | None = None,
    ) -> None:
        if not isinstance(value, dict) or not value:
            return
        timeout = min(timeout_s or SCHEMA_TIMEOUT_S, SCHEMA_TIMEOUT_S)
        known = self._known(None if is_unknown(connection_id) else connection_id, key, timeout)
        if known is None:
            return
        unknown = [str(name) for name in value if str(name) not in known]
        with self._lock:
            unknown = [n for n in unknown if (step_id, n) not in self._warned]
            self._warned.update((step_id, n) for n in unknown)
        if unknown:
            message = unknown_fields_message(step_id, key, unknown, known)
            self._emit(ev.RunWarning(run_id=self._run_id, step_id=step_id, message=message))

    def _known(self, connection_id: str | None, key: str, timeout_s: float) -> set[str] | None:
        cache_key = (connection_id, key)
        with self._lock:
            if cache_key in self._schemas:
                return self._schemas[cache_key]
            fetching = self._fetching.setdefault(cache_key, threading.Lock())
        with fetching:  # concurrent foreach items wait for the one `action get`
            with self._lock:
                if cache_key in self._schemas:
                    return self._schemas[cache_key]
            try:
                action = self._client.get_action(
                    key, connection_id=connection_id, timeout_s=timeout_s
                )
                known = known_fields(action)
            except Exception:
                known = None  # no schema, no warning: the call itself will tell
            with self._lock:
                self._schemas[cache_key] = known
            return known
