"""Which argv each operation needs, per generation of the `membrane` CLI.

Three generations exist (DESIGN section 2): `older` (search + connect), `current` (connection
ensure, action run, request) and `newest` (act). The generation is read from `membrane --help`
once per binary and cached on disk keyed by the binary's resolved path and mtime, so a CLI
upgrade is noticed; MW_MEMBRANE_DIALECT forces one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from wrapper import paths
from wrapper.errors import InvalidOutputError, UsageError, WrapperError, WrongMembraneError
from wrapper.membrane import failures, runner

CURRENT: Final = "current"
OLDER: Final = "older"
NEWEST: Final = "newest"
DIALECTS: Final = (CURRENT, OLDER, NEWEST)
DIALECT_ENV: Final = "MW_MEMBRANE_DIALECT"
HELP_TIMEOUT_S: Final = 60.0
_CACHE_FILE: Final = "dialect.json"
_UPGRADE_ADVICE: Final = (
    "Upgrade it with `npm install -g @membranehq/cli@latest`, or set MW_MEMBRANE_DIALECT if the "
    "detection is wrong."
)

_WORD: Final = re.compile(r"[a-z][a-z0-9-]*")
# Groups whose subcommands tell the dialects apart; a grouped help lists only their names.
_GROUPS: Final = ("connection", "action")
# Commands only the other program called `membrane` (membrane.agency) has.
_OTHER_PROGRAM_COMMANDS: Final = frozenset({"catalog", "hook", "check-update", "connect complete"})

_memory: dict[str, str] = {}
_lock = threading.Lock()

Probe = Callable[[Sequence[str]], runner.RunResult]


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --- argv per operation (everything after the command prefix) --------------------------------


def ensure_connection(dialect: str, app: str) -> list[str]:
    """`connection ensure`; the older dialect has no such command (see search/connect)."""
    _require(dialect, {CURRENT, NEWEST}, "connection ensure")
    return ["connection", "ensure", app, "--json"]


def search_connector(app: str) -> list[str]:
    return ["search", app, "--elementType=connector", "--json"]


def connect(connector_id: str) -> list[str]:
    return ["connect", f"--connectorId={connector_id}", "--json"]


def get_connection(
    dialect: str, connection_id: str, *, wait: bool = False, timeout_s: float | None = None
) -> list[str]:
    _require(dialect, {CURRENT, NEWEST}, "connection get")
    argv = ["connection", "get", connection_id]
    if wait:
        argv += ["--wait", "--timeout", str(max(1, round(timeout_s or 30)))]
    return [*argv, "--json"]


def list_connections(dialect: str, *, cursor: str | None = None) -> list[str]:
    """One page of connections; `cursor` (from the page before) asks for the next."""
    argv = ["connection", "list"]
    if cursor is not None:
        argv += _cursor(dialect, cursor)
    return [*argv, "--json"]


def list_actions(
    dialect: str,
    connection_id: str,
    *,
    intent: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> list[str]:
    """One page of actions; the older CLI knows no `--limit` (the client cuts the list)."""
    if dialect == OLDER:
        argv = ["action", "list"]
        if intent:
            argv.append(f"--intent={intent}")
        argv.append(f"--connectionId={connection_id}")
        if cursor is not None:
            argv += _cursor(dialect, cursor)
        return [*argv, "--json"]
    argv = ["action", "list", f"--connectionId={connection_id}"]
    if intent:
        argv += ["--intent", intent]
    if limit is not None:
        argv += ["--limit", str(limit)]
    if cursor is not None:
        argv += _cursor(dialect, cursor)
    return [*argv, "--json"]


def _cursor(dialect: str, cursor: str) -> list[str]:
    # The older CLI's docs write every option as `--name=value`.
    return [f"--cursor={cursor}"] if dialect == OLDER else ["--cursor", cursor]


def get_action(dialect: str, key: str, *, connection_id: str | None = None) -> list[str]:
    _require(dialect, {CURRENT, NEWEST}, "action get")
    argv = ["action", "get", key]
    if connection_id:
        argv.append(f"--connectionId={connection_id}")
    return [*argv, "--json"]


def create_action(dialect: str, intent: str, *, connection_id: str) -> list[str]:
    _require(dialect, {CURRENT, NEWEST}, "action create")
    return ["action", "create", intent, f"--connectionId={connection_id}", "--json"]


def run_action(dialect: str, key: str, *, connection_id: str, input_json: str | None) -> list[str]:
    """Run an action; `input_json` is the already serialised input (None sends none)."""
    given = ["--input", input_json] if input_json is not None else []
    if dialect == OLDER:
        return ["action", "run", f"--connectionId={connection_id}", key, "--json", *given]
    if dialect == NEWEST:
        return ["act", "--key", key, "--connectionId", connection_id, *given, "--json"]
    return ["action", "run", key, f"--connectionId={connection_id}", *given, "--json"]


def request(
    dialect: str,
    connection_id: str,
    path: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    query: Mapping[str, str] | None = None,
    path_params: Mapping[str, str] | None = None,
) -> list[str]:
    """A proxied HTTP request: `request` up to the current CLI, `act --api` in the newest."""
    method = method.upper()
    if dialect == NEWEST:
        spec: dict[str, Any] = {"method": method, "path": fill_path(path, path_params or {})}
        if body is not None:
            spec["body"] = body
        if headers:
            spec["headers"] = dict(headers)
        if query:
            spec["query"] = dict(query)
        return ["act", "--api", _json(spec), "--connectionId", connection_id, "--json"]
    argv = ["request", connection_id, path, "-X", method]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    if body is not None:
        argv += ["-d", body if isinstance(body, str) else _json(body)]
    for name, value in (query or {}).items():
        argv += ["--query", f"{name}={value}"]
    for name, value in (path_params or {}).items():
        argv += ["--pathParam", f"{name}={value}"]
    return [*argv, "--json"]


def fill_path(path: str, params: Mapping[str, str]) -> str:
    """Put path parameters into `{name}` or `:name` placeholders (for `act --api`)."""
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
        path = re.sub(rf":{re.escape(name)}(?=/|$)", value.replace("\\", "\\\\"), path)
    return path


def _require(dialect: str, allowed: set[str], operation: str) -> None:
    if dialect not in allowed:
        raise UsageError(
            f"`membrane {operation}` is not available in the {dialect} membrane CLI",
            advice=_UPGRADE_ADVICE,
        )


# --- detection -------------------------------------------------------------------------------


def resolve_binary(command: Sequence[str]) -> str | None:
    """The real path of the program `command` starts, or None when it cannot be found."""
    if not command:
        return None
    found = shutil.which(command[0])
    return os.path.realpath(found) if found else None


def forced_dialect() -> str | None:
    """The dialect MW_MEMBRANE_DIALECT asks for, validated."""
    value = os.environ.get(DIALECT_ENV, "").strip().lower()
    if not value:
        return None
    return validate(value)


def validate(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise UsageError(
            f"unknown membrane dialect {dialect!r}",
            advice=f"Use one of: {', '.join(DIALECTS)} (in {DIALECT_ENV} or the client).",
        )
    return dialect


def detect(command: Sequence[str], *, probe: Probe | None = None) -> str:
    """The dialect of `command`: forced by env, else cached, else read from `--help`.

    When the top-level help lists only command groups (`connection`, `action`), the groups'
    own help (`membrane connection --help`, `membrane action --help`) is read too.
    """
    forced = forced_dialect()
    if forced:
        return forced
    key = _cache_key(command)
    with _lock:
        if key and key in _memory:
            return _memory[key]
        cached = _read_cache().get(key) if key else None
        if key and cached in DIALECTS:
            _memory[key] = cached
            return cached
        run = probe or _probe
        result = run(command)
        dialect = _dialect_of(result, command, run)
        if key:
            _memory[key] = dialect
            _write_cache(key, dialect)
        return dialect


def _probe(command: Sequence[str]) -> runner.RunResult:
    return runner.run([*command, "--help"], timeout_s=HELP_TIMEOUT_S)


def _dialect_of(result: runner.RunResult, command: Sequence[str], probe: Probe) -> str:
    text = result.stdout + "\n" + result.stderr
    try:
        dialect_from_help(text, command)  # the other program, or no Membrane commands: raise
        groups = grouped_commands(text, command)
        if not groups:
            return dialect_from_help(text, command)
        found = listed_commands(text, command)
        for group in groups:
            try:
                sub = probe([*command, group])
            except WrapperError:  # a group help that cannot be read only leaves a guess
                continue
            found |= group_commands(group, sub.stdout + "\n" + sub.stderr, command)
        return dialect_of_commands(found, command)
    except WrongMembraneError:
        if result.returncode == 0:
            raise
    # A failing `--help` says more about a broken install than about which program it is.
    shown = runner.format_command([*command, "--help"])
    output = failures.excerpt(result.stderr.strip() or result.stdout) or "no output"
    raise InvalidOutputError(
        f"`{shown}` failed with exit code {result.returncode}: {output}",
        command=list(result.argv),
        output=output,
    )


def _words(line: str, command: Sequence[str]) -> list[str]:
    """A help line's words, without a leading `$` or program name (minimist/ink-style usage)."""
    words = re.findall(r"[^\s|,]+", line.strip())
    names = {"membrane", *(Path(c).name for c in command[:1])}
    while words and (words[0] == "$" or words[0] in names or words[0] in ("npx", "membrane-cli")):
        words = words[1:]
    return words


