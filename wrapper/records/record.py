"""The base of the report's plain classes, and the JSON form of their free-form values.

A run only ever builds and writes reports, so their classes are plain slotted ones: defining
them costs next to nothing at start-up, where eleven pydantic models cost ~20 ms and pydantic
itself ~60 ms. Reading a report file checks it against pydantic models built lazily
(`report_schema.py`), which also give its JSON Schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from wrapper.frozen import Slotted

R = TypeVar("R", bound="Record")


class Record(Slotted):
    """A report record: mutable, its fields its `__slots__`; `to_json` writes them in the JSON
    key order."""

    __slots__ = ()
    #: JSON key of a field whose name is a Python keyword (`class_` is written `class`).
    _ALIASES: ClassVar[dict[str, str]] = {}
    #: Fields holding another record, or a list of them: read back from JSON as such.
    _NESTED: ClassVar[dict[str, type[Record]]] = {}

    __hash__ = None  # type: ignore[assignment]  # mutable, like the models they replace

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_json(cls: type[R], data: Mapping[str, Any]) -> R:
        """The record of a JSON object already checked (`report_schema.check_report`)."""
        fields: dict[str, Any] = {}
        for name in cls._fields:
            key = cls._ALIASES.get(name, name)
            if key not in data:
                continue
            value = data[key]
            nested = cls._NESTED.get(name)
            if nested is not None and value is not None:
                if isinstance(value, list):
                    value = [nested.from_json(v) for v in value]
                else:
                    value = nested.from_json(value)
            fields[name] = value
        return cls(**fields)


def plain(value: Any) -> Any:
    """`value` as JSON would hold it, exactly as pydantic wrote a free-form field: the value
    itself when it already is JSON (the usual case, checked cheaply), else converted (a YAML
    date becomes its ISO text, infinity null)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if value - value == 0 else _converted(value)  # inf and nan are not
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or plain(item) is not item:
                return _converted(value)
        return value
    if kind is list:
        for item in value:
            if plain(item) is not item:
                return _converted(value)
        return value
    return _converted(value)


def _converted(value: Any) -> Any:
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value, inf_nan_mode="null")
