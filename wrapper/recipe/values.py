"""Does a value fit an input's declared schema? The checks recipe loading and runs share.

The recipe models call `schema_problem` and `default_problem` while checking an input, and
`mw run` calls `check_value` on every value given; both must word a problem the same way. This
module reads an input only through the attributes `InputLike` names, so both the plain
`InputSpec` and its pydantic model in `spec.py` can import it and be read by it.

jsonschema is imported only when a value may not fit: it costs more start-up than the rest of
`mw run` together, and `_plainly_valid` answers "fits" for the common case without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

from wrapper.errors import InputError
from wrapper.recipe.excerpt import excerpt, is_long
from wrapper.secrets import MASK


class InputLike(Protocol):
    """What this module reads of a recipe input (`InputSpec`, plain or pydantic)."""

    @property
    def default(self) -> Any: ...
    @property
    def from_env(self) -> str | None: ...
    @property
    def items(self) -> dict[str, Any] | None: ...
    @property
    def properties(self) -> dict[str, Any] | None: ...
    @property
    def has_default(self) -> bool: ...
    @property
    def is_required(self) -> bool: ...
    @property
    def is_secret(self) -> bool: ...
    def to_dict(self, *, by_alias: bool = ..., exclude_none: bool = ...) -> dict[str, Any]: ...


# InputSpec keys that are JSON Schema keywords, under the names JSON Schema uses.
_SCHEMA_KEYS: Final = (
    "type",
    "description",
    "format",
    "enum",
    "items",
    "properties",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "examples",
)


def input_schema(spec: InputLike) -> dict[str, Any]:
    """One input as a JSON Schema property; secrets are `writeOnly` and never show a default."""
    data = spec.to_dict(by_alias=True, exclude_none=True)
    out: dict[str, Any] = {key: data[key] for key in _SCHEMA_KEYS if key in data}
    if spec.has_default and not spec.is_secret:
        out["default"] = spec.default
    if spec.is_secret:
        out["writeOnly"] = True
    if spec.from_env:
        out["x-from-env"] = spec.from_env
    return out


ARTICLE: Final = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "string": "a string",
}
# Type tests exactly as jsonschema's Draft 2020-12 type checker words them (bool is no number).
_IS_TYPE: Final[dict[str, Callable[[Any], bool]]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
# Keywords that never reject a value (annotations, and `x-` keys jsonschema ignores).
_ANNOTATIONS: Final = frozenset(
    {"description", "default", "examples", "title", "writeOnly", "readOnly", "x-from-env"}
)
_KEYWORDS: Final = _ANNOTATIONS | {
    *("type", "enum", "format", "minimum", "maximum", "minLength", "maxLength", "pattern"),
    *("minItems", "maxItems", "items"),
}


def validation_schema(spec: InputLike) -> dict[str, Any]:
    """The input's JSON Schema (the one `mw describe --json` shows), bounds read as written."""
    schema = input_schema(spec)
    for key in ("minimum", "maximum"):
        value = schema.get(key)
        if isinstance(value, float) and value.is_integer():
            schema[key] = int(value)  # `minimum: 1` reads back as 1, not 1.0
    return schema


def check_value(name: str, spec: InputLike, value: Any) -> None:
    """Check one value against the input's schema; the first problem becomes an InputError."""
    problem = value_problem(spec, value)
    if problem is not None:
        where, text = problem
        raise InputError(f"input {name!r}{where}: {text}")


_JSON_TYPES: Final = frozenset(
    {"string", "integer", "number", "boolean", "array", "object", "null"}
)


def schema_problem(spec: InputLike) -> str | None:
    """What is wrong with an input's free-form `items` / `properties` JSON Schema, if anything.

    A schema the usual keywords plainly make up passes without jsonschema (its import costs a
    run more than the rest of loading); anything else is checked against JSON Schema itself.
    """
    if spec.items is None and spec.properties is None:
        return None
    schema = validation_schema(spec)
    if _plainly_well_formed(schema):
        return None
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        return f"{where.lstrip('.') or 'schema'}: {error.message} (not valid JSON Schema)"
    return None


def _plainly_well_formed(schema: Any) -> bool:
    """True only for a schema of the common keywords with values of the right kind."""
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key == "type":
            kinds = value if isinstance(value, list) else [value]
            ok = bool(kinds) and all(isinstance(k, str) and k in _JSON_TYPES for k in kinds)
        elif key == "items":
            ok = _plainly_well_formed(value)
        elif key == "properties":
            ok = isinstance(value, dict) and all(map(_plainly_well_formed, value.values()))
        elif key in ("description", "title", "format", "pattern"):
            ok = isinstance(value, str)
        elif key in ("enum", "required"):
            ok = isinstance(value, list)
        elif key in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif key in ("default", "examples"):
            ok = True
        else:
            ok = False
        if not ok:
            return False
    return True


