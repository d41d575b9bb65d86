"""A fast yes-or-unsure check of an input against the subset of JSON Schema the actions use.

Importing jsonschema costs more than the rest of a sandbox call together, so a call whose input
plainly fits skips it. Anything this module does not fully understand answers "unsure", and
jsonschema decides (and words the errors): the two can never disagree on what is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
_KNOWN = frozenset(
    {"type", "properties", "required", "additionalProperties", "enum", "minimum", "minLength",
     "maxLength", "pattern", "format", "items", "anyOf", "description"}
)  # fmt: skip


def is_email(value: object) -> bool:
    return not isinstance(value, str) or "@" in value


def is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    if "T" not in text.upper():
        return False
    from datetime import datetime

    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


FORMATS: dict[str, Callable[[object], bool]] = {
    "email": is_email,
    "uri": is_uri,
    "date-time": is_date_time,
}


def fits(schema: dict[str, Any], value: Any) -> bool:
    """True only when the value certainly satisfies the schema."""
    if not _KNOWN.issuperset(schema):
        return False
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_TYPES[k](value) for k in kinds if k in _TYPES):
            return False
    # Python's `in` finds True in [1] and 1 in [True]; JSON Schema does not. Only a choice of
    # the very same type counts here, anything else is left to jsonschema.
    if "enum" in schema and not any(
        type(choice) is type(value) and choice == value for choice in schema["enum"]
    ):
        return False
    if "anyOf" in schema and not any(fits(option, value) for option in schema["anyOf"]):
        return False
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return False
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return False
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return False
        check = FORMATS.get(schema.get("format", ""))
        if "format" in schema and (check is None or not check(value)):
            return False
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if numeric and "minimum" in schema and value < schema["minimum"]:
        return False
    if isinstance(value, list) and "items" in schema:
        return all(fits(schema["items"], item) for item in value)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        if any(name not in value for name in schema.get("required", [])):
            return False
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                if not fits(properties[name], item):
                    return False
            elif extra is False:
                return False
    return True
