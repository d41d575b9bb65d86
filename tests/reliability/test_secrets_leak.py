"""A secret input never reaches any byte mw writes: streams, report, JUnit, events, state.

The sandbox's own directory is the remote side (it stores what the app received, as a real app
would), so it is left out of the search on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.helpers import environment, mw

pytestmark = pytest.mark.reliability

SECRET = "s3cr3t-Zq81-value"

RECIPE = """\
version: 1
name: secret-leak
inputs:
  email: {type: string, default: a@example.com}
  token: {type: string, secret: true, from_env: LEAK_TOKEN}
connections:
  chatwoot: {app: chatwoot}
steps:
  - id: find
    effect: read
    action: search-contacts
    connection: chatwoot
    input: {q: "key=${inputs.token}"}
  - id: create
    action: create-contact
    connection: chatwoot
    input: {name: "Bearer ${inputs.token}", email: "${inputs.email}"}
  - id: broken
    effect: read
    request: {method: GET, path: "/no/such/${inputs.token}/path"}
    connection: chatwoot
"""


def test_secret_appears_in_no_artefact(tmp_path: Path) -> None:
    recipe = tmp_path / "leak.yaml"
    recipe.write_text(RECIPE)
    out = tmp_path / "out"
    out.mkdir()
    env = environment(tmp_path, LEAK_TOKEN=SECRET)
    runs = [
        mw(env, "plan", str(recipe)),
        mw(
            env,
            "--verbose",
            "run",
            str(recipe),
            "--report",
            str(out / "report.json"),
            "--junit",
            str(out / "junit.xml"),
            "--events",
            str(out / "events.ndjson"),
        ),
        mw(env, "--json", "run", str(recipe)),
    ]
    assert runs[1].returncode == 1, runs[1].stderr
    for result in runs:
        assert SECRET not in result.stdout
        assert SECRET not in result.stderr
        assert "Traceback" not in result.stderr
    files = [p for p in [*out.rglob("*"), *(tmp_path / "state").rglob("*")] if p.is_file()]
    assert (out / "report.json") in files and (out / "events.ndjson") in files
    leaks = [str(p) for p in files if SECRET.encode() in p.read_bytes()]
    assert leaks == []
    # the secret did travel: the remote side received it
    remote = [p for p in (tmp_path / "sandbox").rglob("*") if p.is_file()]
    assert any(SECRET.encode() in p.read_bytes() for p in remote)
