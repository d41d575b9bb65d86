"""Pages of a list as Membrane's list endpoints give them: `{"items": [...], "cursor": "..."}`.

Membrane's API answers 10 items by default ("Max results (default 10)") with a `cursor` for the
next page (SDK `PaginationResponse {items, cursor?}`). The sandbox pages `connection list` and
`action list` the same way: `--limit N` (1 to 100; more is taken as 100) and `--cursor C` from
the previous page. The last page has no `cursor` key.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final

from wrapper.sandbox.argv import Args
from wrapper.sandbox.wire import SandboxError

DEFAULT_LIMIT: Final = 10
MAX_LIMIT: Final = 100
_PREFIX: Final = "offset:"


def limit_of(args: Args) -> int:
    raw = args.value("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        number = int(raw)
    except ValueError:
        raise SandboxError(f"--limit must be a number, not '{raw}'") from None
    if number < 1:
        raise SandboxError(f"--limit must be at least 1, not {number}")
    return min(number, MAX_LIMIT)


def encode(offset: int) -> str:
    """An opaque cursor: callers pass it back as given and never read it."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode().rstrip("=")


def offset_of(args: Args) -> int:
    cursor = args.value("cursor")
    if cursor is None or cursor == "":
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(_PREFIX) and text[len(_PREFIX) :].isdigit():
            return int(text[len(_PREFIX) :])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise SandboxError(f"Invalid cursor '{cursor}': pass the cursor of the previous page as given")


def window(args: Args) -> tuple[int, int]:
    """The first index and the size of the page `args` asks for."""
    return offset_of(args), limit_of(args)


def page(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    """The page of `items` at `offset`, with the next page's cursor unless it is the last."""
    result: dict[str, Any] = {"items": items[offset : offset + limit]}
    if offset + limit < len(items):
        result["cursor"] = encode(offset + limit)
    return result
