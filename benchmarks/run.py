"""The performance harness of DESIGN section 9: `python benchmarks/run.py [--quick]`.

It measures, side by side in one run, the same chain of 50 calls made three ways (a plain shell
loop, `mw run`, `ansible-playbook`), the fan-out of a foreach, start-up, peak memory of a large
foreach and the sandbox's per-call time, then writes `benchmarks/RESULTS.md` with medians,
spreads, ratios and a met / NOT met verdict for every budget line.

The calls go to a fake `membrane`: a POSIX shell script answering fixed JSON, written into a
temporary folder (plus a variant that sleeps 50 ms per call). Ansible is installed only into the
benchmark's own virtual environment (`benchmarks/.venv-ansible`), never into the project's.
Repeated scenarios are interleaved (shell, mw, shell, mw, ...) so background noise hits each of
them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONN_ID = "0123456789abcdef01234567"
CHAIN = 50
FANOUT_ITEMS = 200
FANOUT_CONCURRENCY = 10
LATENCY_S = 0.05
BIG_ITEMS = 10_000

FAKE = """#!/bin/sh
# A fake `membrane`: fixed JSON for the calls mw makes, optionally slow, optionally logged.
[ -n "$FAKE_MEMBRANE_LOG" ] && echo "$*" >> "$FAKE_MEMBRANE_LOG"
{sleep}conn='"id":"{conn}","name":"Fake","key":"fake","state":"READY","disconnected":false'
case "$1" in
  --help)
    echo 'Usage: membrane [options] [command]'
    echo 'Commands:'
    echo '  connection ensure <app>  Ensure a connection'
    echo '  connection list          List connections'
    echo '  action run <key>         Run an action'
    echo '  request <conn> <path>    Proxy an HTTP request' ;;
  --version) echo 1.18.0 ;;
  connection)
    case "$2" in
      ensure) echo "{{$conn}}" ;;
      *) echo "{{\\"items\\":[{{$conn}}],\\"cursor\\":null}}" ;;
    esac ;;
  action) echo '{{"output":{{"id":1,"ok":true}},"actionRunId":"fedcba9876543210fedcba98"}}' ;;
  *) echo '{{"type":"bad_request","message":"unknown command"}}'; exit 1 ;;
esac
"""

SHELL_LOOP = """i=0
while [ "$i" -lt "$2" ]; do
  "$1" action run get-thing --connectionId={conn} --input "{{\\"n\\": $i}}" --json \\
    >/dev/null || exit 1
  i=$((i + 1))
done
"""


@dataclass
class Figure:
    """Samples of one measurement, in the unit given."""

    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    def spread(self) -> str:
        if not self.samples:
            return "not measured"
        if len(self.samples) == 1:
            return "one run"
        low, high = min(self.samples), max(self.samples)
        return f"{_num(low)}–{_num(high)} (n={len(self.samples)})"


def _num(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


@dataclass
class Bench:
    """Everything one harness run needs: paths, environment, options and the figures."""

    work: Path
    quick: bool
    repeats: int
    ansible_repeats: int
    mw: list[str]
    env: dict[str, str]
    python: str = sys.executable
    figures: dict[str, Figure] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def figure(self, key: str, name: str, unit: str = "ms") -> Figure:
        return self.figures.setdefault(key, Figure(name, unit))


# --- processes -----------------------------------------------------------------------------


def timed(
    argv: Sequence[str], env: dict[str, str], *, cwd: Path | None = None
) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KiB) of one child, which must succeed."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        shown = " ".join(argv)
        text = err.decode(errors="replace").strip()[-800:]
        raise RuntimeError(f"`{shown}` exited {proc.returncode}: {text}")
    return elapsed, int(usage.ru_maxrss)


# --- the world the benchmark runs in ------------------------------------------------------


def write_world(work: Path) -> None:
    """The fakes, the recipes, the playbook and the input files."""
    for name, sleep in (("membrane", ""), ("membrane-slow", f"sleep {LATENCY_S}\n")):
        path = work / name
        path.write_text(FAKE.format(sleep=sleep, conn=CONN_ID))
        path.chmod(0o755)
    (work / "loop.sh").write_text(SHELL_LOOP.format(conn=CONN_ID))
    for count in (1, CHAIN):
        (work / f"chain{count}.yaml").write_text(chain_recipe(count))
    (work / "fanout.yaml").write_text(fanout_recipe())
    (work / "play.yml").write_text(playbook(work / "membrane", CHAIN))
    for count in (FANOUT_ITEMS, BIG_ITEMS, 1000):
        (work / f"items{count}.json").write_text(json.dumps({"items": list(range(count))}))


def chain_recipe(steps: int) -> str:
    lines = [
        "version: 1",
        f"name: bench-chain-{steps}",
        "connections:",
        "  app: {app: fake}",
        "steps:",
    ]
    for i in range(steps):
        lines += [
            f"  - id: s{i}",
            "    effect: read",
            "    action: get-thing",
            "    connection: app",
            f"    input: {{n: {i}}}",
            "    outputs: {id: id}",
        ]
    return "\n".join(lines) + "\n"


def fanout_recipe() -> str:
    return f"""version: 1
