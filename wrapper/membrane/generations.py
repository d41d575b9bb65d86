"""The argv of every `membrane` operation, one class per generation of the CLI.

The CLI's syntax changed over time (membrane-cli.md 1.9); three generations are told apart:

- `older` (eras A-B): `search APP --elementType=connector` then `connect --connectorId=ID`,
  `action run --connectionId=ID KEY`, every option written `--name=value`; no `connection
  ensure`, `connection get` or `action get`.
- `current` (eras C-E): `connection ensure URL`, `connection get ID --wait`, `action
  list/get/create/run KEY --connectionId=ID`, `request CONN PATH`.
- `newest` (era F): as current, but actions run with `act --key` and requests go through
  `act --api '{method, path, ...}'`.

How a CLI prints its help (commander's `Commands:` table, minimist/ink usage lines, groups that
list their subcommands only in their own help) is a matter of detection (`dialect.py`), not of
generation: which layout a version prints is not documented, so every layout is read for each.

These classes are the only place `mw` builds `membrane` argv. Each method returns what follows
the command prefix (`membrane`, or `npx -y @membranehq/cli`); the client runs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final, Protocol

from wrapper.errors import UsageError
from wrapper.membrane import apps

CURRENT: Final = "current"
OLDER: Final = "older"
NEWEST: Final = "newest"
UPGRADE_ADVICE: Final = (
    "Upgrade it with `npm install -g @membranehq/cli@latest`, or set MW_MEMBRANE_DIALECT if the "
    "detection is wrong."
)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def help_argv(group: str | None = None) -> list[str]:
    """`--help` of the CLI or of one command group: the same in every generation, and read
    before the generation is known."""
    return [group, "--help"] if group else ["--help"]


def version_argv() -> list[str]:
    """`--version`: asked before the generation is known (`mw doctor`)."""
    return ["--version"]


def input_json(value: Any) -> str | None:
    """An action's input as the one argument `--input` takes (None sends no input)."""
    return None if value is None else _json(value)


