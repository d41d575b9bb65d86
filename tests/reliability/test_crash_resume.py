"""Crashes and kills, then resume: finished work is never repeated or lost.

The recipe is a plain (not idempotent) write per item, so every uncertain write must be reported
and decided, never silently run again.
"""

from __future__ import annotations

import json
import random
import signal
import time

import pytest

from tests.helpers import RECIPES
from tests.reliability.helpers import (
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
#: Kills follow one of these journal records (the k-th of the session), never a timer.
KILL_AFTER = ("call_start", "call_finish", "item_finish")
#: Reaching this means a hang; a slow machine stays far below it.
CEILING_S = 300.0


def emails(prefix: str, count: int) -> str:
    return "emails=[" + ",".join(f'"{prefix}{n}@example.com"' for n in range(count)) + "]"


def session_records(tmp_path, run_id: str, offset: int) -> list[dict[str, object]]:
    path = tmp_path / "state" / "runs" / run_id / "journal.jsonl"
    try:
        data = path.read_bytes()[offset:]
    except FileNotFoundError:
        return []
    records = []
    for line in data.split(b"\n")[:-1]:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def journal_size(tmp_path, run_id: str) -> int:
    path = tmp_path / "state" / "runs" / run_id / "journal.jsonl"
    return path.stat().st_size if path.exists() else 0


def kill_after(process, tmp_path, run_id: str, kind: str, count: int) -> bool:
    """kill -9 once this session journaled its `count`-th `kind` record; False if it ended first.

    The moment comes from the journal, never from the clock: a loaded machine only makes the
    wait longer (up to a generous ceiling that means a hang).
    """
    offset = journal_size(tmp_path, run_id)
    deadline = time.monotonic() + CEILING_S
    while process.poll() is None:
        seen = sum(r.get("event") == kind for r in session_records(tmp_path, run_id, offset))
        if seen >= count:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        assert time.monotonic() < deadline, f"no {count}th {kind} within {CEILING_S:.0f} s"
        time.sleep(0.005)  # a poll interval; the journal's state is what ends the wait
    return False


def test_kill_9_at_seeded_moments_then_resume_until_done(tmp_path):
    env = environment(tmp_path)
    chosen = random.Random(20261122)
    run_id = "killed"
    first = ["run", RECIPE, "-i", emails("k", ITEMS), "--run-id", run_id, "-q"]
    args = first
    reported: list[str] = []
    for _ in range(KILLS):
        process = start(env, *args)
        kill_after(process, tmp_path, run_id, chosen.choice(KILL_AFTER), chosen.randint(1, 8))
        if not session_records(tmp_path, run_id, 0):
            continue  # killed before its first record: the id is free for the same run again
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
