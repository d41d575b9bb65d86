"""Rate limits and hangs injected by the sandbox: every item is applied exactly once."""

from __future__ import annotations

import pytest

from tests.helpers import RECIPES
from tests.reliability.helpers import contacts_by_email, environment, final_items, journal, mw

pytestmark = pytest.mark.reliability

ITEMS = 300
UNCERTAIN = "may or may not have been applied"


def test_a_300_item_write_under_rate_limits_and_timeouts_applies_each_item_once(tmp_path):
    # The sandbox's timeout fault hangs before applying anything; a write that timed out is
    # still uncertain to mw, so resume retries it explicitly (`--uncertain retry`). The hang
    # outlasts the step's 15 s timeout whatever the load, and stays under the 120 s an ensure
    # allows (the connection is ensured through the same faults).
    env = environment(
        tmp_path,
        MW_SANDBOX_FAULTS="rate_limit=0.2,timeout=0.02",
        MW_SANDBOX_SEED="300",
        MW_SANDBOX_HANG_S="40",
    )
    emails = "emails=[" + ",".join(f'"r{n}@example.com"' for n in range(ITEMS)) + "]"
    recipe = str(RECIPES / "create-many-retried.yaml")
    result = mw(env, "run", recipe, "-i", emails, "--run-id", "faulty", "-q")
    rounds = 0
    while result.returncode != 0 and rounds < 10:
        assert result.returncode in (1, 2), result.stderr
        if result.returncode == 2:
            assert UNCERTAIN in result.stderr
        result = mw(env, "resume", "faulty", "--uncertain", "retry", "-q")
        rounds += 1
    assert result.returncode == 0, result.stderr
    statuses = final_items(journal(tmp_path, "faulty"), "create")
    assert statuses == dict.fromkeys(range(ITEMS), "ok")
    held = contacts_by_email(tmp_path)
    assert [held.get(f"r{n}@example.com", 0) for n in range(ITEMS)] == [1] * ITEMS
