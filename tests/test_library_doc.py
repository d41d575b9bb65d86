"""docs/library.md's examples, run as written against the sandbox: the docs cannot drift."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.helpers import ROOT

PAGE = ROOT / "docs" / "library.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```$", PAGE.read_text(encoding="utf-8"), re.S | re.M)

pytestmark = pytest.mark.integration


def run_block(code: str, cwd) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_page_has_its_three_examples() -> None:
    assert len(BLOCKS) == 3
    assert BLOCKS[0].startswith("from wrapper import run_recipe, plan_recipe, resume_run,")


def test_the_import_line_imports_every_name(tmp_path) -> None:
    done = run_block(BLOCKS[0], tmp_path)
    assert (done.returncode, done.stderr) == (0, "")


def test_the_script_runs_a_shipped_recipe(tmp_path) -> None:
    done = run_block(BLOCKS[1], tmp_path)
    assert done.returncode == 0, done.stderr
    status, contact = done.stdout.splitlines()
    assert status == "ok 0"
    assert re.fullmatch(r"contact \d+ conversation \d+", contact)


def test_the_task_plans_runs_reports_and_raises(tmp_path) -> None:
    done = run_block(BLOCKS[2], tmp_path)
    assert done.returncode == 0, done.stderr
    planned, created, refused = done.stdout.splitlines()
    assert planned == "writes planned: create, open, label"
    assert re.fullmatch(r"created \d+", created)
    # The bad e-mail is refused before anything runs, the plan included.
    assert refused == "refused (exit 2): input 'email': 'not an e-mail' is not a valid email"
