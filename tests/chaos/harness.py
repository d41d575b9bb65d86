"""Chaos trials: kill -9 `mw run` and `mw resume` at moments read from the journal, race
sessions of one run, inject the sandbox's faults, then check the sandbox's world.

A trial is fully chosen by its seed: the recipe (a plain write or an idempotent one), the items,
the faults, and for every session whether it is killed, after which journal record (the k-th
call start, call finish, item finish or replayed item start of that session), and whether a
second session of the same run is started beside it. Kills are never timed by the clock: a
watcher polls the journal and kills when the chosen record is on disk, so a loaded machine only
makes a trial slower. After the chaos, plain resumes (no faults, no kills) finish the run, and
`check` asserts:

- every item landed at most once in the world (plain notes are counted by content);
- an item the journal calls `ok` landed exactly once; with idempotent writes and
  `--uncertain retry`, every item landed (exactly once);
- no call started for an item after the journal had recorded it as finished.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers import ROOT, mw_command
from tests.reliability.helpers import world

DATA = Path(__file__).parent / "data"
RUN_ID = "chaos"
#: Faults a trial may inject (one set per trial), as MW_SANDBOX_FAULTS.
FAULTS = (
    "",
    "crash_after_write=0.15",
    "rate_limit=0.25",
    "garbage=0.1,error_on_stderr=0.2",
    "crash_after_write=0.1,rate_limit=0.1,garbage=0.05",
)
#: Which journal records a kill may follow; `replayed` is an item start that a resume writes for
#: an item finished in an earlier session (the record the fold once mistook for a restart).
KILL_AFTER = ("call_start", "call_finish", "item_finish", "replayed")
#: Generous ceilings: a session that has not ended by then is a hang, not slowness.
SESSION_CEILING_S = 300.0
POLL_S = 0.005


@dataclass
class Trial:
    seed: int
    plain: bool
    items: int
    faults: str
    log: list[str] = field(default_factory=list)
    #: Whether the last kill's journal was cut back to the chosen record.
    cut: bool = False


def choose(seed: int) -> Trial:
    rng = random.Random(seed)
    return Trial(
        seed=seed, plain=rng.random() < 0.6, items=rng.randint(6, 14), faults=rng.choice(FAULTS)
    )


def environment(home: Path, faults: str = "", seed: int = 0) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MW_", "GITHUB_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        MW_STATE_DIR=str(home / "state"),
        MW_SANDBOX_DIR=str(home / "sandbox"),
        MW_SANDBOX_SEED=str(seed),
    )
    if faults:
        env["MW_SANDBOX_FAULTS"] = faults
    return env


mw_argv = mw_command


def journal_path(home: Path) -> Path:
    return home / "state" / "runs" / RUN_ID / "journal.jsonl"


def read_journal(home: Path) -> tuple[bytes, list[dict[str, Any]]]:
    try:
        data = journal_path(home).read_bytes()
    except FileNotFoundError:
        return b"", []
    records = []
    for line in data.split(b"\n")[:-1]:  # the part after the last newline may be torn
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return data, records


def finished_items(records: list[dict[str, Any]]) -> set[int]:
    """Items the journal records as finished (a skip decided by a resume counts)."""
    done: set[int] = set()
    for record in records:
        if record.get("event") == "item_finish" and record.get("status") in ("ok", "skipped"):
            done.add(int(record["index"]))
        elif record.get("event") == "resume":
            done.update(int(i) for _, i in record.get("skipped_uncertain") or [] if i is not None)
    return done


def recipe_args(trial: Trial, tag: str) -> list[str]:
    if trial.plain:
        notes = [
            {"conversation_id": 1 + n % 40, "content": note_text(tag, n)}
            for n in range(trial.items)
        ]
        return [str(DATA / "notes.yaml"), "-i", "notes=" + json.dumps(notes)]
    marks = [
        {"contact_id": 1 + n, "attributes": {f"chaos_{tag}": mark_text(tag, n)}}
        for n in range(trial.items)
    ]
    return [str(DATA / "marks.yaml"), "-i", "marks=" + json.dumps(marks)]


def note_text(tag: str, n: int) -> str:
    return f"chaos note {tag} #{n}"


def mark_text(tag: str, n: int) -> str:
    return f"chaos mark {tag} #{n}"


def start(argv: list[str], env: dict[str, str], home: Path, name: str) -> subprocess.Popen[str]:
    logs = home / "logs"
    logs.mkdir(exist_ok=True)
    err = (logs / f"{name}.stderr").open("w", encoding="utf-8")
    with err:
        return subprocess.Popen(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True, start_new_session=True
        )


def kill_group(process: subprocess.Popen[str]) -> None:
    """kill -9 of mw and of the sandbox process it waits for, as a crashed machine would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def watch(
    trial: Trial,
    processes: list[subprocess.Popen[str]],
    home: Path,
    offset: int,
    kill_after: tuple[str, int] | None,
    before: set[int],
    rng: random.Random,
) -> bool:
    """Wait for the sessions to end; kill them all once the chosen record is journaled.

    True when a kill was sent. `offset` is the journal's length when the sessions started (only
    their records count); `before` the items finished before them (what `replayed` means).
    A poll sees the record a little after it was written, so the kill lands a few records
    later; when the calls started in between changed nothing in the world, the journal is cut
    back to right after the chosen record, sometimes tearing the next line: exactly what a kill
    at that byte leaves.
    """
    deadline = time.monotonic() + SESSION_CEILING_S
    while any(p.poll() is None for p in processes):
        if time.monotonic() > deadline:
            for process in processes:
                kill_group(process)
            raise AssertionError(f"a session did not end within {SESSION_CEILING_S:.0f} s")
        if kill_after is not None and chosen_end(home, offset, kill_after, before) is not None:
            for process in processes:
                kill_group(process)
            for process in processes:
                process.wait()
            trial.cut = cut_back(trial, home, offset, kill_after, before, rng)
            return True
        time.sleep(POLL_S)  # a poll interval: what ends the wait is the journal's state
    return False


