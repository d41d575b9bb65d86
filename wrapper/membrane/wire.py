"""Reading and writing the JSON `membrane` prints: the fields of a model, and the shapes
around the objects (an `{"output": ...}` wrapper, a page of items, an HTTP envelope).

Field names are snake_case in Python and camelCase on the wire; both are read.
"""

from __future__ import annotations

from typing import Any, Final

from wrapper.frozen import Frozen


class ShapeError(ValueError):
    """JSON that is not the object a model reads (not an object, a required field missing, a
    field of the wrong type)."""


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def as_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ShapeError(f"expected a JSON object, got {type(data).__name__}")
    return data


def wire_value(data: dict[str, Any], name: str) -> Any:
    """A field by its wire name (camelCase), or by its Python name."""
    key = camel(name)
    return data[key] if key in data else data.get(name)


def text(data: dict[str, Any], name: str) -> str | None:
    value = wire_value(data, name)
    if value is None or isinstance(value, str):
        return value
    raise ShapeError(f"{camel(name)} is not a string")


def flag(data: dict[str, Any], name: str) -> bool | None:
    """A boolean, also written as 0/1 or "true"/"false" (and the like) by some programs."""
    value = wire_value(data, name)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ShapeError(f"{camel(name)} is not a boolean")


def mapping(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = wire_value(data, name)
    if value is None or isinstance(value, dict):
        return value
    raise ShapeError(f"{camel(name)} is not an object")


_TRUE: Final = frozenset({"true", "1", "yes", "y", "on", "t"})
_FALSE: Final = frozenset({"false", "0", "no", "n", "off", "f"})


def to_wire(model: Frozen, *, keep_none: bool = False) -> dict[str, Any]:
    """A model as the CLI would print it: camelCase keys, nested models too, and unset (None)
    fields left out unless `keep_none`."""
    wire: dict[str, Any] = {}
    for name in model.field_names():
        value = getattr(model, name)
        if isinstance(value, Frozen):
            value = to_wire(value, keep_none=keep_none)
        if value is not None or keep_none:
            wire[camel(name)] = value
    return wire


# --- shapes around the objects -------------------------------------------------------------


def unwrap(data: Any, *, marker: str = "id") -> Any:
    """The object itself from a raw body or an `{"output": {...}}` wrapper."""
    if isinstance(data, dict) and marker not in data and isinstance(data.get("output"), dict):
        return data["output"]
    return data


def page_of(data: Any) -> tuple[list[Any] | None, str | None]:
    """One page of a list and the cursor of the next (None on the last page)."""
    items = items_of(data)
    cursor = None
    for holder in (data, data.get("output") if isinstance(data, dict) else None):
        if isinstance(holder, dict) and holder.get("cursor") not in (None, ""):
            cursor = str(holder["cursor"])
            break
    return items, cursor


def items_of(data: Any) -> list[Any] | None:
    """A list result from `items`, `output.items`, `output` as a list, or a bare list."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("items"), list):
            return list(data["items"])
        if "output" in data:
            return items_of(data["output"])
    return None


def is_envelope(data: Any) -> bool:
    """`{status, body}` plus optional `headers`, nothing else, with an HTTP status number.

    Decided by the whole key set, never by one key: an app's own body may well have a
    `status` field (Chatwoot's conversations do).
    """
    if not isinstance(data, dict) or not _ENVELOPE_REQUIRED <= data.keys() <= _ENVELOPE_KEYS:
        return False
    status = data["status"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return False
    return data.get("headers") is None or isinstance(data.get("headers"), dict)


_ENVELOPE_REQUIRED: Final = frozenset({"status", "body"})
_ENVELOPE_KEYS: Final = frozenset({"status", "body", "headers"})
