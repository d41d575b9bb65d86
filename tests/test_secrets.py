"""Masking secrets by value, everywhere, from many threads."""

from __future__ import annotations

import threading

from wrapper.errors import BadRequestError, RecipeError
from wrapper.secrets import Masker


def test_masks_inside_longer_strings_longest_first():
    masker = Masker(["abc", "abcdef"])
    assert masker.mask("key=abcdef; short=abc") == "key=***; short=***"


def test_masks_json_like_values_recursively_keys_included():
    masker = Masker(["s3cr3t"])
    value = {"auth": "Bearer s3cr3t", "list": ["x", "s3cr3t"], "s3cr3t": 1, "n": 5}
    assert masker.mask_value(value) == {
        "auth": "Bearer ***",
        "list": ["x", "***"],
        "***": 1,
        "n": 5,
    }


def test_masks_the_json_escaped_form_too():
    masker = Masker(['pa"ss'])
    assert masker.mask('{"password":"pa\\"ss"}') == '{"password":"***"}'


def test_numbers_that_are_secrets_are_masked():
    masker = Masker([918273])
    assert masker.mask_value({"pin": 918273, "other": 1}) == {"pin": "***", "other": 1}


def test_no_secrets_is_a_no_op():
    masker = Masker([None, ""])
    assert not masker.active
    assert masker.mask("anything") == "anything"


def test_masks_exception_messages_commands_and_bodies():
    masker = Masker(["tok-1"])
    error = BadRequestError(
        "membrane action run x failed: tok-1 rejected",
        command=["membrane", "--input", '{"t":"tok-1"}'],
        body={"message": "tok-1 rejected"},
        output="tok-1",
    )
    masker.mask_error(error)
    assert str(error) == "membrane action run x failed: *** rejected"
    assert error.command == ["membrane", "--input", '{"t":"***"}']
    assert error.body == {"message": "*** rejected"}
    assert error.output == "***"
    recipe_error = RecipeError("bad tok-1", location="r.yaml:1:1")
    masker.mask_error(recipe_error)
    assert recipe_error.problems == ["r.yaml:1:1: bad ***"]


def test_values_learned_later_and_from_many_threads():
    masker = Masker()
    results: list[str] = []

    def work(n: int) -> None:
        masker.add(f"secret-{n:03d}")
        results.append(masker.mask(f"x secret-{n:03d} y"))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["x *** y"] * 50
    assert masker.mask("secret-007 secret-049") == "*** ***"


def test_a_short_secret_is_masked_where_it_stands_alone_not_inside_ids():
    masker = Masker(["1", "42"])
    assert masker.mask("pin=1; id cc4f1b004; exit code 137; code 42 of 4242") == (
        "pin=***; id cc4f1b004; exit code 137; code *** of 4242"
    )
    assert masker.mask_value({"pin": 1, "conversation": 51, "note": "your pin is 1"}) == {
        "pin": "***",
        "conversation": 51,
        "note": "your pin is ***",
    }
    # From four characters on, a secret is masked wherever it occurs.
    assert Masker(["abcd"]).mask("xabcdx") == "x***x"


def test_the_recipe_hash_is_never_masked():
    from wrapper.records import events as ev

    digest = "1" * 64
    masked = ev.Emitter([], Masker(["1"]).mask_value).masked(ev.RunStart(run_id="r", sha256=digest))
    assert isinstance(masked, ev.RunStart)
    assert masked.sha256 == digest


# --- every written form, and values derived from a secret ----------------------------------

import json  # noqa: E402
import shlex  # noqa: E402
import urllib.parse  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from wrapper.membrane.runner import format_command  # noqa: E402
from wrapper.recipe.expr import compile_template, evaluate  # noqa: E402
from wrapper.run.pool import wait_all  # noqa: E402
from wrapper.secrets import tracking  # noqa: E402

# Secrets of four characters or more; `*` and the `<>` fences are left out so that the mask
# itself, or the text around it, cannot spell the secret again.
SECRETS = st.text(
    alphabet=st.characters(blacklist_characters="*<>", blacklist_categories=("Cs",)),
    min_size=4,
    max_size=24,
).filter(lambda s: s.strip() == s and len(s.strip()) >= 4)


