"""The only place `mw` starts processes.

Every call takes an argv list (never a shell), optional environment overrides (a value of None
deletes the variable), a working directory and a timeout. A call that runs past its timeout is
killed together with everything it started (its own process group), because `npx` and node
spawn children that would otherwise keep the pipes open and outlive us.

What a child prints is read to the end but kept only up to a bound (`STDOUT_LIMIT_BYTES`,
`STDERR_LIMIT_BYTES`), so a runaway or hostile program costs neither unbounded memory nor
unbounded parsing; an answer past the stdout bound is an `OutputTooLargeError`.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Final

from wrapper.errors import (
    InputTooLargeError,
    MembraneNotFoundError,
    MembraneTimeoutError,
    OutputTooLargeError,
)
from wrapper.frozen import Frozen
from wrapper.membrane.watchdog import WATCHDOG

if TYPE_CHECKING:
    import logging

LOGGER_NAME: Final = "wrapper.membrane"
DEFAULT_TIMEOUT_S: Final = 120.0
# After a kill the pipes close at once; this only bounds a pathological reap.
_REAP_TIMEOUT_S: Final = 5.0
#: The most of one answer (stdout) mw keeps; more is read, counted and refused.
STDOUT_LIMIT_BYTES: Final = 64 * 1024 * 1024
#: The most of stderr mw keeps: its start and, of that, `STDERR_TAIL_BYTES` from its end.
STDERR_LIMIT_BYTES: Final = 1024 * 1024
STDERR_TAIL_BYTES: Final = 64 * 1024
_CHUNK_BYTES: Final = 64 * 1024

Mask = Callable[[str], str]


def _identity(text: str) -> str:
    return text


def _logger() -> logging.Logger | None:
    """The `wrapper.membrane` logger when it logs debug lines, else None.

    None as well when `logging` was never imported: only code that imported it can have set up
    a handler (`--verbose`, tests), and importing it would cost every short `mw` command its
    start-up time. A logger that drops debug lines is None too, so no call formats its command
    line for nothing (pydantic imports `logging`, so a run has the module all the same).
    """
    module = sys.modules.get("logging")
    if module is None:
        return None
    log = module.getLogger(LOGGER_NAME)
    return log if log.isEnabledFor(module.DEBUG) else None


_DEVNULL: int | None = None
_DEVNULL_LOCK: Final = threading.Lock()


def _devnull() -> int:
    """One descriptor of the null device for every child's stdin: `subprocess.DEVNULL` opens
    and closes the device again for each call."""
    global _DEVNULL
    with _DEVNULL_LOCK:
        if _DEVNULL is None:
            _DEVNULL = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        return _DEVNULL


class RunResult(Frozen):
    """What one finished process left behind; output is decoded, never raises on bad bytes."""

    # The order of __init__'s arguments.
    __slots__ = ("argv", "returncode", "stdout", "stderr", "duration_s", "stderr_skipped")  # noqa: RUF023
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    #: Bytes of stderr read but not kept (`stderr` holds its start and its end).
    stderr_skipped: int

    def __init__(
        self,
        argv: tuple[str, ...],
        returncode: int,
        stdout: str,
        stderr: str,
        duration_s: float,
        stderr_skipped: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, "argv", argv)
        _set(self, "returncode", returncode)
        _set(self, "stdout", stdout)
        _set(self, "stderr", stderr)
        _set(self, "duration_s", duration_s)
        _set(self, "stderr_skipped", stderr_skipped)


class _Capture:
    """What is kept of one output stream: its first bytes up to `limit` (less `tail`), and with
    `tail` also its last `tail` bytes; everything in between is counted, not kept."""

    def __init__(self, limit: int, tail: int = 0) -> None:
        self._head_room = limit - tail
        self._tail_room = tail
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    @property
    def total(self) -> int:
        return len(self.head) + self.dropped + len(self.tail)

    def feed(self, chunk: bytes) -> None:
        room = self._head_room - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        if not self._tail_room:
            self.dropped += len(chunk)
            return
        self.tail += chunk
        excess = len(self.tail) - self._tail_room
        if excess > 0:
            self.dropped += excess
            del self.tail[:excess]

    def text(self) -> str:
        head = _decode(bytes(self.head))
        if not self.dropped:
            return head + _decode(bytes(self.tail))
        # A line break where bytes were skipped, so two half lines never read as one.
        return head + "\n" + _decode(bytes(self.tail))


def _read_bounded(proc: subprocess.Popen[bytes], stdout: _Capture, stderr: _Capture) -> None:
    """Read both pipes to their end into their captures (as `communicate` would, bounded)."""
    try:
        pipes = {proc.stdout.fileno(): stdout, proc.stderr.fileno(): stderr}  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        # Not OS pipes (a test double): its output is there already; bound it the same way.
        out, err = proc.communicate()
        stdout.feed(out or b"")
        stderr.feed(err or b"")
        return
    # poll, not an epoll selector: one system call a wait instead of six more a call (create,
    # register and unregister both pipes, close), each a hand-over of the interpreter's lock.
    poller = select.poll()
    for fd in pipes:
        poller.register(fd, select.POLLIN)
    while pipes:
        for fd, _ in poller.poll():
            chunk = os.read(fd, _CHUNK_BYTES)
            if chunk:
                pipes[fd].feed(chunk)
            else:  # the end of this stream (POLLHUP reads as an empty chunk)
                poller.unregister(fd)
                del pipes[fd]
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    proc.wait()


Observer = Callable[[RunResult], None]
# Who sees every finished call in this context (`mw doctor --probe` records a transcript).
_OBSERVERS: ContextVar[tuple[Observer, ...]] = ContextVar("mw_runner_observers", default=())


@contextmanager
def observe(observer: Observer) -> Iterator[None]:
    """Hand every call that finishes inside this block to `observer`, whatever its exit code."""
    token = _OBSERVERS.set((*_OBSERVERS.get(), observer))
    try:
        yield
    finally:
        _OBSERVERS.reset(token)


def format_command(argv: Sequence[str], mask: Mask | None = None) -> str:
    """The argv as a copy-pasteable shell line, with secrets masked.

    Each argument is masked before it is quoted: quoting first would turn a secret holding a
    quote into a form (`'a'"'"'b'`) that no longer reads as the secret.
    """
    import shlex  # only for messages and --verbose: most calls never show their command

    return shlex.join(masked_argv(argv, mask))


def masked_argv(argv: Sequence[str], mask: Mask | None = None) -> list[str]:
    """Each argument passed through `mask`, for errors that carry the command."""
    apply = mask or _identity
    return [apply(arg) for arg in argv]


def build_env(overrides: Mapping[str, str | None] | None) -> dict[str, str]:
    """A copy of this process's environment with `overrides` applied (None deletes)."""
    env = dict(os.environ)
    for name, value in (overrides or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str | None] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    mask: Mask | None = None,
    label: str | None = None,
) -> RunResult:
    """Run `argv` to completion and return its result, whatever its exit code.

    Raises MembraneNotFoundError when the program cannot be started and MembraneTimeoutError
    (after killing the process group) when it runs longer than `timeout_s`. `label` names the
    call in error messages (default: the masked command line).
    """
    args = list(argv)
    name = label or format_command(args, mask)
    log = _logger()
    if log is not None:
        log.debug("running: %s", format_command(args, mask))
    started = time.monotonic()
    try:
        # No overrides: the child inherits our environment without a per-call copy.
        proc = _start(args, build_env(env) if env else None, cwd)
    except FileNotFoundError:
        raise MembraneNotFoundError(
            f"cannot run `{args[0]}`: no such program (command: {format_command(args, mask)})"
        ) from None
    except PermissionError:
        raise MembraneNotFoundError(
            f"cannot run `{args[0]}`: it is not executable (command: {format_command(args, mask)})"
        ) from None
    except OSError as error:
        if error.errno == errno.E2BIG:
            raise InputTooLargeError(
                f"{name}: the command line is longer than the operating system allows"
            ) from None
        raise MembraneNotFoundError(
            f"cannot run `{args[0]}`: {error.strerror or error} "
            f"(command: {format_command(args, mask)})"
        ) from None
    # The watchdog enforces the timeout: `communicate(timeout=...)` would poll for the exit
    # status with sleeps of 1 ms and more after every call, a cost each step would pay.
    expired = threading.Event()

    def expire() -> None:
        if proc.returncode is None:  # never signal a pid that was reaped (it may be reused)
            expired.set()
            _signal_group(proc)

    deadline = WATCHDOG.arm(timeout_s, expire)
    out = _Capture(STDOUT_LIMIT_BYTES)
    err = _Capture(STDERR_LIMIT_BYTES, STDERR_TAIL_BYTES)
    try:
        _read_bounded(proc, out, err)
    except subprocess.TimeoutExpired:
        expired.set()
    finally:
        WATCHDOG.disarm(deadline)
    if expired.is_set():
        _kill_group(proc)
        duration = time.monotonic() - started
        if log is not None:
            log.debug("timed out after %.1f s: %s", duration, format_command(args, mask))
        raise MembraneTimeoutError(
            f"{name} did not finish within {timeout_s:g} s and was stopped",
            command=masked_argv(args, mask),
        ) from None
    duration = time.monotonic() - started
    returncode = proc.returncode if proc.returncode is not None else -1
    if log is not None:
        log.debug("exit %d after %.2f s: %s", returncode, duration, format_command(args, mask))
    if out.dropped:
        # A cut answer cannot be parsed, and its size says the call asked for too much.
        raise OutputTooLargeError(
            f"{name} printed {out.total} bytes on stdout, more than the "
            f"{STDOUT_LIMIT_BYTES // (1024 * 1024)} MiB mw reads of one answer",
            command=masked_argv(args, mask),
        )
    result = RunResult(
        argv=tuple(args),
        returncode=returncode,
        stdout=out.text(),
        stderr=err.text(),
        duration_s=duration,
        stderr_skipped=err.dropped,
    )
    for observer in _OBSERVERS.get():
        observer(result)
    return result


