"""Helpers for the sandbox tests: run the sandbox in-process, or as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from wrapper.sandbox.cli import main

SANDBOX = [str(Path(sys.executable).parent / "membrane-sandbox")]
if not Path(SANDBOX[0]).exists():
    SANDBOX = [sys.executable, "-m", "wrapper.sandbox"]


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def sb(capsys: pytest.CaptureFixture[str]) -> Any:
    """`sb("action", "run", ...)` runs the sandbox in this process and returns a Result."""

    def run(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def connect(sb: Any) -> Any:
    """`connect("chatwoot")` ensures a connection and returns its id."""

    def ensure(app: str) -> str:
        result = sb("connection", "ensure", app, "--json")
        assert result.code == 0, result.out
        return str(result.json["id"])

    return ensure


@pytest.fixture
def run_action(sb: Any, connect: Any) -> Any:
    """`run_action("chatwoot", "get-contact", {...})` -> the action's output (must succeed)."""

    def run(app: str, key: str, payload: dict[str, Any] | None = None) -> Any:
        argv = ["action", "run", key, f"--connectionId={connect(app)}", "--json"]
        if payload is not None:
            argv += ["--input", json.dumps(payload)]
        result = sb(*argv)
        assert result.code == 0, result.out
        return result.json["output"]

    return run


@pytest.fixture
def rest(sb: Any, connect: Any) -> Any:
    """`rest("chatwoot", "GET", "/api/v1/...", body)` -> Result of `request`."""

    def call(app: str, method: str, path: str, body: Any = None, *extra: str) -> Result:
        argv = ["request", connect(app), path, "-X", method, "--json", *extra]
        if body is not None:
            argv += ["-d", json.dumps(body)]
        return sb(*argv)

    return call


def spawn(*argv: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
    """Run a real `membrane-sandbox` process."""
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        [*SANDBOX, *argv], capture_output=True, text=True, env=full_env, timeout=timeout
    )
    return Result(done.returncode, done.stdout, done.stderr)
