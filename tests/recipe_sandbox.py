"""Run shipped recipes with real `mw --sandbox` processes, and read or change the demo world
around them through `mw --sandbox request` and `mw --sandbox actions run`, as a user would.

Each test has its own sandbox (conftest sets MW_SANDBOX_DIR), so changes made here in a test's
setup - near-miss records, say - are seen by that test's runs only.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from tests.helpers import ROOT, run_mw
from tests.helpers import SHIPPED_RECIPES as RECIPES

mw = partial(run_mw, script=True)


def run(recipe: str, *inputs: str, cwd: Path = ROOT, exit_code: int = 0) -> dict[str, Any]:
    """The --json report of `mw --sandbox run recipes/<recipe>.yaml -i ...` (or a path)."""
    path = recipe if recipe.endswith(".yaml") else str(RECIPES / f"{recipe}.yaml")
    args = ["run", path, "--json"]
    for value in inputs:
        args += ["-i", value]
    done = mw(*args, cwd=cwd)
    assert done.returncode == exit_code, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def statuses(report: dict[str, Any]) -> dict[str, str]:
    """Each top-level step's status."""
    return {s["id"]: s["status"] for s in report["steps"] if s.get("parent") is None}


def connection(app: str) -> str:
    done = mw("connections", "ensure", app, "--json")
    assert done.returncode == 0, done.stderr
    conn_id: str = json.loads(done.stdout)["id"]
    return conn_id


def request(app: str, path: str, method: str = "GET", body: Any = None, **query: Any) -> Any:
    """The body of a successful request to the app through the sandbox's proxy."""
    args = ["request", connection(app), path, "-X", method, "--json"]
    if body is not None:
        args += ["-d", json.dumps(body)]
    for name, value in query.items():
        args += ["--query", f"{name}={value}"]
    done = mw(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["body"]


def gone(app: str, path: str) -> bool:
    """True when a GET of the record answers 404 (deleted); False when it answers 200."""
    done = mw("request", connection(app), path, "--json")
    if done.returncode == 0:
        return False
    assert "404" in done.stderr, done.stderr
    return True


def action(app: str, key: str, **payload: Any) -> Any:
    """The output of a successful `mw --sandbox actions run KEY`."""
    done = mw(
        "actions", "run", key, "--connection", connection(app), "--input", json.dumps(payload),
        "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["output"]


def action_fails(app: str, key: str, **payload: Any) -> str:
    """The error line of a failed `mw --sandbox actions run KEY`."""
    done = mw(
        "actions", "run", key, "--connection", connection(app), "--input", json.dumps(payload),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout
    return done.stderr.splitlines()[0]
