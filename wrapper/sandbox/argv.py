"""A small commander-style argv parser: `--flag=value`, `--flag value`, positionals anywhere.

argparse cannot take positionals after options of sub-sub-commands in every order the
`membrane` generations use (`action run --connectionId=ID KEY --json --input ...`), so the
sandbox reads argv the way commander does: known boolean flags take no value, every other
option takes the next token, and repeatable options collect every occurrence.
"""

from __future__ import annotations

from typing import Final

BOOLEAN_FLAGS: Final = frozenset(
    {
        "json",
        "wait",
        "help",
        "version",
        "tenant",
        "non-interactive",
        "rawData",
        "allowMultipleConnections",
        "manager",
        "details",
        "yes",
    }
)
SHORT_ALIASES: Final = {"X": "method", "H": "header", "d": "data", "h": "help", "V": "version"}


class Args:
    """Positionals in order and options by name (each option keeps every value given)."""

    def __init__(self) -> None:
        self.positionals: list[str] = []
        self.options: dict[str, list[str]] = {}

    def flag(self, name: str) -> bool:
        values = self.options.get(name) or []
        return bool(values) and values[-1] not in ("false", "0")

    def value(self, name: str, default: str | None = None) -> str | None:
        values = self.options.get(name)
        return values[-1] if values else default

    def values(self, name: str) -> list[str]:
        return list(self.options.get(name, []))


def parse(argv: list[str]) -> Args:
    args = Args()
    items = list(argv)
    index = 0
    while index < len(items):
        item = items[index]
        index += 1
        if item == "--":
            args.positionals.extend(items[index:])
            break
        name: str | None = None
        value: str | None = None
        if item.startswith("--") and len(item) > 2:
            name, sep, rest = item[2:].partition("=")
            value = rest if sep else None
        elif item.startswith("-") and len(item) == 2 and item[1].isalpha():
            name = SHORT_ALIASES.get(item[1], item[1])
        elif item.startswith("-") and len(item) > 2 and item[1] in SHORT_ALIASES:
            name, value = SHORT_ALIASES[item[1]], item[2:]  # -XPOST, -d{...}
        if name is None:
            args.positionals.append(item)
            continue
        if value is None:
            if name in BOOLEAN_FLAGS or index >= len(items):
                value = "true"
            else:
                value = items[index]
                index += 1
        args.options.setdefault(name, []).append(value)
    return args