def _forms(value: str) -> list[str]:
    return [
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        json.dumps(json.dumps(value))[1:-1],
        repr(value)[1:-1],
        json.dumps(repr(value))[1:-1],
        shlex.quote(value),
        urllib.parse.quote(value, safe=""),
    ]


@settings(max_examples=150, deadline=None)
@given(SECRETS)
def test_every_written_form_of_any_secret_is_masked(secret: str) -> None:
    masker = Masker([secret])
    for form in _forms(secret):
        masked = masker.mask(f"<{form}>")
        assert "***" in masked and form not in masked and secret not in masked, form


@settings(max_examples=100, deadline=None)
@given(SECRETS)
def test_a_verbose_command_line_never_shows_a_secret_in_any_quoting(secret: str) -> None:
    masker = Masker([secret])
    line = format_command(["membrane", "--input", json.dumps({"t": secret}), secret], masker.mask)
    assert secret not in line
    assert shlex.quote(secret) not in line
    assert line.endswith(" '***'")


@settings(max_examples=100, deadline=None)
@given(SECRETS)
def test_values_computed_from_any_secret_are_secret(secret: str) -> None:
    masker = Masker([secret])
    ctx = {"inputs": {"token": secret, "name": "Ann"}}
    with tracking(masker):
        shout = evaluate("upper(inputs.token)", ctx)
        swapped = evaluate("replace(upper(inputs.token), 'E', '3')", ctx)
        rendered = compile_template("id=${lower(inputs.token)}")
        assert rendered is not None
        text = rendered.render(ctx)
        name = evaluate("upper(inputs.name)", ctx)
    assert masker.mask(f"<{shout}>") == "<***>"
    assert masker.mask(f"<{swapped}>") == "<***>"
    assert masker.mask(text) == "id=***"
    # What was computed from other inputs stays readable.
    assert masker.mask(name) == "ANN"


def test_values_are_learned_only_while_a_run_tracks_its_masker() -> None:
    masker = Masker(["s3cr3t-value"])
    ctx = {"inputs": {"token": "s3cr3t-value"}}
    assert masker.mask(evaluate("upper(inputs.token)", ctx)) == "S3CR3T-VALUE"
    with tracking(masker):
        evaluate("upper(inputs.token)", ctx)
        parts = evaluate("split(inputs.token, '-')", ctx)
    assert parts == ["s3cr3t", "value"]
    assert masker.mask("S3CR3T-VALUE; s3cr3t; value") == "***; ***; ***"


def test_what_a_function_only_selects_or_takes_from_a_literal_is_not_learned() -> None:
    masker = Masker(["tok-abcdef"])
    ctx = {"inputs": {"token": "tok-abcdef"}, "names": ["Ann", "Bob", "Carla"]}
    with tracking(masker):
        evaluate("sort([inputs.token, 'plain-word'])", ctx)
        evaluate("replace(inputs.token, inputs.token, 'a-literal')", ctx)
    assert masker.mask("plain-word a-literal") == "plain-word a-literal"


def test_fragments_too_short_to_mean_anything_are_not_learned() -> None:
    masker = Masker(["ab-cdef"])
    with tracking(masker):
        evaluate("split(inputs.token, '-')", {"inputs": {"token": "ab-cdef"}})
    assert masker.mask("ab cdef") == "ab ***"


def test_tracking_follows_foreach_worker_threads() -> None:
    masker = Masker(["tok-abcdef"])
    stop = threading.Event()

    def job(n: int) -> None:
        evaluate(f"join('', [upper(inputs.token), '{n}'])", {"inputs": {"token": "tok-abcdef"}})

    with tracking(masker):
        wait_all(stop, [lambda n=n: job(n) for n in range(4)], 4)
    assert masker.mask("TOK-ABCDEF3") == "***3"


def test_a_concatenation_holding_the_secret_verbatim_is_not_learned() -> None:
    masker = Masker(["tok-abcdef"])
    with tracking(masker):
        for n in range(50):
            evaluate(f"join('-', [inputs.token, '{n}'])", {"inputs": {"token": "tok-abcdef"}})
    assert masker.mask("tok-abcdef-7 and 7") == "***-7 and 7"
