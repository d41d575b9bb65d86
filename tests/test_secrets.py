"""Masking secrets by value, everywhere, from many threads."""

from __future__ import annotations

import threading

from wrapper.errors import BadRequestError, RecipeError
from wrapper.recipe.secrets import Masker


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
    from wrapper.recipe import events as ev

    digest = "1" * 64
    masked = ev.Emitter([], Masker(["1"]).mask_value).masked(ev.RunStart(run_id="r", sha256=digest))
    assert isinstance(masked, ev.RunStart)
    assert masked.sha256 == digest
