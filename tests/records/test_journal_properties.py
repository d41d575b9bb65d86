"""Property tests of the journal fold: finished is final for every cut of every journal.

A kill can stop `mw` between any two bytes it writes, and a resume replays finished work as
start records followed by finish records. Whatever the journal, and wherever it is cut, the
fold of a longer prefix must keep every step and item a shorter prefix showed as finished.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wrapper.errors import ResumeError
from wrapper.records.journal import (
    FINISHED,
    Journal,
    RunState,
    fold,
    journal_path,
    journal_records,
    load_state,
)

RUN = "prop"
STEPS = ("a", "b")
STATUSES = ("ok", "skipped", "failed", "cancelled", "interrupted", "started")
ERRORS = (None, "timeout", "killed", "rate_limit", "bad_request", "invalid_output")
#: Text that stresses the line format: separators str.splitlines honours, quotes, multi-byte.
TEXT = st.text(alphabet=st.sampled_from(["x", "é", "\u2028", "\x85", '"', "\\", "😀"]), max_size=4)
SETTINGS = settings(
    max_examples=150,
    deadline=None,  # file I/O on a loaded machine; the property, not the speed, is under test
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def start() -> dict:
    return {"event": "run_start", "run_id": RUN, "recipe": "t", "path": "t.yaml", "sha256": "s"}


@st.composite
def records(draw: st.DrawFn) -> list[dict]:
    """Any sequence of the journal's records after a first run start, in any order."""
    result = [start()]
    calls = 0
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(
            st.sampled_from(
                [
                    "step_start",
                    "step_finish",
                    "item_start",
                    "item_finish",
                    "call_start",
                    "call_finish",
                    "run_start",
                    "resume",
                    "run_finish",
                ]
            )
        )
        step_id = draw(st.sampled_from(STEPS))
        index = draw(st.integers(0, 3))
        if kind == "run_start":
            result.append(start())
        elif kind == "resume":
            keys = st.lists(st.tuples(st.sampled_from(STEPS), st.none() | st.integers(0, 3)))
            result.append(
                {
                    "event": "resume",
                    "skipped_uncertain": [list(k) for k in draw(keys)],
                    "retried_uncertain": [list(k) for k in draw(keys)],
                }
            )
        elif kind == "run_finish":
            result.append({"event": "run_finish", "status": draw(st.sampled_from(STATUSES))})
        elif kind == "step_start":
            result.append({"event": kind, "step_id": step_id})
        elif kind == "item_start":
            # Mostly the same item at an index (inputs are journaled), sometimes another one.
            item = draw(st.sampled_from([f"{step_id}{index}", f"{step_id}{index}", "moved"]))
            result.append({"event": kind, "step_id": step_id, "index": index, "item": item})
        elif kind in ("step_finish", "item_finish"):
            record = {
                "event": kind,
                "step_id": step_id,
                "status": draw(st.sampled_from(STATUSES)),
                "attempts": 1,
                "outputs": draw(TEXT),
            }
            if kind == "item_finish":
                record["index"] = index
            result.append(record)
        elif kind == "call_start":
            calls += 1
            result.append(
                {
                    "event": kind,
                    "call_id": calls,
                    "step_id": step_id,
                    "index": draw(st.none() | st.just(index)),
                    "safe_to_repeat": draw(st.booleans()),
                }
            )
        else:
            error = draw(st.sampled_from(ERRORS))
            result.append(
                {
                    "event": kind,
                    "call_id": draw(st.integers(1, max(calls, 1))),
                    "error": {"type": error} if error else None,
                }
            )
    return result


def encode(journal: list[dict]) -> bytes:
    return "".join(
        json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in journal
    ).encode("utf-8")


def state_at(data: bytes) -> RunState | None:
    """The fold of a journal's bytes, read as `mw resume` reads the file."""
    try:
        return fold(RUN, journal_records(RUN, data.decode("utf-8", errors="replace")))
    except ResumeError:
        return None  # no complete first record yet: nothing can have finished


def assert_keeps_finished(shorter: RunState | None, longer: RunState | None) -> None:
    if shorter is None:
        return
    assert longer is not None
    for step_id, unit in shorter.steps.items():
        if unit.status in FINISHED:
            assert longer.steps[step_id].status in FINISHED, step_id
    for key, unit in shorter.items.items():
        if unit.status in FINISHED:
            later = longer.items[key]
            # Another item at the index is another unit; the finished one is not reset.
            assert later.status in FINISHED or later.item != unit.item, key


@SETTINGS
@given(journal=records(), cuts=st.lists(st.floats(0, 1), min_size=2, max_size=2))
def test_any_longer_cut_keeps_what_a_shorter_cut_showed_finished(journal, cuts):
    data = encode(journal)
    first, second = sorted(int(c * len(data)) for c in cuts)
    assert_keeps_finished(state_at(data[:first]), state_at(data[:second]))


@SETTINGS
@given(journal=records(), cut=st.floats(0, 1))
def test_a_record_appended_after_any_cut_is_read_back(journal, cut):
    data = encode(journal)
    data = data[: int(cut * len(data))]
    before = state_at(data)
    path = journal_path(RUN)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    writer = Journal(RUN)
    writer.write({"event": "resume", "marker": "appended"})
    writer.close()
    text = journal_path(RUN).read_text(encoding="utf-8", errors="replace")
    assert text.endswith('"marker":"appended"}\n')
    assert text.split("\n")[-2] == '{"event":"resume","marker":"appended"}'
    assert_keeps_finished(before, state_at(path.read_bytes()))
    if before is not None:
        assert load_state(RUN).resumes == before.resumes + 1  # the file, as mw reads it
