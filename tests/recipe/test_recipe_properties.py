"""Property tests: whatever bytes or mutations a recipe holds, loading and linting end in either
a recipe or a clean RecipeError (exit 2), never another exception."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wrapper.errors import EXIT_USAGE, RecipeError
from wrapper.recipe.lint import lint_recipe
from wrapper.recipe.loader import load_recipe_text

WELCOME = (Path(__file__).parents[1] / "data" / "recipes" / "welcome.yaml").read_text()
BASE: dict[str, Any] = yaml.safe_load(WELCOME)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["${", "${inputs.x}", "$${x}", "!a.b", "x == 1", "`", "a ==", "&", "*", "~"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


PATHS = [p for p in _paths(BASE) if p]
# Backtick strings without JSON quotes are deprecated JMESPath; fuzzing produces them.
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _check(text: str) -> None:
    try:
        loaded = load_recipe_text(text, "r.yaml")
    except RecipeError as error:
        assert error.exit_code == EXIT_USAGE
        assert error.problems
        assert all(line.startswith("r.yaml") for line in error.problems)
        return
    for problem in lint_recipe(loaded):
        assert problem.location.startswith("r.yaml")


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(PATHS), st.sampled_from(["drop", "rename", "set"]), values),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_recipes_never_crash(mutations: list[tuple[tuple[Any, ...], str, Any]]) -> None:
    data = copy.deepcopy(BASE)
    for path, how, value in mutations:
        try:
            parent = _parent(data, path)
            key = path[-1]
            if how == "drop":
                del parent[key]
            elif how == "rename" and isinstance(parent, dict):
                parent[f"{key}x"] = parent.pop(key)
            else:
                parent[key] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the path
    _check(yaml.safe_dump(data, allow_unicode=True))


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data: bytes) -> None:
    _check(data.decode("utf-8", errors="surrogateescape"))


@SETTINGS
@given(st.text(alphabet="{}[]:-,&*!|>'\"#%@`\t\n ab1.$", max_size=200))
def test_random_yaml_punctuation_never_crashes(text: str) -> None:
    _check(text)


@SETTINGS
@given(st.integers(min_value=0, max_value=len(WELCOME)), st.text(max_size=10))
def test_spliced_text_never_crashes(at: int, insert: str) -> None:
    _check(WELCOME[:at] + insert + WELCOME[at:])
