"""Retry safety: doubtful writes are not repeated, and no wait is endless or out of bounds.

How Membrane's own hints and answers meet these rules is tests/membrane/test_retry_wire.py's.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wrapper.errors import RateLimitedError
from wrapper.recipe.model import ConnectionSpec, Retry
from wrapper.run.ratelimit import RateLimiter
from wrapper.run.retry import MAX_WAIT_S, RetryPolicy, retry_after_s


def test_backoff_is_clamped_to_the_maximum_and_the_steps_timeout():
    policy = RetryPolicy(Retry(attempts=100, initial=3600, max=7200, jitter=False), lambda: 0.5)
    error = RateLimitedError("x")
    assert policy.delay_s(1, error) == MAX_WAIT_S
    assert policy.delay_s(99, error) == MAX_WAIT_S
    short = RetryPolicy(Retry(attempts=3, initial=60, max=60), lambda: 1.0, limit_s=10)
    assert short.delay_s(1, error) == 10


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
