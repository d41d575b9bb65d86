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


SCOPE = {
    "inputs": {"email": "b@x.io", "min": 2},
    "vars": {"tag": "vip"},
    "item": {"team": "red"},
    "steps": {
        "a": {
            "outputs": {
                "all": [
                    {"email": "a@x.io", "id": 1, "team": "red", "tags": ["vip"]},
                    {"email": "b@x.io", "id": 2, "team": "blue", "tags": []},
                    {"email": "c@x.io", "id": 3, "team": "red", "tags": ["vip"]},
                ]
            }
        }
    },
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("steps.a.outputs.all[?email == $.inputs.email] | [0].id", 2),
        ("steps.a.outputs.all[?email == inputs.email] | [0].id", None),  # the trap
        ("steps.a.outputs.all[?team == $.item.team].id", [1, 3]),
        ("steps.a.outputs.all[?contains(tags, $.vars.tag)].id", [1, 3]),
        ("steps.a.outputs.all[*].{id: id, mine: email == $.inputs.email}[?mine].id", [2]),
        ("steps.a.outputs.all[?id >= $.inputs.min] | length(@)", 2),
        ("steps.a.outputs.all | [?email != $.inputs.email] | [-1].id", 3),
        ("max_by(steps.a.outputs.all[?team == $.item.team], &id).id", 3),
        ("$.inputs.email", "b@x.io"),
        ("length($.steps.a.outputs.all)", 3),
    ],
)
def test_dollar_is_the_scope_from_anywhere(source: str, expected: Any) -> None:
    assert evaluate(source, SCOPE) == expected


def test_dollar_is_the_root_given_when_it_differs_from_the_value() -> None:
    result = {"payload": [{"email": "B@x.io", "id": 7}, {"email": "bb@x.io", "id": 8}]}
    source = "payload[?lower(email) == $.inputs.email] | [0].id"
    assert evaluate(source, result, SCOPE) == 7
    assert evaluate("$.inputs.min", result, SCOPE) == 2
    assert evaluate("$", 5) == 5  # without a root, `$` is the value searched


def test_arithmetic_functions() -> None:
    assert evaluate("add(`1`, `2`)", {}) == 3
    assert evaluate("sub(length(@), `1`)", [1, 2, 3]) == 2
    assert evaluate("mul(`2.5`, `2`)", {}) == 5.0
    assert evaluate("div(`7`, `2`)", {}) == 3.5
    assert evaluate("mod(`7`, `3`)", {}) == 1
    assert evaluate("round(div(`2`, `3`), `2`)", {}) == 0.67
    assert evaluate("round(`2.5`, `0`)", {}) == 2
    with pytest.raises(ExpressionError) as caught:
        evaluate("div(`1`, `0`)", {})
    assert str(caught.value) == "'div(`1`, `0`)': div(1, 0): division by zero"
    with pytest.raises(ExpressionError) as caught:
        evaluate("add('1', `2`)", {})
    assert str(caught.value) == "\"add('1', `2`)\": add() expected number, got string '1'"
