"""The world the benchmark runs in: the fake `membrane`, recipes, playbook, environments.

Also the figures' bookkeeping (`Figure`, `Bench`) and the one way a child is timed.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
        return f"{num(low)}–{num(high)} (n={len(self.samples)})"


def num(value: float) -> str:
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
    load_at_start: str = "unknown"
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
    (work / "inputs1.yaml").write_text(inputs_recipe())
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


def inputs_recipe() -> str:
    """The 1-step chain with typed inputs, as most recipes have (each value is checked)."""
    return """version: 1
name: bench-inputs
inputs:
  email: {type: string, format: email}
  n: {type: integer, minimum: 1, default: 1}
  tags: {type: array, items: {type: string, minLength: 1}, default: [a, b]}
connections:
  app: {app: fake}
steps:
  - id: s0
    effect: read
    action: get-thing
    connection: app
    input: {n: "${inputs.n}", email: "${inputs.email}", tags: "${inputs.tags}"}
    outputs: {id: id}
"""


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


def install_ansible(venv: Path) -> str:
    """The benchmark's own environment with ansible-core; an error text, or ''."""
    if (venv / "bin" / "ansible-playbook").exists():
        return ""
    return pip_install(venv, ["ansible-core"], shown="ansible-core")
