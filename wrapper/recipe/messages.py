"""Pydantic validation errors rewritten the way recipe authors read them.

Pydantic says "Input should be greater than or equal to 1" and "Extra inputs are not
permitted"; a recipe author needs "must be at least 1" and "unknown key 'iff' (did you mean
'if'?)", with the path written as in the file (`steps[2].foreach.concurrency`, `if`, `finally`).
Only a recipe the fast checks gave up on (see `plain.py`) gets here, so only then is pydantic
imported.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from typing import Any, Final, Literal, Union

from pydantic import BaseModel, ValidationError

from wrapper.recipe.rules import NAME_PATTERN, STEP_ID_PATTERN
from wrapper.recipe.spec import Recipe
from wrapper.recipe.wording import Loc, describe_value, did_you_mean, format_loc

__all__ = ["allowed_keys", "describe_value", "did_you_mean", "format_loc", "validation_problems"]

Problem = tuple[Loc, bool, str]  # (where, whether it points at a key, the message line)

_PATTERNS: Final = {
    STEP_ID_PATTERN: "must start with a lowercase letter and hold only a-z, 0-9 and _",
    NAME_PATTERN: "must be lowercase letters, digits, - and _ (starting with a letter or digit)",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "must be letters, digits and _, not starting with a digit",
}


def validation_problems(error: ValidationError, tree: Any) -> list[Problem]:
    """One friendly line per pydantic error, keyed by the location in the data."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = _clean_loc(tuple(item["loc"]), tree)
        kind = item["type"]
        if kind == "missing":
            parent = loc[:-1]
            problems.append((parent, False, _prefixed(parent, f"missing required key {loc[-1]!r}")))
        elif kind == "extra_forbidden":
            parent, key = loc[:-1], str(loc[-1])
            hint = did_you_mean(key, allowed_keys(parent))
            problems.append((loc, True, _prefixed(parent, f"unknown key {key!r}{hint}")))
        else:
            text = _friendly(item)
            loc = _repeated_id(text, tree) or loc
            if kind == "value_error":
                loc, text = _inner_path(loc, text, tree)
            problems.append((loc, False, _prefixed(loc, text)))
    return problems


_INNER: Final = re.compile(
    r"^((?:[A-Za-z_][\w-]*|\[\d+\])(?:\.[A-Za-z_][\w-]*|\[\d+\])*): (.+)$", re.S
)


def _inner_path(loc: Loc, text: str, tree: Any) -> tuple[Loc, str]:
    """`input: q: unclosed '${'` from a template check -> loc `input.q`, when `q` is there."""
    if text.startswith("value: "):
        return loc, text[len("value: ") :]
    match = _INNER.match(text)
    if not match:
        return loc, text
    parts: list[str | int] = [
        int(p[1:-1]) if p.startswith("[") else p
        for p in re.findall(r"\[\d+\]|[^.\[\]]+", match.group(1))
    ]
    node = tree
    for part in (*loc, *parts):
        found, node = _child(node, part)
        if not found:
            return loc, text
    return (*loc, *parts), match.group(2)


def _child(node: Any, part: str | int) -> tuple[bool, Any]:
    """Step into a JSON value by one path part: (whether it is there, the value)."""
    if isinstance(node, dict) and isinstance(part, str) and part in node:
        return True, node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return True, node[part]
    return False, None


def _repeated_id(text: str, tree: Any) -> Loc | None:
    """Point "step id 'x' is used twice" at the second step that uses it."""
    match = re.match(r"step id '(.+)' is used twice", text)
    if not match or not isinstance(tree, dict):
        return None
    seen = 0
    for block in ("steps", "finally"):
        steps = tree.get(block)
        for i, step in enumerate(steps if isinstance(steps, list) else []):
            if isinstance(step, dict) and step.get("id") == match.group(1):
                seen += 1
                if seen == 2:
                    return (block, i, "id")
    return None


