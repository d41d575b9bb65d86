"""JSON text exactly as `json.dumps(value, indent=2, ensure_ascii=False)` writes it, faster.

With `indent`, the standard library falls back from its C encoder to one built of Python
generators: writing a report cost ~60 µs per foreach item that way. This writer builds each
value's text with plain recursion (strings still go through the C `encode_basestring`), which
is a few times cheaper, and leaves holes for the items of a step so a big report is written one
item at a time (`chunks`). tests/records/test_report_bytes.py compares it with `json.dumps`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring  # the C one when built
from typing import Any, Final, Protocol

#: A hole where a list of records goes; a NUL never stands bare in JSON text (it is escaped).
_HOLE: Final = "\x00"
_INDENT: Final = "  "


class Jsonable(Protocol):
    def to_json(self) -> dict[str, Any]: ...


class Deferred:
    """A list of records written one at a time, each turned into a dict only then."""

    __slots__ = ("level", "records")

    def __init__(self, records: Sequence[Jsonable]) -> None:
        self.records = records
        self.level = 0

    def chunks(self) -> Iterator[str]:
        if not self.records:
            yield "[]"
            return
        inner = "\n" + _INDENT * (self.level + 1)
        separator = "[" + inner
        for record in self.records:
            yield separator + _text(record.to_json(), self.level + 1, [])
            separator = "," + inner
        yield "\n" + _INDENT * self.level + "]"


def chunks(value: Any) -> Iterator[str]:
    """The text of `value`, in pieces: each `Deferred` in it is written record by record."""
    holes: list[Deferred] = []
    parts = _text(value, 0, holes).split(_HOLE)
    yield parts[0]
    for hole, after in zip(holes, parts[1:], strict=True):
        yield from hole.chunks()
        yield after


def dumps(value: Any) -> str:
    return "".join(chunks(value))


def _text(value: Any, level: int, holes: list[Deferred]) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return _float(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = "\n" + _INDENT * (level + 1)
        fields = [
            inner + _key(key) + ": " + _text(item, level + 1, holes) for key, item in value.items()
        ]
        return "{" + ",".join(fields) + "\n" + _INDENT * level + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = "\n" + _INDENT * (level + 1)
        items = [inner + _text(item, level + 1, holes) for item in value]
        return "[" + ",".join(items) + "\n" + _INDENT * level + "]"
    if kind is Deferred:
        value.level = level
        holes.append(value)
        return _HOLE
    return _subclass(value, level, holes)


def _subclass(value: Any, level: int, holes: list[Deferred]) -> str:
    """What json does for subclasses of its types (an IntEnum, an OrderedDict...)."""
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, (list, tuple)):
        return _text(list(value), level, holes)
    if isinstance(value, dict):
        return _text(dict(value), level, holes)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, float):
        return '"' + _float(key) + '"'
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, int):
        return '"' + int.__repr__(key) + '"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
