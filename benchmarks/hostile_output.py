"""What hostile `membrane` output costs `mw`: `python benchmarks/hostile_output.py`.

A fake `membrane` (a Python script in a temporary folder) answers `action run` with:

- 10 MB on stderr and exit 1 (several shapes: many lines, one line, blank lines, hint-like
  words), which `mw` must turn into one error line;
- an answer of 30 MB on stdout, once unused and once kept whole as a step output;
- 80 MB on stdout, past the 64 MiB `mw` reads of one answer.

Each case runs `mw run` in a fresh process that reports its own CPU time and peak resident
memory (`getrusage(RUSAGE_SELF)`, so the fake's own work is not counted). Figures are printed
as a Markdown table; nothing is timed inside the test suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FAKE = r"""#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
mode = os.environ["HOSTILE"]
if "--help" in args or "--version" in args:
    print("Usage: membrane [options] [command]\n  connection ensure\n  action run\n  act")
    sys.exit(0)
if args[:2] != ["action", "run"]:
    print(json.dumps({"id": "c1", "state": "READY"}))
    sys.exit(0)
out, err = sys.stdout, sys.stderr
if mode == "stderr-lines":
    err.write(("x" * 99 + "\n") * 100_000); sys.exit(1)
if mode == "stderr-one-line":
    err.write("x" * 10_000_000); sys.exit(1)
if mode == "stderr-blank-lines":
    err.write("\n" * 10_000_000); sys.exit(1)
if mode == "stderr-hint-words":
    err.write("rate limi\n" * 1_000_000); sys.exit(1)
if mode.startswith("answer"):
    size = int(mode.split("-")[1])
    rows = [{"id": i, "name": "contact %d" % i, "email": "c%d@example.com" % i}
            for i in range(size * 1_000_000 // 70)]
    out.write(json.dumps({"output": {"items": rows}}))
    sys.exit(0)
"""

RECIPE = """\
version: 1
name: hostile
connections:
  c: {{app: chatwoot}}
steps:
  - id: s
    effect: read
    action: anything
    connection: c
    {outputs}
"""

MEASURE = """\
import json, resource, runpy, sys
sys.argv = ["mw", *sys.argv[2:]]
try:
    runpy.run_module("wrapper", run_name="__main__")
except SystemExit as stop:
    code = stop.code
usage = resource.getrusage(resource.RUSAGE_SELF)
with open(REPORT, "w") as fh:
    json.dump({"cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
               "exit": code}, fh)
"""


def measure(work: Path, mode: str, outputs: str) -> dict[str, object]:
    recipe = work / f"{mode}-{bool(outputs)}.yaml"
    recipe.write_text(RECIPE.format(outputs=outputs))
    report = work / "usage.json"
    script = MEASURE.replace("REPORT", repr(str(report)))
    env = {
        **os.environ,
        "HOSTILE": mode,
        "MW_MEMBRANE": str(work / "membrane"),
        "MW_MEMBRANE_DIALECT": "current",
        "MW_STATE_DIR": str(work / "state"),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", script, "-", "run", str(recipe), "--connection", "c=c1"],
        env=env,
        cwd=work,  # not the checkout: `-c` puts the working directory first on sys.path
        capture_output=True,
        text=True,
        check=False,
    )
    usage = json.loads(report.read_text())
    lines = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    usage["says"] = (lines[0] if lines else done.stderr.strip().splitlines()[-1])[:90]
    return usage


def main() -> int:
    cases = [
        ("stderr-lines", ""),
        ("stderr-one-line", ""),
        ("stderr-blank-lines", ""),
        ("stderr-hint-words", ""),
        ("answer-30", ""),
        ("answer-30", 'outputs: {all: "items"}'),
        ("answer-80", ""),
    ]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        fake = work / "membrane"
        fake.write_text(FAKE)
        fake.chmod(0o755)
        print("| case | mw CPU (s) | mw peak RSS (MB) | exit | what mw says |")
        print("|---|---|---|---|---|")
        for mode, outputs in cases:
            name = mode + (" (kept as an output)" if outputs else "")
            usage = measure(work, mode, outputs)
            print(
                f"| {name} | {usage['cpu_s']:.2f} | {usage['rss_mb']:.0f} | {usage['exit']} "
                f"| {usage['says']} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
