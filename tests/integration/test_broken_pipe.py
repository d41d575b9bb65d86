"""`mw ... | head`: when the reader of stdout leaves, the real `mw` stops quietly with 141."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

MW = str(Path(sys.executable).parent / "mw")


def reader_leaves_first(*args: str) -> tuple[int, str]:
    """(exit code, stderr) of `mw ARGS` whose stdout pipe is closed before mw writes to it."""
    proc = subprocess.Popen([MW, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: nobody will read what mw prints
    try:
        stderr = proc.stderr.read()
        return proc.wait(timeout=60), stderr
    finally:
        proc.kill()
        proc.stderr.close()


@pytest.fixture(autouse=True)
def chatwoot() -> str:
    """A sandbox connection, so every command below has something to print."""
    ensured = subprocess.run(
        [MW, "--sandbox", "connections", "ensure", "chatwoot", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert ensured.returncode == 0, ensured.stderr
    conn: str = json.loads(ensured.stdout)["id"]
    return conn


@pytest.mark.parametrize(
    "args",
    [
        ["--sandbox", "connections", "list"],
        ["--sandbox", "connections", "list", "--json"],
        ["--version"],
        ["--help"],
        ["--sandbox", "connections", "--help"],
    ],
)
def test_no_message_and_exit_141(args: list[str]) -> None:
    assert reader_leaves_first(*args) == (141, "")


def test_actions_get_into_a_closed_pipe(chatwoot: str) -> None:
    args = ("--sandbox", "actions", "get", "create-contact", "--connection", chatwoot)
    assert reader_leaves_first(*args) == (141, "")
