"""Which generation of the `membrane` CLI a binary is (`generations.py` holds their argv).

Three generations exist: `older` (search + connect), `current` (connection ensure, action run,
request) and `newest` (act). The generation is read from `membrane --help` once per binary and
cached on disk keyed by the binary's resolved path and mtime, so a CLI upgrade is noticed;
MW_MEMBRANE_DIALECT forces one. The help may be laid out by commander or by minimist/ink, and
may list only command groups; every layout is read.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from wrapper import paths
from wrapper.errors import InvalidOutputError, UsageError, WrapperError, WrongMembraneError
from wrapper.membrane import failures, runner
from wrapper.membrane.generations import CURRENT as CURRENT
from wrapper.membrane.generations import NEWEST as NEWEST
from wrapper.membrane.generations import OLDER as OLDER
from wrapper.membrane.generations import help_argv

DIALECTS: Final = (CURRENT, OLDER, NEWEST)
DIALECT_ENV: Final = "MW_MEMBRANE_DIALECT"
HELP_TIMEOUT_S: Final = 60.0
_CACHE_FILE: Final = "dialect.json"

_WORD: Final = re.compile(r"[a-z][a-z0-9-]*")
# Groups whose subcommands tell the dialects apart; a grouped help lists only their names.
_GROUPS: Final = ("connection", "action")
# Commands only the other program called `membrane` (membrane.agency) has.
_OTHER_PROGRAM_COMMANDS: Final = frozenset({"catalog", "hook", "check-update", "connect complete"})

_memory: dict[str, str] = {}
_lock = threading.Lock()

#: Runs the CLI with the given arguments (after its command prefix), e.g. `["--help"]`.
Probe = Callable[[Sequence[str]], runner.RunResult]


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --- detection -------------------------------------------------------------------------------


def resolve_binary(command: Sequence[str]) -> str | None:
    """The real path of the program `command` starts, or None when it cannot be found."""
    if not command:
        return None
    found = _which(command[0])
    return os.path.realpath(found) if found else None


def _which(program: str) -> str | None:
    """`shutil.which` for one name: importing shutil (with its archive modules) would cost
    every `mw` command's start-up, since the cache of detections is keyed by this path."""
    if os.sep in program:
        return program if _runnable(Path(program)) else None
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = Path(folder or os.curdir) / program
        if _runnable(candidate):
            return str(candidate)
    return None


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


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
        run = probe or _prober(command)
        result = run(help_argv())
        dialect = _dialect_of(result, command, run)
        if key:
            _memory[key] = dialect
            _write_cache(key, dialect)
        return dialect


def _prober(command: Sequence[str]) -> Probe:
    def probe(args: Sequence[str]) -> runner.RunResult:
        return runner.run([*command, *args], timeout_s=HELP_TIMEOUT_S)

    return probe


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
                sub = probe(help_argv(group))
            except WrapperError:  # a group help that cannot be read only leaves a guess
                continue
            found |= group_commands(group, sub.stdout + "\n" + sub.stderr, command)
        return dialect_of_commands(found, command)
    except WrongMembraneError:
        if result.returncode == 0:
            raise
    # A failing `--help` says more about a broken install than about which program it is.
    shown = runner.format_command([*command, *help_argv()])
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