def default_problem(spec: InputLike) -> str | None:
    """`default: 'yes' is not true or false` when the input's own default does not fit it.

    The same check and words as a value given to a run, so `mw lint` says what the run would.
    """
    if not spec.has_default:
        return None
    try:
        problem = value_problem(spec, spec.default)
    except Exception:
        # `items` is free-form JSON Schema that loading does not check; one jsonschema cannot
        # apply (`type: strin`) is not the default's fault, and loading must not crash on it.
        return None
    return None if problem is None else f"default{problem[0]}: {problem[1]}"


def value_problem(spec: InputLike, value: Any) -> tuple[str, str] | None:
    """The first way `value` does not fit the input's schema, as (`[2].name`, what is wrong)."""
    if value is None and not spec.is_required:
        return None
    schema = validation_schema(spec)
    if _plainly_valid(schema, value):
        return None
    import jsonschema  # only for a value that may not fit; it also words the error

    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(value), key=lambda e: (len(e.path), list(e.path)))
    if not errors:
        return None
    error = errors[0]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
    bad = error.instance
    shown = MASK if spec.is_secret else _short(bad)
    if error.validator == "type":
        expected = error.validator_value
        kind = expected if isinstance(expected, str) else "/".join(expected)
        text = f"{shown} is not {ARTICLE.get(kind, kind)}"
    elif error.validator == "enum":
        choices = ", ".join(json.dumps(c) for c in error.validator_value)
        text = f"{shown} is not one of: {choices}"
    elif error.validator == "format":
        text = f"{shown} is not a valid {error.validator_value}"
    elif error.validator == "pattern":
        text = f"{shown} does not match the pattern {error.validator_value}"
    elif spec.is_secret:
        text = f"the value does not satisfy {error.validator}: {error.validator_value}"
    elif is_long(bad):
        # jsonschema's own message repeats the whole value, however long.
        text = f"{shown} does not satisfy {error.validator}: {error.validator_value}"
    else:
        text = error.message
    return where, text


def _plainly_valid(schema: Mapping[str, Any], value: Any) -> bool:
    """True only when jsonschema would certainly accept `value`; False means "ask jsonschema".

    It reads the keywords inputs use, each the way jsonschema applies it (a keyword about
    strings ignores numbers, and so on); any other keyword, a list of types, an `enum` of
    anything but strings and integers, a format other than `email`, or a keyword value of the
    wrong kind answers False, and jsonschema decides as it always did.
    """
    try:
        return _fits(schema, value)
    except (TypeError, ValueError, re.error):  # e.g. `minLength: "3"` in an `items` schema
        return False


def _fits(schema: Mapping[str, Any], value: Any) -> bool:
    if not _KEYWORDS.issuperset(schema):
        return False
    kind = schema.get("type", "")
    if "type" in schema and not (kind in _IS_TYPE and _IS_TYPE[kind](value)):
        return False
    if "enum" in schema and not _in_enum(value, schema["enum"]):
        return False
    if "format" in schema and (schema["format"] != "email" or not _IS_TYPE["string"](value)):
        return False
    if isinstance(value, str):
        size = len(value)
        if size < schema.get("minLength", 0) or size > schema.get("maxLength", size):
            return False
        if "@" not in value and "format" in schema:
            return False  # jsonschema's whole `email` check
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return False
    number = _IS_TYPE["number"](value)
    if number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        return False
    if isinstance(value, list):
        size = len(value)
        if size < schema.get("minItems", 0) or size > schema.get("maxItems", size):
            return False
        items = schema.get("items", {})
        if not isinstance(items, dict) or not all(_fits(items, item) for item in value):
            return False
    return True


def _in_enum(value: Any, choices: Any) -> bool:
    # jsonschema compares bools and numbers apart (True is not 1); plain strings and
    # integers compare the same way in Python, so only those are decided here.
    if not isinstance(choices, list):
        return False
    if isinstance(value, str):
        return any(isinstance(c, str) and c == value for c in choices)
    if isinstance(value, int) and not isinstance(value, bool):
        return any(type(c) is int and c == value for c in choices)
    return False


def _short(value: Any) -> str:
    return excerpt(value)
