"""One writer per run, and finished is final, with real processes against the sandbox.

Two `mw run --run-id X` or two `mw resume X` started at once: one runs, the other stops with
one line naming the first's pid (or waits with --wait-lock), and the sandbox's world holds every
note once. A journal cut right after a resume's replayed start line resumes without running
anything finished again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from tests.helpers import RECIPES
from tests.helpers import mw_command as command
from tests.reliability.helpers import environment, journal, mw, world
from wrapper.run.runlock import lock_run

pytestmark = pytest.mark.reliability

NOTES = RECIPES / "notes-then-fail.yaml"
#: A ceiling for what is polled for; reaching it is a failure, never a way to pass.
CEILING_S = 300.0


def notes(prefix: str, count: int) -> str:
    return "notes=" + json.dumps([f"{prefix}-{n}" for n in range(count)])


def landed(tmp_path, text: str) -> int:
    return sum(m.get("content") == text for m in world(tmp_path, "message"))


def together(env, *argvs):
    """Start every command at once, then wait for all; (exit code, stderr) of each."""
    processes = [
        subprocess.Popen(
            command(*argv),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    errors = [p.communicate(timeout=CEILING_S)[1] for p in processes]
    return [(p.returncode, stderr) for p, stderr in zip(processes, errors, strict=True)]


def busy_line(stderr: str, run_id: str) -> bool:
    prefix = f"Error: run {run_id} is in use by another mw (pid "
    end = "); wait for it to end, or pass --wait-lock to wait for it\n"
    return stderr.startswith(prefix) and stderr.endswith(end) and stderr.count("\n") == 1


def poll(condition, what: str):
    deadline = time.monotonic() + CEILING_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)  # a poll interval; the state polled for is what ends the wait
    raise AssertionError(f"not seen within {CEILING_S:.0f} s: {what}")


def test_two_runs_of_one_id_at_once_apply_every_note_once(tmp_path):
    env = environment(tmp_path)
    args = ("run", str(NOTES), "-i", notes("twin", 6), "--run-id", "twin", "-q")
    (first, first_err), (second, second_err) = together(env, args, args)
    outcomes = sorted([(first, first_err), (second, second_err)])
    # One ran (exit 1: its last step fails by design); the other stopped at the lock, or, if it
    # came after the first had finished, at the existing run id.
    assert outcomes[0][0] == 1, outcomes
    assert outcomes[1][0] == 2, outcomes
    loser = outcomes[1][1]
    assert busy_line(loser, "twin") or loser.startswith("Error: --run-id twin: a run with this")
    assert [landed(tmp_path, f"twin-{n}") for n in range(6)] == [1] * 6


def test_two_resumes_at_once_apply_every_unfinished_note_once(tmp_path):
    env = environment(tmp_path)
    run = subprocess.Popen(
        command("run", str(NOTES), "-i", notes("pair", 12), "--run-id", "pair", "-q"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def three_notes_journaled():
        records = safe_journal(tmp_path, "pair")
        return sum(r.get("event") == "item_finish" for r in records) >= 3 or run.poll() is not None

    poll(three_notes_journaled, "three notes journaled")
    run.send_signal(signal.SIGKILL)
    run.wait()
    args = ("resume", "pair", "--uncertain", "skip", "-q")
    results = together(env, args, args, args)
    codes = sorted(code for code, _ in results)
    assert codes[0] == 1, results  # the one that ran reaches the failing last step
    for code, stderr in results:
        if code == 2:
            assert busy_line(stderr, "pair") or "may or may not have been applied" in stderr
    counts = [landed(tmp_path, f"pair-{n}") for n in range(12)]
    assert set(counts) <= {0, 1}, counts
    skipped = {
        tuple(k)
        for r in journal(tmp_path, "pair")
        if r.get("event") == "resume"
        for k in r.get("skipped_uncertain") or []  # type: ignore[attr-defined]
    }
    assert [n for n, c in enumerate(counts) if c == 0 and ("note", n) not in skipped] == []


def safe_journal(tmp_path, run_id):
    try:
        return journal(tmp_path, run_id)
    except FileNotFoundError:
        return []


@pytest.mark.parametrize("verb", ["run", "resume"])
def test_wait_lock_waits_for_the_holder_then_goes_on(tmp_path, monkeypatch, verb):
    env = environment(tmp_path)
    monkeypatch.setenv("MW_STATE_DIR", env["MW_STATE_DIR"])
    args = ("run", str(NOTES), "-i", notes("w", 2), "--run-id", "w")
    if verb == "resume":
        assert mw(env, *args, "-q").returncode == 1
        args = ("resume", "w")
    held = lock_run("w", create=True)
    waiting = subprocess.Popen(
        command(*args, "--wait-lock"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = poll(lambda: waiting.stderr.readline(), "the waiting line")
    assert line == f"waiting for run w: it is in use by pid {os.getpid()}\n"
    assert waiting.poll() is None
    held.release()
    rest = waiting.communicate(timeout=CEILING_S)[1]
    assert waiting.returncode == 1, rest  # it ran: the recipe's last step fails by design
    assert "Error: step 'fail' failed" in rest
    assert [landed(tmp_path, f"w-{n}") for n in range(2)] == [1, 1]


def test_a_journal_cut_after_a_replayed_start_line_resumes_without_running_it_again(tmp_path):
    env = environment(tmp_path)
    first = mw(env, "run", str(NOTES), "-i", notes("cut", 4), "--run-id", "cut", "-q")
    assert first.returncode == 1, first.stderr
    path = tmp_path / "state" / "runs" / "cut" / "journal.jsonl"
    session_one = len(path.read_bytes())
    replayed = mw(env, "resume", "cut", "-q")
    assert replayed.returncode == 1, replayed.stderr
    data = path.read_bytes()
    # Right after the first item start the resume wrote for a finished note: a kill there.
    start = data.index(b'"event":"item_start"', session_one)
    cut = data.index(b"\n", start) + 1
    path.write_bytes(data[:cut])
    again = mw(env, "resume", "cut", "-q")
    assert again.returncode == 1, again.stderr
    assert "Error: step 'fail' failed" in again.stderr
    after = [json.loads(line) for line in path.read_bytes()[cut:].splitlines()]
    assert [r for r in after if r["event"] == "call_start" and r["step_id"] == "note"] == []
    assert [landed(tmp_path, f"cut-{n}") for n in range(4)] == [1] * 4


def test_a_resume_after_a_torn_last_line_keeps_its_own_first_record(tmp_path):
    env = environment(tmp_path)
    first = mw(env, "run", str(NOTES), "-i", notes("torn", 2), "--run-id", "torn", "-q")
    assert first.returncode == 1, first.stderr
    path = tmp_path / "state" / "runs" / "torn" / "journal.jsonl"
    with path.open("ab") as handle:
        handle.write(b'{"event":"call_start","run_id":"to')  # a kill in the middle of a line
    again = mw(env, "resume", "torn", "-q")
    assert again.returncode == 1, again.stderr
    records = journal(tmp_path, "torn")
    resumes = [r for r in records if r["event"] == "resume"]
    assert len(resumes) == 1
    assert b'"run_id":"to\n{"event":"resume"' in path.read_bytes()