def _start(
    args: list[str], env: dict[str, str] | None, cwd: str | os.PathLike[str] | None
) -> subprocess.Popen[bytes]:
    found = _program(args[0], env)

    def popen(executable: str | None) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            args,
            executable=executable,
            stdin=_devnull(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )

    try:
        return popen(found)
    except OSError:
        if found is None:
            raise
        # Moved or gone since it was found: look for it as exec would, and say what that says.
        _FOUND.clear()
        return popen(None)


#: (program, PATH) -> the file exec would run. Popen walks PATH in Python on every call
#: (`os.get_exec_path` sets up a warnings filter each time): about 50 µs a call.
_FOUND: dict[tuple[str, str], str] = {}


def _program(name: str, env: Mapping[str, str] | None) -> str | None:
    """The file that exec would run for `name`, found on the child's PATH; None to let Popen
    look (a name with a folder, a relative PATH entry before it, or no such file)."""
    if os.sep in name:
        return None
    search = (os.environ if env is None else env).get("PATH", os.defpath)
    key = (name, search)
    found = _FOUND.get(key)
    if found is not None:
        return found
    from pathlib import Path  # once per program and PATH

    for folder in map(Path, search.split(os.pathsep)):
        if not folder.is_absolute():
            return None  # the child's working directory would decide
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            _FOUND[key] = found = str(candidate)
            return found
    return None


def _decode(data: bytes | bytearray | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors="replace")


def _signal_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything it started (its own process group)."""
    # A pid of 0 or less would address our own group (fakes under test report 0).
    try:
        if proc.pid > 0:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
        else:
            proc.kill()
    except ProcessLookupError:  # already gone and reaped
        pass


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process and everything it started, then reap it."""
    _signal_group(proc)
    try:
        proc.communicate(timeout=_REAP_TIMEOUT_S)
    except Exception:  # the process is gone or unreapable; the timeout error says enough
        log = _logger()
        if log is not None:
            log.debug("could not reap pid %s after kill", proc.pid)
