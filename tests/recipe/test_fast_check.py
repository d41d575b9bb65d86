"""The fast checks and the pydantic models side by side, over every recipe the project holds.

A recipe is built by the plain objects' fast checks (`wrapper/recipe/plain.py`) and goes to the
pydantic models of `spec.py` only when those give up. So the fast checks must never accept what
the models reject, and what they build must equal the models' result turned into plain objects;
and for the recipes people actually write, they must not give up. Random recipes are compared in
test_fast_check_properties.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from tests.recipe.corpus import from_tests, shipped, snapshot
from wrapper.recipe import model, parts, spec
from wrapper.recipe.keydocs import KEY_DOCS
from wrapper.recipe.plain import GiveUp, Plain, from_spec

SHIPPED = list(shipped())
FROM_TESTS = list(from_tests())
#: The plain class of every pydantic model of a recipe, by name.
PAIRS = {
    name: (getattr(model, name), value)
    for name, value in vars(spec).items()
    if isinstance(value, type) and issubclass(value, BaseModel) and value.model_fields
}
REJECTED = object()


def fast(cls: type[Plain], data: Any) -> Plain | None:
    try:
        return cls.checked(data)
    except GiveUp:
        return None


def judged(cls: type[Plain], data: Any) -> Any:
    """The pydantic model's answer as a plain object, or REJECTED."""
    try:
        return from_spec(PAIRS[cls.__name__][1].model_validate(data))
    except ValidationError:
        return REJECTED
    except Exception:  # e.g. RecursionError: loading refuses the recipe too
        return REJECTED


def assert_agree(cls: type[Plain], data: Any) -> Plain | None:
    """The fast check's object, which, when there is one, the model builds equal."""
    made = fast(cls, data)
    answer = judged(cls, data)
    if made is not None:
        assert answer is not REJECTED, "the fast check accepted what pydantic rejects"
        assert snapshot(made) == snapshot(answer)
        assert made == answer
    return made


def test_the_corpus_holds_every_kind_of_recipe() -> None:
    # An empty harvest would prove nothing.
    assert len(SHIPPED) >= 35
    assert len(FROM_TESTS) >= 150
    where = {name.split("/")[0] for name, _ in SHIPPED}
    assert {"recipes", "docs", "skills"} <= where
    keys = {key for _, tree in SHIPPED for step in tree["steps"] for key in step}
    assert {"foreach", "paginate", "retry", "request", "set", "if", "timeout"} <= keys


@pytest.mark.parametrize(("where", "tree"), SHIPPED, ids=[name for name, _ in SHIPPED])
def test_every_shipped_recipe_is_built_fast_and_equal(where: str, tree: dict[str, Any]) -> None:
    made = assert_agree(model.Recipe, tree)
    assert made is not None, f"{where}: the fast check gave up on a valid recipe"


def test_the_tests_recipes_agree_and_valid_ones_are_built_fast() -> None:
    built = 0
    for where, tree in FROM_TESTS:
        made = assert_agree(model.Recipe, tree)
        built += made is not None
        if where.endswith((".yaml", ".yml")) and judged(model.Recipe, tree) is not REJECTED:
            assert made is not None, f"{where}: the fast check gave up on a valid recipe"
    # Most recipes in tests are valid; a fast check that gives up on them all would pass above.
    assert built >= len(FROM_TESTS) // 2


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_each_plain_class_has_its_models_fields_aliases_and_defaults(name: str) -> None:
    plain, pydantic = PAIRS[name]
    fields = pydantic.model_fields
    assert tuple(fields) == plain.FIELDS
    assert dict(plain.ALIASES) == {n: f.alias for n, f in fields.items() if f.alias}
    assert set(plain.CHECKS) == set(fields)
    required = {n for n, f in fields.items() if f.is_required()}
    assert set(plain.DEFAULTS) == set(fields) - required
    for field, default in plain.DEFAULTS.items():
        expected = fields[field].get_default(call_default_factory=True)
        assert (type(default), default) == (type(expected), expected), field
    # The keys users write, as the schema's descriptions name them.
    assert set(KEY_DOCS[name]) == set(plain.KEYS)


