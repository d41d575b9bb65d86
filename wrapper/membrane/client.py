"""One typed method per `membrane` operation: build the argv, run it, parse the answer.

A `MembraneClient` holds no per-call state, so one instance may serve many threads; the only
shared thing, the dialect, is detected once under a lock. Every failure becomes one of
`wrapper.errors`, with the masked command and what came back.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final, TypeVar

from pydantic import BaseModel, ValidationError

from wrapper.errors import (
    ConnectionActionRequiredError,
    ConnectionFailedError,
    InputTooLargeError,
    MembraneError,
    NotFoundError,
    StillBuildingError,
    UsageError,
    WrapperError,
)
from wrapper.membrane import apps, failures, proxy, runner
from wrapper.membrane import dialect as dialects
from wrapper.membrane.models import (
    BUILDING,
    CLIENT_ACTION_REQUIRED,
    FAILED_STATES,
    Action,
    ActionRunResult,
    Connection,
    LoginStatus,
    ProxyResponse,
    SearchResult,
    items_of,
    page_of,
    run_result_of,
    unwrap,
)

# `connection get --wait` long-polls at most this long per call (the API caps it at 60 s).
MAX_WAIT_CALL_S: Final = 60
# Room on top of a long-poll for the CLI itself to start and answer.
WAIT_SLACK_S: Final = 30.0
# A list longer than this many pages is cut there (10 000 items at the default page size).
MAX_PAGES: Final = 1000
# The most items asked for in one page; more are read by following the cursor.
MAX_PAGE_LIMIT: Final = 100

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class _Reply:
    value: Any
    label: str
    command: list[str]
    #: The exit code when a proxied call exited non-zero with the app's answer, else 0.
    failed: int = 0


class MembraneClient:
    """The `membrane` CLI as Python methods. `command` is the argv prefix that starts it."""

    #: Pause between polls where the CLI cannot long-poll (older dialect, action create).
    poll_interval_s: ClassVar[float] = 2.0

    def __init__(
        self,
        command: list[str],
        *,
        dialect: str | None = None,
        default_timeout_s: float = runner.DEFAULT_TIMEOUT_S,
        env: Mapping[str, str | None] | None = None,
        mask: Callable[[str], str] | None = None,
    ) -> None:
        if not command:
            raise UsageError(
                "the membrane command is empty", advice="Set --membrane or MW_MEMBRANE."
            )
        self._command = list(command)
        self._dialect = dialects.validate(dialect) if dialect else None
        self._default_timeout_s = default_timeout_s
        self._env = dict(env) if env else None
        self._mask: Callable[[str], str] = mask or (lambda text: text)
        self._lock = threading.Lock()

    @property
    def command(self) -> list[str]:
        return list(self._command)

    @property
    def dialect(self) -> str:
        """The CLI generation: given, forced by MW_MEMBRANE_DIALECT, or probed once."""
        with self._lock:
            if self._dialect is None:
                self._dialect = dialects.detect(self._command, probe=self._probe_help)
            return self._dialect

    # --- account ----------------------------------------------------------------------------

    def version(self) -> str:
        """The CLI's version (the semver when it prints one, else its first line)."""
        argv = [*self._command, "--version"]
        label = self._label(["--version"])
        result = self._run(argv, label, self._default_timeout_s)
        command = runner.masked_argv(argv, self._mask)
        if result.returncode != 0:
            raise failures.failure(result, label, command, self._mask)
        line = next((ln.strip() for ln in result.stdout.splitlines() if ln.strip()), "")
        if not line:
            raise failures.not_json(result, label, command, self._mask)
        found = re.search(r"\d+\.\d+\.\d+\S*", line)
        return found.group(0) if found else line

    def status(self) -> LoginStatus:
        """Login state, read from whatever `status` prints (its JSON is not documented).

        Logged out only on a clear signal: a `not_authenticated` error, "not logged in" text or
        an explicit false login flag. Anything else unrecognisable is `logged_in=None`.
        """
        tail = ["status", "--json"]
        argv = [*self._command, *tail]
        label = self._label(tail)
        result = self._run(argv, label, self._default_timeout_s)
        command = runner.masked_argv(argv, self._mask)
        return failures.login_status(result, label, command, self._mask)

    # --- connections ------------------------------------------------------------------------

    def ensure_command(self, app: str) -> list[str]:
        """The command `ensure_connection(app)` starts first (for events and plans)."""
        if self.dialect == dialects.OLDER:
            return [*self._command, *dialects.search_connector(apps.search_query(app))]
        return [
            *self._command,
            *dialects.ensure_connection(self.dialect, apps.target(app).argument),
        ]

    def ensure_connection(self, app: str, *, wait_timeout_s: float = 120.0) -> Connection:
        """A READY connection to `app` (a name, domain or URL), waiting out BUILDING until a
        deadline. A known name is sent as the app's URL (see `apps.target`)."""
        deadline = time.monotonic() + wait_timeout_s
        if self.dialect == dialects.OLDER:
            connection = self._connect_older(app)
        else:
            argument = apps.target(app).argument
            reply = self._call(dialects.ensure_connection(self.dialect, argument))
            connection = self._connection(reply)
        while True:
            self._check_connection(connection, app)
            if connection.state != BUILDING:
                return connection
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StillBuildingError(
                    f"connection {connection.id} to {app} is still BUILDING after "
                    f"{wait_timeout_s:g} s",
                    advice="Membrane is still setting it up: run again in a while, or wait "
                    f"longer with `mw connections ensure {app} --wait-timeout 600`.",
                )
            connection = self._wait_once(connection.id, remaining)

    def get_connection(
        self, connection_id: str, *, wait: bool = False, timeout_s: float | None = None
    ) -> Connection:
        """One connection; with `wait`, long-polled until it leaves BUILDING or time runs out."""
        if self.dialect == dialects.OLDER:
            return self._poll_older(connection_id, (timeout_s or 30.0) if wait else None)
        argv = dialects.get_connection(self.dialect, connection_id, wait=wait, timeout_s=timeout_s)
        budget = (timeout_s or 30) + WAIT_SLACK_S if wait else None
        return self._connection(self._call(argv, timeout_s=budget))

    def list_connections(self) -> list[Connection]:
        """Every connection, following `cursor` from page to page."""

        def argv(cursor: str | None, _wanted: int | None) -> list[str]:
            return dialects.list_connections(self.dialect, cursor=cursor)

        return list(self._pages(Connection, argv, "a list of connections"))

    # --- actions ----------------------------------------------------------------------------

    def list_actions(
        self, connection_id: str, *, intent: str | None = None, limit: int | None = None
    ) -> list[Action]:
        """Up to `limit` actions (all without one), following `cursor` from page to page."""

        def argv(cursor: str | None, wanted: int | None) -> list[str]:
            return dialects.list_actions(
                self.dialect, connection_id, intent=intent, limit=wanted, cursor=cursor
            )

        found: list[Action] = []
        for action in self._pages(Action, argv, "a list of actions", limit=limit):
            found.append(action)
            if limit is not None and len(found) >= limit:
                break
        return found

    def get_action(
        self, key: str, *, connection_id: str | None = None, timeout_s: float | None = None
    ) -> Action:
        """An action by key or id; the older CLI has no `action get`, so its list is searched
        (every page, until found)."""
        if self.dialect == dialects.OLDER:
            if not connection_id:
                raise UsageError("the older membrane CLI needs a connection to look up an action")
            for action in self.list_actions(connection_id):  # every page, until found
                if key in (action.key, action.id):
                    return action
            raise NotFoundError(
                f"membrane action list: no action {key!r} on connection {connection_id}"
            )
        argv = dialects.get_action(self.dialect, key, connection_id=connection_id)
        reply = self._call(argv, timeout_s=timeout_s)
        return self._parse(Action, unwrap(reply.value), reply, "an action")

    def create_action(
        self, intent: str, *, connection_id: str, wait_timeout_s: float = 120.0
    ) -> Action:
        """Have Membrane build an action for `intent`, and wait until it is READY."""
        deadline = time.monotonic() + wait_timeout_s
        argv = dialects.create_action(self.dialect, intent, connection_id=connection_id)
        reply = self._call(argv)
        action = self._parse(Action, unwrap(reply.value), reply, "an action")
        while action.state == BUILDING:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StillBuildingError(
                    f"action {action.key or action.id} is still BUILDING after "
                    f"{wait_timeout_s:g} s",
                    command=reply.command,
                    advice="Membrane is still building it: look again later with "
                    "`mw actions get KEY --connection C`.",
                )
            time.sleep(min(self.poll_interval_s, remaining))
            action = self.get_action(action.key or action.id, connection_id=connection_id)
        if action.state in FAILED_STATES:
            detail = action.error.message if action.error else "no details given"
            raise MembraneError(
                f"{reply.label} failed: the action ended in {action.state}: {detail}",
                command=reply.command,
                body=action.error.to_wire() if action.error else None,
            )
        return action

    def run_action(
        self,
        key: str,
        *,
        connection_id: str,
        input: Any = None,
        timeout_s: float | None = None,
    ) -> ActionRunResult:
        input_json = None
        if input is not None:
            input_json = json.dumps(input, ensure_ascii=False, separators=(",", ":"))
            size = len(input_json.encode("utf-8"))
            if size > failures.MAX_ARG_BYTES:
                raise InputTooLargeError(
                    f"membrane action run {key}: the input is {size} bytes of JSON, over the "
                    f"{failures.MAX_ARG_BYTES}-byte limit on one command-line argument"
                )
        argv = dialects.run_action(
            self.dialect, key, connection_id=connection_id, input_json=input_json
        )
        reply = self._call(argv, timeout_s=timeout_s, label=f"membrane action run {key}")
        value = reply.value
        if isinstance(value, dict) and value.get("output") is None and value.get("error"):
            # A failed run still answers `{actionRunId, error}` (7.4): never a null success.
            error = value["error"]
            body = error if isinstance(error, dict) else {"message": str(error)}
            raise failures.from_body(body, reply.label, reply.command, self._mask)
        return run_result_of(value)

    # --- proxy ------------------------------------------------------------------------------

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
        timeout_s: float | None = None,
    ) -> ProxyResponse:
        """An HTTP request to the app behind a connection; statuses >= 400 raise."""
        argv = dialects.request(
            self.dialect,
            connection_id,
            path,
            method=method,
            headers=headers,
            body=body,
            query=query,
            path_params=path_params,
        )
        label = f"membrane request {method.upper()} {path}"
        try:
            reply = self._call(argv, timeout_s=timeout_s, label=label, proxy_call=True)
        except NotFoundError as error:
            raise proxy.app_advice(error) from None
        outcome = proxy.response_or_error(
            reply.value, reply.failed, label, reply.command, self._mask
        )
        if isinstance(outcome, WrapperError):
            raise outcome
        return outcome

    # --- plumbing ---------------------------------------------------------------------------

    def _probe_help(self, command: Sequence[str]) -> runner.RunResult:
        argv = [*command, "--help"]
        tail = argv[len(self._command) :]
        return self._run(argv, self._label(tail), dialects.HELP_TIMEOUT_S)

    def _run(self, argv: list[str], label: str, timeout_s: float) -> runner.RunResult:
        return runner.run(argv, env=self._env, timeout_s=timeout_s, mask=self._mask, label=label)

    def _label(self, tail: Sequence[str]) -> str:
        """`membrane` plus the leading words of the call, e.g. `membrane action run KEY`."""
        words: list[str] = []
        for arg in tail:
            if arg.startswith("-") or len(words) == 3 or arg[:1] in "{[":
                break
            words.append(arg)
        return self._mask(" ".join(["membrane", *(words or tail[:1])]))

    def _call(
        self,
        tail: list[str],
        *,
        timeout_s: float | None = None,
        label: str | None = None,
        proxy_call: bool = False,
    ) -> _Reply:
        """Run one operation and return its parsed JSON; any failure raises.

        With `proxy_call`, JSON that is not Membrane's own error body is the app's answer, even
        after a non-zero exit (what the CLI does on an app 4xx is not documented); the reply
        then records the exit code in `failed`.
        """
        argv = [*self._command, *tail]
        label = self._mask(label) if label else self._label(tail)
        failures.check_arg_sizes(tail, label)
        command = runner.masked_argv(argv, self._mask)
        result = self._run(argv, label, timeout_s or self._default_timeout_s)
        if result.returncode != 0:
            answer = proxy.answer_after_failure(result) if proxy_call else None
            if answer is None:
                raise failures.failure(result, label, command, self._mask)
            return _Reply(answer[0], label, command, failed=result.returncode)
        ok, value = failures.parse_json(result.stdout)
        if not ok:
            raise failures.not_json(result, label, command, self._mask)
        if failures.is_membrane_error(value) or (
            not proxy_call
            and isinstance(value, dict)
            and isinstance(value.get("error"), str)
            and "id" not in value
        ):
            raise failures.from_body(value, label, command, self._mask)
        return _Reply(value, label, command)

    def _pages(
        self,
        model: type[Model],
        argv: Callable[[str | None, int | None], list[str]],
        what: str,
        *,
        limit: int | None = None,
    ) -> Iterator[Model]:
        """Items page by page: each page's `cursor` asks for the next, until there is none.

        A cursor seen before ends the walk, so a CLI that ignores `--cursor` cannot loop.
        """
        cursor: str | None = None
        seen: set[str] = set()
        given = 0
        for _ in range(MAX_PAGES):
            wanted = None if limit is None else min(limit - given, MAX_PAGE_LIMIT)
            reply = self._call(argv(cursor, wanted))
            items, cursor = page_of(reply.value)
            if items is None:
                raise failures.unexpected_shape(
                    reply.label, what, reply.value, reply.command, self._mask
                )
            for item in items:
                given += 1
                yield self._parse(model, item, reply, what)
            if cursor is None or cursor in seen or (limit is not None and given >= limit):
                return
            seen.add(cursor)

    def _parse(self, model: type[Model], data: Any, reply: _Reply, what: str) -> Model:
        try:
            return model.model_validate(data)
        except ValidationError:
            raise failures.unexpected_shape(
                reply.label, what, data, reply.command, self._mask
            ) from None

    def _parse_list(self, model: type[Model], reply: _Reply, what: str) -> list[Model]:
        items = items_of(reply.value)
        if items is None:
            raise failures.unexpected_shape(
                reply.label, what, reply.value, reply.command, self._mask
            )
        return [self._parse(model, item, reply, what) for item in items]

    def _connection(self, reply: _Reply) -> Connection:
        return self._parse(Connection, unwrap(reply.value), reply, "a connection")

    def _check_connection(self, connection: Connection, app: str) -> None:
        """Raise when a connection needs a person or has failed for good."""
        if connection.state == CLIENT_ACTION_REQUIRED:
            action = connection.client_action
            description = action.description if action else ""
            raise ConnectionActionRequiredError(
                self._mask(
                    f"connection {connection.id} to {app} needs a person: "
                    f"{description or 'finish connecting it in Membrane'}"
                ),
                ui_url=action.ui_url if action else None,
                description=description or None,
            )
        if connection.state in FAILED_STATES:
            detail = connection.error.message if connection.error else "no details given"
            raise ConnectionFailedError(
                self._mask(f"connection {connection.id} to {app} is {connection.state}: {detail}")
            )
        if connection.state != BUILDING and not connection.ready:
            state = connection.state or "disconnected"
            detail = f": {connection.error.message}" if connection.error else ""
            raise ConnectionFailedError(
                self._mask(f"connection {connection.id} to {app} is {state}, not READY{detail}"),
                advice="Reconnect it in the Membrane console, or run "
                f"`mw connections ensure {app}` again once it is READY.",
            )

    def _wait_once(self, connection_id: str, remaining_s: float) -> Connection:
        if self.dialect == dialects.OLDER:
            time.sleep(min(self.poll_interval_s, remaining_s))
            return self._find_connection(connection_id)
        started = time.monotonic()
        connection = self.get_connection(
            connection_id, wait=True, timeout_s=max(1.0, min(remaining_s, MAX_WAIT_CALL_S))
        )
        if connection.state == BUILDING and time.monotonic() - started < 1.0:
            # The CLI answered at once instead of waiting: pause, so as not to spin on it.
            time.sleep(min(self.poll_interval_s, max(0.0, remaining_s - 1.0)))
        return connection

    def _find_connection(self, connection_id: str) -> Connection:
        for connection in self.list_connections():
            if connection.id == connection_id:
                return connection
        raise NotFoundError(f"membrane connection list: no connection {connection_id}")

    def _poll_older(self, connection_id: str, timeout_s: float | None) -> Connection:
        """Older CLIs cannot long-poll: read the list until BUILDING ends or time runs out."""
        deadline = time.monotonic() + (timeout_s or 0)
        connection = self._find_connection(connection_id)
        while connection.state == BUILDING and time.monotonic() < deadline:
            time.sleep(min(self.poll_interval_s, max(0.0, deadline - time.monotonic())))
            connection = self._find_connection(connection_id)
        return connection

    def _connect_older(self, app: str) -> Connection:
        """search for the app's connector, reuse a connection to it, else `connect`."""
        reply = self._call(dialects.search_connector(apps.search_query(app)))
        results = self._parse_list(SearchResult, reply, "a list of search results")
        connector = next((r.element for r in results if r.is_connector and r.element.id), None)
        if connector is None:
            raise NotFoundError(
                f"{reply.label} found no connector for {app!r}",
                command=reply.command,
                advice="Check the app's name; `membrane search APP --json` lists what exists.",
            )
        for connection in self.list_connections():
            usable = connection.ready or connection.state == BUILDING
            if connection.connector_id == connector.id and usable:
                return connection
        return self._connection(self._call(dialects.connect(connector.id)))
