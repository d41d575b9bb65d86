"""One writer per run: an OS lock on `<state>/runs/<id>/lock`, held by `mw run` and `mw resume`
for their whole session.

The lock is `fcntl.flock` on a file that is never deleted (deleting a lock file lets a waiter
hold a lock on a file nobody else can see). The kernel drops it when the holder exits, however it
exits, kill -9 included, so a lock is never stale. The holder writes its pid into the file for
the message the loser prints. The descriptor is not inherited by the `membrane` processes mw
starts (Python opens files non-inheritable), so a stray child cannot keep a run locked.

A new run also claims its id under the lock: its journal is created with O_EXCL, after checking
that no earlier run with that id started. A journal with no complete first record is from a run
killed while it was writing that record, before any step ran: its id is reused.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Final

from wrapper import paths
from wrapper.errors import ResumeError, RunBusyError, UsageError
from wrapper.records.journal import check_run_id, has_records, journal_path, run_dir

LOCK_NAME: Final = "lock"
#: How long a loser waits for the holder to write its pid (it does so right after locking).
PID_WAIT_S: Final = 1.0


class RunLock:
    """The held lock of one run; `release()` (or leaving the `with`) lets the next writer in."""

    def __init__(self, run_id: str, fd: int) -> None:
        self.run_id = run_id
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def lock_run(
    run_id: str,
    *,
    create: bool,
    wait: bool = False,
    on_wait: Callable[[int | None], None] | None = None,
) -> RunLock:
    """Lock run `run_id`, or raise `RunBusyError` naming the holder (`wait`: block until free).

    `create` makes the run's folder (a new run); without it a run that does not exist is an
    error, so `mw resume TYPO` leaves no trace.
    """
    check_run_id(run_id)
    folder = run_dir(run_id)
    if create:
        paths.make_dir(folder)
    elif not folder.is_dir():
        raise ResumeError(
            f"no run {run_id!r} in {paths.runs_dir()}", advice="List runs with `mw runs`."
        )
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise ResumeError(
            f"cannot lock run {run_id}: {folder / LOCK_NAME}: {error.strerror or error}",
            advice="Set MW_STATE_DIR to a writable folder.",
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            if not wait:
                who = f"pid {holder}" if holder else "pid unknown"
                raise RunBusyError(
                    f"run {run_id} is in use by another mw ({who}); wait for it to end, "
                    "or pass --wait-lock to wait for it",
                    advice="",
                ) from None
            if on_wait is not None:
                on_wait(holder)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    return RunLock(run_id, fd)


def _holder(fd: int) -> int | None:
    """The holder's pid from the lock file; it may take a moment to appear after locking."""
    deadline = time.monotonic() + PID_WAIT_S
    while True:
        raw = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if raw.isdigit():
            return int(raw)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


def claim_new_run(lock: RunLock) -> bool:
    """Create the journal of a new run, exclusively, unless this session already did.

    Must be called with the run's lock held. True when the journal of a run killed while it
    wrote its first record (a torn line, nothing complete) was replaced.
    """
    run_id = lock.run_id
    started = has_records(run_id)
    path = journal_path(run_id)
    if started:
        # A second run would append to the first one's journal and mix the two.
        raise UsageError(
            f"--run-id {run_id}: a run with this id exists ({path})",
            advice=f"Continue it with `mw resume {run_id}`, or choose another id.",
        )
    torn = False
    if started is False:
        # Empty: created by a session that stopped before its first record (a bad input).
        torn = path.stat().st_size > 0
        path.unlink()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # only a writer that ignores the lock gets here
        raise UsageError(f"--run-id {run_id}: a run with this id exists ({path})") from None
    os.close(fd)
    _sync_dir(path.parent)
    return torn


def _sync_dir(folder: Path) -> None:
    """Make the new journal's name survive a power cut along with its first synced record."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