def test_the_plain_classes_are_the_ones_the_rest_imports() -> None:
    assert set(PAIRS) == {
        name
        for name, value in vars(model).items()
        if isinstance(value, type) and issubclass(value, Plain) and value is not Plain
    }
    assert parts.InputSpec is model.InputSpec


def test_a_defaulted_list_or_mapping_is_each_objects_own() -> None:
    one = model.Recipe.from_data({"version": 1, "name": "a", "steps": [{"id": "a", "action": "x"}]})
    two = model.Recipe.from_data({"version": 1, "name": "b", "steps": [{"id": "a", "action": "x"}]})
    assert one.outputs == {} and one.outputs is not two.outputs
    assert one.env == [] and one.env is not two.env


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (model.Foreach, {"items": "x", "concurrency": "3"}),
        (model.Foreach, {"items": "x", "concurrency": 3.0}),
        (model.Foreach, {"items": "x", "fail_fast": "yes"}),
        (model.Foreach, {"items": "x", "fail_fast": 1}),
        (model.Retry, {"attempts": True}),
        (model.InputSpec, {"minimum": "1.5"}),
        (model.InputSpec, {"secret": 0}),
        (model.Step, {"id": "a", "action": "x", "if_": "inputs.go"}),
        (model.Recipe, {"version": True, "name": "a", "steps": [{"id": "a", "action": "x"}]}),
        (model.Recipe, {"version": 1.0, "name": "a", "steps": [{"id": "a", "action": "x"}]}),
    ],
)
def test_what_pydantic_would_coerce_is_left_to_pydantic(cls: type[Plain], data: Any) -> None:
    """The fast check gives up; pydantic accepts, and that result is what loading gives."""
    assert fast(cls, data) is None
    answer = judged(cls, data)
    assert answer is not REJECTED
    assert cls.from_data(data) == answer


def test_a_keyword_constructor_checks_as_loading_does() -> None:
    assert model.Retry(attempts=4, initial=0.5, max=5.0).given == {"attempts", "initial", "max"}
    assert model.Retry(initial="2s").initial == 2.0
    assert model.Step(id="a", action="x", if_="inputs.go").if_ == "inputs.go"  # a field name
    step = model.Step(id="a", action="x", retry=model.Retry(attempts=2))
    assert step.retry == model.Retry(attempts=2)
    with pytest.raises(ValidationError, match=r"retry\.max must not be less than retry\.initial"):
        model.Retry(initial=10, max=1)
    with pytest.raises(ValidationError, match="concurrency"):
        model.Foreach(items="x", concurrency=0)


def test_objects_are_frozen_hashable_values_that_copy() -> None:
    import copy
    import pickle

    retry = model.Retry(attempts=2, when="error.status == `429`")
    assert retry == model.Retry(attempts=2, when="error.status == `429`")
    assert hash(retry) == hash(model.Retry(attempts=2, when="error.status == `429`"))
    assert retry != model.Retry(attempts=3)
    for again in (copy.copy(retry), copy.deepcopy(retry), pickle.loads(pickle.dumps(retry))):
        assert snapshot(again) == snapshot(retry)
    assert repr(model.Assertion(that="x")) == "Assertion(that='x', message=None)"
    with pytest.raises(AttributeError, match="Retry is frozen; cannot delete 'attempts'"):
        del retry.attempts


def test_to_dict_is_what_model_dump_gave() -> None:
    for _, tree in SHIPPED:
        recipe = model.Recipe.checked(tree)
        pydantic = spec.Recipe.model_validate(tree)
        for options in ({}, {"by_alias": True}, {"exclude_none": True}):
            assert recipe.to_dict(**options) == pydantic.model_dump(**options)
