"""The sandbox's fast input check never accepts what jsonschema would refuse."""

from __future__ import annotations

import jsonschema
import pytest

from wrapper.sandbox.quickcheck import fits

CASES = [
    ({"enum": [1, 2]}, True),
    ({"enum": [True]}, 1),
    ({"enum": [0]}, False),
    ({"enum": [1, 2]}, 2),
    ({"enum": ["open", "resolved"]}, "open"),
    ({"enum": ["open"]}, "pending"),
    ({"type": "integer", "enum": [1]}, 1.0),
    ({"type": "object", "properties": {"s": {"enum": ["a"]}}}, {"s": "a"}),
    ({"type": "object", "properties": {"n": {"enum": [1]}}}, {"n": True}),
]


@pytest.mark.parametrize(("schema", "value"), CASES)
def test_a_fast_yes_is_a_jsonschema_yes(schema, value):
    valid = jsonschema.Draft202012Validator(schema).is_valid(value)
    if fits(schema, value):
        assert valid, f"fits() accepted {value!r} for {schema}, jsonschema refuses it"


def test_booleans_and_numbers_are_not_the_same_enum_choice():
    assert fits({"enum": [1]}, 1)
    assert not fits({"enum": [1]}, True)
    assert not fits({"enum": [True]}, 1)
