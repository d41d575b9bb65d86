"""`benchmarks/RESULTS.md`: the machine, the figures, the ratios and the budget verdicts."""

from __future__ import annotations

import os
import platform
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from bench_ratios import cpu_section
from bench_world import CHAIN, FANOUT_CONCURRENCY, FANOUT_ITEMS, LATENCY_S, Bench, num


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: how busy the machine was with other work."""
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def machine(load_at_start: str) -> dict[str, str]:
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
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "Memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Load average at the start (1, 5, 15 min)": load_at_start,
        "Load average at the end": load_average(),
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

    judge("`mw --version` under 100 ms", f["version"].median, 100, f"{num(f['version'].median)} ms")
    judge("`mw --help` under 100 ms", f["help"].median, 100, f"{num(f['help'].median)} ms")
    added = per_step_added(bench)
    judge("under 3 ms added per step over a shell loop", added, 3, f"{num(added)} ms")
    ratio = f["fanout_step"].median / (FANOUT_ITEMS / FANOUT_CONCURRENCY * LATENCY_S)
    judge("200-item foreach at concurrency 10 within 1.3x of 1.0 s", ratio, 1.3, f"{ratio:.2f}x")
    rss = f["rss"].median
    judge(
        "10,000-item foreach under 200 MB resident",
        rss,
        200,
        f"{num(rss)} MB",
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
    info = machine(bench.load_at_start)
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
    order += ["mw1in", "mw50", "engine1", "engine50", "ansible50", "a_cpu", "t_wall", "t_cpu"]
    ordered = [f[k] for k in order if k in f] + [v for k, v in f.items() if k not in order]
    for figure in ordered:
        lines.append(
            f"| {figure.name} | {num(figure.median)} {figure.unit} | {figure.spread()} "
            f"| {figure.note} |"
        )
    lines += ["", "## Ratios", ""]
    shell, mw, ans = f["shell50"].median, f["mw50"].median, f["ansible50"].median
    lines += [
        f"- Added cost per step, mw over the shell loop (slope between 1 and {CHAIN} steps, "
        f"start-up excluded; median over rounds): **{num(per_step_added(bench))} ms**. "
        f"The same slope from the runs' own durations (reports; no start-up or import noise): "
        f"{num(per_step_added(bench, engine=True))} ms.",
        f"- All-in per step, start-up included: ({num(mw)} − {num(shell)}) / {CHAIN} = "
        f"**{num((mw - shell) / CHAIN)} ms**; `mw run` start-up with one step: "
        f"{num(f['mw1'].median)} ms.",
        f"- {CHAIN}-call chain: mw / shell = **{mw / shell:.1f}x**"
        + (
            f"; Ansible / mw = **{ans / mw:.1f}x**; Ansible / shell = {ans / shell:.0f}x."
            if ans == ans
            else "; Ansible not measured."
        ),
        f"- Foreach of {FANOUT_ITEMS} at concurrency {FANOUT_CONCURRENCY}, "
        f"{int(LATENCY_S * 1000)} ms per call: step {num(f['fanout_step'].median)} s = "
        f"**{f['fanout_step'].median:.2f}x** the ideal 1.0 s; the whole command "
        f"{num(f['fanout_wall'].median)} s.",
        "",
        *cpu_section(bench),
        "",
        "## Calls one `mw run` makes",
        "",
        f"The {CHAIN}-step recipe run without `--connection` (its second run, so the dialect "
        "comes from the cache): "
        + ", ".join(f"`{k}` × {v}" for k, v in sorted(calls.items()))
        + ". One ensure per connection and one `action get` per action key (the input check) "
        "per run; `--help` is probed once per binary and cached.",
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
        "- Start-up figures move most with other work on the machine (on 2 busy cores they "
        "can double); the load averages above say how busy it was.",
        "- Children run with bytecode writing allowed (as an installed package has), "
        "`TERM=dumb`, and state, cache and sandbox folders in a temporary directory.",
        "- Ansible: `ansible-core` in `benchmarks/.venv-ansible` (created by the harness), "
        "local connection, pipelining on, no fact gathering: its fastest usual setting.",
        "",
    ]
    return "\n".join(lines)
