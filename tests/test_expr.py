"""Expressions and `${...}` templates: typing, escapes, extra functions, error text."""

from __future__ import annotations

from typing import Any

import pytest

from wrapper.recipe.expr import (
    ExpressionError,
    compile_expression,
    compile_template,
    evaluate,
    iter_templates,
    render_value,
    template_expressions,
    to_text,
)

CTX: dict[str, Any] = {
    "inputs": {"n": 3, "name": "Ann", "tags": ["a", "b"], "obj": {"a": 1}, "none": None},
    "steps": {"find": {"outputs": {"id": None}}, "make": {"outputs": {"id": 7}}},
}


def render(text: str) -> Any:
    template = compile_template(text)
    return text if template is None else template.render(CTX)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${inputs.n}", 3),
        ("${ inputs.n }", 3),
        ("${inputs.tags}", ["a", "b"]),
        ("${inputs.obj}", {"a": 1}),
        ("${inputs.none}", None),
        ("${steps.find.outputs.id || steps.make.outputs.id}", 7),
        ("n=${inputs.n}", "n=3"),
        ("${inputs.n}${inputs.n}", "33"),
        ("tags: ${inputs.tags}", 'tags: ["a","b"]'),
        ("obj ${inputs.obj}", 'obj {"a":1}'),
        ("[${inputs.none}]", "[]"),
        ("Hi ${inputs.name}!", "Hi Ann!"),
        ("$${inputs.n}", "${inputs.n}"),
        ("price $5 and $${x} and ${inputs.n}", "price $5 and ${x} and 3"),
        ('${`{"a": "}"}`.a}', "}"),
        ("${'}'}", "}"),
        ("no template", "no template"),
        ("$", "$"),
    ],
)
def test_templates(text: str, expected: Any) -> None:
    assert render(text) == expected


def test_a_whole_value_keeps_its_type_even_for_false_and_zero() -> None:
    assert compile_template("${`false`}") is not None
    assert render("${`false`}") is False
    assert render("${`0`}") == 0
    assert render("x${`false`}") == "xfalse"


def test_render_value_walks_containers() -> None:
    value = {"a": ["${inputs.n}", {"b": "${inputs.name}!"}], "c": 5, "d": None}
    assert render_value(value, CTX) == {"a": [3, {"b": "Ann!"}], "c": 5, "d": None}


def test_iter_templates_and_template_expressions() -> None:
    value = {"a": ["${x}", "plain"], "b": {"c": "${y} and $${z}"}}
    assert list(iter_templates(value)) == [(("a", 0), "${x}"), (("b", "c"), "${y} and $${z}")]
    assert template_expressions("a ${x} $${y} ${z.w}") == ["x", "z.w"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${", "unclosed '${' at character 1 of '${'"),
        ("ab ${x", "unclosed '${' at character 4 of 'ab ${x'"),
        ("${}", "empty expression"),
        ("${a ==}", "invalid JMESPath at character 5 in 'a =='"),
    ],
)
def test_template_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_template(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "empty expression"),
        ("  ", "empty expression"),
        ("a ==", "invalid JMESPath at character 5 in 'a =='"),
        (
            "x == 1",
            "invalid JMESPath at character 6 near 1 in 'x == 1'; a number needs backticks "
            "here: `1`",
        ),
        (
            "${inputs.x}",
            "invalid JMESPath at character 2 near '{' in '${inputs.x}'; this field takes bare "
            "JMESPath: write 'inputs.x' without ${ }",
        ),
    ],
)
def test_compile_errors(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)
    assert str(caught.value) == message


def test_evaluation_errors_name_the_expression() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("lowr(@)", {})
    assert str(caught.value) == "'lowr(@)': Unknown function: lowr()"
    with pytest.raises(ExpressionError) as caught:
        evaluate("length(@)", 5)
    assert str(caught.value) == (
        "'length(@)': length() expected string or array or object, got number 5"
    )


def test_a_long_value_in_an_evaluation_error_is_cut_with_its_length() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("abs(@)", "x" * 300_000)
    assert str(caught.value) == (
        "'abs(@)': abs() expected number, got string '" + "x" * 78 + "… (300000 characters)"
    )


@pytest.mark.parametrize(
    ("source", "data", "expected"),
    [
        ("lower(@)", "AbC", "abc"),
        ("upper(@)", "AbC", "ABC"),
        ("trim(@)", "  x ", "x"),
        ("split(@, ',')", "a,b", ["a", "b"]),
        ("split(@, '')", "ab", ["a", "b"]),
        ("replace(@, 'a', 'o')", "banana", "bonono"),
        ("contains_any(@, ['VIP', 'urgent'])", "a vip customer", True),
        ('contains_any(@, `["VIP"]`)', None, False),
        ("count_by(@, &s)", [{"s": "a"}, {"s": "b"}, {"s": "a"}, {}], {"a": 2, "b": 1, "null": 1}),
        (
            "unique_by(@, &e)",
            [{"e": 1, "i": 1}, {"e": 1, "i": 2}, {"e": 2}],
            [{"e": 1, "i": 1}, {"e": 2}],
        ),
        ("items(@)", {"a": 1}, [["a", 1]]),
        ("from_items(@)", [["a", 1], ["b"], "x"], {"a": 1}),
        ("chunk(@, `2`)", [1, 2, 3], [[1, 2], [3]]),
        ("chunk(@, `0`)", [1, 2], [[1], [2]]),
        ("length(@)", [1, 2], 2),
    ],
)
def test_functions(source: str, data: Any, expected: Any) -> None:
    assert evaluate(source, data) == expected


def test_function_argument_types_are_checked() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("lower(@)", 5)
    assert str(caught.value) == "'lower(@)': lower() expected string, got number 5"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (1.5, "1.5"),
        (3, "3"),
        ("s", "s"),
        ({"a": [1]}, '{"a":[1]}'),
        (["é"], '["é"]'),
    ],
)
def test_to_text(value: Any, text: str) -> None:
    assert to_text(value) == text


def test_an_expression_reference_inside_text_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError) as info:
        render_value("pre ${&@} post", {})
    assert str(info.value) == (
        "'&@': `&` makes an expression argument and is allowed only directly inside a "
        "function call, e.g. sort_by(items, &name)"
    )


@pytest.mark.parametrize("source", ["&@", "a[?&b]", "{x: &y}", "[&a]"])
def test_an_expression_reference_outside_a_call_fails_to_compile(source) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(source)
    assert str(info.value).endswith(
        "`&` makes an expression argument and is allowed only directly inside a function "
        "call, e.g. sort_by(items, &name)"
    )


@pytest.mark.parametrize(
    "source", ["sort_by(a, &b)", "max_by(a, &length(b))", "sort_by(a, &sort_by(b, &c)[0])"]
)
def test_expression_references_as_function_arguments_still_compile(source) -> None:
    compile_expression(source)
