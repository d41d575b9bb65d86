"""The direct commands start light: against the sandbox, none imports pydantic (or yaml, ...).

Each command runs in a fresh interpreter exactly as `mw` would (`runpy` on `wrapper`), which
then reports the modules it loaded. How fast that start is, is measured by
benchmarks/direct_start.py, never here.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import fresh_mw

pytestmark = pytest.mark.integration

# What only recipes, reports or the terminal view need.
HEAVY = ("pydantic", "yaml", "jsonschema", "rich", "jmespath")


def start(*args: str, cwd) -> tuple[int, set[str], str]:
    """Run `mw --sandbox ARGS`; its exit code, the top-level modules it loaded, its stdout."""
    started = fresh_mw("--sandbox", *args, cwd=cwd)
    return started.code, started.packages, started.stdout


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
