"""The run journal: `<state>/runs/<id>/journal.jsonl`, one masked event per line, synced.

The journal is an event sink. The emitter hands it each event synchronously, under its lock,
and every line is written and flushed before the engine goes on, so a killed `mw` (even with
kill -9) loses nothing: flushed lines are the kernel's, whatever becomes of the process. What a
power cut must not lose is also fsync'ed: the run's start and finish, and the `call_start` of
every call that is not safe to repeat, before the call begins (an fsync carries every earlier
line with it). Everything else waits for the next fsync, the finish records of writes included:
a write's `call_start` is on disk before its call runs, so if a power cut takes its finish
records, resume finds the call started and not finished and treats the write as uncertain (it
asks; it never runs it again on its own), exactly as for a power cut during the call. The
next write's `call_start`, the run's end or closing the journal syncs them. A foreach of reads
pays no disk sync per item, and one of writes pays one per call instead of four.

A resumed run appends to the same file: each `run_start` opens a new segment (call ids restart
there), and a `resume` record says how uncertain work was decided. A line torn by a kill is
closed with a newline before anything is appended, so it cannot swallow the next record.

Finished is final: folding the records never turns a finished step or item back into an
unfinished one, whatever follows it (a resume replays finished work as start and finish records,
and a kill can fall between the two). So every prefix of a journal, cut anywhere, folds to a
state that keeps everything an earlier cut already showed as finished.

Events reach sinks already masked, so no secret value is ever written here; outputs derived from
a secret read `***` in the journal (see `wrapper.run.resume` for what that means on resume).

A record is its event less what no reader of the journal needs (resume, `mw runs`, the report
rebuilt from it): the run id (the run's start has it), a field at its default, and a call's argv,
operation and target (the item's value is journaled once, by its `item_start`). A call's finish
names only its call id, a field of a unit always says which (step, index and status are kept,
and a reader older than this format reads them alike). `journal_records` puts it all back, so
readers see whole events, and a journal written before this format reads the same.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import IO, Any, Final

from wrapper import paths
from wrapper.errors import ResumeError
from wrapper.records import events as ev
from wrapper.records.journal_format import compact, expand

JOURNAL_NAME: Final = "journal.jsonl"
#: Statuses of work that is done and must not run again.
FINISHED: Final = frozenset({"ok", "skipped"})
#: Error types of a failed call that certainly changed nothing (the rest leave a write uncertain).
NOT_APPLIED: Final = frozenset(
    {"rate_limit", "bad_request", "not_found", "access_denied", "environment", "usage", "input"}
)


#: A run id names a folder under the state directory: no separators, no leading dot.
RUN_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def run_dir(run_id: str) -> Path:
    return paths.runs_dir() / run_id


def journal_path(run_id: str) -> Path:
    return run_dir(run_id) / JOURNAL_NAME


#: Events that are always fsync'ed: the run's bounds (anything else waits for the next sync).
_ALWAYS_SYNCED: Final = frozenset({"run_start", "run_finish"})


class Journal:
    """Appends records to a run's journal: each flushed, fsync'ed when a crash must not lose it."""

    #: Its own lock orders the lines: the emitter calls it outside its lock (see `EventSink`).
    locks_itself: Final = True

    def __init__(self, run_id: str) -> None:
        self.path = journal_path(run_id)
        self._lock = threading.Lock()
        # Unbuffered bytes: each line is one write to the kernel, with no layer to flush.
        self._handle: IO[bytes] | None = None
        #: Lines written since the last fsync.
        self._unsynced = False

    def _open(self) -> IO[bytes]:
        if self._handle is None:
            try:
                paths.make_dir(self.path.parent)
                torn = _ends_torn(self.path)
                self._handle = self.path.open("ab", buffering=0)
                if torn:
                    # A kill tore the last line: end it here, or it would swallow our first.
                    _write_all(self._handle, b"\n")
            except OSError as error:
                raise ResumeError(
                    f"cannot write the run journal {self.path}: {error.strerror or error}",
                    advice="Set MW_STATE_DIR to a writable folder.",
                ) from None
        return self._handle

    def write(self, record: dict[str, Any], *, sync: bool = True) -> None:
        line = _ENCODER.encode(record).encode("utf-8") + b"\n"
        with self._lock:
            handle = self._open()
            _write_all(handle, line)
            if sync:
                os.fsync(handle.fileno())
            self._unsynced = not sync

    def handle(self, event: ev.Event) -> None:
        """Event sink: every event, less what no reader of the journal needs."""
        self.write(compact(event), sync=self._must_sync(event))

    def _must_sync(self, event: ev.Event) -> bool:
        if event.event in _ALWAYS_SYNCED:
            return True
        return isinstance(event, ev.CallStart) and not event.safe_to_repeat

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                if self._unsynced:
                    os.fsync(self._handle.fileno())
                self._handle.close()
                self._handle = None


#: One encoder for every line: `json.dumps` with options builds a new one each call.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"))


def _write_all(handle: IO[bytes], data: bytes) -> None:
    """Hand `data` to the kernel whole (a raw write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[handle.write(view) or 0 :]


def _ends_torn(path: Path) -> bool:
    """Whether the file's last line lacks its newline (a kill during its write)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() == 0:
                return False
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) != b"\n"
    except FileNotFoundError:
        return False


def check_run_id(run_id: str) -> None:
    if not RUN_ID.fullmatch(run_id):
        raise ResumeError(
            f"no run {run_id!r}: a run id is letters, digits, '.', '_' and '-'",
            advice="List runs with `mw runs`.",
        )


def parse_records(text: str) -> list[dict[str, Any]]:
    """The complete records of a journal's text; torn or mangled lines are left out."""
    records: list[dict[str, Any]] = []
    # Only "\n" ends a record: str.splitlines would also split at U+2028 or \x85 inside a
    # value (json.dumps leaves them raw with ensure_ascii=False) and lose the record.
    for line in text.split("\n"):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line torn by a kill during its write, or mangled on disk
        if isinstance(record, dict):
            records.append(record)
    return records


def has_records(run_id: str) -> bool | None:
    """None when the run has no journal, else whether it holds a complete line.

    No complete line means the run was killed while it wrote its first record (the start,
    synced before any call), so nothing ran. A complete line that does not parse is damage,
    not that: such a journal is never taken for one that did not start.
    """
    try:
        data = journal_path(run_id).read_bytes()
    except FileNotFoundError:
        return None
    return b"\n" in data


def read_records(run_id: str) -> list[dict[str, Any]]:
    """Every complete record of a run's journal; a line torn by a crash is ignored."""
    check_run_id(run_id)
    path = journal_path(run_id)
    try:
        # A line mangled on disk fails to parse and is skipped like a torn one.
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise ResumeError(
            f"no run {run_id!r} in {paths.runs_dir()}", advice="List runs with `mw runs`."
        ) from None
    return journal_records(run_id, text)


def journal_records(run_id: str, text: str) -> list[dict[str, Any]]:
    """The records of a journal's text, which must hold a complete run start first."""
    records = parse_records(text)
    if "\n" not in text:
        # The start record is synced before any call, so nothing ran: the id is free again.
        raise ResumeError(
            f"run {run_id} never started: it was stopped while writing its first journal "
            "record, before any step ran, so there is nothing to resume",
            advice=f"Start it again with `mw run RECIPE --run-id {run_id}` (the id is reused).",
        )
    if not records or records[0].get("event") != "run_start":
        raise ResumeError(f"run {run_id!r}: the journal {journal_path(run_id)} has no run start")
    return expand(run_id, records)


class Unit:
    """What the journal knows of one step or one foreach item.

    Plain slotted classes here, not dataclasses: one `Unit` per item of a long journal, and a
    dataclass writes its methods with `exec` at every start.
    """

    __slots__ = (  # noqa: RUF023  # the order of __init__'s arguments
        "status",
        "attempts",
        "outputs",
        "error",
        "http_status",
        "item",
        "safe_to_repeat",
    )

    def __init__(
        self,
        status: str = "started",
        attempts: int = 0,
        outputs: Any = None,
        error: dict[str, Any] | None = None,
        http_status: int | None = None,
        item: Any = None,
        safe_to_repeat: bool = True,
    ) -> None:
        self.status = status
        self.attempts = attempts
        self.outputs = outputs
        self.error = error
        self.http_status = http_status
        self.item = item
        self.safe_to_repeat = safe_to_repeat


class RunState:
    """A run as its journal tells it, all segments (first run and resumes) folded together."""

    __slots__ = (  # noqa: RUF023  # the order of __init__'s arguments
        "run_id",
        "recipe",
        "path",
        "sha256",
        "started",
        "inputs",
        "plan",
        "shard",
        "status",
        "exit_code",
        "connections",
        "steps",
        "items",
        "uncertain",
        "resumes",
    )

    def __init__(
        self,
        run_id: str,
        recipe: str,
        path: str,
        sha256: str,
        started: str,
        inputs: dict[str, Any],
        plan: bool = False,
        shard: dict[str, Any] | None = None,
    ) -> None:
        self.run_id = run_id
        self.recipe = recipe
        self.path = path
        self.sha256 = sha256
        self.started = started
        self.inputs = inputs
        self.plan = plan
        #: `--shard`: {"index", "total", "step"} of the first segment; resumes split alike.
        self.shard = shard
        self.status = "unfinished"
        self.exit_code: int | None = None
        self.connections: dict[str, str] = {}
        self.steps: dict[str, Unit] = {}
        self.items: dict[tuple[str, int], Unit] = {}
        #: (step id, item index or None) of calls started but never finished, not safe to
        #: repeat.
        self.uncertain: dict[tuple[str, int | None], Unit] = {}
        self.resumes = 0


def fold(run_id: str, records: list[dict[str, Any]]) -> RunState:
    first = records[0]
    state = RunState(
        run_id=run_id,
        recipe=str(first.get("recipe", "")),
        path=str(first.get("path", "")),
        sha256=str(first.get("sha256", "")),
        started=str(first.get("time", "")),
        inputs=dict(first.get("inputs") or {}),
        plan=bool(first.get("plan")),
        shard=first.get("shard") if isinstance(first.get("shard"), dict) else None,
    )
    pending: dict[int, dict[str, Any]] = {}

    def close_segment() -> None:
        for call in pending.values():
            key = (str(call.get("step_id", "")), call.get("index"))
            if not call.get("safe_to_repeat", False) and call.get("step_id"):
                state.uncertain[key] = Unit(safe_to_repeat=False)
        pending.clear()

    for record in records:
        kind = record.get("event")
        step_id = str(record.get("step_id", ""))
        index = record.get("index")
        if kind == "run_start":
            close_segment()
            state.status, state.exit_code = "unfinished", None
            state.sha256 = str(record.get("sha256", state.sha256))
        elif kind == "resume":
            close_segment()
            state.resumes += 1
            for step, item in record.get("retried_uncertain") or []:
                # Decided: it runs again in this segment, which says anew whether it is in doubt.
                state.uncertain.pop((step, item), None)
            for step, item in record.get("skipped_uncertain") or []:
                state.uncertain.pop((step, item), None)
                if item is None:
                    state.steps[step] = Unit(status="skipped")
                else:
                    # Keep the item itself: a later resume checks it is still the same item.
                    known = state.items.get((step, item), Unit()).item
                    state.items[(step, item)] = Unit(status="skipped", item=known)
        elif kind == "connection_ready" and record.get("id") is not None:
            state.connections.setdefault(str(record.get("name")), str(record["id"]))
        elif kind == "call_start":
            pending[int(record.get("call_id", 0))] = record
        elif kind == "call_finish":
            call = pending.pop(int(record.get("call_id", 0)), None)
            error = record.get("error") or {}
            applied = not error or error.get("type") not in NOT_APPLIED
            if call and applied and not call.get("safe_to_repeat"):
                # A write that timed out, was killed or printed garbage may have been applied;
                # one that succeeded was applied, and stays in doubt until its step or item is
                # journaled as finished (a kill in between loses its outputs, not its effect).
                key = (str(call.get("step_id", "")), call.get("index"))
                state.uncertain[key] = Unit(safe_to_repeat=False)
        elif kind == "step_start":
            # A start of a finished step is its replay by a resume: it stays finished.
            if not _finished(state.steps.get(step_id)):
                state.steps[step_id] = Unit()
        elif kind == "item_start":
            item_key = (step_id, int(index or 0))
            known = state.items.get(item_key)
            item = record.get("item")
            # Likewise for a finished item, unless another item now holds its index (the list
            # changed): that one is a new unit, and the index says nothing about it yet.
            if not _finished(known) or (known is not None and known.item != item):
                state.items[item_key] = Unit(item=item)
        elif kind in ("step_finish", "item_finish"):
            unit = Unit(
                status=str(record.get("status", "")),
                attempts=int(record.get("attempts") or 0),
                outputs=record.get("outputs"),
                error=record.get("error"),
                http_status=record.get("http_status"),
            )
            key = (step_id, None if kind == "step_finish" else int(index or 0))
            units: dict[Any, Unit] = state.steps if kind == "step_finish" else state.items
            unit_key = step_id if kind == "step_finish" else key
            known = units.get(unit_key)
            if known is not None:
                unit.item = known.item
            # Work run again after it finished (outputs that read ***) and then failed or was
            # interrupted keeps its first finish: the earlier effect is not undone.
            if unit.status in FINISHED or not _finished(known):
                units[unit_key] = unit
            if unit.status in FINISHED:
                state.uncertain.pop(key, None)
        elif kind == "run_finish":
            pending.clear()
            state.status = str(record.get("status", ""))
            state.exit_code = record.get("exit_code")
    close_segment()
    return state


def _finished(unit: Unit | None) -> bool:
    return unit is not None and unit.status in FINISHED


def load_state(run_id: str) -> RunState:
    return fold(run_id, read_records(run_id))


def list_runs() -> list[RunState]:
    """Every run with a readable journal, oldest first (run ids sort by start time)."""
    root = paths.runs_dir()
    if not root.is_dir():
        return []
    found: list[RunState] = []
    for child in sorted(root.iterdir()):
        if not (child / JOURNAL_NAME).is_file():
            continue
        try:
            found.append(load_state(child.name))
        except ResumeError:
            continue
    return found
