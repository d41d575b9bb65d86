"""Random recipes, the fast checks against the pydantic models: the fast checks accept only what
the models accept, build what they build, and give up on everything the models reject.

The recipes are shipped ones mutated (keys dropped, added, renamed; values swapped for wrong
types, bools for whole numbers, floats, numeric strings, empty lists and mappings, bad patterns,
durations, rates and expressions; steps doubled, `finally` nested, paging both ways, set steps
with call keys), and each model's own mappings drawn from its keys and such values.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.recipe.corpus import shipped
from tests.recipe.test_fast_check import PAIRS, assert_agree
from wrapper.recipe import model

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
BASES = [tree for _, tree in shipped()]
# Backtick strings without JSON quotes are deprecated JMESPath; mutations produce them.
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

TRICKY: list[Any] = [
    *(None, True, False, 0, 1, -1, 2, 3, 8, 100, 101, 256, 257, 100_000, 100_001),
    *(2**53, 2**63, 2**70, -(2**63), 10**400),
    *(0.0, 1.0, 3.0, 2.5, -0.5, 1e-9, 1e308, float("inf"), float("-inf"), float("nan")),
    *("", " ", "3", "3.0", "-1", "yes", "no", "true", "True", "on", "off", "1", "0", "null"),
    *("x", "a.b", "inputs.email", "`1`", "@", "length(@)", "a ==", "&x", "sort_by(@, &a)"),
    *("${x}", "${inputs.x}", "$${x}", "${", "a ${b} c", "${ a ==}", "x\n"),
    *("2s", "250ms", "1.5m", "1h", "0", "0s", "soon", "-1s", " 2 s ", "2s\n", "٣s"),
    *("5/s", "0/s", "0.5/m", "120/m", "5/s\n", "5 per s", "1/d", " 3 / h "),
    *("[", "^a+$", "(?P<x", "\\d{2,}", "abc", "abc\n", "ABC", "a-b", "a b", "1X", "_x", "é"),
    *("GET", "get", "post", "PATCH", "Delete", "HEAD", "poſt", "read", "write", "READ"),
    *("fixed", "exponential", "linear", "string", "integer", "number", "boolean", "array"),
    *("object", "strin", "email", "uri", "date", "date-time", "path", "uuid"),
    *("chatwoot", " chatwoot ", "chat woot", "https://x.y/", "/api/v1/x", "/x/{id}"),
    *([], {}, [1, "x"], ["a", "b"], ["A"], [None], [1.5]),
    *({"type": "string"}, {"type": "strin"}, {"type": ["string", "null"]}, {"a": 1}),
    *({"x": "a.b"}, {"a-b": "x"}, {"1x": "y"}, {"x": 1}, {"type": "integer", "minimum": 1}),
    *({"id": {"type": "integer"}}, {"minLength": "3"}, {"items": "x"}, {"items": {}}),
    [{"id": "z", "action": "y"}],
    [{"id": "z", "set": {"a": "`1`"}}],
    {"items": "x", "concurrency": 2},
    {"param": "page", "items": "data", "cursor": "next"},
    {"param": "page", "items": "data", "page_size": 20, "start": 0},
    {"attempts": 2, "initial": "1s", "max": "2s"},
    {"path": "/x", "method": "post"},
]
KEYS = sorted({key for plain, _ in PAIRS.values() for key in (*plain.KEYS, *plain.FIELDS)})
KEYS += ["iff", "stpes", "actoin", "Set", "minlength", "x-extra", "with"]

tricky = st.sampled_from(TRICKY).map(copy.deepcopy)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.from_regex(r"\A[a-z][a-z0-9_]{0,6}\Z"),
)
values = st.recursive(
    st.one_of(tricky, scalars),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=3)
    ),
    max_leaves=6,
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _places(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _places(value, (*path, i))
    return out


def _at(tree: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def _mutate(data: st.DataObject, tree: dict[str, Any]) -> None:
    """One change somewhere in `tree`."""
    steps = tree["steps"]
    how = data.draw(
        st.sampled_from(["set", "drop", "rename", "add", "double", "finally", "paging", "set-step"])
    )
    if how == "double":
        block = data.draw(st.sampled_from(["steps", "finally"]))
        tree.setdefault(block, []).append(copy.deepcopy(data.draw(st.sampled_from(steps))))
        return
    if how == "finally":
        data.draw(st.sampled_from(steps))["finally"] = [{"id": "late", "action": "x"}]
        return
    if how == "paging":
        step = data.draw(st.sampled_from(steps))
        step["paginate"] = {"cursor": "next", "page_size": 10, "param": "page", "items": "data"}
        return
    if how == "set-step":
        step = data.draw(st.sampled_from(steps))
        for kind in ("action", "request", "recipe"):
            step.pop(kind, None)
        step["set"] = {"a": "`1`"}
        return
    path = data.draw(st.sampled_from(_places(tree)))
    parent = _at(tree, path[:-1]) if path else None
    if how == "set" and path:
        parent[path[-1]] = data.draw(value_for(path[-1]))
    elif how == "drop" and path and isinstance(parent, dict):
        del parent[path[-1]]
    elif how == "rename" and path and isinstance(parent, dict):
        parent[data.draw(keys)] = parent.pop(path[-1])
    elif how == "add" and isinstance(_at(tree, path), dict):
        key = data.draw(keys)
        _at(tree, path)[key] = data.draw(value_for(key))


@SETTINGS
@given(st.data())
def test_a_mutated_recipe_is_built_fast_only_as_pydantic_builds_it(data: st.DataObject) -> None:
    tree = copy.deepcopy(data.draw(st.sampled_from(BASES)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        # A place an earlier change moved raises; the tree is still a fine example.
        with contextlib.suppress(AttributeError, KeyError, TypeError, IndexError):
            _mutate(data, tree)
    assert_agree(model.Recipe, tree)


#: Values each key takes in valid recipes (keys as users write them), to try acceptance often.
GOOD: dict[str, dict[str, list[Any]]] = {
    "Recipe": {
        "version": [1],
        "name": ["r", "a-b_1", "0x"],
        "description": ["d", None],
        "inputs": [{}, {"x": {"type": "string"}}, {"n": {"type": "integer", "default": 1}}],
        "connections": [{}, {"c": {"app": "chatwoot"}}, {"c": {"app": "x", "rate_limit": "5/s"}}],
        "env": [[], ["HOME", "_X1"]],
        "vars": [{}, {"v": "inputs.x"}],
        "steps": [
            [{"id": "a", "action": "x"}],
            [{"id": "a", "set": {"x": "`1`"}}, {"id": "b", "request": {"path": "/x"}}],
        ],
        "finally": [[], [{"id": "z", "action": "y"}]],
        "outputs": [{}, {"o": "steps.a.outputs"}],
        "assert": [[], [{"that": "outputs.o"}]],
    },
    "Step": {
        "id": ["a", "b_2"],
        "name": ["n", None],
        "action": ["x", "get-${inputs.k}"],
        "request": [{"path": "/x"}, {"method": "post", "path": "/y", "body": {"a": "${inputs.a}"}}],
        "recipe": ["./b.yaml"],
        "set": [{"a": "`1`"}, {"a": "inputs.x", "b": "length(@)"}],
        "connection": ["c", None],
        "input": [{"a": 1}, None, "${inputs.x}"],
        "effect": ["read", "write"],
        "idempotent": [True, False],
        "if": ["inputs.go"],
        "skip_if": ["inputs.skip", None],
        "foreach": [{"items": "inputs.rows"}, {"items": "x", "concurrency": 4, "fail_fast": True}],
        "paginate": [
            {"param": "page", "items": "data", "page_size": 20},
            {"param": "c", "items": "data", "cursor": "next"},
        ],
        "retry": [{"attempts": 2}, {"initial": "1s", "max": "10s", "when": "error.retryable"}],
        "timeout": ["2s", 5, 0.5, None],
        "continue_on_error": [True, False],
        "outputs": [{}, {"id": "result.id"}],
    },
    "InputSpec": {
        "type": ["string", "integer", "number", "boolean", "array", "object"],
        "description": ["d"],
        "default": [1, "x", True, [], None, {"a": 1}, 2.5, ["a"]],
        "required": [True, False, None],
        "secret": [True, False],
        "from_env": ["TOKEN", None],
        "format": ["email", "uri", "date", "date-time", "path", None],
        "enum": [["a", "b"], [1, 2]],
        "items": [{"type": "string"}, {"type": "integer", "minimum": 0}],
        "properties": [{"a": {"type": "string"}}],
        "minimum": [0, 1, 1.5, None],
        "maximum": [10, 99.5],
        "minLength": [0, 2],
        "maxLength": [10],
        "pattern": ["^a", "[0-9]+"],
        "minItems": [0, 1],
        "maxItems": [5],
        "examples": [["x"], [1]],
    },
    "ConnectionSpec": {
        "app": ["chatwoot", "chat.example.com", " chatwoot "],
        "description": ["d", None],
        "rate_limit": ["5/s", "100/m", " 2 / h ", None],
    },
    "Foreach": {
        "items": ["inputs.rows", "@"],
        "concurrency": [1, 4, 256],
        "fail_fast": [True, False],
    },
    "Paginate": {
        "cursor": ["next", None],
        "page_size": [1, 20, None],
        "start": [0, 1, 5],
        "param": ["page"],
        "items": ["data"],
        "max_pages": [1, 100_000],
    },
    "Retry": {
        "attempts": [1, 3, 100],
        "backoff": ["fixed", "exponential"],
        "initial": ["1s", 0, 2, 0.5, "250ms"],
        "max": ["30s", 60, "1m"],
        "jitter": [True, False],
        "when": ["error.retryable", None],
    },
    "RequestSpec": {
        "method": ["GET", "post", "Put", "delete"],
        "path": ["/x", "/x/${inputs.id}", {"a": "b"}, 5],
        "query": [{"q": "${inputs.q}"}, None],
        "headers": [{"X": "1"}],
        "body": [{"a": [1, 2]}, "raw"],
        "path_params": [{"id": "${inputs.id}"}],
    },
    "Assertion": {
        "that": ["outputs.ok", "length(outputs.x) > `0`"],
        "message": ["m", None],
    },
}
VALID: dict[str, dict[str, Any]] = {
    "Recipe": {"version": 1, "name": "r", "steps": [{"id": "a", "action": "x"}]},
    "Step": {"id": "a", "action": "x"},
    "InputSpec": {"type": "integer", "minimum": 1, "default": 2},
    "ConnectionSpec": {"app": "chatwoot"},
    "Foreach": {"items": "inputs.rows"},
    "Paginate": {"param": "page", "items": "data", "page_size": 20},
    "Retry": {"attempts": 2},
    "RequestSpec": {"path": "/x"},
    "Assertion": {"that": "outputs.ok"},
}
_ANY_GOOD: dict[str, list[Any]] = {}
for _table in GOOD.values():
    for _key, _good in _table.items():
        _ANY_GOOD.setdefault(_key, []).extend(_good)


def value_for(key: Any) -> st.SearchStrategy[Any]:
    """Mostly a value `key` takes in valid recipes, else any value."""
    good = _ANY_GOOD.get(key) if isinstance(key, str) else None
    if not good:
        return values
    return st.one_of(st.sampled_from(good).map(copy.deepcopy), values, st.sampled_from(good))


def test_every_key_has_good_values() -> None:
    for name, (plain, _) in PAIRS.items():
        assert set(GOOD[name]) == set(plain.KEYS), name
        assert set(VALID[name]) <= set(plain.KEYS), name


@st.composite
def _mapping_for(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A valid mapping of the model changed a few times: keys mostly as users write them,
    values mostly ones valid recipes use, sometimes anything."""
    plain = PAIRS[name][0]
    mapping = copy.deepcopy(VALID[name]) if draw(st.booleans()) else {}
    known = sorted(plain.KEYS)
    key = st.one_of(st.sampled_from(known), st.sampled_from(known), st.sampled_from(plain.FIELDS))
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        chosen = draw(st.one_of(key, key, key, keys))
        if draw(st.integers(0, 5)) == 0:
            mapping.pop(chosen, None)
        else:
            mapping[chosen] = draw(value_for(plain.ALIASES.get(chosen, chosen)))
    return mapping


@SETTINGS
@pytest.mark.parametrize("name", sorted(PAIRS))
@given(data=st.data())
def test_each_models_mapping_is_built_fast_only_as_pydantic_builds_it(
    name: str, data: st.DataObject
) -> None:
    assert_agree(PAIRS[name][0], data.draw(_mapping_for(name)))
