"""Help in the layout of a minimist/ink CLI (`MW_SANDBOX_HELP=minimist`), like meow prints it.

The public builds of the Membrane CLI (1.0.1, 1.1.x) parsed argv with minimist and drew with
ink, so a current build may print help nothing like commander's: a description, then `Usage`
with a `$ membrane ...` line, `Commands`, `Arguments` and `Options` headings without colons,
every line indented by two spaces, and `--long, -s` option names.
"""

from __future__ import annotations

import re
from typing import Final

from wrapper.sandbox.helptext import (
    CHATWOOT_NOTE,
    ENVIRONMENT,
    PROGRAM,
    SPECS,
    SUMMARY,
    Item,
    subcommands,
)

_HELP: Final = ("--help, -h", "Show help")
_VERSION: Final = ("--version, -V", "Show the version")
_JSON: Final = ("--json", "Print machine-readable JSON")


def render_top() -> str:
    """`membrane --help`: every command, its arguments and summary, in one list."""
    # `connection` and `action` only group others; `login` also runs by itself.
    runnable = [path for path, spec in SPECS.items() if spec.options or not subcommands(path)]
    commands = [(_usage_term(path, path), SPECS[path].summary) for path in runnable]
    environment = ENVIRONMENT.removeprefix("Environment: ").splitlines()
    sections = [
        ("Usage", [(f"$ {PROGRAM} <command> [options]", "")]),
        ("Commands", commands),
        ("Options", [_JSON, _HELP, _VERSION]),
        ("Environment", [(line, "") for line in environment]),
    ]
    return _page(SUMMARY, sections, CHATWOOT_NOTE)


def render(path: str) -> str:
    """`membrane <path> --help`: a group lists its subcommands, a command its arguments."""
    spec = SPECS[path]
    children = subcommands(path)
    sections: list[tuple[str, list[Item]]]
    if children:
        commands = [
            (_usage_term(child, child[len(path) + 1 :]), SPECS[child].summary) for child in children
        ]
        sections = [
            ("Usage", [(f"$ {PROGRAM} {path} <command> [options]", "")]),
            ("Commands", commands),
        ]
    else:
        arguments = " ".join(term for term, _ in spec.arguments)
        usage = f"$ {PROGRAM} {path}" + (f" {arguments}" if arguments else "") + " [options]"
        sections = [("Usage", [(usage, "")])]
        if spec.arguments:
            sections.append(("Arguments", [(t.strip("<>[]"), d) for t, d in spec.arguments]))
    sections.append(("Options", [*(_option(term, text) for term, text in spec.options), _HELP]))
    return _page(spec.summary, sections, spec.note)


def _usage_term(path: str, shown: str) -> str:
    arguments = "".join(f" {term}" for term, _ in SPECS[path].arguments)
    return f"{shown}{arguments}"


def _option(term: str, text: str) -> Item:
    """commander's `-X, --method <m>` reads `--method, -X <m>` in meow's help."""
    found = re.fullmatch(r"(-\w), (--[\w-]+)(.*)", term)
    return (f"{found.group(2)}, {found.group(1)}{found.group(3)}", text) if found else (term, text)


def _page(summary: str, sections: list[tuple[str, list[Item]]], note: str | None) -> str:
    lines = ["", f"  {summary}", ""]
    for title, items in sections:
        width = max(len(term) for term, _ in items)
        lines.append(f"  {title}")
        lines += [f"    {term.ljust(width)}  {text}".rstrip() for term, text in items]
        lines.append("")
    if note:
        lines += [f"  {line}" for line in note.splitlines()] + [""]
    return "\n".join(lines)
