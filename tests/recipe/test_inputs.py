"""Recipe inputs: precedence, parsing by type, files, schema checks and exact messages."""

from __future__ import annotations

import pytest

from wrapper.errors import InputError
from wrapper.recipe.inputs import (
    load_inputs_file,
    masked_inputs,
    resolve_inputs,
    secret_values,
)
from wrapper.recipe.model import InputSpec
from wrapper.recipe.values import check_value, default_problem, validation_schema


def unchecked(data):
    """An input as written, with no check at all (what loading would refuse, too)."""
    fields = {InputSpec.KEYS[key]: value for key, value in data.items()}
    return InputSpec.make({**InputSpec.DEFAULTS, **fields}, frozenset(fields))


def specs(**kw):
    return {name: InputSpec.from_data(spec) for name, spec in kw.items()}


SPECS = specs(
    email={"type": "string", "format": "email"},
    name={"type": "string", "default": "New customer"},
    inbox_id={"type": "integer", "default": 1},
    ratio={"type": "number", "required": False},
    vip={"type": "boolean", "default": False},
    labels={"type": "array", "items": {"type": "string"}, "default": ["new-lead"]},
    meta={"type": "object", "required": False},
    token={"type": "string", "secret": True, "from_env": "SUPPORT_TOKEN", "required": False},
)


def test_defaults_fill_in_and_optional_inputs_are_null():
    got = resolve_inputs(SPECS, given={"email": "ada@example.com"})
    assert got == {
        "email": "ada@example.com",
        "name": "New customer",
        "inbox_id": 1,
        "ratio": None,
        "vip": False,
        "labels": ["new-lead"],
        "meta": None,
        "token": None,
    }


def test_text_values_are_parsed_by_type():
    got = resolve_inputs(
        SPECS,
        given={
            "email": "a@b.co",
            "inbox_id": "42",
            "ratio": "0.5",
            "vip": "yes",
            "labels": '["a", "b"]',
            "meta": '{"k": 1}',
        },
    )
    assert (got["inbox_id"], got["ratio"], got["vip"]) == (42, 0.5, True)
    assert got["labels"] == ["a", "b"]
    assert got["meta"] == {"k": 1}


def test_a_comma_list_is_a_list_of_words():
    got = resolve_inputs(SPECS, given={"email": "a@b.co", "labels": "vip, new"})
    assert got["labels"] == ["vip", "new"]


def test_precedence_flag_then_file_then_env_then_default():
    env = {"SUPPORT_TOKEN": "from-env"}
    assert resolve_inputs(SPECS, values={"email": "a@b.co"}, environ=env)["token"] == "from-env"
    got = resolve_inputs(
        SPECS,
        given={"token": "from-flag"},
        values={"email": "a@b.co", "token": "from-file"},
        environ=env,
    )
    assert got["token"] == "from-flag"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"inbox_id": "abc"}, "input 'inbox_id': 'abc' is not an integer"),
        ({"inbox_id": "1.5"}, "input 'inbox_id': '1.5' is not an integer"),
        ({"ratio": "x"}, "input 'ratio': 'x' is not a number"),
        ({"vip": "maybe"}, "input 'vip': 'maybe' is not true or false"),
        ({"meta": "{oops"}, "input 'meta': '{oops' is not an object in JSON"),
        ({"meta": "[1]"}, "input 'meta': [1] is not an object"),
        ({"email": "not-an-email"}, "input 'email': 'not-an-email' is not a valid email"),
        ({"labels": "[1, 2]"}, "input 'labels'[0]: 1 is not a string"),
        ({"token": "[]", "inbox_id": "x"}, "input 'inbox_id': 'x' is not an integer"),
    ],
)
def test_bad_values_name_the_input(given, message):
    with pytest.raises(InputError) as info:
        resolve_inputs(SPECS, given={"email": "a@b.co", **given})
    assert str(info.value) == message


def test_a_required_input_that_is_missing_says_how_to_pass_it():
    with pytest.raises(InputError) as info:
        resolve_inputs(SPECS)
    assert str(info.value) == "input 'email' is required: pass -i email=VALUE"


def test_unknown_inputs_are_rejected_with_a_suggestion():
    with pytest.raises(InputError) as info:
        resolve_inputs(SPECS, given={"emial": "a@b.co"})
    assert str(info.value).startswith("unknown input 'emial' (did you mean 'email'?)")


