"""The direct commands start light: against the sandbox, none imports pydantic (or yaml, ...).

Each command runs in a fresh interpreter exactly as `mw` would (`runpy` on `wrapper`), which
then reports the modules it loaded. How fast that start is, is measured by
benchmarks/direct_start.py, never here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

# Generous: the machine may be loaded; a start-up takes well under a second when it is not.
CALL_TIMEOUT_S = 180
# What only recipes, reports or the terminal view need.
HEAVY = ("pydantic", "yaml", "jsonschema", "rich", "jmespath")

PROBE = """\
import json, runpy, sys
sys.argv = ["mw", *sys.argv[1:]]
try:
    runpy.run_module("wrapper", run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code or 0
sys.stdout.flush()
loaded = sorted({name.split(".")[0] for name in sys.modules})
sys.stderr.write("\\nMODULES " + json.dumps({"exit": code, "loaded": loaded}) + "\\n")
"""


def start(*args: str, cwd) -> tuple[int, list[str], str]:
    """Run `mw --sandbox ARGS`; its exit code, the top-level modules it loaded, its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--sandbox", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ),
        timeout=CALL_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("MODULES "))
    report = json.loads(line.removeprefix("MODULES "))
    return report["exit"], report["loaded"], done.stdout


def test_direct_commands_import_no_pydantic(tmp_path):
    code, loaded, out = start("connections", "ensure", "chaport", "-q", cwd=tmp_path)
    assert code == 0
    assert [name for name in HEAVY if name in loaded] == []
    conn = out.strip()
    commands = [
        ("actions", "run", "list-operators", "--connection", conn, "--json"),
        ("actions", "list", "--connection", conn),
        ("actions", "get", "list-operators", "--connection", conn),
        ("request", conn, "/operators"),
        ("connections", "list", "--json"),
        ("doctor",),
    ]
    outputs = []
    for args in commands:
        code, loaded, out = start(*args, cwd=tmp_path)
        assert (args, code) == (args, 0)
        assert (args, [name for name in HEAVY if name in loaded]) == (args, [])
        outputs.append(out)
    # The action really ran: what it printed is the sandbox's answer.
    result = json.loads(outputs[0])
    assert isinstance(result["output"], list | dict) and result["actionRunId"]
