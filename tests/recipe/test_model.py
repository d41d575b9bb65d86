"""The recipe model: defaults, derived properties and value rules."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from wrapper.recipe.model import (
    InputSpec,
    Recipe,
    RequestSpec,
    Retry,
    Step,
    parse_duration,
    rate_per_second,
)


def recipe(**extra: Any) -> Recipe:
    data: dict[str, Any] = {"version": 1, "name": "t", "steps": [{"id": "a", "action": "x"}]}
    data.update(extra)
    return Recipe.from_data(data)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (2, 2.0),
        (0.5, 0.5),
        ("250ms", 0.25),
        ("2s", 2.0),
        ("1.5m", 90.0),
        ("1h", 3600.0),
        ("3", 3.0),
    ],
)
def test_parse_duration(value: Any, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "must be a duration such as 500ms, 2s or 1m"),
        ("soon", "'soon' is not a duration; write it as 500ms, 2s, 1.5m or 1h"),
        (-1, "must not be negative"),
    ],
)
def test_parse_duration_errors(value: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(value)
    assert str(caught.value) == message


def test_rate_per_second() -> None:
    assert rate_per_second("5/s") == 5.0
    assert rate_per_second("120/m") == 2.0
    assert rate_per_second("3600 / h") == 1.0


def test_input_required_secret_and_default() -> None:
    assert InputSpec().is_required
    assert not InputSpec(default=None).is_required  # an explicit null default counts
    assert InputSpec.from_data({"default": None}).has_default
    assert InputSpec(from_env="TOKEN").is_required
    assert not InputSpec(from_env="TOKEN", default="x").is_required
    assert not InputSpec(from_env="TOKEN", required=False).is_required
    assert InputSpec(from_env="TOKEN").is_secret
    assert InputSpec(secret=True).is_secret
    assert InputSpec(required=True, default="x").is_required
    assert not InputSpec(required=False).is_required
    spec = InputSpec.from_data({"minLength": 2, "maxItems": 3})
    assert (spec.min_length, spec.max_items) == (2, 3)


def test_step_kind_and_repeat_safety() -> None:
    assert Step(id="a", action="x").kind == "action"
    assert Step.from_data({"id": "a", "request": {"path": "/x"}}).kind == "request"
    assert Step(id="a", recipe="./b.yaml").kind == "recipe"
    assert not Step(id="a", action="x").safe_to_repeat  # effect defaults to write
    assert Step(id="a", action="x", effect="read").safe_to_repeat
    assert Step(id="a", action="x", idempotent=True).safe_to_repeat


def test_step_aliases_and_defaults() -> None:
    step = Step.from_data({"id": "a", "action": "x", "if": "inputs.go", "timeout": "2s"})
    assert step.if_ == "inputs.go"
    assert step.timeout == 2.0
    assert step.effect == "write"
    assert step.outputs == {}


def test_request_method_is_upper_cased() -> None:
    assert RequestSpec.from_data({"method": "post", "path": "/x"}).method == "POST"


def test_retry_defaults() -> None:
    retry = Retry()
    assert (retry.attempts, retry.backoff, retry.initial, retry.max, retry.jitter) == (
        3,
        "exponential",
        1.0,
        30.0,
        True,
    )


def test_connection_for_a_step() -> None:
    one = recipe(connections={"cw": {"app": "chatwoot"}})
    assert one.connection_for(one.steps[0]) == "cw"
    two = recipe(connections={"cw": {"app": "chatwoot"}, "cp": {"app": "chaport"}})
    assert two.connection_for(two.steps[0]) is None
    named = recipe(steps=[{"id": "a", "action": "x", "connection": "cp"}])
    assert named.connection_for(named.steps[0]) == "cp"


def test_steps_lookup_includes_finally() -> None:
    r = recipe(finally_=[{"id": "z", "action": "y"}])
    assert [s.id for s in r.all_steps()] == ["a", "z"]
    assert r.step("z").action == "y"
    with pytest.raises(KeyError):
        r.step("nope")


def test_recipe_is_frozen() -> None:
    r = recipe()
    with pytest.raises(AttributeError, match="Recipe is frozen; cannot set 'name'"):
        r.name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="Step is frozen"):
        r.steps[0].id = "b"  # type: ignore[misc]


def test_output_names_and_env_names_are_identifiers() -> None:
    with pytest.raises(ValidationError, match="output name 'a-b' must be letters, digits and _"):
        Step.from_data({"id": "a", "action": "x", "outputs": {"a-b": "x"}})
    with pytest.raises(ValidationError, match="output name 'a-b' must be letters, digits and _"):
        recipe(outputs={"ok": "x", "a-b": "x"})
    with pytest.raises(ValidationError, match="'1X' is not an environment variable name"):
        recipe(env=["1X"])


def test_the_recipe_schema_states_the_output_name_rule_too() -> None:
    import jsonschema

    from wrapper.recipe.schema import recipe_schema

    validator = jsonschema.Draft202012Validator(recipe_schema())
    base = {"version": 1, "name": "t", "steps": [{"id": "a", "action": "x"}]}
    assert validator.is_valid({**base, "outputs": {"ok_1": "x"}})
    assert not validator.is_valid({**base, "outputs": {"my-out": "x"}})
    step = {"id": "a", "action": "x", "outputs": {"my-out": "x"}}
    assert not validator.is_valid({**base, "steps": [step]})


def test_an_input_default_must_fit_the_input() -> None:
    with pytest.raises(ValidationError, match="default: 'yes' is not true or false"):
        InputSpec.from_data({"type": "boolean", "default": "yes"})
    with pytest.raises(ValidationError, match="default: 0 is less than the minimum of 1"):
        InputSpec.from_data({"type": "integer", "minimum": 1, "default": 0})
    assert InputSpec.from_data({"type": "boolean", "default": True}).default is True
