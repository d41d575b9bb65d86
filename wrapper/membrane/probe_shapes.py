"""How the probe reads raw `membrane` output, independently of the client's own parsing.

The client accepts every plausible shape; these helpers say WHICH shape a CLI actually printed,
so `mw doctor --probe` can report what holds on this installation (membrane-cli.md section 7).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from wrapper.membrane.failures import parse_json
from wrapper.membrane.runner import RunResult

ENVELOPE_KEYS: Final = (frozenset({"status", "body"}), frozenset({"status", "headers", "body"}))
KNOWN_STATES: Final = frozenset(
    {
        "READY",
        "BUILDING",
        "CLIENT_ACTION_REQUIRED",
        "SETUP_FAILED",
        "CONFIGURATION_ERROR",
        "DISCONNECTING",
        "DISCONNECTED",
        "ERROR",
    }
)


# A command at the start of a help line, maybe after `$ ` and the program's name or path.
_LINE_START: Final = r"(?m)^\s*(?:\$\s+)?(?:[\w./~-]*membrane\s+)?"


def lists(help_text: str, words: str) -> bool:
    """Whether a help text lists the command `words` (e.g. `connection ensure`) at a line start."""
    pattern = r"\s+".join(re.escape(word) for word in words.split())
    found = re.search(rf"{_LINE_START}{pattern}\b(?![-.])", help_text)
    return found is not None


def listed(top: str, groups: dict[str, str], group: str, sub: str) -> bool:
    """Whether `group sub` is in the top-level help, or `sub` in the group's own help."""
    words = f"{group} {sub}".strip()
    if lists(top, words):
        return True
    own = groups.get(group, "")
    return bool(group) and (lists(own, sub) or lists(own, words))


def lists_pairs(help_text: str) -> bool:
    """Whether the top-level help names subcommands (`connection ensure`), not only groups."""
    return re.search(rf"{_LINE_START}(?:connection|action)\s+[a-z]", help_text) is not None


def first_line(text: str, limit: int = 100) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True)
class Page:
    """Where a list's items were found, and the cursor beside them."""

    where: str  # "items", "bare list", "output.items", "" (not a list)
    items: list[Any]
    cursor: Any = None
    has_cursor_key: bool = False

    @property
    def next_cursor(self) -> str | None:
        return self.cursor if isinstance(self.cursor, str) and self.cursor else None


def page_of(value: Any) -> Page:
    if isinstance(value, list):
        return Page("bare list", value)
    if isinstance(value, dict):
        if isinstance(value.get("items"), list):
            return Page("items", value["items"], value.get("cursor"), "cursor" in value)
        output = value.get("output")
        if isinstance(output, dict) and isinstance(output.get("items"), list):
            return Page("output.items", output["items"], output.get("cursor"), "cursor" in output)
        if isinstance(output, list):
            return Page("output", output)
    return Page("", [])


def describe_page(page: Page) -> str:
    if page.next_cursor:
        cursor = "a cursor to the next page"
    elif page.has_cursor_key:
        cursor = "cursor null (last page)"
    else:
        cursor = "no cursor"
    shape = {"items": '{"items": [...]}', "output.items": '{"output": {"items": [...]}}'}
    return f"{len(page.items)} on the page, as {shape.get(page.where, page.where)}, {cursor}"


def is_envelope(value: Any) -> bool:
    """The `{status, headers, body}` envelope, decided by the exact key set."""
    return (
        isinstance(value, dict)
        and frozenset(value) in ENVELOPE_KEYS
        and isinstance(value.get("status"), int)
        and not isinstance(value.get("status"), bool)
    )


def is_membrane_error(value: Any) -> bool:
    """Membrane's error body: a `message` with a `type` or `key` (SDK ErrorData)."""
    return isinstance(value, dict) and "message" in value and ("type" in value or "key" in value)


def describe_answer(result: RunResult) -> str:
    """What a `request` printed: exit code, which stream, and the shape of the JSON."""
    parts = [f"exit {result.returncode}"]
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if not text.strip():
            continue
        ok, value = parse_json(text)
        if not ok:
            ok, value = parse_json(re.sub(r"^\s*Error:\s*", "", text.strip()))
        parts.append(f"{_shape(value) if ok else 'text ' + repr(first_line(text, 60))} on {name}")
    if len(parts) == 1:
        parts.append("no output")
    return ", ".join(parts)


def _shape(value: Any) -> str:
    if is_envelope(value):
        return f"an envelope with status {value['status']}"
    if is_membrane_error(value):
        return "a Membrane error body"
    if isinstance(value, dict) and set(value) == {"output"}:
        return "an {output} wrapper"
    if isinstance(value, dict):
        keys = ", ".join(sorted(value)[:6]) + (", …" if len(value) > 6 else "")
        return f"a raw body with keys {keys}" if value else "an empty object"
    if isinstance(value, list):
        return f"a raw list of {len(value)}"
    return f"a raw {type(value).__name__}"


def status_shape(result: RunResult) -> str:
    """What `status --json` printed, for the report (its shape is not documented)."""
    ok, value = parse_json(result.stdout)
    if ok and isinstance(value, dict):
        keys = ", ".join(sorted(value)) or "none"
        marker = " (has loggedIn)" if "loggedIn" in value else " (no loggedIn)"
        return f"exit {result.returncode}, a JSON object with keys {keys}{marker}"
    if ok:
        return f"exit {result.returncode}, JSON {type(value).__name__}"
    text = result.stdout.strip() or result.stderr.strip()
    return f"exit {result.returncode}, text: {first_line(text, 60)!r}" if text else "no output"


def find(
    results: Sequence[RunResult],
    command: Sequence[str],
    args: Sequence[str],
    *,
    prefix: bool = False,
) -> list[RunResult]:
    """The recorded calls of `command` with exactly `args` (or args starting so, with `prefix`)."""
    start, wanted = len(command), tuple(args)
    return [
        r
        for r in results
        if r.argv[:start] == tuple(command)
        and (r.argv[start : start + len(wanted)] == wanted if prefix else r.argv[start:] == wanted)
    ]
