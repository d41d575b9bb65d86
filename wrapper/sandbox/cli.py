"""`membrane-sandbox`: answers the argv of every `membrane` generation, offline.

Success prints JSON on stdout (compact with `--json`, indented without) and exits 0. Failure
prints the Membrane error body on stdout, one `Error: ...` line on stderr, and exits 1.
Help and usage errors follow commander.js: `<command> --help` prints that command's usage in
the layout `MW_SANDBOX_HELP` picks (helptext.py), an unknown command one
`error: unknown command 'x'` line. A reader that leaves early (`... | head -1`) ends the
sandbox quietly with exit 141, as Unix tools do.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from wrapper.sandbox import helplayout, helptext
from wrapper.sandbox.argv import Args, parse
from wrapper.sandbox.wire import RawBody, SandboxError

if TYPE_CHECKING:
    from wrapper.sandbox.store import Store

VERSION: Final = "1.18.0"
USAGE: Final = helptext.USAGE
BROKEN_PIPE_EXIT: Final = 141  # 128 + SIGPIPE, what a shell reports for `cmd | head -1`

#: Commands that only read; `crash_after_write` never fires on them.
READS: Final = frozenset(
    {"connection get", "connection list", "action list", "action get", "search", "status"}
)


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()  # inside the try: a reader that left fails here, not at exit
        return code
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE_EXIT
    except helplayout.LayoutError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass  # not a real file descriptor (an in-process test): nothing left to flush


def _main(argv: list[str]) -> int:
    args = parse(argv)
    words = args.positionals
    if args.flag("version") and not words:
        print(VERSION)
        return 0
    if not words:
        print(helplayout.top_level(), end="")
        return 0
    if words[0] == "help":
        return _help(words[1:])
    if words[1:2] == ["help"] and helptext.subcommands(words[0]):
        return _help([words[0], *words[2:3]])
    if args.flag("help"):
        path, _ = helptext.resolve(words)
        print(helplayout.command_help(path) if path else helplayout.top_level(), end="")
        return 0
    name = words[0]
    if name in ("connection", "action", "login") and len(words) > 1:
        name = f"{words[0]} {words[1]}"
        rest = words[2:]
    else:
        rest = words[1:]
    handler = COMMANDS.get(name)
    if handler is None and name.startswith("login "):
        handler, rest = COMMANDS["login"], words[1:]
    if handler is None:
        return _unknown(words)
    from wrapper.sandbox import faults

    faults.latency()
    return _run(name, handler, rest, args)


def _help(words: list[str]) -> int:
    """`help [command]`: that command's help; an unknown one gets the general usage, as an error."""
    if not words:
        print(helplayout.top_level(), end="")
        return 0
    path, _ = helptext.resolve(words)
    if path is None:
        print(helplayout.top_level(), end="", file=sys.stderr)
        return 1
    print(helplayout.command_help(path), end="")
    return 0


def _unknown(words: list[str]) -> int:
    """What commander does with a command it does not know, or a group given no subcommand."""
    group = words[0] if helptext.subcommands(words[0]) else None
    if group is not None and len(words) == 1:
        print(helplayout.command_help(group), end="", file=sys.stderr)
        return 1
    print(f"error: unknown command '{words[1] if group else words[0]}'", file=sys.stderr)
    return 1


ACCOUNT_COMMANDS: Final = frozenset({"status", "login", "login start", "login complete", "logout"})


def _run(name: str, handler: Command, rest: list[str], args: Args) -> int:
    import sqlite3

    from wrapper.sandbox.store import Store

    on_stderr: list[bool] = []
    store: Store | None = None
    try:
        store = Store()
        return _serve(store, name, handler, rest, args, on_stderr)
    except SandboxError as error:
        return _fail(error, args, bool(on_stderr))
    except BrokenPipeError:
        raise  # the reader left: main ends quietly, nothing to report to nobody
    except sqlite3.OperationalError as error:
        # Only a lock held past the busy timeout gets here; the caller may simply retry.
        busy = SandboxError(
            f"The sandbox world is busy: {error}", type_="concurrency", key="lock_timeout"
        )
        return _fail(busy, args, bool(on_stderr))
    except Exception as error:  # a bug answers like Membrane's own internal errors, no traceback
        internal = SandboxError(
            f"Internal error: {type(error).__name__}: {error}", type_="internal"
        )
        return _fail(internal, args, bool(on_stderr))
    finally:
        if store is not None:
            store.close()