def test_secret_values_never_appear_in_messages():
    secret = specs(pin={"type": "integer", "secret": True})
    with pytest.raises(InputError) as info:
        resolve_inputs(secret, given={"pin": "hunter2"})
    assert str(info.value) == "input 'pin': *** is not an integer"
    assert "hunter2" not in str(info.value)


def test_enum_and_bounds():
    checked = specs(
        status={"type": "string", "enum": ["open", "resolved"]},
        n={"type": "integer", "minimum": 1, "default": 1},
    )
    with pytest.raises(InputError) as info:
        resolve_inputs(checked, given={"status": "closed"})
    assert str(info.value) == "input 'status': 'closed' is not one of: \"open\", \"resolved\""
    with pytest.raises(InputError) as info:
        resolve_inputs(checked, given={"status": "open", "n": "0"})
    assert str(info.value) == "input 'n': 0 is less than the minimum of 1"


def test_files_feed_inputs(tmp_path):
    (tmp_path / "rows.csv").write_text("email,name\na@b.co,Ada\nc@d.co,Cy\n")
    (tmp_path / "note.txt").write_text("hello\n")
    (tmp_path / "meta.yaml").write_text("k: [1, 2]\n")
    table = specs(
        rows={"type": "array"},
        note={"type": "string"},
        meta={"type": "object"},
    )
    got = resolve_inputs(
        table,
        given={
            "rows": f"@{tmp_path / 'rows.csv'}",
            "note": f"@{tmp_path / 'note.txt'}",
            "meta": f"@{tmp_path / 'meta.yaml'}",
        },
    )
    assert got["rows"] == [{"email": "a@b.co", "name": "Ada"}, {"email": "c@d.co", "name": "Cy"}]
    assert got["note"] == "hello\n"
    assert got["meta"] == {"k": [1, 2]}
    assert (
        resolve_inputs(table | {}, given={"note": "@@handle", "rows": "[]", "meta": "{}"})["note"]
        == "@handle"
    )


def test_inputs_file(tmp_path):
    path = tmp_path / "in.yaml"
    path.write_text("email: a@b.co\ninbox_id: 3\n")
    assert load_inputs_file(path) == {"email": "a@b.co", "inbox_id": 3}
    bad = tmp_path / "bad.yaml"
    bad.write_text("- 1\n")
    with pytest.raises(InputError) as info:
        load_inputs_file(bad)
    assert str(info.value) == f"--inputs: {bad} must hold a mapping of input names to values"


def test_schema_secret_listing_and_masking():
    bounded = specs(n={"type": "integer", "minimum": 1, "maximum": 2.5})["n"]
    assert validation_schema(bounded) == {"type": "integer", "minimum": 1, "maximum": 2.5}
    values = {"email": "a@b.co", "token": "t0k"}
    assert secret_values(SPECS, values) == ["t0k"]
    assert masked_inputs(SPECS, values) == {"email": "a@b.co", "token": "***"}


# --- the fast path: jsonschema is asked only when a value may not fit ---------------------

FAST_SCHEMAS = [
    {"type": "string"},
    {"type": "string", "format": "email", "description": "x"},
    {"type": "string", "format": "uri"},
    {"type": "string", "minLength": 1, "maxLength": 3},
    {"type": "string", "pattern": "^[0-9a-f]{2}$"},
    {"type": "string", "enum": ["open", "1", "true"]},
    {"type": "integer", "minimum": 1, "maximum": 3},
    {"type": "integer", "enum": [1, 2.0, True]},
    {"type": "number", "minimum": 0.5},
    {"type": "boolean", "default": False},
    {"type": "object"},
    {"type": "object", "properties": {"a": {"type": "string"}}},
    {"type": "array", "minItems": 1, "maxItems": 2},
    {"type": "array", "items": {"type": "integer", "minimum": 1}},
    {"type": "array", "items": {"enum": ["a", "b"]}},
    {"type": "array", "items": {"type": "object", "required": ["email"]}},
    {"type": "array", "items": {"type": ["string", "null"]}},
    {"type": "array", "items": {"type": "string", "minLength": "3"}},
]
FAST_VALUES = [
    "", "a", "ab", "abc", "abcd", "a@b", "open", "1", "true", "0f", "x0",
    0, 1, 2, 3, 4, -1, 0.5, 1.0, 2.0, 0.25, float("nan"), True, False, None,
    [], [1], [1, 2], [0], [1, 2, 3], ["a"], ["a", "c"], [True], ["abcd"], [None],
    [{"email": "a@b"}], [{}], {}, {"a": "x"}, {"a": 1}, (1,),
]  # fmt: skip