name: bench-fanout
inputs:
  items: {{type: array, items: {{type: integer}}}}
connections:
  app: {{app: fake}}
steps:
  - id: each
    effect: read
    action: get-thing
    connection: app
    foreach: {{items: inputs.items, concurrency: {FANOUT_CONCURRENCY}}}
    input: {{n: "${{item}}"}}
    outputs: {{id: id}}
"""


def playbook(fake: Path, tasks: int) -> str:
    lines = ["- hosts: localhost", "  connection: local", "  gather_facts: false", "  tasks:"]
    for i in range(tasks):
        argv = [str(fake), "action", "run", "get-thing", f"--connectionId={CONN_ID}"]
        argv += ["--input", json.dumps({"n": i}), "--json"]
        lines += [
            f"    - name: s{i}",
            "      ansible.builtin.command:",
            f"        argv: {json.dumps(argv)}",
            "      changed_when: false",
        ]
    return "\n".join(lines) + "\n"


def child_env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Users' installs have compiled bytecode; a dev shell's "don't write .pyc" would make every
    # start-up recompile the package and measure that instead.
    for name in ("PYTHONDONTWRITEBYTECODE", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "MW_SANDBOX"):
        env.pop(name, None)
    env.update(
        MW_MEMBRANE=str(work / "membrane"),
        MW_STATE_DIR=str(work / "state"),
        MW_CACHE_DIR=str(work / "cache"),
        MW_SANDBOX_DIR=str(work / "sandbox"),
        TERM="dumb",
    )
    return env


def dev_mw() -> list[str]:
    """The `mw` beside the Python running the harness (usually the editable dev install)."""
    beside = Path(sys.executable).parent / "mw"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("mw")
    return [found] if found else [sys.executable, "-m", "wrapper"]


def install_mw(venv: Path) -> str:
    """A plain (non-editable) install of this checkout, as users get it; an error text, or ''.

    An editable install adds an import hook that every Python start-up in that environment
    pays for (about 30 ms here), which users of a wheel never see.
    """
    # Once the dependencies are there, only the package itself is refreshed from the checkout.
    refresh = ["--no-deps", "--force-reinstall"] if (venv / "bin" / "mw").exists() else []
    return pip_install(venv, [*refresh, str(ROOT)], shown=".")


def pip_install(venv: Path, args: list[str], *, shown: str) -> str:
    """Create `venv` when missing and pip-install `args` into it; an error text, or ''."""
    try:
        if not (venv / "bin" / "python").exists():
            subprocess.run(
                [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True
            )
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *args],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", b"") or b""
        text = detail.decode(errors="replace").strip().splitlines()
        return f"`pip install {shown}` failed ({text[-1] if text else error})"
    return ""


# --- the scenarios -------------------------------------------------------------------------


def interleave(bench: Bench, runs: dict[str, Callable[[], float]], repeats: int) -> None:
    """Run each scenario once per round, `repeats` rounds, after one unmeasured warm-up."""
    for run in runs.values():
        run()
    for _ in range(repeats):
        for key, run in runs.items():
            bench.figures[key].samples.append(run())


def chain(bench: Bench) -> None:
    """(1) and (2): the same 50 calls from a shell loop and from `mw run`, and 1-step runs."""
    work, env = bench.work, bench.env
    fake = str(work / "membrane")
    for key, name in (
        ("shell50", f"shell loop, {CHAIN} calls"),
        ("shell1", "shell loop, 1 call"),
        ("mw50", f"`mw run`, {CHAIN}-step recipe"),
        ("mw1", "`mw run`, 1-step recipe"),
    ):
        bench.figure(key, name)

    def shell(count: int) -> Callable[[], float]:
        return lambda: timed(["sh", str(work / "loop.sh"), fake, str(count)], env)[0] * 1000

    engines = {
        count: bench.figure(f"engine{count}", f"engine time of the {count}-step run (report)")
        for count in (1, CHAIN)
    }
    for figure in engines.values():
        figure.note = "the run's duration_s: calls included, start-up and loading not"

    def mw(count: int) -> Callable[[], float]:
        report = work / f"chain{count}-report.json"
        argv = [*bench.mw, "run", str(work / f"chain{count}.yaml")]
        argv += ["--connection", f"app={CONN_ID}", "--quiet", "--report", str(report)]

        def once() -> float:
            elapsed = timed(argv, env)[0] * 1000
            data = json.loads(report.read_text())
            engines[count].samples.append(float(data["duration_s"]) * 1000)
            return elapsed

        return once

    interleave(
        bench,
        {"shell50": shell(CHAIN), "mw50": mw(CHAIN), "shell1": shell(1), "mw1": mw(1)},
        bench.repeats,
    )
    for figure in engines.values():
        del figure.samples[0]  # the warm-up run's


def calls_per_run(bench: Bench) -> dict[str, int]:
    """Which membrane calls one `mw run` makes when it ensures its connection itself."""
    log = bench.work / "calls.log"
    env = {**bench.env, "FAKE_MEMBRANE_LOG": str(log)}
    argv = [*bench.mw, "run", str(bench.work / f"chain{CHAIN}.yaml"), "--quiet"]
    timed(argv, env)  # the first run probes `--help` and caches the dialect
    log.write_text("")
    timed(argv, env)
    counts: dict[str, int] = {}
    for line in log.read_text().splitlines():
        words = line.split()
        kind = " ".join(words[:2]) if words and not words[0].startswith("-") else words[0]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def ansible(bench: Bench, venv: Path) -> None:
    """(3): `ansible-playbook` running the same 50 calls as command tasks."""
    figure = bench.figure("ansible50", f"`ansible-playbook`, {CHAIN} command tasks")
    python = venv / "bin" / "python"
    reason = install_ansible(venv)
    if reason:
        figure.note = reason
        bench.notes.append(f"Ansible was not measured: {reason}")
        return
    version = subprocess.run(
        [str(venv / "bin" / "ansible-playbook"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    figure.note = version[0] if version else "ansible-playbook"
    env = {
        **bench.env,
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_PIPELINING": "true",
        "ANSIBLE_HOME": str(bench.work / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(bench.work / "ansible-tmp"),
    }
    argv = [str(venv / "bin" / "ansible-playbook"), "-i", "localhost,"]
    argv += ["-e", f"ansible_python_interpreter={python}", str(bench.work / "play.yml")]
    for _ in range(bench.ansible_repeats):
        figure.samples.append(timed(argv, env)[0] * 1000)


def install_ansible(venv: Path) -> str:
    """The benchmark's own environment with ansible-core; an error text, or ''."""
    if (venv / "bin" / "ansible-playbook").exists():
        return ""
    return pip_install(venv, ["ansible-core"], shown="ansible-core")