def listed_commands(help_text: str, command: Sequence[str] = ("membrane",)) -> set[str]:
    """Command words a help text lists: `act`, and `connection ensure`-like pairs.

    Reads commander's `Commands:` table as well as minimist/ink-style lines such as
    `$ membrane connection ensure <url>`.
    """
    found: set[str] = set()
    for line in help_text.splitlines():
        words = _words(line, command)
        if not words or not _WORD.fullmatch(words[0]):
            continue
        found.add(words[0])
        if len(words) > 1 and _WORD.fullmatch(words[1]):
            found.add(f"{words[0]} {words[1]}")
    return found


def grouped_commands(help_text: str, command: Sequence[str] = ("membrane",)) -> list[str]:
    """The groups (`connection`, `action`) a help lists without any of their subcommands."""
    commands = listed_commands(help_text, command)
    return [
        group
        for group in _GROUPS
        if group in commands and not any(c.startswith(group + " ") for c in commands)
    ]


def group_commands(group: str, help_text: str, command: Sequence[str]) -> set[str]:
    """`connection ensure`-like names from a group's own help (`membrane connection --help`)."""
    found: set[str] = set()
    for name in listed_commands(help_text, command):
        words = name.split()
        if words[0] == group and len(words) > 1:
            found.add(name)
        elif words[0] not in (group, "help", "usage") and len(words) == 1:
            found.add(f"{group} {words[0]}")
    return found


