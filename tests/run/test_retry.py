"""Retry safety: doubtful writes are not repeated, and no wait is endless or out of bounds."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.membrane.test_engine_wire import Harness, action_argv, fail, ok, recipe
from wrapper.errors import EXIT_FAILED, RateLimitedError
from wrapper.recipe.model import ConnectionSpec, Retry
from wrapper.records import events as ev
from wrapper.run.ratelimit import RateLimiter
from wrapper.run.retry import MAX_WAIT_S, RetryPolicy, retry_after_s

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


def test_backoff_is_clamped_to_the_maximum_and_the_steps_timeout():
    policy = RetryPolicy(Retry(attempts=100, initial=3600, max=7200, jitter=False), lambda: 0.5)
    error = RateLimitedError("x")
    assert policy.delay_s(1, error) == MAX_WAIT_S
    assert policy.delay_s(99, error) == MAX_WAIT_S
    short = RetryPolicy(Retry(attempts=3, initial=60, max=60), lambda: 1.0, limit_s=10)
    assert short.delay_s(1, error) == 10


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


@pytest.mark.parametrize("hint", [float("inf"), float("nan"), 1e10, -1.0])
def test_the_connection_is_not_paused_by_a_hint_no_one_waits_for(hint):
    limiter = RateLimiter({"c": ConnectionSpec(app="chatwoot", rate_limit="5/s")})
    limiter.after_error(None, "c", RateLimitedError("x", retry_after_s=hint))
    assert limiter.buckets["c"]._paused_until == 0.0


def test_retry_after_reads_only_sensible_hints():
    assert retry_after_s(RateLimitedError("x", retry_after_s=2.5)) == 2.5
    assert retry_after_s(RateLimitedError("x", retry_after_s=float("nan"))) is None
    assert retry_after_s(RateLimitedError("x", retry_after_s=-1)) is None
    assert retry_after_s(RateLimitedError("x", retry_after_s=float("inf"))) == float("inf")
    assert retry_after_s(ValueError("x")) is None


FAKE_MEMBRANE = """\
import json, sys
body = {{"type": "bad_request", "key": "rate_limit_exceeded", "message": "Too many requests",
        "data": {{"status": 429, "retryAfter": {hint}}}}}
print(json.dumps(body))
sys.exit(1)
"""


@pytest.mark.parametrize("hint", ["1e10", "1e9", '"Infinity"', '"NaN"'])
def test_mw_run_ends_a_huge_retry_after_in_one_line_as_a_real_process(tmp_path, hint):
    fake = tmp_path / "membrane"
    fake.write_text(f"#!{sys.executable}\n" + FAKE_MEMBRANE.format(hint=hint))
    fake.chmod(0o755)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "version: 1\nname: t\nconnections:\n  c: {app: chatwoot}\nsteps:\n"
        "  - id: s\n    action: create-contact\n    connection: c\n"
        "    retry: {attempts: 2, initial: 10ms, max: 10ms}\n"
    )
    env = {
        **os.environ,
        "MW_MEMBRANE": str(fake),
        "MW_MEMBRANE_DIALECT": "current",
        "MW_STATE_DIR": str(tmp_path / "state"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "wrapper", "run", str(recipe), "--connection", "c=conn1"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "bug in mw" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        "Error: step 's' failed: membrane action run create-contact failed: Too many requests"
    ]
    advice = done.stderr.splitlines()[-1]
    if hint == '"NaN"':
        # Not a wait at all: ignored, the normal backoff retried once.
        assert "[retry] s attempt 1/2 failed, next in 0.01s" in done.stderr
        assert advice.startswith("  Slow down")
    else:
        asked = "forever" if "Infinity" in hint else f"{float(hint):g} s"
        assert advice == (
            f"  The app asked to wait {asked} before another try, longer than the longest wait "
            "mw allows (900 s); try again later."
        )
