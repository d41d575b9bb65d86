"""CPU-time figures, side by side: start-up against the dependency floors, the cost per step
against a shell loop and a Python subprocess loop, fan-out against `xargs -P`, growth from
1,000 to 100,000 items, the resume of a half-done run, and go-task for the same 50 calls.

CPU time (user + system of the child and every process it waited for, from `os.wait4`) is the
measure on a shared machine: wall time grows with other people's work, CPU time hardly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench_world import (
    CHAIN,
    CONN_ID,
    FANOUT_CONCURRENCY,
    FANOUT_ITEMS,
    Bench,
    pip_install,
)

#: The sizes of the growth runs (`--quick` runs the first two).
SIZES = (1_000, 10_000, 20_000, 50_000, 100_000)
QUICK_SIZES = (1_000, 5_000)
RESUME_ITEMS = 10_000

PY_LOOP = """import subprocess, sys
fake, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    subprocess.run(
        [fake, "action", "run", "get-thing", "--connectionId={conn}", "--input",
         '{{"n": %d}}' % i, "--json"],
        stdout=subprocess.DEVNULL, check=True,
    )
"""

XARGS = """seq 0 $(($2 - 1)) | xargs -P {concurrency} -I @ \\
  "$1" action run get-thing --connectionId={conn} --input '{{"n": @}}' --json >/dev/null