def dialect_from_help(help_text: str, command: Sequence[str] = ("membrane",)) -> str:
    """Read the dialect from `--help`; the other program called `membrane` is an error."""
    return dialect_of_commands(listed_commands(help_text, command), command)


def dialect_of_commands(commands: set[str], command: Sequence[str] = ("membrane",)) -> str:
    """The dialect a set of listed commands (`act`, `connection ensure`, ...) belongs to."""
    shown = runner.format_command(command)
    if commands & _OTHER_PROGRAM_COMMANDS and "action" not in commands and "act" not in commands:
        raise WrongMembraneError(
            f"`{shown}` is a different program called membrane (its help lists "
            f"{', '.join(sorted(commands & _OTHER_PROGRAM_COMMANDS))}), not the Membrane CLI"
        )
    if "act" in commands and "action run" not in commands and "request" not in commands:
        return NEWEST
    if "connection ensure" in commands or "ensure" in commands:
        return CURRENT
    if "search" in commands and "connect" in commands and "act" not in commands:
        return OLDER
    if "action" in commands or "connection" in commands or "act" in commands:
        return CURRENT
    raise WrongMembraneError(
        f"`{shown} --help` lists none of the Membrane CLI's commands (action, connection)"
    )


def _cache_key(command: Sequence[str]) -> str | None:
    binary = resolve_binary(command)
    if binary is None:
        return None
    try:
        mtime = Path(binary).stat().st_mtime_ns
    except OSError:
        return None
    return _json([binary, mtime, *command[1:]])


def _cache_path() -> Path:
    return paths.cache_dir() / _CACHE_FILE


def _read_cache() -> dict[str, str]:
    try:
        data = json.loads(_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def _write_cache(key: str, dialect: str) -> None:
    """Best effort: a read-only cache folder only costs a probe next time."""
    data = _read_cache()
    data[key] = dialect
    target = _cache_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        tmp.replace(target)
    except OSError:
        return


def clear_memory_cache() -> None:
    """Forget in-process detections (tests, and `mw doctor` after an upgrade)."""
    with _lock:
        _memory.clear()
