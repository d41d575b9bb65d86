"""One typed method per `membrane` operation: the generation builds the argv, the client runs
it and reads the answer.

A `MembraneClient` holds no per-call state, so one instance may serve many threads; the only
shared thing, the CLI's generation, is detected once under a lock. Every failure becomes one of
`wrapper.errors`, with the masked command and what came back.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Final

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
from wrapper.membrane import dialect as dialects
from wrapper.membrane import failures, proxy, runner
from wrapper.membrane.caller import Caller, Reply
from wrapper.membrane.generations import Generation, generation, input_json, version_argv
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
    run_result_of,
    unwrap,
)

# `connection get --wait` long-polls at most this long per call (the API caps it at 60 s).
MAX_WAIT_CALL_S: Final = 60
# Room on top of a long-poll for the CLI itself to start and answer.
WAIT_SLACK_S: Final = 30.0


class MembraneClient(Caller):
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
        super().__init__(command, default_timeout_s=default_timeout_s, env=env, mask=mask)
        self._dialect = dialects.validate(dialect) if dialect else None
        self._lock = threading.Lock()

    @property
    def dialect(self) -> str:
        """The CLI generation's name: given, forced by MW_MEMBRANE_DIALECT, or probed once."""
        with self._lock:
            if self._dialect is None:
                self._dialect = dialects.detect(self._command, probe=self._probe_help)
            return self._dialect

    @property
    def generation(self) -> Generation:
        """The CLI generation, which builds the argv of every call."""
        return generation(self.dialect)

    # --- account ----------------------------------------------------------------------------

    def version(self) -> str:
        """The CLI's version (the semver when it prints one, else its first line)."""
        tail = version_argv()  # asked before the generation is known (`mw doctor`)
        argv = [*self._command, *tail]
        label = self._label(tail)
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
        tail = self.generation.status()
        argv = [*self._command, *tail]
        label = self._label(tail)
        result = self._run(argv, label, self._default_timeout_s)
        command = runner.masked_argv(argv, self._mask)
        return failures.login_status(result, label, command, self._mask)

    # --- connections ------------------------------------------------------------------------

    def ensure_command(self, app: str) -> list[str]:
        """The command `ensure_connection(app)` starts first (for events and plans)."""
        gen = self.generation
        tail = gen.ensure_connection(app) if gen.ensures else gen.search_connector(app)
        return [*self._command, *tail]

    def ensure_warning(self, app: str) -> str | None:
        """Why ensuring `app` may not do what was meant (a bare word may create a new app)."""
        return self.generation.ensure_warning(app)

    def ensure_connection(self, app: str, *, wait_timeout_s: float = 120.0) -> Connection:
        """A READY connection to `app` (a name, domain or URL), waiting out BUILDING until a
        deadline. A known name is sent as the app's URL (see `apps.target`)."""
        deadline = time.monotonic() + wait_timeout_s
        gen = self.generation
        if gen.ensures:
            connection = self._connection(self._call(gen.ensure_connection(app)))
        else:
            connection = self._connect_older(app)
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
        if not self.generation.long_polls:
            return self._poll_older(connection_id, (timeout_s or 30.0) if wait else None)
        argv = self.generation.get_connection(connection_id, wait=wait, timeout_s=timeout_s)
        budget = (timeout_s or 30) + WAIT_SLACK_S if wait else None
        return self._connection(self._call(argv, timeout_s=budget))

    def list_connections(self) -> list[Connection]:
        """Every connection, following `cursor` from page to page."""

        def argv(cursor: str | None, _wanted: int | None) -> list[str]:
            return self.generation.list_connections(cursor=cursor)

        return list(self._pages(Connection.from_wire, argv, "a list of connections"))

    # --- actions ----------------------------------------------------------------------------

    def list_actions(
        self, connection_id: str, *, intent: str | None = None, limit: int | None = None
    ) -> list[Action]:
        """Up to `limit` actions (all without one), following `cursor` from page to page."""

        def argv(cursor: str | None, wanted: int | None) -> list[str]:
            return self.generation.list_actions(
                connection_id, intent=intent, limit=wanted, cursor=cursor
            )

        found: list[Action] = []
        for action in self._pages(Action.from_wire, argv, "a list of actions", limit=limit):
            found.append(action)
            if limit is not None and len(found) >= limit:
                break
        return found

    def get_action(
        self, key: str, *, connection_id: str | None = None, timeout_s: float | None = None
    ) -> Action:
        """An action by key or id; the older CLI has no `action get`, so its list is searched
        (every page, until found)."""
        if not self.generation.gets_actions:
            if not connection_id:
                raise UsageError("the older membrane CLI needs a connection to look up an action")
            for action in self.list_actions(connection_id):  # every page, until found
                if key in (action.key, action.id):
                    return action
            raise NotFoundError(
                f"membrane action list: no action {key!r} on connection {connection_id}"
            )
        argv = self.generation.get_action(key, connection_id=connection_id)
        reply = self._call(argv, timeout_s=timeout_s)
        return self._parse(Action.from_wire, unwrap(reply.value), reply, "an action")

    def create_action(
        self, intent: str, *, connection_id: str, wait_timeout_s: float = 120.0
    ) -> Action:
        """Have Membrane build an action for `intent`, and wait until it is READY."""
        deadline = time.monotonic() + wait_timeout_s
        argv = self.generation.create_action(intent, connection_id=connection_id)
        reply = self._call(argv)
        action = self._parse(Action.from_wire, unwrap(reply.value), reply, "an action")
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
        given = input_json(input)
        if given is not None:
            size = len(given.encode("utf-8"))
            if size > failures.MAX_ARG_BYTES:
                raise InputTooLargeError(
                    f"membrane action run {key}: the input is {size} bytes of JSON, over the "
                    f"{failures.MAX_ARG_BYTES}-byte limit on one command-line argument"
                )
        argv = self.generation.run_action(key, connection_id=connection_id, input_json=given)
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
        argv = self.generation.request(
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

    # --- commands, as events and plans show them -------------------------------------------

    def action_command(self, key: str, *, connection_id: str, input: Any = None) -> list[str]:
        """The command `run_action` starts with these arguments."""
        tail = self.generation.run_action(
            key, connection_id=connection_id, input_json=input_json(input)
        )
        return [*self._command, *tail]

    def request_command(
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
        """The command `request` starts with these arguments."""
        tail = self.generation.request(
            connection_id,
            path,
            method=method,
            headers=headers,
            body=body,
            query=query,
            path_params=path_params,
        )
        return [*self._command, *tail]

    # --- plumbing ---------------------------------------------------------------------------

    def _probe_help(self, tail: Sequence[str]) -> runner.RunResult:
        return self._run([*self._command, *tail], self._label(tail), dialects.HELP_TIMEOUT_S)

    def _connection(self, reply: Reply) -> Connection:
        return self._parse(Connection.from_wire, unwrap(reply.value), reply, "a connection")

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
        if not self.generation.long_polls:
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
        reply = self._call(self.generation.search_connector(app))
        results = self._parse_list(SearchResult.from_wire, reply, "a list of search results")
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
        return self._connection(self._call(self.generation.connect(connector.id)))
