"""The base of the recipe objects: frozen, slotted, and checked without pydantic.

Each recipe class states its fields once, as tables: `CHECKS` (field -> a check of the value
as written), `DEFAULTS` (the fields that may be left out) and `ALIASES` (where the key users
write differs from the field's name, as `if` for `if_`). `checked` builds an object from a
mapping the way the pydantic models of `spec.py` would, but it is conservative: on anything it
cannot vouch for (a value pydantic would coerce, such as `"3"` or `3.0` for a whole number, an
unknown key, any problem at all) it raises `GiveUp` and words nothing. `from_data` then asks the
pydantic model, which accepts the mapping (its result is turned into plain objects) or raises
the ValidationError users have always seen. Whatever `checked` accepts, the model accepts too,
with an equal result: tests/recipe/test_fast_check.py holds the two side by side.

Plain classes rather than dataclasses: nine dataclasses cost ~10 ms to create at import, these
~0.2 ms, and a start of `mw run` is what this module exists to make cheap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Set
from typing import Any, ClassVar, Final, TypeVar

from wrapper.recipe.rules import check_expression, check_templates

_P = TypeVar("_P", bound="Plain")
Check = Callable[[Any], Any]

#: Class name -> plain class; a pydantic model's result is converted by its class's name.
_CLASSES: dict[str, type[Plain]] = {}
# Whole numbers past these are left to pydantic (its bounds and float conversion decide).
_INT_LIMIT: Final = 2**63
_EXACT_FLOAT_INT: Final = 2**53


class GiveUp(Exception):
    """The fast check cannot vouch for a value; the pydantic model decides and words it."""


class Plain:
    """A frozen recipe object; `given` names the fields the data gave (defaults left out)."""

    __slots__ = ("given",)
    given: frozenset[str]

    CHECKS: ClassVar[Mapping[str, Check]] = {}
    DEFAULTS: ClassVar[Mapping[str, Any]] = {}
    ALIASES: ClassVar[Mapping[str, str]] = {}
    #: The field names, in order (from `__slots__`).
    FIELDS: ClassVar[tuple[str, ...]] = ()
    #: Key as users write it -> field name.
    KEYS: ClassVar[Mapping[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.FIELDS = tuple(cls.__dict__["__slots__"])
        cls.KEYS = {cls.ALIASES.get(name, name): name for name in cls.FIELDS}
        _CLASSES[cls.__name__] = cls

    def __init__(self, **values: Any) -> None:
        """Checked as `from_data` checks (keys as users write them, or field names)."""
        built = self.from_data(values)
        for name in (*self.FIELDS, "given"):
            object.__setattr__(self, name, getattr(built, name))

    @classmethod
    def from_data(cls: type[_P], data: Mapping[str, Any]) -> _P:
        """The object for `data`; pydantic's ValidationError when `data` is not valid."""
        try:
            return cls.checked(data)
        except Exception:  # GiveUp, or anything else the fast check did not expect
            return validated(cls, data)

    @classmethod
    def checked(cls: type[_P], data: Any) -> _P:
        """The object, when the fast check can vouch for `data`; else raises GiveUp."""
        given = cls.given_fields(data)
        values: dict[str, Any] = {}
        try:
            for name in cls.FIELDS:
                if name in given:
                    values[name] = cls.CHECKS[name](given[name])
                elif name in cls.DEFAULTS:
                    values[name] = _fresh(cls.DEFAULTS[name])
                else:
                    raise GiveUp(f"missing {name}")
        except GiveUp:
            raise
        except Exception as error:  # a rule of rules.py said no: pydantic words it
            raise GiveUp(str(error)) from error
        made = cls.make(values, frozenset(given))
        made.check_together()
        return made

    @classmethod
    def given_fields(cls, data: Any) -> dict[str, Any]:
        """Field name -> value written; only keys exactly as users write them are vouched for."""
        if type(data) is not dict:
            raise GiveUp("not a mapping")
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = cls.KEYS.get(key) if type(key) is str else None
            if name is None:
                raise GiveUp(f"key {key!r}")
            out[name] = value
        return out

    def fields_given(self) -> Set[str]:
        return self.given

    def check_together(self) -> None:
        """Rules across fields (the models' `model_validator`s); raises GiveUp."""

    @classmethod
    def make(cls: type[_P], values: Mapping[str, Any], given: frozenset[str]) -> _P:
        """An object of already checked `values` (every field), with no check."""
        made = object.__new__(cls)
        for name in cls.FIELDS:
            object.__setattr__(made, name, values[name])
        object.__setattr__(made, "given", given)
        return made

    def to_dict(self, *, by_alias: bool = False, exclude_none: bool = False) -> dict[str, Any]:
        """Every field as plain data (nested objects too), as pydantic's `model_dump`."""
        out: dict[str, Any] = {}
        for name in self.FIELDS:
            value = getattr(self, name)
            if value is None and exclude_none:
                continue
            key = self.ALIASES.get(name, name) if by_alias else name
            out[key] = _dumped(value, by_alias, exclude_none)
        return out

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen; cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.FIELDS)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self.FIELDS))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        values = {name: getattr(self, name) for name in self.FIELDS}
        return (_remade, (type(self), values, self.given))