def _serve(
    store: Store, name: str, handler: Command, rest: list[str], args: Args, on_stderr: list[bool]
) -> int:
    from wrapper.sandbox import connections, faults
    from wrapper.sandbox.seed import ensure_seeded

    ensure_seeded(store)
    store.wrote = False
    drawn = faults.Draw()
    tenant = name not in ACCOUNT_COMMANDS
    spec = os.environ.get("MW_SANDBOX_FAULTS", "")
    if tenant and spec.strip():
        probabilities = faults.parse(spec)
        call_number = store.next_id("faults:calls")
        store.wrote = False
        drawn = faults.draw(probabilities, call_number)
        if "error_on_stderr" in drawn:
            on_stderr.append(True)
        if "rate_limit" in drawn:
            raise _rate_limited()
        if "timeout" in drawn:
            faults.hang()
        if "garbage" in drawn:
            sys.stdout.write(faults.garbage(call_number))
            sys.stdout.flush()
            return 0
    if tenant:
        connections.require_login(store)
    if "app_rate_limit" in drawn and name == "request":
        handler = _throttled_request
    result = handler(store, rest, args)
    if "crash_after_write" in drawn and store.wrote and name not in READS:
        os._exit(faults.CRASH_EXIT)  # the write is committed; the caller hears nothing
    _emit(result, args)
    return 0


def _rate_limited() -> SandboxError:
    from wrapper.sandbox import faults
    from wrapper.sandbox.wire import rate_limited

    return rate_limited(faults.RETRY_AFTER_S)


def _emit(result: Any, args: Args) -> None:
    if isinstance(result, RawBody):
        if isinstance(result.body, str) or result.body is None:
            # Text goes out as the app sent it; an empty body prints nothing, not `null`.
            text = result.body or ""
            sys.stdout.write(text if not text or text.endswith("\n") else text + "\n")
            return
        result = result.body
    if isinstance(result, str):
        print(result)
    elif args.flag("json"):
        print(json.dumps(result, separators=(",", ":"), ensure_ascii=False))
    else:
        print(json.dumps(result, indent=2, ensure_ascii=False))


def _fail(error: SandboxError, args: Args, on_stderr: bool) -> int:
    body = json.dumps(error.body, separators=(",", ":"), ensure_ascii=False)
    if on_stderr:
        print(body, file=sys.stderr)
    else:
        print(body)
        sys.stdout.flush()  # a reader that left ends the call here, before the stderr line
        print(f"Error: {error.message}", file=sys.stderr)
    return 1


# --- commands ----------------------------------------------------------------------------------

Command = Callable[["Store", list[str], Args], Any]


def _need(rest: list[str], what: str) -> str:
    if not rest:
        raise SandboxError(f"missing required argument '{what}'")
    return rest[0]


