"""Crashes and kills, then resume: finished work is never repeated or lost.

The recipe is a plain (not idempotent) write per item, so every uncertain write must be reported
and decided, never silently run again.
"""

from __future__ import annotations

import random
import signal
import time

import pytest

from tests.reliability.helpers import (
    RECIPES,
    contacts_by_email,
    environment,
    final_items,
    journal,
    mw,
    repeated_after_finish,
    start,
)

pytestmark = pytest.mark.reliability

RECIPE = str(RECIPES / "create-many.yaml")
UNCERTAIN = "may or may not have been applied"
#: Fewer kills than a soak test would use, to keep CI time reasonable; the seed makes them repeat.
KILLS = 8
ITEMS = 40


def emails(prefix: str, count: int) -> str:
    return "emails=[" + ",".join(f'"{prefix}{n}@example.com"' for n in range(count)) + "]"


def test_kill_9_at_seeded_moments_then_resume_until_done(tmp_path):
    env = environment(tmp_path)
    chosen = random.Random(20261122)
    run_id = "killed"
    args = ["run", RECIPE, "-i", emails("k", ITEMS), "--run-id", run_id, "-q"]
    reported: list[str] = []
    for kill in range(KILLS):
        process = start(env, *args)
        time.sleep(chosen.uniform(0.2, 1.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()
        if kill == 0 and not (tmp_path / "state" / "runs" / run_id).exists():
            args = ["run", RECIPE, "-i", emails("k", ITEMS), "--run-id", run_id, "-q"]
            continue
        shown = mw(env, "runs", "show", run_id)
        reported += [line for line in shown.stdout.splitlines() if "uncertain:" in line]
        args = ["resume", run_id, "--uncertain", "skip", "-q"]
        if "status: ok" in shown.stdout:
            break
    for _ in range(5):
        shown = mw(env, "runs", "show", run_id)
        if "status: ok" in shown.stdout:
            break
        plain = mw(env, "resume", run_id, "-q")
        if plain.returncode == 2:
            assert UNCERTAIN in plain.stderr
        decided = mw(env, "resume", run_id, "--uncertain", "skip", "-q")
        assert decided.returncode in (0, 2), decided.stderr
    records = journal(tmp_path, run_id)
    statuses = final_items(records, "create")
    assert sorted(statuses) == list(range(ITEMS))
    assert set(statuses.values()) <= {"ok", "skipped"}
    assert repeated_after_finish(records, "create") == []
    held = contacts_by_email(tmp_path)
    for index, status in statuses.items():
        count = held.get(f"k{index}@example.com", 0)
        if status == "ok":
            assert count == 1, f"item {index} finished but the sandbox holds {count}"
        else:
            assert count <= 1, f"uncertain item {index} was applied {count} times"
    skipped = [i for i, s in statuses.items() if s == "skipped"]
    assert len(reported) >= len(skipped) or not skipped


def test_crash_after_write_is_reported_and_skip_finishes_without_duplicates(tmp_path):
    faulty = environment(tmp_path, MW_SANDBOX_FAULTS="crash_after_write=0.3", MW_SANDBOX_SEED="2")
    first = mw(faulty, "run", RECIPE, "-i", emails("c", 12), "--run-id", "crashy", "-q")
    assert first.returncode == 1, first.stderr
    assert "(killed)" in first.stderr
    env = environment(tmp_path)
    stopped = mw(env, "resume", "crashy")
    assert stopped.returncode == 2
    assert stopped.stderr.startswith("Error: run crashy: step 'create' item ")
    assert UNCERTAIN in stopped.stderr
    assert "--uncertain retry" in stopped.stderr
    shown = mw(env, "runs", "show", "crashy")
    uncertain = [line for line in shown.stdout.splitlines() if "uncertain:" in line]
    assert uncertain
    done = mw(env, "resume", "crashy", "--uncertain", "skip", "-q")
    assert done.returncode == 0, done.stderr
    statuses = final_items(journal(tmp_path, "crashy"), "create")
    assert len(uncertain) == sum(s == "skipped" for s in statuses.values())
    held = contacts_by_email(tmp_path)
    for index in range(12):
        assert held.get(f"c{index}@example.com", 0) == 1
    again = mw(env, "resume", "crashy")
    assert again.returncode == 2
    assert "finished ok; there is nothing to resume" in again.stderr
