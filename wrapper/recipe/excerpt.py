"""Values quoted in messages, cut to a readable length with the length they had.

An error line that repeats a 300 KB input helps nobody and floods CI logs; the start of the
value and its size say enough to find it.
"""

from __future__ import annotations

import json
from typing import Any, Final

#: Characters of a value a message shows before it is cut.
LIMIT_CHARS: Final = 80


def excerpt(value: Any, limit: int = LIMIT_CHARS) -> str:
    """`'abc'`, `[1,2]`, or `'aaaa… (300000 characters)` for a value too long to show."""
    text, size = _text(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({size} characters)"


def is_long(value: Any, limit: int = LIMIT_CHARS) -> bool:
    """Whether `excerpt` would cut the value."""
    return len(_text(value)[0]) > limit


def _text(value: Any) -> tuple[str, int]:
    if isinstance(value, str):
        return repr(value), len(value)
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text, len(text)
