"""CPU cost of one direct command next to its dependency floor: `python benchmarks/direct_start.py`.

`mw actions run KEY --connection C` is what an agent calls once per tool use, so nearly all of
its cost is start-up. This script runs it against the offline sandbox and, in the same venv and
interleaved with it, the floor it is compared with: `python -c "import click, yaml, jmespath"`.

Each case runs as a fresh process that reports its own CPU time (`getrusage(RUSAGE_SELF)`: user +
system, interpreter start included, the `membrane-sandbox` child excluded), so a shared and
loaded machine skews the figures less than wall time would. The target is a median ratio of at
most 1.5. Bytecode is compiled first (`python -m compileall`), since an editable install run with
PYTHONDONTWRITEBYTECODE would otherwise pay for compiling on every start.

Usage: python benchmarks/direct_start.py [RUNS]   (default 30 runs per case)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.5
FLOOR = "import click, yaml, jmespath"

# Runs `code` (a module, or a -c snippet) as `python` would, then prints this process's CPU time.
MEASURE = """\
import resource, runpy, sys
kind, what, *rest = sys.argv[1:]
status = 0
if kind == "-m":
    sys.argv = [what, *rest]
    try:
        runpy.run_module(what, run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        status = stop.code or 0
else:
    exec(compile(what, "<floor>", "exec"), {"__name__": "__main__"})
usage = resource.getrusage(resource.RUSAGE_SELF)
sys.stderr.write("CPU %.6f %s\\n" % (usage.ru_utime + usage.ru_stime, status))
"""


def _env(folder: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MW_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(MW_SANDBOX_DIR=str(Path(folder) / "world"), MW_STATE_DIR=str(Path(folder) / "st"))
    env["MW_CACHE_DIR"] = str(Path(folder) / "cache")
    return env


def _cpu_s(args: list[str], env: dict[str, str]) -> float:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], env=env, capture_output=True, text=True
    )
    line = next((ln for ln in done.stderr.splitlines() if ln.startswith("CPU ")), None)
    if line is None or line.split()[2] != "0":
        raise SystemExit(f"{args} failed: {done.stdout[-400:]}{done.stderr[-400:]}")
    return float(line.split()[1])


def _sandbox_connection(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "wrapper", "--sandbox", "connections", "ensure", "chaport", "-q"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def _pydantic_loaded(args: list[str], env: dict[str, str]) -> bool:
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['mw', *{args!r}]\n"
        "try:\n    runpy.run_module('wrapper', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write('PYDANTIC %s\\n' % ('pydantic' in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    return "PYDANTIC True" in done.stderr


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "wrapper")], check=True)
    with tempfile.TemporaryDirectory() as folder:
        env = _env(folder)
        conn = _sandbox_connection(env)
        command = ["--sandbox", "actions", "run", "list-operators", "--connection", conn]
        mw = ["-m", "wrapper", *command, "--json"]
        cases = {"mw actions run": mw, f'python -c "{FLOOR}"': ["-c", FLOOR]}
        _probe_exit(mw, env)
        for args in cases.values():  # warm-up: page cache, bytecode
            for _ in range(3):
                _cpu_s(args, env)
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(runs):  # interleaved, so a burst of load hits both alike
            for name, args in cases.items():
                samples[name].append(_cpu_s(args, env))
        pydantic = _pydantic_loaded(command, env)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = medians[f'python -c "{FLOOR}"']
    load = os.getloadavg()[0]
    print(f"CPU time per start, median of {runs} (load average {load:.2f}, {os.cpu_count()} CPUs)")
    print()
    print("| case | CPU ms | ratio to floor |")
    print("|---|---:|---:|")
    for name, value in medians.items():
        print(f"| {name} | {value * 1000:.1f} | {value / floor:.2f} |")
    ratio = medians["mw actions run"] / floor
    print()
    print(f"pydantic imported by `mw actions run`: {'yes' if pydantic else 'no'}")
    verdict = "holds" if ratio <= TARGET_RATIO else "MISSED"
    print(f"target ratio <= {TARGET_RATIO}: {verdict} ({ratio:.2f})")
    return 0 if ratio <= TARGET_RATIO else 1


def _probe_exit(args: list[str], env: dict[str, str]) -> None:
    """Run the command once for real, so a broken command is not benchmarked as a fast one."""
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0 or not json.loads(done.stdout).get("actionRunId"):
        raise SystemExit(f"`mw {' '.join(args[2:])}` exited {done.returncode}: {done.stderr}")


if __name__ == "__main__":
    raise SystemExit(main())