class Generation(Protocol):
    """What the client asks a generation: the argv of each operation, and its abilities."""

    name: str
    #: It has `connection ensure` (else an app is found with `search` and joined with `connect`).
    ensures: bool
    #: `connection get --wait` long-polls (else the connection list is read again and again).
    long_polls: bool
    #: It has `action get` (else an action is looked up in its connection's list).
    gets_actions: bool
    #: The (group, subcommand) pairs it runs; group "" is a top-level command (`mw doctor`).
    needs: tuple[tuple[str, str], ...]

    def status(self) -> list[str]: ...

    def ensure_warning(self, app: str) -> str | None: ...

    def ensure_connection(self, app: str) -> list[str]: ...

    def search_connector(self, app: str) -> list[str]: ...

    def connect(self, connector_id: str) -> list[str]: ...

    def get_connection(
        self, connection_id: str, *, wait: bool = False, timeout_s: float | None = None
    ) -> list[str]: ...

    def list_connections(self, *, cursor: str | None = None) -> list[str]: ...

    def list_actions(
        self,
        connection_id: str,
        *,
        intent: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> list[str]: ...

    def get_action(self, key: str, *, connection_id: str | None = None) -> list[str]: ...

    def create_action(self, intent: str, *, connection_id: str) -> list[str]: ...

    def run_action(self, key: str, *, connection_id: str, input_json: str | None) -> list[str]: ...

    def request(
        self,
        connection_id: str,
        path: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> list[str]: ...


class _Shared:
    """Commands every generation spells alike."""

    name: str

    def status(self) -> list[str]:
        return ["status", "--json"]

    def search_connector(self, app: str) -> list[str]:
        """`search` takes words: a known name, or the main label of a domain or URL."""
        return ["search", apps.search_query(app), "--elementType=connector", "--json"]

    def connect(self, connector_id: str) -> list[str]:
        return ["connect", f"--connectorId={connector_id}", "--json"]

    def list_connections(self, *, cursor: str | None = None) -> list[str]:
        """One page of connections; `cursor` (from the page before) asks for the next."""
        argv = ["connection", "list"]
        if cursor is not None:
            argv += self._cursor(cursor)
        return [*argv, "--json"]

    def _cursor(self, cursor: str) -> list[str]:
        return ["--cursor", cursor]

    def request(
        self,
        connection_id: str,
        path: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> list[str]:
        """A proxied HTTP request with the `request` command."""
        argv = ["request", connection_id, path, "-X", method.upper()]
        for name, value in (headers or {}).items():
            argv += ["-H", f"{name}: {value}"]
        if body is not None:
            argv += ["-d", body if isinstance(body, str) else _json(body)]
        for name, value in (query or {}).items():
            argv += ["--query", f"{name}={value}"]
        for name, value in (path_params or {}).items():
            argv += ["--pathParam", f"{name}={value}"]
        return [*argv, "--json"]


class Current(_Shared):
    """`connection ensure`, `action run KEY --connectionId=ID`, `request` (eras C-E)."""

    name: str = CURRENT
    ensures: bool = True
    long_polls: bool = True
    gets_actions: bool = True
    needs: tuple[tuple[str, str], ...] = (
        ("connection", "ensure"),
        ("connection", "list"),
        ("connection", "get"),
        ("action", "list"),
        ("action", "get"),
        ("action", "run"),
        ("", "request"),
    )

    def ensure_warning(self, app: str) -> str | None:
        return apps.target(app).warning

    def ensure_connection(self, app: str) -> list[str]:
        """`connection ensure` with the app's URL or domain (see `apps.target`)."""
        return ["connection", "ensure", apps.target(app).argument, "--json"]

    def get_connection(
        self, connection_id: str, *, wait: bool = False, timeout_s: float | None = None
    ) -> list[str]:
        argv = ["connection", "get", connection_id]
        if wait:
            argv += ["--wait", "--timeout", str(max(1, round(timeout_s or 30)))]
        return [*argv, "--json"]

    def list_actions(
        self,
        connection_id: str,
        *,
        intent: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> list[str]:
        argv = ["action", "list", f"--connectionId={connection_id}"]
        if intent:
            argv += ["--intent", intent]
        if limit is not None:
            argv += ["--limit", str(limit)]
        if cursor is not None:
            argv += self._cursor(cursor)
        return [*argv, "--json"]

    def get_action(self, key: str, *, connection_id: str | None = None) -> list[str]:
        argv = ["action", "get", key]
        if connection_id:
            argv.append(f"--connectionId={connection_id}")
        return [*argv, "--json"]

    def create_action(self, intent: str, *, connection_id: str) -> list[str]:
        return ["action", "create", intent, f"--connectionId={connection_id}", "--json"]

    def run_action(self, key: str, *, connection_id: str, input_json: str | None) -> list[str]:
        """Run an action; `input_json` is the already serialised input (None sends none)."""
        given = ["--input", input_json] if input_json is not None else []
        return ["action", "run", key, f"--connectionId={connection_id}", *given, "--json"]


class Newest(Current):
    """`act --key` and `act --api` in place of `action run` and `request` (era F)."""

    name: str = NEWEST
    needs: tuple[tuple[str, str], ...] = (
        ("connection", "ensure"),
        ("connection", "list"),
        ("action", "list"),
        ("action", "get"),
        ("", "act"),
    )

    def run_action(self, key: str, *, connection_id: str, input_json: str | None) -> list[str]:
        given = ["--input", input_json] if input_json is not None else []
        return ["act", "--key", key, "--connectionId", connection_id, *given, "--json"]

    def request(
        self,
        connection_id: str,
        path: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> list[str]:
        """`act --api` takes no path parameters: they are filled into the path here."""
        spec: dict[str, Any] = {
            "method": method.upper(),
            "path": fill_path(path, path_params or {}),
        }
        if body is not None:
            spec["body"] = body
        if headers:
            spec["headers"] = dict(headers)
        if query:
            spec["query"] = dict(query)
        return ["act", "--api", _json(spec), "--connectionId", connection_id, "--json"]


class Older(_Shared):
    """`search` + `connect`, `action run --connectionId=ID KEY` (eras A-B)."""

    name: str = OLDER
    ensures: bool = False
    long_polls: bool = False
    gets_actions: bool = False
    needs: tuple[tuple[str, str], ...] = (
        ("", "search"),
        ("", "connect"),
        ("action", "list"),
        ("action", "run"),
    )

    def ensure_warning(self, app: str) -> str | None:
        # `search` only looks an app up: an unknown word finds nothing instead of building one.
        return None

    def ensure_connection(self, app: str) -> list[str]:
        raise _missing(self.name, "connection ensure")

    def get_connection(
        self, connection_id: str, *, wait: bool = False, timeout_s: float | None = None
    ) -> list[str]:
        raise _missing(self.name, "connection get")

    def _cursor(self, cursor: str) -> list[str]:
        # The older CLI's docs write every option as `--name=value`.
        return [f"--cursor={cursor}"]

    def list_actions(
        self,
        connection_id: str,
        *,
        intent: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> list[str]:
        """It knows no `--limit`: the client cuts the list."""
        argv = ["action", "list"]
        if intent:
            argv.append(f"--intent={intent}")
        argv.append(f"--connectionId={connection_id}")
        if cursor is not None:
            argv += self._cursor(cursor)
        return [*argv, "--json"]

    def get_action(self, key: str, *, connection_id: str | None = None) -> list[str]:
        raise _missing(self.name, "action get")

    def create_action(self, intent: str, *, connection_id: str) -> list[str]:
        raise _missing(self.name, "action create")

    def run_action(self, key: str, *, connection_id: str, input_json: str | None) -> list[str]:
        given = ["--input", input_json] if input_json is not None else []
        return ["action", "run", f"--connectionId={connection_id}", key, "--json", *given]


def _missing(generation: str, operation: str) -> UsageError:
    return UsageError(
        f"`membrane {operation}` is not available in the {generation} membrane CLI",
        advice=UPGRADE_ADVICE,
    )


GENERATIONS: Final[dict[str, Generation]] = {
    CURRENT: Current(),
    OLDER: Older(),
    NEWEST: Newest(),
}
#: The names, in the order help texts and messages list them.
NAMES: Final = (CURRENT, OLDER, NEWEST)


def generation(name: str) -> Generation:
    """The generation called `name` (one of `NAMES`)."""
    return GENERATIONS[name]


def fill_path(path: str, params: Mapping[str, str]) -> str:
    """Put path parameters into `{name}` or `:name` placeholders (for `act --api`)."""
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
        path = re.sub(rf":{re.escape(name)}(?=/|$)", value.replace("\\", "\\\\"), path)
    return path
