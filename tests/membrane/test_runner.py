"""The process runner: argv, env, decoding, logging, and turning OS failures into errors."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wrapper.errors import (
    InvalidOutputError,
    MembraneNotFoundError,
    MembraneTimeoutError,
    OutputTooLargeError,
)
from wrapper.membrane import runner


def test_run_returns_decoded_output_and_exit_code(fake_process):
    fake_process.register(
        ["membrane", "--version"], stdout=b"1.18.0\n\xff", stderr="warn", returncode=3
    )
    result = runner.run(["membrane", "--version"])
    assert result.argv == ("membrane", "--version")
    assert result.returncode == 3
    assert result.stdout == "1.18.0\n\ufffd"
    assert result.stderr == "warn"
    assert result.duration_s >= 0
    with pytest.raises(AttributeError):
        result.returncode = 0  # type: ignore[misc]


def test_popen_receives_env_cwd_and_session(monkeypatch, tmp_path):
    seen: dict[str, object] = {}

    class Recorder:
        def __init__(self, args, **kwargs):
            seen.update(kwargs, args=args)
            self.pid = 0
            self.returncode = 0

        def communicate(self, timeout=None):
            seen["timeout"] = timeout
            return b"ok", b""

    monkeypatch.setenv("KEEP", "1")
    monkeypatch.setenv("DROP", "1")
    monkeypatch.setattr(runner.subprocess, "Popen", Recorder)
    result = runner.run(
        ["membrane", "status"], env={"ADDED": "x", "DROP": None}, cwd=tmp_path, timeout_s=7
    )
    assert result.stdout == "ok"
    env = seen["env"]
    assert isinstance(env, dict)
    assert env["KEEP"] == "1" and env["ADDED"] == "x" and "DROP" not in env
    assert seen["cwd"] == tmp_path
    assert seen["start_new_session"] is True
    # The timeout is enforced by a watchdog that kills the group, not by communicate().
    assert seen["timeout"] is None
    assert seen["args"] == ["membrane", "status"]
    assert "shell" not in seen


def test_missing_binary_names_the_command(monkeypatch):
    def missing(args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(runner.subprocess, "Popen", missing)
    with pytest.raises(MembraneNotFoundError) as info:
        runner.run(["nope-membrane", "--help"])
    assert str(info.value) == (
        "cannot run `nope-membrane`: no such program (command: nope-membrane --help)"
    )
    assert "npm install -g @membranehq/cli" in info.value.advice


def test_missing_binary_for_real(tmp_path):
    with pytest.raises(MembraneNotFoundError, match="no such program"):
        runner.run([str(tmp_path / "absent"), "--version"])


def test_not_executable_for_real(tmp_path):
    script = tmp_path / "membrane"
    script.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(MembraneNotFoundError) as info:
        runner.run([str(script), "--version"])
    assert str(info.value).endswith("it is not executable (command: " + f"{script} --version)")


def test_timeout_with_fake_pid_kills_the_process_not_our_group(fake_process):
    def hang(process):
        raise subprocess.TimeoutExpired(process.args, 5)

    fake_process.register(["membrane", "action", "run", "k"], callback=hang)
    with pytest.raises(MembraneTimeoutError) as info:
        runner.run(["membrane", "action", "run", "k"], timeout_s=5, label="membrane action run k")
    assert str(info.value) == "membrane action run k did not finish within 5 s and was stopped"
    assert info.value.command == ["membrane", "action", "run", "k"]
    assert info.value.retryable


def test_timeout_kills_the_whole_process_group(tmp_path):
    pid_file = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(600)\n"
    )
    # The timeout must fire after the grandchild exists; a loaded machine can take seconds to
    # start two interpreters, so a timeout that came first is tried again, longer.
    for timeout_s in (2, 10, 60, 300):
        with pytest.raises(MembraneTimeoutError):
            runner.run([sys.executable, "-c", code], timeout_s=timeout_s)
        if pid_file.exists() and pid_file.read_text():
            break
    child = int(pid_file.read_text())
    # The grandchild is gone (or a zombie awaiting its reaper), never still sleeping. A SIGKILL
    # takes effect when the process is next scheduled, which on a loaded machine can be a moment
    # after killpg returns, so the state is polled rather than read once.
    state = _process_state(child)
    deadline = time.monotonic() + 120
    while state not in ("gone", "Z", "X") and time.monotonic() < deadline:
        time.sleep(0.05)
        state = _process_state(child)
    assert state in ("gone", "Z", "X")


def _process_state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return "gone"
    # The command name (in parentheses) may hold spaces; the state follows its closing paren.
    return stat.rsplit(")", 1)[1].split()[0]


def test_debug_log_shows_masked_argv(fake_process, caplog):
    fake_process.register(["membrane", "request", "c", "/x", "-H", "Authorization: sk-123"])
    with caplog.at_level(logging.DEBUG, logger="wrapper.membrane"):
        runner.run(
            ["membrane", "request", "c", "/x", "-H", "Authorization: sk-123"],
            mask=lambda text: text.replace("sk-123", "***"),
        )
    text = caplog.text
    assert "running: membrane request c /x -H 'Authorization: ***'" in text
    assert "sk-123" not in text


def test_build_env_deletes_none(monkeypatch):
    monkeypatch.setenv("GONE", "1")
    env = runner.build_env({"GONE": None, "NEW": "v"})
    assert "GONE" not in env and env["NEW"] == "v" and env["PATH"] == os.environ["PATH"]


def test_without_overrides_the_child_inherits_our_environment(monkeypatch):
    seen: dict[str, object] = {}

    class Recorder:
        def __init__(self, args, **kwargs):
            seen.update(kwargs)
            self.pid = 0
            self.returncode = 0

        def communicate(self, timeout=None):
            return b"", b""

    monkeypatch.setattr(runner.subprocess, "Popen", Recorder)
    runner.run(["membrane", "--version"])
    assert seen["env"] is None  # inherited as is: no copy of os.environ per call


# --- bounded output -----------------------------------------------------------------------


def _printing(code: str) -> list[str]:
    return [sys.executable, "-c", "import sys\n" + code]


def test_an_answer_past_the_stdout_limit_is_drained_and_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(runner, "STDOUT_LIMIT_BYTES", 1024 * 1024)
    argv = _printing("sys.stdout.write('x' * (3 * 1024 * 1024))")
    with pytest.raises(OutputTooLargeError) as info:
        runner.run(argv, label="membrane action run k")
    assert str(info.value) == (
        "membrane action run k printed 3145728 bytes on stdout, more than the 1 MiB mw reads of "
        "one answer"
    )
    assert info.value.advice.startswith("Ask for less in one call")
    # A write whose answer is refused may have been applied: it is an uncertain failure.
    assert isinstance(info.value, InvalidOutputError)


def test_stderr_keeps_its_start_and_end_and_counts_what_it_skipped():
    code = (
        "sys.stderr.write('FIRST LINE\\n' + 'n' * 5_000_000 + '\\nLAST LINE\\n')\n"
        "sys.stdout.write('{}')\n"
    )
    result = runner.run(_printing(code))
    assert result.stdout == "{}"
    assert result.stderr.startswith("FIRST LINE\n")
    assert result.stderr.endswith("\nLAST LINE\n")
    total = len("FIRST LINE\n") + 5_000_000 + len("\nLAST LINE\n")
    assert result.stderr_skipped == total - runner.STDERR_LIMIT_BYTES
    assert len(result.stderr) == runner.STDERR_LIMIT_BYTES + 1  # a line break where it skipped


def test_output_under_the_limits_is_kept_whole():
    code = "sys.stdout.write('o' * 300_000); sys.stderr.write('e' * 200_000)"
    result = runner.run(_printing(code))
    assert result.stdout == "o" * 300_000
    assert result.stderr == "e" * 200_000


def _script(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{text}\n")
    path.chmod(0o755)
    return path


def test_a_program_on_path_is_found_once_and_keeps_its_own_name_in_argv(tmp_path, monkeypatch):
    first = _script(tmp_path / "a", "fake-mb", 'echo "a $0 $1"')
    _script(tmp_path / "b", "fake-mb", 'echo "b $0 $1"')
    monkeypatch.setenv("PATH", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    monkeypatch.setattr(runner, "_FOUND", {})
    assert runner.run(["fake-mb", "x"]).stdout == f"a {first} x\n"
    found = dict(runner._FOUND)
    assert found == {("fake-mb", os.environ["PATH"]): str(first)}
    assert runner.run(["fake-mb", "y"]).argv == ("fake-mb", "y")


def test_a_program_gone_since_it_was_found_is_looked_for_again(tmp_path, monkeypatch):
    first = _script(tmp_path / "a", "fake-mb", 'echo "a $1"')
    _script(tmp_path / "b", "fake-mb", 'echo "b $1"')
    monkeypatch.setenv("PATH", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    monkeypatch.setattr(runner, "_FOUND", {})
    assert runner.run(["fake-mb", "x"]).stdout == "a x\n"
    first.unlink()
    assert runner.run(["fake-mb", "x"]).stdout == "b x\n"
    (tmp_path / "b" / "fake-mb").unlink()
    with pytest.raises(MembraneNotFoundError) as info:
        runner.run(["fake-mb", "x"])
    assert str(info.value) == "cannot run `fake-mb`: no such program (command: fake-mb x)"


def test_a_relative_path_entry_leaves_the_search_to_the_child(tmp_path, monkeypatch):
    _script(tmp_path / "a", "fake-mb", "echo a")
    monkeypatch.setenv("PATH", f"rel{os.pathsep}{tmp_path / 'a'}")
    monkeypatch.setattr(runner, "_FOUND", {})
    assert runner.run(["fake-mb"]).stdout == "a\n"
    assert not runner._FOUND
