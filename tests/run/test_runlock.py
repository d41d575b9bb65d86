"""One writer per run: the run lock, id claims, and runs killed before their first record.

Two real processes racing for one run are in tests/reliability/test_one_writer.py; here the
holder is this test process, which is how the loser sees any other holder.
"""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path

import pytest

from tests import helpers
from wrapper.errors import ResumeError, RunBusyError, UsageError
from wrapper.records.journal import journal_path, load_state, run_dir
from wrapper.run.runlock import claim_new_run, lock_run

RECIPE = str(Path(__file__).parents[1] / "data" / "recipes" / "tag-contacts.yaml")
BUSY = "Error: run R is in use by another mw (pid {pid}); wait for it to end, or pass --wait-lock "
BUSY += "to wait for it\n"
NOBODY = "nobody-by-this-name"


mw = partial(helpers.mw, sandbox=True)


def test_a_second_lock_on_a_run_names_the_holder_and_a_released_lock_is_free():
    held = lock_run("R", create=True)
    with pytest.raises(RunBusyError) as caught:
        lock_run("R", create=True)
    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        f"run R is in use by another mw (pid {os.getpid()}); wait for it to end, "
        "or pass --wait-lock to wait for it"
    )
    held.release()
    with lock_run("R", create=True):
        assert (run_dir("R") / "lock").read_text() == f"{os.getpid()}\n"


def test_resume_of_an_unknown_run_creates_nothing():
    with pytest.raises(ResumeError, match=r"^no run 'ghost' in "):
        lock_run("ghost", create=False)
    assert not run_dir("ghost").exists()


def test_mw_run_and_mw_resume_refuse_a_run_in_use_in_one_line_with_exit_2():
    with lock_run("R", create=True):
        ran = mw("run", RECIPE, "-i", "query=ada", "--run-id", "R")
        resumed = mw("resume", "R")
    assert (ran.exit_code, ran.stderr) == (2, BUSY.format(pid=os.getpid()))
    assert (resumed.exit_code, resumed.stderr) == (2, BUSY.format(pid=os.getpid()))
    assert not journal_path("R").exists()


def test_a_claimed_id_is_claimed_once():
    with lock_run("R", create=True) as lock:
        assert claim_new_run(lock) is False
        journal_path("R").write_text('{"event":"run_start"}\n', encoding="utf-8")
        with pytest.raises(UsageError, match=r"^--run-id R: a run with this id exists"):
            claim_new_run(lock)
    assert journal_path("R").stat().st_mode & 0o777 == 0o600


def test_a_journal_of_garbage_lines_is_not_taken_for_a_run_that_never_started():
    path = journal_path("R")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe garbage\n")
    with lock_run("R", create=True) as lock, pytest.raises(UsageError):
        claim_new_run(lock)
    assert path.read_bytes() == b"\xff\xfe garbage\n"


def test_a_run_killed_during_its_first_record_is_resumed_with_advice_and_its_id_reused():
    path = journal_path("R")
    path.parent.mkdir(parents=True)
    path.write_text('{"event":"run_start","run_id":"R","reci', encoding="utf-8")
    resumed = mw("resume", "R")
    assert resumed.exit_code == 2
    assert resumed.stderr == (
        "Error: run R never started: it was stopped while writing its first journal record, "
        "before any step ran, so there is nothing to resume\n"
        "  Start it again with `mw run RECIPE --run-id R` (the id is reused).\n"
    )
    ran = mw("run", RECIPE, "-i", f"query={NOBODY}", "--run-id", "R")
    assert ran.exit_code == 3, ran.stderr  # found nobody: the recipe's assertion fails
    assert ran.stderr.startswith(
        "note: run R never started (it was stopped while writing its first journal record); "
        "starting it afresh under the same id\n"
    )
    first = json.loads(path.read_text(encoding="utf-8").split("\n")[0])
    assert (first["event"], first["run_id"]) == ("run_start", "R")
    assert load_state("R").status == "failed"


def test_a_run_stopped_by_a_bad_input_leaves_its_id_free():
    bad = mw("run", RECIPE, "-i", "min_found=many", "-i", f"query={NOBODY}", "--run-id", "R")
    assert bad.exit_code == 2, bad.stderr
    again = mw("run", RECIPE, "-i", f"query={NOBODY}", "-q", "--run-id", "R")
    assert "never started" not in again.stderr
    assert again.exit_code == 3, again.stderr
