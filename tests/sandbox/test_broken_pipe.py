"""A reader that leaves early (`membrane-sandbox ... | head -1`) ends the sandbox quietly."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.sandbox.conftest import SANDBOX, spawn

pytestmark = pytest.mark.integration


def _closed_reader(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the sandbox with a stdout whose reading end is already closed."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write the sandbox makes now fails with EPIPE
    try:
        done = subprocess.run(
            [*SANDBOX, *argv], stdout=write_end, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})}, timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("--version",),
        ("connection", "--help"),
        ("status", "--json"),
        ("connection", "list", "--json"),
    ],
)
def test_a_closed_stdout_ends_quietly_with_141(argv, tmp_path) -> None:
    env = {"MW_SANDBOX_DIR": str(tmp_path)}
    assert _closed_reader(*argv, env=env) == (141, "")


def test_a_long_answer_and_an_error_body_end_quietly_too(tmp_path) -> None:
    env = {"MW_SANDBOX_DIR": str(tmp_path)}
    cid = spawn("connection", "ensure", "chatwoot", "--json", env=env).json["id"]
    listed = ("action", "list", f"--connectionId={cid}", "--limit", "100", "--json")
    assert _closed_reader(*listed, env=env) == (141, "")
    # A failure prints its body on stdout first; the reader is gone, so nothing more is said.
    failing = ("action", "run", "no-such-key", f"--connectionId={cid}", "--json")
    assert _closed_reader(*failing, env=env) == (141, "")


def test_a_write_whose_reader_left_is_still_applied(tmp_path) -> None:
    env = {"MW_SANDBOX_DIR": str(tmp_path)}
    cid = spawn("connection", "ensure", "chatra.io", "--json", env=env).json["id"]
    run = ("action", "run", "update-client", f"--connectionId={cid}", "--input",
           '{"clientId": "demoClient0000001", "name": "Left early"}', "--json")  # fmt: skip
    assert _closed_reader(*run, env=env) == (141, "")
    got = spawn("action", "run", "get-client", f"--connectionId={cid}", "--input",
                '{"clientId": "demoClient0000001"}', "--json", env=env)  # fmt: skip
    assert got.json["output"]["basicInfo"]["name"] == "Left early"