def _json_option(args: Args, name: str) -> Any:
    raw = args.value(name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise SandboxError(f"--{name} is not valid JSON: {error.msg}") from None


def _login(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import connections

    store.set_meta("logged_in", "1")
    return connections.status(store) if args.flag("json") else "Logged in to the sandbox."


def _logout(store: Store, rest: list[str], args: Args) -> Any:
    store.set_meta("logged_in", "0")
    return {"loggedIn": False} if args.flag("json") else "Logged out."


def _status(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import connections

    return connections.status(store)


def _search(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import connections

    return connections.search(_need(rest, "query"))


def _connect(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import connections

    if args.value("connectionId"):
        existing = connections.lookup(store, str(args.value("connectionId")))
        return connections.ensure(store, existing["key"])
    selector = (
        args.value("connectorId")
        or args.value("connectorKey")
        or args.value("integrationKey")
        or args.value("integrationId")
    )
    if selector:
        return connections.ensure(store, connections.app_for_connector(selector))
    intent = args.value("intent") or (rest[0] if rest else None)
    if intent:
        return connections.ensure(store, connections.resolve_app(intent))
    raise SandboxError("Pass --connectorId, --connectorKey, --integrationKey or --intent.")


def _connection_ensure(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import connections

    app = connections.resolve_app(_need(rest, "app"))
    return connections.ensure(store, app, args.value("name"))


def _connection_get(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import connections

    return connections.get(store, _need(rest, "id"))


def _connection_list(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import connections, paging

    return connections.list_page(store, paging.window(args))


def _connection_delete(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import connections

    return connections.delete(store, _need(rest, "id"))


def _connection_for(store: Store, args: Args) -> dict[str, Any]:
    from wrapper.sandbox import connections

    return connections.require_ready(
        store, args.value("connectionId") or args.value("connectionKey")
    )


def _connections_for(store: Store, args: Args) -> list[dict[str, Any]]:
    """The connection named by the options, or every READY one: the option is optional."""
    from wrapper.sandbox import connections

    if args.value("connectionId") or args.value("connectionKey"):
        return [_connection_for(store, args)]
    return connections.ready_ones(store)


def _action_list(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import actions, paging

    window = paging.window(args)
    intent = args.value("intent") or (rest[0] if rest else None)
    return actions.list_actions(store, _connections_for(store, args), intent, window)


def _action_get(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import actions, connections

    wanted = _need(rest, "key")
    if args.value("connectionId") or args.value("connectionKey"):
        connection = _connection_for(store, args)
        action, key = actions.find(store, connection, wanted)
    else:
        action, key, connection = actions.find_anywhere(
            store, connections.ready_ones(store), wanted
        )
    return actions.describe(action, connection, key)


def _action_create(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import actions

    intent = args.value("intent") or _need(rest, "intent")
    return actions.create(store, _connection_for(store, args), intent)


def _action_run(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import actions

    key = _need(rest, "actionId")
    return actions.run(store, _connection_for(store, args), key, _json_option(args, "input"))


def _act(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox import actions
    from wrapper.sandbox.proxy import act_api

    connection = _connection_for(store, args)
    api = _json_option(args, "api")
    if api is not None:
        return act_api(store, connection, api)
    key = args.value("key") or args.value("id")
    if not key:
        raise SandboxError("Pass exactly one of --api, --key or --id.")
    return actions.run(store, connection, key, _json_option(args, "input"))


def _request_connection(store: Store, rest: list[str]) -> dict[str, Any]:
    from wrapper.sandbox import connections

    if len(rest) < 2:
        missing = "path" if rest else "connectionId"
        raise SandboxError(f"missing required argument '{missing}'")
    return connections.require_ready(store, rest[0])


def _request(store: Store, rest: list[str], args: Args) -> Any:
    from wrapper.sandbox.proxy import request_command

    return request_command(store, _request_connection(store, rest), rest[1], args)


def _throttled_request(store: Store, rest: list[str], args: Args) -> Any:
    """`request` under the app_rate_limit fault: the app says 429 and does nothing."""
    from wrapper.sandbox.proxy import throttled

    return throttled(_request_connection(store, rest))


COMMANDS: Final[dict[str, Command]] = {
    "login": _login,
    "login complete": _login,
    "login start": _login,
    "logout": _logout,
    "status": _status,
    "search": _search,
    "connect": _connect,
    "connection ensure": _connection_ensure,
    "connection create": _connection_ensure,
    "connection get": _connection_get,
    "connection list": _connection_list,
    "connection delete": _connection_delete,
    "connection archive": _connection_delete,
    "action list": _action_list,
    "action get": _action_get,
    "action create": _action_create,
    "action run": _action_run,
    "act": _act,
    "request": _request,
}
