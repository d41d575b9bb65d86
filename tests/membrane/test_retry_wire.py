"""Retry safety over the wire: Membrane's retry-after hints, however wild, and answers in doubt
(killed, garbage, cut short) meet the engine's retry rules; the rules themselves are
tests/run/test_retry.py's."""

from __future__ import annotations

import json

import pytest

from tests.membrane.test_engine_wire import Harness, action_argv, fail, ok, recipe
from wrapper.errors import EXIT_FAILED
from wrapper.records import events as ev

STEP = """
steps:
  - id: s
    effect: {effect}
    idempotent: {idempotent}
    action: s
    retry: {{attempts: 3, backoff: fixed, initial: 1s, max: 1s, jitter: false, when: "`true`"}}
    {extra}
"""


def _rate_limited(fp, hint):
    fail(
        fp,
        "s",
        None,
        {
            "type": "bad_request",
            "key": "rate_limit_exceeded",
            "message": "slow down",
            "data": {"retryAfter": hint},
        },
    )


@pytest.mark.parametrize("hint", [1e10, 1e9, "1e400", "Infinity", float("inf"), 901])
def test_a_huge_retry_after_ends_the_step_at_once_in_one_line(fake_process, hint):
    _rate_limited(fake_process, hint)
    h = Harness(recipe(STEP.format(effect="read", idempotent="false", extra="")))
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    assert h.sleeps == []
    assert h.step("s")["attempts"] == 1
    assert result.error is not None
    assert str(result.error) == "step 's' failed: membrane action run s failed: slow down"
    asked = "forever" if hint in ("1e400", "Infinity", float("inf")) else f"{float(hint):g} s"
    assert result.error.advice == (
        f"The app asked to wait {asked} before another try, longer than the longest wait mw "
        "allows (900 s); try again later."
    )


def test_the_steps_timeout_wins_over_a_longer_hint(fake_process):
    _rate_limited(fake_process, 60)
    h = Harness(recipe(STEP.format(effect="read", idempotent="false", extra="timeout: 30s")))
    result = h.run()
    assert h.sleeps == []
    assert result.error is not None
    assert "longer than the step's timeout of 30 s" in result.error.advice


@pytest.mark.parametrize("hint", ["NaN", -5, "soon", None])
def test_a_hint_that_makes_no_sense_is_ignored(fake_process, hint):
    _rate_limited(fake_process, hint)
    ok(fake_process, "s", None, {"id": 1})
    h = Harness(recipe(STEP.format(effect="write", idempotent="false", extra="")))
    assert h.run().exit_code == 0
    assert h.sleeps == [1.0]


def test_a_hint_within_bounds_is_waited(fake_process):
    _rate_limited(fake_process, 899)
    ok(fake_process, "s", None, {"id": 1})
    h = Harness(recipe(STEP.format(effect="write", idempotent="false", extra="")))
    assert h.run().exit_code == 0
    assert h.sleeps == [899.0]


@pytest.mark.parametrize(
    ("register", "kind"),
    [
        (dict(returncode=-9), "invalid_output"),  # killed, printed nothing
        (dict(stdout="<html>oops</html>"), "invalid_output"),  # garbage answer
        (dict(stdout='{"output": {"id"'), "invalid_output"),  # lost half of the answer
        (dict(stderr="Segmentation fault", returncode=139), "membrane"),  # died with text
    ],
)
@pytest.mark.parametrize(("idempotent", "calls"), [("false", 1), ("true", 3)])
def test_a_write_in_doubt_is_retried_only_when_idempotent_whatever_when_says(
    fake_process, register, kind, idempotent, calls
):
    fake_process.register(action_argv("s"), occurrences=3, **register)
    h = Harness(recipe(STEP.format(effect="write", idempotent=idempotent, extra="")))
    assert h.run().exit_code == EXIT_FAILED
    assert h.step("s")["attempts"] == calls
    assert h.step("s")["error"]["type"] == kind
    assert len(h.sink.of(ev.RetryScheduled)) == calls - 1


def test_a_write_that_was_answered_no_is_retried_when_asked(fake_process):
    body = {"type": "internal", "message": "try later", "data": {"status": 503}}
    fake_process.register(action_argv("s"), stderr=json.dumps(body), returncode=1, occurrences=2)
    ok(fake_process, "s", None, {"id": 1})
    h = Harness(recipe(STEP.format(effect="write", idempotent="false", extra="")))
    assert h.run().exit_code == 0
    assert h.step("s")["attempts"] == 3
