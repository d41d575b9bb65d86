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
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_cpu import (
    compile_bytecode,
    fanout_vs_xargs,
    go_task,
    growth,
    measure,
    per_step_cpu,
    resume_half,
    startup_cpu,
    write_cpu_world,
)
from bench_results import load_average, render
from bench_world import (
    BIG_ITEMS,
    CHAIN,
    CONN_ID,
    FANOUT_ITEMS,
    HERE,
    Bench,
    child_env,
    dev_mw,
    install_ansible,
    install_mw,
    timed,
    write_world,
)

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
        ("mw1in", "`mw run`, 1-step recipe with 3 typed inputs"),
    ):
        bench.figure(key, name)

    def shell(count: int) -> Callable[[], float]:
        return milliseconds(["sh", str(work / "loop.sh"), fake, str(count)], env)

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

    with_inputs = [*bench.mw, "run", str(work / "inputs1.yaml"), "-i", "email=ada@example.com"]
    with_inputs += ["--connection", f"app={CONN_ID}", "--quiet"]
    interleave(
        bench,
        {
            "shell50": shell(CHAIN),
            "mw50": mw(CHAIN),
            "shell1": shell(1),
            "mw1": mw(1),
            "mw1in": milliseconds(with_inputs, env),
        },
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
    cpu = bench.figure("a_cpu", f"`ansible-playbook`, {CHAIN} command tasks, CPU")
    cpu.note = figure.note
    for _ in range(bench.ansible_repeats):
        sample = measure(argv, env)
        figure.samples.append(sample.wall_s * 1000)
        cpu.samples.append(sample.cpu_s * 1000)


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


def milliseconds(argv: list[str], env: dict[str, str]) -> Callable[[], float]:
    """A scenario: run `argv` once, its wall time in ms."""
    return lambda: timed(argv, env)[0] * 1000


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
        runs[key] = milliseconds(argv, env)
    if bench.mw != dev_mw():
        bench.figure("version_dev", "`mw --version`, editable dev install (reference)")
        runs["version_dev"] = milliseconds([*dev_mw(), "--version"], env)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, a smaller memory run")
    parser.add_argument("--repeats", type=int, help="rounds per interleaved figure")
    parser.add_argument("--no-ansible", action="store_true", help="skip the Ansible figure")
    parser.add_argument(
        "--ansible-venv", type=Path, default=HERE / ".venv-ansible", help="where ansible-core goes"
    )
    parser.add_argument(
        "--task-venv", type=Path, default=HERE / ".venv-task", help="where go-task goes"
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
    load_at_start = load_average()
    with tempfile.TemporaryDirectory(prefix="mw-bench-") as tmp:
        work = Path(tmp)
        write_world(work)
        write_cpu_world(work)
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
            load_at_start=load_at_start,
        )
        # Installs compile bytecode; machines with PYTHONDONTWRITEBYTECODE (and editable
        # installs) do not, and every start-up would then compile the package again.
        notes.append(compile_bytecode(bench.python))
        calls: dict[str, int] = {}
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("start-up", lambda: startup(bench)),
            ("start-up CPU vs the dependency floors", lambda: startup_cpu(bench)),
            ("chain: shell loop vs mw run", lambda: chain(bench)),
            ("per-step CPU: shell, Python, mw", lambda: per_step_cpu(bench)),
            ("go-task", lambda: go_task(bench, args.task_venv)),
            ("calls per run", lambda: calls.update(calls_per_run(bench))),
            ("fan-out", lambda: fanout(bench)),
            ("fan-out vs xargs -P", lambda: fanout_vs_xargs(bench)),
            ("memory", lambda: memory(bench)),
            ("growth 1k-100k items", lambda: growth(bench)),
            ("resume of a half-done run", lambda: resume_half(bench)),
            ("sandbox", lambda: sandbox(bench)),
        ]
        if args.no_ansible:
            bench.figure(
                "ansible50", f"`ansible-playbook`, {CHAIN} command tasks"
            ).note = "skipped (--no-ansible)"
        else:
            steps.insert(4, ("ansible", lambda: ansible(bench, args.ansible_venv)))
        for label, step in steps:
            print(f"[bench] {label} ...", file=sys.stderr, flush=True)
            step()
        text = render(bench, started, calls)
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