def lines_from(data: bytes, offset: int) -> list[tuple[int, dict[str, Any]]]:
    """(end offset, record) of every complete record after `offset`."""
    found = []
    position = offset
    for line in data[offset:].split(b"\n")[:-1]:
        position += len(line) + 1
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            found.append((position, record))
    return found


def chosen_end(
    home: Path, offset: int, kill_after: tuple[str, int], before: set[int]
) -> int | None:
    """Where the chosen record ends in the journal, once it is there."""
    kind, k = kill_after
    data, _ = read_journal(home)
    seen = 0
    for end, record in lines_from(data, offset):
        event = record.get("event")
        if kind == "replayed":
            seen += event == "item_start" and int(record.get("index", -1)) in before
        else:
            seen += event == kind
        if seen >= k:
            return end
    return None


def cut_back(
    trial: Trial,
    home: Path,
    offset: int,
    kill_after: tuple[str, int],
    before: set[int],
    rng: random.Random,
) -> bool:
    """Cut the journal back to right after the chosen record, when a kill there could have
    left the world as it is; True when it did.

    A call start after that point can be dropped only if its call changed nothing: the killed
    mw's `membrane-sandbox` children run on (as a real `membrane` would), so they are waited
    for first, and then a note not in the world was never written. Setting a mark again changes
    nothing, so idempotent calls can always be dropped.
    """
    end = chosen_end(home, offset, kill_after, before)
    if end is None:
        return False
    wait_for_orphans(home)
    data, _ = read_journal(home)
    later = [r for _, r in lines_from(data, end) if r.get("event") == "call_start"]
    if trial.plain and later:
        contents = [m.get("content") for m in world(home, "message")]
        tag = f"s{trial.seed}"
        for record in later:
            index = record.get("index")
            if isinstance(index, int) and note_text(tag, index) in contents:
                return False  # that call wrote its note: a kill before it is not possible
    if end < len(data) and rng.random() < 0.5:
        end += rng.randint(1, len(data[end:].split(b"\n")[0]))  # tear the next line
    with journal_path(home).open("r+b") as handle:
        handle.truncate(end)
    return True


def wait_for_orphans(home: Path) -> None:
    """Wait until no sandbox process of this trial runs any more (polled, with a ceiling)."""
    marker = f"MW_SANDBOX_DIR={home / 'sandbox'}".encode()
    deadline = time.monotonic() + SESSION_CEILING_S
    while True:
        alive = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes()
                argv = (entry / "cmdline").read_bytes()
            except OSError:
                continue  # gone meanwhile, or not ours to read
            if marker in environ.split(b"\0") and b"sandbox" in argv:
                alive.append(entry.name)
        if not alive:
            return
        assert time.monotonic() < deadline, f"sandbox processes {alive} never ended"
        time.sleep(POLL_S)  # a poll interval: the processes ending is what ends the wait