def allowed_keys(loc: Loc) -> list[str]:
    """The keys the model accepts at `loc` (as users write them), or [] when free-form."""
    model = _model_at(loc)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _prefixed(loc: Loc, text: str) -> str:
    return f"{format_loc(loc)}: {text}" if loc else text


def _clean_loc(loc: Loc, tree: Any) -> Loc:
    """Drop pydantic's union/type tags that are not part of the data path."""
    out: list[str | int] = []
    node = tree
    for i, part in enumerate(loc):
        found, child = _child(node, part)
        if found:
            node = child
        elif i < len(loc) - 1:
            continue
        out.append(part)
    return tuple(out)


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def _model_at(loc: Loc) -> type[BaseModel] | None:
    current: Any = Recipe
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            fields = {f.alias or n: f for n, f in current.model_fields.items()}
            found = fields.get(part)
            if found is None:
                return None
            current = found.annotation
        elif origin is list and isinstance(part, int):
            current = typing.get_args(current)[0]
        elif origin is dict and isinstance(part, str):
            current = typing.get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _choices(expected: str) -> list[str]:
    return [a or b for a, b in re.findall(r"'((?:[^'\\]|\\.)*)'|(-?\d+)", expected)]


def _literal(item: Any) -> str:
    choices = _choices(str(item.get("ctx", {}).get("expected", "")))
    got = item.get("input")
    hint = did_you_mean(got, choices) if isinstance(got, str) else ""
    return f"must be one of: {', '.join(choices)} (got {describe_value(got)}){hint}"


def _sized(item: Any) -> str:
    ctx = item.get("ctx", {})
    kind = item["type"]
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return "must not be empty" if n == 1 else f"must be at least {n} characters long"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"must have at least {n} item{'s' if n != 1 else ''}"
    return f"must have at most {ctx.get('max_length')} items"


def _pattern(item: Any) -> str:
    pattern = str(item.get("ctx", {}).get("pattern", ""))
    rule = _PATTERNS.get(pattern, f"must match the pattern {pattern}")
    return f"{rule} (got {describe_value(item.get('input'))})"


def _typed(phrase: str) -> Callable[[Any], str]:
    return lambda item: f"{phrase} (got {describe_value(item.get('input'))})"


def _bound(word: str, key: Literal["ge", "gt", "le", "lt"]) -> Callable[[Any], str]:
    return lambda item: f"must be {word} {item.get('ctx', {}).get(key)}"


def _plain(prefix: str) -> Callable[[Any], str]:
    def render(item: Any) -> str:
        message = str(item.get("msg", ""))
        return message[len(prefix) :] if message.startswith(prefix) else message

    return render


_FRIENDLY: Final[dict[str, Callable[[Any], str]]] = {
    "greater_than_equal": _bound("at least", "ge"),
    "greater_than": _bound("more than", "gt"),
    "less_than_equal": _bound("at most", "le"),
    "less_than": _bound("less than", "lt"),
    "too_short": _sized,
    "too_long": _sized,
    "string_too_short": _sized,
    "string_too_long": _sized,
    "string_pattern_mismatch": _pattern,
    "literal_error": _literal,
    "string_type": _typed("must be a string"),
    "int_type": _typed("must be a whole number"),
    "int_parsing": _typed("must be a whole number"),
    "int_from_float": _typed("must be a whole number"),
    "float_type": _typed("must be a number"),
    "float_parsing": _typed("must be a number"),
    "bool_type": _typed("must be true or false"),
    "bool_parsing": _typed("must be true or false"),
    "dict_type": _typed("must be a mapping of keys"),
    "model_type": _typed("must be a mapping of keys"),
    "model_attributes_type": _typed("must be a mapping of keys"),
    "list_type": _typed("must be a list"),
    "value_error": _plain("Value error, "),
    "assertion_error": _plain("Assertion failed, "),
}


def _friendly(item: Any) -> str:
    render = _FRIENDLY.get(str(item["type"]))
    if render is not None:
        return render(item)
    message = str(item.get("msg", "is not valid"))
    return message[:1].lower() + message[1:]