def _remade(cls: type[Plain], values: dict[str, Any], given: frozenset[str]) -> Plain:
    return cls.make(values, given)


def _fresh(default: Any) -> Any:
    # An empty dict or list default is the object's own, as pydantic's default_factory gives.
    return type(default)() if type(default) in (dict, list) else default


def _dumped(value: Any, by_alias: bool, exclude_none: bool) -> Any:
    if isinstance(value, Plain):
        return value.to_dict(by_alias=by_alias, exclude_none=exclude_none)
    if isinstance(value, dict):
        return {k: _dumped(v, by_alias, exclude_none) for k, v in value.items()}
    if isinstance(value, list):
        return [_dumped(v, by_alias, exclude_none) for v in value]
    return value


# --- the pydantic side ------------------------------------------------------------------------


def validated(cls: type[_P], data: Mapping[str, Any]) -> _P:
    """`data` checked by the pydantic model of `cls`; raises its ValidationError."""
    from wrapper.recipe import spec  # only for data the fast check gave up on

    model = getattr(spec, cls.__name__)
    result = from_spec(model.model_validate(_as_data(data)))
    assert isinstance(result, cls)
    return result


def from_spec(model: Any) -> Plain:
    """A pydantic model's result as a plain object, nested objects and `given` included."""
    from pydantic import BaseModel

    def plain(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return from_spec(value)
        if isinstance(value, list) and any(isinstance(v, BaseModel) for v in value):
            return [plain(v) for v in value]
        if isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values()):
            return {k: plain(v) for k, v in value.items()}
        return value

    cls = _CLASSES[type(model).__name__]
    values = {name: plain(getattr(model, name)) for name in cls.FIELDS}
    return cls.make(values, frozenset(model.model_fields_set))


def _as_data(value: Any) -> Any:
    """Plain objects inside keyword arguments, as the mappings the models read."""
    if isinstance(value, Plain):
        return {value.ALIASES.get(n, n): _as_data(getattr(value, n)) for n in value.given}
    if isinstance(value, dict):
        return {k: _as_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_data(v) for v in value]
    return value


# --- checks of one value: each returns the value as the model stores it, or raises GiveUp ----


def text(value: Any) -> str:
    if type(value) is not str:
        raise GiveUp("not a string")
    return value


def flag(value: Any) -> bool:
    if type(value) is not bool:
        raise GiveUp("not true or false")
    return value


def whole(low: int | None = None, high: int | None = None) -> Check:
    """An exact int (never a bool, a float or a numeric string) within the bounds."""

    def check(value: Any) -> int:
        if type(value) is not int or not -_INT_LIMIT < value < _INT_LIMIT:
            raise GiveUp("not a whole number")
        if (low is not None and value < low) or (high is not None and value > high):
            raise GiveUp("out of bounds")
        return value

    return check


def number(value: Any) -> float:
    """A float field: an int becomes a float, as pydantic stores it."""
    if type(value) is int and -_EXACT_FLOAT_INT < value < _EXACT_FLOAT_INT:
        return float(value)
    if type(value) is float and math.isfinite(value):
        return value
    raise GiveUp("not a number")


def sized_text(low: int) -> Check:
    def check(value: Any) -> str:
        checked = text(value)
        if len(checked) < low:
            raise GiveUp("too short")
        return checked

    return check


def matching(pattern: str) -> Check:
    """A string the whole of which matches (pydantic's `$` never allows a final newline)."""
    compiled = re.compile(pattern)

    def check(value: Any) -> str:
        checked = text(value)
        if compiled.fullmatch(checked) is None:
            raise GiveUp("no match")
        return checked

    return check


def one_of(*choices: str) -> Check:
    def check(value: Any) -> str:
        checked = text(value)
        if checked not in choices:
            raise GiveUp("not a choice")
        return checked

    return check


def expr(value: Any) -> str:
    return check_expression(text(value))


def templated(value: Any) -> Any:
    return check_templates(value)


def optional(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def any_value(value: Any) -> Any:
    return value


def mapping_of(check: Check) -> Check:
    def checked(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise GiveUp("not a mapping")
        return {text(k): check(v) for k, v in value.items()}

    return checked


def list_of(check: Check) -> Check:
    def checked(value: Any) -> list[Any]:
        if type(value) is not list:
            raise GiveUp("not a list")
        return [check(v) for v in value]

    return checked


def nested(cls: type[Plain]) -> Check:
    """A mapping checked as `cls`, or an object of `cls` already (as pydantic keeps it)."""
    return lambda value: value if type(value) is cls else cls.checked(value)


def applied(rule: Callable[[Any], Any], check: Check) -> Check:
    """`check`, then a rule of `rules.py` (a ValueError from it gives up too)."""

    def checked(value: Any) -> Any:
        return rule(check(value))

    return checked