def fanout(bench: Bench) -> None:
    """(4): 200 items at concurrency 10 against the 50 ms fake; the ideal is 1.0 s."""
    work = bench.work
    env = {**bench.env, "MW_MEMBRANE": str(work / "membrane-slow")}
    step = bench.figure("fanout_step", "foreach step (from the report)", "s")
    whole = bench.figure("fanout_wall", "whole `mw run` incl. start-up", "s")
    report = work / "fanout-report.json"
    argv = [*bench.mw, "run", str(work / "fanout.yaml"), "--inputs"]
    argv += [str(work / f"items{FANOUT_ITEMS}.json"), "--connection", f"app={CONN_ID}"]
    argv += ["--quiet", "--report", str(report)]
    timed(argv, env)
    for _ in range(max(3, bench.repeats // 2)):
        whole.samples.append(timed(argv, env)[0])
        data = json.loads(report.read_text())
        step.samples.append(float(data["steps"][0]["duration_s"]))


def startup(bench: Bench) -> None:
    """(5): `mw --version`, `mw --help`, `mw lint` and a bare Python for reference."""
    env, work = bench.env, bench.work
    runs: dict[str, Callable[[], float]] = {}
    for key, name, argv in (
        ("python", "`python -c pass` (reference)", [bench.python, "-c", "pass"]),
        ("version", "`mw --version`", [*bench.mw, "--version"]),
        ("help", "`mw --help`", [*bench.mw, "--help"]),
        (
            "lint",
            f"`mw lint` of the {CHAIN}-step recipe",
            [*bench.mw, "lint", str(work / "chain50.yaml")],
        ),
    ):
        bench.figure(key, name)
        runs[key] = lambda argv=argv: timed(argv, env)[0] * 1000
    if bench.mw != dev_mw():
        dev = [*dev_mw(), "--version"]
        bench.figure("version_dev", "`mw --version`, editable dev install (reference)")
        runs["version_dev"] = lambda: timed(dev, env)[0] * 1000
    interleave(bench, runs, bench.repeats * 2)


def memory(bench: Bench) -> None:
    """(6): peak RSS of a large foreach against the fake without latency."""
    items = 1000 if bench.quick else BIG_ITEMS
    figure = bench.figure("rss", f"peak RSS, {items:,}-item foreach", "MB")
    wall = bench.figure("rss_wall", f"wall time of that {items:,}-item run", "s")
    argv = [*bench.mw, "run", str(bench.work / "fanout.yaml"), "--inputs"]
    argv += [str(bench.work / f"items{items}.json"), "--connection", f"app={CONN_ID}", "--quiet"]
    elapsed, rss_kib = timed(argv, bench.env)
    figure.samples.append(rss_kib / 1024)
    wall.samples.append(elapsed)
    if bench.quick:
        figure.note = f"--quick runs {items:,} items; the budget is judged on {BIG_ITEMS:,}"


def sandbox(bench: Bench) -> None:
    """(7): one `membrane-sandbox` call, start to finish, as `benchmarks/sandbox_call.py` sees it.

    That script (the sandbox's own benchmark) prints one median per command; each becomes a
    figure here. Without it, one read action is timed here instead.
    """
    script = HERE / "sandbox_call.py"
    runs = 10 if bench.quick else 20
    if script.exists():
        out = subprocess.run(
            [bench.python, str(script), str(runs)],
            capture_output=True,
            text=True,
            env=bench.env,
            check=False,
        )
        found = re.findall(r"^ {2}(\S.*?)\s+([\d.]+) ms\b", out.stdout, flags=re.MULTILINE)
        for name, median in found:
            shown = name if name.startswith("python") else f"membrane-sandbox {name}"
            figure = bench.figure(f"sandbox {name}", f"`{shown}` (sandbox_call.py)")
            figure.samples.append(float(median))
            figure.note = f"median of {runs} runs by benchmarks/sandbox_call.py"
        if found:
            return
        bench.notes.append("benchmarks/sandbox_call.py printed no figures; measured here instead")
    figure = bench.figure("sandbox", "`membrane-sandbox action run list-contacts`")
    binary = Path(bench.python).parent / "membrane-sandbox"
    command = [str(binary)] if binary.exists() else [bench.python, "-m", "wrapper.sandbox"]
    ensured = subprocess.run(
        [*command, "connection", "ensure", "chatwoot", "--json"],
        capture_output=True,
        text=True,
        env=bench.env,
        check=True,
    )
    conn = json.loads(ensured.stdout)["id"]
    argv = [*command, "action", "run", "list-contacts", f"--connectionId={conn}"]
    argv += ["--input", "{}", "--json"]
    timed(argv, bench.env)
    for _ in range(runs):
        figure.samples.append(timed(argv, bench.env)[0] * 1000)


# --- the report -----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "unknown"
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "Memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Load average at the end (1, 5, 15 min)": load,
    }


def verdicts(bench: Bench) -> list[tuple[str, str, str]]:
    """(budget line, measured, met / NOT met) for every line of DESIGN section 9."""
    f = bench.figures
    rows: list[tuple[str, str, str]] = []

    def judge(line: str, value: float, limit: float, shown: str, *, known: bool = True) -> None:
        if not known or value != value:
            rows.append((line, shown, "not measured"))
        else:
            rows.append((line, shown, "met" if value <= limit else "**NOT met**"))

    judge(
        "`mw --version` under 100 ms", f["version"].median, 100, f"{_num(f['version'].median)} ms"
    )
    judge("`mw --help` under 100 ms", f["help"].median, 100, f"{_num(f['help'].median)} ms")
    added = per_step_added(bench)
    judge("under 3 ms added per step over a shell loop", added, 3, f"{_num(added)} ms")
    ratio = f["fanout_step"].median / (FANOUT_ITEMS / FANOUT_CONCURRENCY * LATENCY_S)
    judge("200-item foreach at concurrency 10 within 1.3x of 1.0 s", ratio, 1.3, f"{ratio:.2f}x")
    rss = f["rss"].median
    judge(
        "10,000-item foreach under 200 MB resident",
        rss,
        200,
        f"{_num(rss)} MB",
        known=not bench.quick,
    )
    ansible_known = bool(f["ansible50"].samples)
    rows.append(
        (
            "shell, mw and Ansible side by side, ratios written",
            f"{len(f['shell50'].samples)} / {len(f['mw50'].samples)} / "
            f"{len(f['ansible50'].samples)} runs",
            "met" if ansible_known else "**NOT met** (Ansible not measured)",
        )
    )
    return rows


def per_step_added(bench: Bench, *, engine: bool = False) -> float:
    """mw's cost of one more step minus the shell's cost of one more call (ms).

    Taken as the slope between the 1-step and the 50-step runs of the same round, so the
    one-off start-up (its own budget line) is not spread over the steps. With `engine`, the
    slope of the runs' own durations (from their reports): the same cost without the noise
    of process start-up and imports.
    """
    f = bench.figures
    one, many = ("engine1", "engine50") if engine else ("mw1", "mw50")
    names = (many, one, "shell50", "shell1")
    rounds = zip(*(f[name].samples for name in names), strict=True)
    # Differences within one round share its machine load; their median resists the rest.
    added = [((m50 - m1) - (s50 - s1)) / (CHAIN - 1) for m50, m1, s50, s1 in rounds]
    return statistics.median(added) if added else float("nan")


def render(bench: Bench, started: float, calls: dict[str, int]) -> str:
    f = bench.figures
    info = machine()
    lines = [
        "# Benchmark results",
        "",
        "Written by `python benchmarks/run.py"
        + (" --quick" if bench.quick else "")
        + "`; every figure below comes from that one run. Budget: DESIGN section 9.",
        "",
        f"Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} · "
        f"duration of the run: {time.monotonic() - started:.0f} s · "
        f"{bench.repeats} rounds per interleaved figure.",
        "",
        "| Machine | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in info.items()],
        "",
        "## Budget",
        "",
        "| Budget line | Measured (median) | Verdict |",
        "|---|---|---|",
        *[f"| {line} | {shown} | {verdict} |" for line, shown, verdict in verdicts(bench)],
        "",
        "## Figures",
        "",
        "Median and min–max over the runs. The fake `membrane` is a POSIX sh script answering "
        f"fixed JSON; the slow variant sleeps {int(LATENCY_S * 1000)} ms per call.",
        "",
        "| Figure | Median | Spread (min–max) | Note |",
        "|---|---|---|---|",
    ]
    order = ["python", "version", "version_dev", "help", "lint", "shell1", "shell50", "mw1"]
    order += ["mw50", "engine1", "engine50", "ansible50"]
    ordered = [f[k] for k in order if k in f] + [v for k, v in f.items() if k not in order]
    for figure in ordered:
        lines.append(
            f"| {figure.name} | {_num(figure.median)} {figure.unit} | {figure.spread()} "
            f"| {figure.note} |"
        )
    lines += ["", "## Ratios", ""]
    shell, mw, ans = f["shell50"].median, f["mw50"].median, f["ansible50"].median
    lines += [
        f"- Added cost per step, mw over the shell loop (slope between 1 and {CHAIN} steps, "
        f"start-up excluded; median over rounds): **{_num(per_step_added(bench))} ms**. "
        f"The same slope from the runs' own durations (reports; no start-up or import noise): "
        f"{_num(per_step_added(bench, engine=True))} ms.",
        f"- All-in per step, start-up included: ({_num(mw)} − {_num(shell)}) / {CHAIN} = "
        f"**{_num((mw - shell) / CHAIN)} ms**; `mw run` start-up with one step: "
        f"{_num(f['mw1'].median)} ms.",
        f"- {CHAIN}-call chain: mw / shell = **{mw / shell:.1f}x**"
        + (
            f"; Ansible / mw = **{ans / mw:.1f}x**; Ansible / shell = {ans / shell:.0f}x."
            if ans == ans
            else "; Ansible not measured."
        ),
        f"- Foreach of {FANOUT_ITEMS} at concurrency {FANOUT_CONCURRENCY}, "
        f"{int(LATENCY_S * 1000)} ms per call: step {_num(f['fanout_step'].median)} s = "
        f"**{f['fanout_step'].median:.2f}x** the ideal 1.0 s; the whole command "
        f"{_num(f['fanout_wall'].median)} s.",
        "",
        "## Calls one `mw run` makes",
        "",
        f"The {CHAIN}-step recipe run without `--connection` (its second run, so the dialect "
        "comes from the cache): "
        + ", ".join(f"`{k}` × {v}" for k, v in sorted(calls.items()))
        + ". One ensure per connection per run; `--help` is probed once per binary and cached.",
    ]
    if bench.notes:
        lines += ["", "## Notes", "", *[f"- {note}" for note in bench.notes]]
    lines += [
        "",
        "## Method",
        "",
        "- Each child is started with `subprocess.Popen` and reaped with `os.wait4`, which gives "
        "its wall time and its own peak resident set (`ru_maxrss`).",
        "- Repeated figures are interleaved round by round after one unmeasured warm-up, so "
        "load from elsewhere on the machine falls on all of them alike; medians resist the rest.",
        "- `mw` is a plain `pip install .` of this checkout into `benchmarks/.venv-mw`, as users "
        "get it (`--dev` measures the editable install instead, whose import hook costs every "
        "start-up extra).",
        "- Children run with bytecode writing allowed (as an installed package has), "
        "`TERM=dumb`, and state, cache and sandbox folders in a temporary directory.",
        "- Ansible: `ansible-core` in `benchmarks/.venv-ansible` (created by the harness), "
        "local connection, pipelining on, no fact gathering: its fastest usual setting.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, a smaller memory run")
    parser.add_argument("--repeats", type=int, help="rounds per interleaved figure")
    parser.add_argument("--no-ansible", action="store_true", help="skip the Ansible figure")
    parser.add_argument(
        "--ansible-venv", type=Path, default=HERE / ".venv-ansible", help="where ansible-core goes"
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="measure the mw of this Python (editable install) instead of a fresh plain install",
    )
    parser.add_argument(
        "--mw-venv", type=Path, default=HERE / ".venv-mw", help="where the plain install goes"
    )
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mw-bench-") as tmp:
        work = Path(tmp)
        write_world(work)
        notes: list[str] = []
        mw = dev_mw()
        if not args.dev:
            print("[bench] installing this checkout into its own venv ...", file=sys.stderr)
            failure = install_mw(args.mw_venv)
            if failure:
                notes.append(f"measured the dev install: {failure}")
            else:
                mw = [str(args.mw_venv / "bin" / "mw")]
        bench = Bench(
            work=work,
            quick=args.quick,
            repeats=args.repeats or (3 if args.quick else 10),
            ansible_repeats=1 if args.quick else 3,
            mw=mw,
            python=str(Path(mw[0]).parent / "python") if not args.dev else sys.executable,
            env=child_env(work),
            notes=notes,
        )
        calls: dict[str, int] = {}
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("start-up", lambda: startup(bench)),
            ("chain: shell loop vs mw run", lambda: chain(bench)),
            ("calls per run", lambda: calls.update(calls_per_run(bench))),
            ("fan-out", lambda: fanout(bench)),
            ("memory", lambda: memory(bench)),
            ("sandbox", lambda: sandbox(bench)),
        ]
        if args.no_ansible:
            bench.figure(
                "ansible50", f"`ansible-playbook`, {CHAIN} command tasks"
            ).note = "skipped (--no-ansible)"
        else:
            steps.insert(2, ("ansible", lambda: ansible(bench, args.ansible_venv)))
        for label, step in steps:
            print(f"[bench] {label} ...", file=sys.stderr, flush=True)
            step()
        text = render(bench, started, calls)
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
