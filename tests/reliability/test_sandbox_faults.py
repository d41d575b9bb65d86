"""Garbage, errors on stderr and hangs from the real sandbox: typed errors and exit codes.

Whatever the sandbox does, `mw` answers with one `Error:` line and a documented exit code, and
never prints a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability.helpers import environment, mw

pytestmark = pytest.mark.reliability

RECIPE = """\
version: 1
name: faulty
connections:
  chatwoot: {{app: chatwoot}}
steps:
  - id: find
    effect: read
    action: search-contacts
    connection: chatwoot
    timeout: {timeout}
    input: {{q: "x"}}
  - id: missing
    effect: read
    request: {{method: GET, path: /no/such/path}}
    connection: chatwoot
"""


#: Far longer than any call takes on a loaded machine: only a hang reaches it.
NEVER = "300s"


@pytest.mark.parametrize(
    ("faults", "timeout", "expected"),
    [
        # Ensuring is retried on garbage (safe to repeat); the last answer is either form.
        ("garbage=1", NEVER, "membrane connection ensure https://www.chatwoot.com/ printed "),
        (
            "error_on_stderr=1",
            NEVER,
            "step 'missing' failed: membrane request GET /no/such/path failed",
        ),
        # The sandbox hangs far longer than the step allows, so the timeout fires however slow
        # the machine is.
        ("timeout=1", "3s", "did not finish within"),
    ],
)
def test_fault_gives_typed_error(tmp_path: Path, faults: str, timeout: str, expected: str) -> None:
    recipe = tmp_path / "faulty.yaml"
    recipe.write_text(RECIPE.format(timeout=timeout))
    args = ["run", str(recipe)]
    if faults.startswith("timeout"):
        # Ensured without faults first: under a hang the ensure would only wait out its own
        # timeout, and the step's is the one under test.
        ensured = mw(environment(tmp_path), "connections", "ensure", "chatwoot", "--json")
        assert ensured.returncode == 0, ensured.stderr
        args += ["--connection", "chatwoot=" + json.loads(ensured.stdout)["id"]]
    env = environment(tmp_path, MW_SANDBOX_FAULTS=faults, MW_SANDBOX_HANG_S="600")
    result = mw(env, *args)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1
    assert expected in errors[0]
