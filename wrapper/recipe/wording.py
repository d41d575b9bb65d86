"""How messages about a recipe name a place in it and a value users wrote.

`steps[2].foreach.concurrency`, `'abc'`, `a list`, ` (did you mean 'if'?)`: shared by the loader,
lint, inputs and the wording of pydantic's errors (`messages.py`), and free of pydantic.
"""

from __future__ import annotations

import re
from typing import Any

Loc = tuple[str | int, ...]


def format_loc(loc: Loc) -> str:
    """`("steps", 2, "foreach", "concurrency")` -> `steps[2].foreach.concurrency`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.match(r"^[A-Za-z_][A-Za-z0-9_-]*$", part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def describe_value(value: Any) -> str:
    """A short phrase naming a value users wrote: `'abc'`, `a list`, `null`, `true`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def did_you_mean(word: str, choices: list[str]) -> str:
    import difflib  # only when a name is wrong; not worth every start-up

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
