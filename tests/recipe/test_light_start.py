"""A valid recipe is loaded, linted and given its inputs without pydantic (or jsonschema, for
values that plainly fit); a broken one still gets the words pydantic's errors were always
turned into. Each command runs in a fresh interpreter exactly as `mw` would, against the
sandbox, and reports which module first imported pydantic or jsonschema, if any. How fast the
start is, is measured by benchmarks/, never here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

pytestmark = pytest.mark.integration

# Generous: the machine may be loaded; a start-up takes well under a second when it is not.
CALL_TIMEOUT_S = 180

PROBE = """\
import json, runpy, sys, traceback
importers = []

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name in ("pydantic", "jsonschema"):
            ours = [f"{f.filename.rsplit('/wrapper/', 1)[-1]}:{f.lineno}"
                    for f in traceback.extract_stack() if "/wrapper/" in f.filename]
            importers.append([name, ours[-1] if ours else None])
        return None

sys.meta_path.insert(0, Watch())
sys.argv = ["mw", *sys.argv[1:]]
try:
    runpy.run_module("wrapper", run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code or 0
sys.stdout.flush()
checkers = sorted(m for m in ("wrapper.recipe.spec", "wrapper.recipe.messages") if m in sys.modules)
report = {"exit": code, "importers": importers, "checkers": checkers}
sys.stderr.write("\\nPROBE " + json.dumps(report) + "\\n")
"""

ONE_STEP = """\
version: 1
name: one-step
connections:
  cp: {app: chaport}
steps:
  - id: ops
    effect: read
    action: list-operators
    outputs: {count: "length(@)"}
"""


class Started(NamedTuple):
    code: int
    #: [module, the place in wrapper/ that imported it first] for pydantic and jsonschema
    importers: list[list[str | None]]
    #: Which of the pydantic models (spec) and their error wording (messages) were loaded
    checkers: list[str]
    stderr: str


def start(*args: str, cwd: Path) -> Started:
    """Run `mw --sandbox ARGS` in a fresh interpreter, and what it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--sandbox", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ),
        timeout=CALL_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    lines = done.stderr.splitlines()
    probe = json.loads(next(ln for ln in lines if ln.startswith("PROBE ")).removeprefix("PROBE "))
    shown = "\n".join(ln for ln in lines if not ln.startswith("PROBE ")).strip()
    return Started(probe["exit"], probe["importers"], probe["checkers"], shown)


def test_lint_and_describe_of_a_valid_recipe_import_neither(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(ONE_STEP)
    for args in (
        ("lint", "one.yaml"),
        ("describe", "one.yaml"),
        ("describe", "chatwoot/welcome-contact", "--json"),
    ):
        started = start(*args, cwd=tmp_path)
        assert (args, started.code) == (args, 0), started.stderr
        assert (args, started.importers, started.checkers) == (args, [], [])


def test_run_and_plan_of_a_valid_recipe_import_neither(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(ONE_STEP)
    for args in (
        ("run", "one.yaml", "--quiet"),
        # Three typed inputs, two of them defaulted: values that plainly fit their schemas.
        ("run", "chatwoot/welcome-contact", "-i", "email=ada@example.com", "--quiet"),
        ("plan", "one.yaml"),
    ):
        started = start(*args, cwd=tmp_path)
        assert (args, started.code) == (args, 0), started.stderr
        assert (args, started.importers, started.checkers) == (args, [], [])


def test_a_broken_recipe_gets_the_words_it_always_got(tmp_path: Path) -> None:
    broken = ONE_STEP.replace("    effect: read\n", "    effect: read\n    iff: inputs.go\n")
    broken += "  - id: more\n    action: x\n    foreach: {items: rows, concurrency: 0}\n"
    (tmp_path / "broken.yaml").write_text(broken)
    started = start("run", "broken.yaml", cwd=tmp_path)
    assert started.code == 2
    assert started.stderr == (
        "Error: broken.yaml:8:5: steps[0]: unknown key 'iff' (did you mean 'if'?)\n"
        "broken.yaml:13:41: steps[1].foreach.concurrency: must be at least 1\n"
        "  Fix the recipe; `mw lint RECIPE` lists every problem at once."
    )
    # The words come from pydantic's errors, read only now.
    assert started.checkers == ["wrapper.recipe.messages", "wrapper.recipe.spec"]
