import copy
import pickle
from typing import Any

import pytest

from wrapper.frozen import Frozen, FrozenError


class Point(Frozen):
    __slots__ = ("x", "y")
    x: int
    y: Any

    def __init__(self, x: int, y: Any = "a") -> None:
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)


class Point3(Point):
    __slots__ = ("z",)
    z: int

    def __init__(self, x: int, y: Any = "a", z: int = 0) -> None:
        super().__init__(x, y)
        object.__setattr__(self, "z", z)


class Other(Frozen):
    __slots__ = ("x", "y")

    def __init__(self, x: int, y: str) -> None:
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)


def test_fields_are_the_slots_base_ones_first() -> None:
    assert Point.field_names() == ("x", "y")
    assert Point3.field_names() == ("x", "y", "z")
    assert Frozen.field_names() == ()


def test_equal_when_same_type_and_same_fields() -> None:
    assert Point(1, "b") == Point(1, "b")
    assert Point(1, "b") != Point(1, "c")
    assert Point(1, "a") != Other(1, "a")
    assert Point3(1, "a", 0) != Point(1, "a")
    assert Point(1) != (1, "a")


def test_hash_follows_the_fields_and_fails_on_an_unhashable_one() -> None:
    assert hash(Point(1, "b")) == hash(Point(1, "b"))
    assert len({Point(1), Point(1), Point(2)}) == 2
    with pytest.raises(TypeError, match="unhashable type: 'dict'"):
        hash(Point(1, {}))


def test_repr_reads_like_a_dataclass() -> None:
    assert repr(Point(1, "b")) == "Point(x=1, y='b')"
    assert repr(Point3(1, None, 2)) == "Point3(x=1, y=None, z=2)"


def test_assignment_and_deletion_are_refused() -> None:
    point = Point(1)
    with pytest.raises(FrozenError, match="cannot assign to field 'x'"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="cannot delete field 'y'"):
        del point.y
    with pytest.raises(AttributeError):
        point.extra = 1  # type: ignore[attr-defined]
    assert point == Point(1, "a")


def test_replace_copies_with_changes_and_refuses_unknown_fields() -> None:
    point = Point3(1, "a", 3)
    assert point.replace(y="b") == Point3(1, "b", 3)
    assert point == Point3(1, "a", 3)
    assert type(point.replace()) is Point3
    with pytest.raises(TypeError, match="Point3 has no field 'w'"):
        point.replace(w=1)


def test_no_instance_dict_and_copies_and_pickles_are_equal() -> None:
    point = Point3(1, ["x"], 2)
    assert not hasattr(point, "__dict__")
    assert copy.copy(point) == point
    deep = copy.deepcopy(point)
    assert deep == point and deep.y is not point.y
    assert pickle.loads(pickle.dumps(point)) == point