"""

#: A fake that fails every item numbered `FAKE_FAIL_FROM` or more, like a rate limit that
#: stopped half a run; without the variable it is the plain fast fake.
FAILING = """#!/bin/sh
if [ -n "$FAKE_FAIL_FROM" ]; then
  all="$*"
  rest=${{all#*'"n":'}}
  n=${{rest%%[!0-9]*}}
  if [ -n "$n" ] && [ "$n" -ge "$FAKE_FAIL_FROM" ]; then
    echo '{{"type":"bad_request","message":"refused"}}' >&2; exit 1
  fi
fi
exec "{fake}" "$@"
"""


@dataclass
class Sample:
    wall_s: float
    cpu_s: float
    rss_kib: int
    code: int


def measure(
    argv: Sequence[str], env: dict[str, str], *, ok: tuple[int, ...] = (0,), stdin: str = ""
) -> Sample:
    """Wall time, CPU time (child and its reaped descendants) and peak RSS of one child."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    if stdin:
        assert proc.stdin is not None
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        text = err.decode(errors="replace").strip()[-800:]
        raise RuntimeError(f"`{' '.join(argv)}` exited {code}: {text}")
    return Sample(elapsed, usage.ru_utime + usage.ru_stime, int(usage.ru_maxrss), code)


def write_cpu_world(work: Path) -> None:
    (work / "pyloop.py").write_text(PY_LOOP.format(conn=CONN_ID))
    (work / "xargs.sh").write_text(XARGS.format(conn=CONN_ID, concurrency=FANOUT_CONCURRENCY))
    failing = work / "membrane-failing"
    failing.write_text(FAILING.format(fake=work / "membrane"))
    failing.chmod(0o755)
    (work / "Taskfile.yml").write_text(taskfile(work / "membrane", CHAIN))


def taskfile(fake: Path, calls: int) -> str:
    lines = ["version: '3'", "tasks:", "  chain:", "    cmds:"]
    for i in range(calls):
        argv = [str(fake), "action", "run", "get-thing", f"--connectionId={CONN_ID}"]
        argv += ["--input", json.dumps({"n": i}), "--json"]
        quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in argv)
        lines.append(f"      - {json.dumps(quoted + ' > /dev/null')}")
    return "\n".join(lines) + "\n"


def items_file(work: Path, count: int) -> Path:
    path = work / f"items{count}.json"
    if not path.exists():
        path.write_text(json.dumps({"items": list(range(count))}))
    return path


def compile_bytecode(python: str) -> str:
    """`python -m compileall` over the installed package, as docs/running.md advises for
    machines that set PYTHONDONTWRITEBYTECODE; a note on what was done."""
    found = subprocess.run(
        # -I: the checkout in the working directory must not shadow the installed package.
        [python, "-I", "-c", "import wrapper, os; print(os.path.dirname(wrapper.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([python, "-I", "-m", "compileall", "-q", found], check=True, capture_output=True)
    return f"bytecode compiled with `python -m compileall` in {found}"


# --- the scenarios -------------------------------------------------------------------------


def startup_cpu(bench: Bench) -> None:
    """`mw` start-up against the import floors of its dependencies, in CPU time."""
    work, py = bench.work, bench.python
    fake = str(work / "membrane")
    cases = {
        "c_python": ("`python -c pass`", [py, "-c", "pass"]),
        "c_floor3": (
            "floor: `python -c 'import click, yaml, jmespath'`",
            [py, "-c", "import click, yaml, jmespath"],
        ),
        "c_floor4": (
            "floor: `python -c 'import click, yaml, jmespath, pydantic'`",
            [py, "-c", "import click, yaml, jmespath, pydantic"],
        ),
        "c_version": ("`mw --version`", [*bench.mw, "--version"]),
        "c_runhelp": ("`mw run --help`", [*bench.mw, "run", "--help"]),
        "c_mw1": (
            "`mw run`, 1-step recipe",
            [*bench.mw, "run", str(work / "chain1.yaml"), "--connection", f"app={CONN_ID}", "-q"],
        ),
        "c_actions": (
            "`mw actions run` (one direct call)",
            [*bench.mw, "actions", "run", "get-thing", "--connection", CONN_ID, "--json"],
        ),
        "c_call": ("the fake `membrane` alone, one call", [fake, "action", "run", "x", "--json"]),
    }
    _interleave_cpu(bench, cases, bench.repeats * 2)


def per_step_cpu(bench: Bench) -> None:
    """1 and 50 calls from a shell loop, a Python subprocess loop and `mw run`, in CPU time."""
    work = bench.work
    fake = str(work / "membrane")
    cases = {}
    for count in (1, CHAIN):
        cases[f"c_sh{count}"] = (
            f"shell loop, {count} calls",
            ["sh", str(work / "loop.sh"), fake, str(count)],
        )
        cases[f"c_py{count}"] = (
            f"Python `subprocess.run` loop, {count} calls",
            [bench.python, str(work / "pyloop.py"), fake, str(count)],
        )
        chain = [*bench.mw, "run", str(work / f"chain{count}.yaml")]
        cases[f"c_run{count}"] = (
            f"`mw run`, {count}-step recipe",
            [*chain, "--connection", f"app={CONN_ID}", "-q"],
        )
    _interleave_cpu(bench, cases, bench.repeats)


def fanout_vs_xargs(bench: Bench) -> None:
    """The 200-item foreach against `xargs -P 10` making the same calls to the 50 ms fake."""
    work = bench.work
    env = {**bench.env, "MW_MEMBRANE": str(work / "membrane-slow")}
    argv = [*bench.mw, "run", str(work / "fanout.yaml"), "--inputs"]
    argv += [str(items_file(work, FANOUT_ITEMS)), "--connection", f"app={CONN_ID}", "-q"]
    xargs = ["sh", str(work / "xargs.sh"), str(work / "membrane-slow"), str(FANOUT_ITEMS)]
    keys = {
        "x_mw": ("`mw run`, 200-item foreach at concurrency 10 (50 ms fake)", argv, env),
        "x_xargs": ("`xargs -P 10`, the same 200 calls", xargs, bench.env),
    }
    for _, run_argv, run_env in keys.values():
        measure(run_argv, run_env)
    for _ in range(max(3, bench.repeats // 2)):
        for key, (name, run_argv, run_env) in keys.items():
            sample = measure(run_argv, run_env)
            bench.figure(key + "_wall", name + ", wall", "s").samples.append(sample.wall_s)
            bench.figure(key + "_cpu", name + ", CPU", "ms").samples.append(sample.cpu_s * 1000)


def growth(bench: Bench) -> None:
    """1,000 to 100,000 items with `--report`: wall, CPU and peak memory; linear or not."""
    work = bench.work
    for count in QUICK_SIZES if bench.quick else SIZES:
        state = work / f"state-{count}"
        env = {**bench.env, "MW_STATE_DIR": str(state)}
        argv = [*bench.mw, "run", str(work / "fanout.yaml"), "--inputs"]
        argv += [str(items_file(work, count)), "--connection", f"app={CONN_ID}", "-q"]
        argv += ["--report", str(work / f"growth-{count}.json")]
        sample = measure(argv, env)
        name = f"{count:,} items with --report"
        bench.figure(f"g{count}_wall", f"{name}, wall", "s").samples.append(sample.wall_s)
        bench.figure(f"g{count}_cpu", f"{name}, CPU", "s").samples.append(sample.cpu_s)
        bench.figure(f"g{count}_rss", f"{name}, peak RSS", "MB").samples.append(
            sample.rss_kib / 1024
        )
        journal = next(state.glob("runs/*/journal.jsonl"), None)
        if journal is not None:
            per_item = bench.figure(f"g{count}_journal", f"{name}, journal bytes per item", "B")
            per_item.samples.append(journal.stat().st_size / count)
        shutil.rmtree(state, ignore_errors=True)
        (work / f"growth-{count}.json").unlink(missing_ok=True)


def resume_half(bench: Bench) -> None:
    """A 10,000-item run whose second half failed, resumed: against the same run fresh."""
    work = bench.work
    count = 1_000 if bench.quick else RESUME_ITEMS
    env = {**bench.env, "MW_MEMBRANE": str(work / "membrane-failing")}
    env["MW_STATE_DIR"] = str(work / "state-resume")
    argv = [*bench.mw, "run", str(work / "fanout.yaml"), "--inputs"]
    argv += [str(items_file(work, count)), "--connection", f"app={CONN_ID}", "-q"]
    fresh = measure(argv, env)
    bench.figure("r_fresh", f"{count:,} items in one run, CPU", "s").samples.append(fresh.cpu_s)
    failing_env = {**env, "FAKE_FAIL_FROM": str(count // 2)}
    measure([*argv, "--run-id", "half"], failing_env, ok=(1,))
    resumed = measure([*bench.mw, "resume", "half", "-q"], env)
    bench.figure("r_resume", "its resume after the second half failed, CPU", "s").samples.append(
        resumed.cpu_s
    )
    bench.figure("r_resume_wall", "that resume, wall", "s").samples.append(resumed.wall_s)
    shutil.rmtree(work / "state-resume", ignore_errors=True)


def go_task(bench: Bench, venv: Path) -> None:
    """go-task running the same 50 calls (installed from PyPI's `go-task-bin` wheel)."""
    wall = bench.figure("t_wall", f"`task` (go-task), {CHAIN} commands, wall")
    cpu = bench.figure("t_cpu", f"`task` (go-task), {CHAIN} commands, CPU")
    binary = venv / "bin" / "task"
    if not binary.exists():
        reason = pip_install(venv, ["go-task-bin"], shown="go-task-bin")
        if reason or not binary.exists():
            wall.note = cpu.note = reason or "not installed"
            bench.notes.append(f"go-task was not measured: {wall.note}")
            return
    version = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    wall.note = cpu.note = f"task {version}"
    argv = [str(binary), "--silent", "--taskfile", str(bench.work / "Taskfile.yml"), "chain"]
    measure(argv, bench.env)
    for _ in range(bench.repeats):
        sample = measure(argv, bench.env)
        wall.samples.append(sample.wall_s * 1000)
        cpu.samples.append(sample.cpu_s * 1000)


def _interleave_cpu(bench: Bench, cases: dict[str, tuple[str, list[str]]], repeats: int) -> None:
    for _, argv in cases.values():
        measure(argv, bench.env)
    for _ in range(repeats):
        for key, (name, argv) in cases.items():
            bench.figure(key, name + ", CPU").samples.append(measure(argv, bench.env).cpu_s * 1000)
