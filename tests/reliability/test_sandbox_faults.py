"""Garbage, errors on stderr and hangs from the real sandbox: typed errors and exit codes.

Whatever the sandbox does, `mw` answers with one `Error:` line and a documented exit code, and
never prints a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.helpers import environment, mw

pytestmark = pytest.mark.reliability

RECIPE = """\
version: 1
name: faulty
connections:
  chatwoot: {app: chatwoot}
steps:
  - id: find
    effect: read
    action: search-contacts
    connection: chatwoot
    timeout: 1s
    input: {q: "x"}
  - id: missing
    effect: read
    request: {method: GET, path: /no/such/path}
    connection: chatwoot
"""


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        # Ensuring is retried on garbage (safe to repeat); the last answer is either form.
        ("garbage=1", "membrane connection ensure https://www.chatwoot.com/ printed "),
        ("error_on_stderr=1", "step 'missing' failed: membrane request GET /no/such/path failed"),
        ("timeout=1", "did not finish within"),
    ],
)
def test_fault_gives_typed_error(tmp_path: Path, faults: str, expected: str) -> None:
    recipe = tmp_path / "faulty.yaml"
    recipe.write_text(RECIPE)
    env = environment(tmp_path, MW_SANDBOX_FAULTS=faults, MW_SANDBOX_HANG_S="5")
    result = mw(env, "run", str(recipe))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1
    assert expected in errors[0]
