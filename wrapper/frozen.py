"""The base of small immutable records: slotted classes with hand-written `__init__`s.

A frozen dataclass writes its methods with `exec` when its class is defined: ~0.7 ms each,
paid by every start of `mw`. A `Slotted` subclass costs what a hand-written class costs; its
equality, repr and `replace` are generic, over the fields named in `__slots__`. `Frozen` adds
immutability and a hash (events, the CLI's answers); the report's mutable records
(`records/record.py`) share `Slotted` too.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

S = TypeVar("S", bound="Slotted")


class FrozenError(AttributeError):
    """An assignment to a field of a frozen record (as `dataclasses.FrozenInstanceError`)."""


class Slotted:
    """A record whose fields are the `__slots__` of its classes, base ones first: generic
    equality, repr and `replace`, and nothing generated per class."""

    __slots__: tuple[str, ...] = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._fields = cls._fields + tuple(cls.__dict__.get("__slots__", ()))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The fields in the order `__init__` takes them."""
        return cls._fields

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def replace(self: S, **changes: Any) -> S:
        """A copy with `changes`; an unknown field name is a TypeError, as in `__init__`."""
        unknown = changes.keys() - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        copy = object.__new__(type(self))
        for name in self._fields:
            object.__setattr__(
                copy, name, changes[name] if name in changes else getattr(self, name)
            )
        return copy

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({shown})"


class Frozen(Slotted):
    """An immutable record.

    A subclass declares `__slots__` and an `__init__` that sets each field with
    `object.__setattr__` (plain assignment raises `FrozenError`).
    """

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(self._values())

    def __reduce__(self) -> tuple[Any, ...]:
        # Slotted classes without __dict__ pickle through __init__ positionally.
        return (type(self), self._values())
