"""Fuzzing: random input to the loader, the expression evaluator and the output parser.

Each may fail only with its own typed error (never a crash with some other exception), so the CLI
always turns bad input into one `Error:` line and a documented exit code.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wrapper.errors import RecipeError, WrapperError
from wrapper.membrane.failures import error_body, failure, from_body, not_json, parse_json
from wrapper.membrane.runner import RunResult
from wrapper.recipe.expr import ExpressionError, evaluate, render_value
from wrapper.recipe.loader import load_recipe_text

pytestmark = pytest.mark.reliability

FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
recipe_words = st.sampled_from(
    [
        "version",
        "name",
        "steps",
        "id",
        "action",
        "connection",
        "input",
        "outputs",
        "foreach",
        "items",
        "if",
        "retry",
        "attempts",
        "effect",
        "write",
        "read",
        "inputs",
        "type",
        "1",
        "-",
        ":",
        "${",
        "}",
        "inputs.x",
        "{",
        "[",
        "]",
        "\n",
        "  ",
        "'",
        '"',
        "&a",
        "*a",
        "!!python/object",
    ]
)


@FUZZ
@given(st.one_of(st.text(max_size=300), st.lists(recipe_words, max_size=60).map(" ".join)))
def test_loader_raises_only_recipe_errors_on_text(text: str) -> None:
    with contextlib.suppress(RecipeError):
        load_recipe_text(text, "fuzz.yaml")


@FUZZ
@given(json_values)
def test_loader_raises_only_recipe_errors_on_documents(doc: Any) -> None:
    base = {"version": 1, "name": "fuzz", "steps": [{"id": "a", "action": "x", "input": doc}]}
    for text in (yaml.safe_dump(doc), yaml.safe_dump(base)):
        with contextlib.suppress(RecipeError):
            load_recipe_text(text, "fuzz.yaml")


expr_chars = st.text(alphabet="abxyz._[]{}()*?!|&<>=,'`\"@$0123456789 -:", max_size=40)


@FUZZ
@given(expr_chars, st.dictionaries(st.sampled_from(["a", "b", "x", "inputs"]), json_values))
def test_evaluator_returns_a_value_or_expression_error(
    source: str, context: dict[str, Any]
) -> None:
    with contextlib.suppress(ExpressionError):
        evaluate(source, context)
    with contextlib.suppress(ExpressionError):
        render_value("pre ${" + source + "} post", context)


@FUZZ
@given(
    st.integers(min_value=-15, max_value=255),
    st.one_of(st.text(max_size=200), json_values.map(json.dumps)),
    st.one_of(st.text(max_size=200), json_values.map(json.dumps)),
)
def test_output_parser_gives_typed_errors(code: int, stdout: str, stderr: str) -> None:
    result = RunResult(
        argv=("membrane", "x"), returncode=code, stdout=stdout, stderr=stderr, duration_s=0.0
    )
    command = ["membrane", "x"]
    parse_json(stdout)
    found = error_body(result)
    if found is not None:
        body, stream = found
        assert stream in ("stdout", "stderr")
        assert isinstance(from_body(body, "membrane x", command, None), WrapperError)
    assert isinstance(failure(result, "membrane x", command, None), WrapperError)
    assert isinstance(not_json(result, "membrane x", command, None), WrapperError)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["error", "type", "key", "message", "status", "retry_after", "data"]),
        json_values,
    )
)
def test_error_bodies_map_to_wrapper_errors(body: dict[str, Any]) -> None:
    error = from_body(body, "membrane x", ["membrane", "x"], None)
    assert isinstance(error, WrapperError)
    assert str(error)