def run_trial(trial: Trial, home: Path, *, sessions: int = 4) -> None:
    """The chaos part of a trial: up to `sessions` rounds of run/resume, some killed."""
    rng = random.Random(trial.seed * 7919 + 1)
    tag = f"s{trial.seed}"
    chaotic = environment(home, trial.faults, trial.seed)
    decision = "skip" if trial.plain else "retry"
    started_run = False
    for session in range(sessions):
        data, records = read_journal(home)
        before = finished_items(records)
        if not started_run:
            argv = mw_argv("run", *recipe_args(trial, tag), "--run-id", RUN_ID, "-q")
        else:
            argv = mw_argv("resume", RUN_ID, "--uncertain", decision, "-q")
        twin = rng.random() < 0.3
        argvs = [argv]
        if twin:
            # A second session of the same run at the same moment; half of them wait for it.
            argvs.append(argv + (["--wait-lock"] if rng.random() < 0.5 else []))
        kill_after = None
        if rng.random() < 0.8:
            kind = rng.choice(KILL_AFTER)
            if kind == "replayed" and not before:
                kind = "item_finish"
            kill_after = (kind, rng.randint(1, max(1, trial.items // 2)))
        processes = [start(a, chaotic, home, f"{session}-{n}") for n, a in enumerate(argvs)]
        killed = watch(trial, processes, home, len(data), kill_after, before, rng)
        codes = [p.returncode for p in processes]
        trial.log.append(
            f"session {session}: {'run' if not started_run else 'resume'}"
            f"{' x2' if twin else ''} kill_after={kill_after} killed={killed} "
            f"cut={killed and trial.cut} exits={codes}"
        )
        started_run = started_run or journal_path(home).exists()
        if not killed:
            for n, code in enumerate(codes):
                # 2: the lock's loser, a decided-nothing resume, or a run that already finished.
                assert code in (0, 1, 2), stderr_of(home, f"{session}-{n}")


def finish(trial: Trial, home: Path, *, rounds: int = 8) -> None:
    """Plain resumes, no faults, no kills, until the run is ok."""
    env = environment(home)
    decision = "skip" if trial.plain else "retry"
    tag = f"s{trial.seed}"
    if not journal_path(home).exists() or not read_journal(home)[1]:
        argv = mw_argv("run", *recipe_args(trial, tag), "--run-id", RUN_ID, "-q")
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        trial.log.append(f"finish: run exit {done.returncode} {done.stderr.strip()[:200]}")
    for _ in range(rounds):
        if run_status(home) == "ok":
            return
        argv = mw_argv("resume", RUN_ID, "--uncertain", decision, "-q")
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        trial.log.append(f"finish: resume exit {done.returncode} {done.stderr.strip()[:200]}")
    assert run_status(home) == "ok", "\n".join(trial.log)


def run_status(home: Path) -> str | None:
    status = None
    for record in read_journal(home)[1]:
        if record.get("event") == "run_start":
            status = "unfinished"
        elif record.get("event") == "run_finish":
            status = str(record.get("status"))
    return status


def stderr_of(home: Path, name: str) -> str:
    return (home / "logs" / f"{name}.stderr").read_text(encoding="utf-8")


def final_statuses(records: list[dict[str, Any]]) -> dict[int, str]:
    """Each item's first finished status (finished is final), else its last status."""
    status: dict[int, str] = {}
    for record in records:
        index = record.get("index")
        if record.get("event") == "item_finish" and isinstance(index, int):
            if status.get(index) not in ("ok", "skipped"):
                status[index] = str(record.get("status"))
        elif record.get("event") == "resume":
            for _, i in record.get("skipped_uncertain") or []:
                if i is not None and status.get(i) not in ("ok", "skipped"):
                    status[int(i)] = "skipped"
    return status


def repeated_after_finish(records: list[dict[str, Any]]) -> list[int]:
    """Items with a call started after the journal recorded them as finished."""
    done: set[int] = set()
    repeated = []
    for record in records:
        index = record.get("index")
        if not isinstance(index, int):
            continue
        if record.get("event") == "item_finish" and record.get("status") in ("ok", "skipped"):
            done.add(index)
        elif record.get("event") == "call_start" and index in done:
            repeated.append(index)
    return repeated


def check(trial: Trial, home: Path) -> None:
    """The world and the journal after a trial: at most once, exactly once where promised."""
    records = read_journal(home)[1]
    why = "\n".join(trial.log)
    assert repeated_after_finish(records) == [], why
    statuses = final_statuses(records)
    assert sorted(statuses) == list(range(trial.items)), why
    tag = f"s{trial.seed}"
    if trial.plain:
        contents = [m.get("content") for m in world(home, "message")]
        for n in range(trial.items):
            landed = contents.count(note_text(tag, n))
            assert landed <= 1, f"note {n} landed {landed} times\n{why}"
            if statuses[n] == "ok":
                assert landed == 1, f"note {n} is ok in the journal but landed {landed}\n{why}"
            else:
                assert statuses[n] == "skipped", why
    else:
        marks = [
            (c.get("custom_attributes") or {}).get(f"chaos_{tag}") for c in world(home, "contact")
        ]
        for n in range(trial.items):
            assert statuses[n] == "ok", f"mark {n}: {statuses[n]}\n{why}"
            assert marks.count(mark_text(tag, n)) == 1, f"mark {n} is missing\n{why}"