@pytest.mark.parametrize("schema", FAST_SCHEMAS)
def test_the_fast_path_accepts_only_what_jsonschema_accepts(schema):
    import jsonschema

    from wrapper.recipe.values import _plainly_valid

    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for value in FAST_VALUES:
        try:
            valid = not list(validator.iter_errors(value))
        except TypeError:
            valid = False  # a keyword value of the wrong kind: jsonschema itself fails
        if _plainly_valid(schema, value):
            assert valid, (schema, value)


def test_the_fast_path_decides_the_common_cases():
    from wrapper.recipe.values import _plainly_valid

    assert _plainly_valid({"type": "string", "format": "email"}, "ada@example.com")
    assert _plainly_valid({"type": "array", "items": {"type": "integer", "minimum": 1}}, [1, 2])
    assert _plainly_valid({"type": "string", "enum": ["open"], "minLength": 1}, "open")
    assert not _plainly_valid({"type": "string", "format": "email"}, "ada")
    assert not _plainly_valid({"type": "integer", "enum": [1]}, True)


def test_values_that_plainly_fit_never_import_jsonschema():
    import subprocess
    import sys

    code = """if True:
        import sys
        from wrapper.recipe.inputs import resolve_inputs
        from wrapper.recipe.model import InputSpec
        specs = {
            "email": InputSpec.from_data({"type": "string", "format": "email"}),
            "n": InputSpec.from_data({"type": "integer", "minimum": 1, "default": 1}),
            "tags": InputSpec.from_data({"type": "array", "items": {"type": "string"}}),
        }
        resolve_inputs(specs, given={"email": "ada@example.com", "tags": "a,b"})
        print("jsonschema" in sys.modules)
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("spec", "run_says", "lint_says"),
    [
        (
            {"type": "boolean", "default": "yes"},
            "input 'e': 'yes' is not true or false",
            "default: 'yes' is not true or false",
        ),
        (
            {"type": "array", "items": {"type": "integer"}, "default": [1, "x"]},
            "input 'e'[1]: 'x' is not an integer",
            "default[1]: 'x' is not an integer",
        ),
        (
            {"type": "string", "secret": True, "minLength": 8, "default": "hunter2"},
            "input 'e': the value does not satisfy minLength: 8",
            "default: the value does not satisfy minLength: 8",
        ),
    ],
)
def test_a_default_is_checked_with_the_words_a_run_uses(spec, run_says, lint_says):
    """The recipe's own default meets the same check as a value given to a run."""
    default = spec["default"]
    fits = unchecked({**spec, "default": None})  # no default to check
    with pytest.raises(InputError) as given:
        check_value("e", fits, default)
    assert given.value.message == run_says
    assert default_problem(unchecked(spec)) == lint_says


def test_defaults_that_fit_or_are_null_have_no_problem():
    assert default_problem(InputSpec(type="integer", minimum=1, default=1)) is None
    assert default_problem(InputSpec(type="integer", default=None)) is None
    assert default_problem(InputSpec(type="boolean")) is None


def test_a_from_env_input_is_required_unless_it_has_a_default():
    code = specs(code={"type": "string", "secret": True, "from_env": "PROMO_CODE"})
    with pytest.raises(InputError) as caught:
        resolve_inputs(code, environ={})
    assert caught.value.exit_code == 2
    assert str(caught.value) == "input 'code' is required: pass -i code=VALUE (or set PROMO_CODE)"
    assert resolve_inputs(code, environ={"PROMO_CODE": "X1"}) == {"code": "X1"}
    defaulted = specs(code={"type": "string", "from_env": "PROMO_CODE", "default": "none"})
    assert resolve_inputs(defaulted, environ={}) == {"code": "none"}


def test_a_long_value_is_cut_in_the_message_with_its_length():
    huge = "a" * 300_000
    with pytest.raises(InputError) as caught:
        resolve_inputs(specs(n={"type": "integer"}), given={"n": huge})
    assert str(caught.value) == f"input 'n': '{'a' * 78}… (300000 characters) is not an integer"
    with pytest.raises(InputError) as caught:
        resolve_inputs(specs(s={"type": "string", "maxLength": 5}), given={"s": huge})
    assert str(caught.value) == (
        f"input 's': '{'a' * 78}… (300000 characters) does not satisfy maxLength: 5"
    )
