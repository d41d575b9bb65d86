"""A secret input never reaches any byte mw writes: streams, report, JUnit, events, state.

The sandbox's own directory is the remote side (it stores what the app received, as a real app
would), so it is left out of the search on purpose.
"""

from __future__ import annotations

import json
import shlex
import subprocess
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


def _run_with_every_artefact(
    env: dict[str, str], recipe: Path, out: Path
) -> subprocess.CompletedProcess[str]:
    """`mw --verbose run` writing a report, JUnit and events into `out`."""
    return mw(
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
    )


def test_secret_appears_in_no_artefact(tmp_path: Path) -> None:
    recipe = tmp_path / "leak.yaml"
    recipe.write_text(RECIPE)
    out = tmp_path / "out"
    out.mkdir()
    env = environment(tmp_path, LEAK_TOKEN=SECRET)
    runs = [
        mw(env, "plan", str(recipe)),
        _run_with_every_artefact(env, recipe, out),
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


QUOTED = "Zq'81\"tok-Secret"

TAINT_RECIPE = """\
version: 1
name: secret-taint
inputs:
  token: {type: string, secret: true, from_env: LEAK_TOKEN}
connections:
  chatwoot: {app: chatwoot}
vars:
  shout: "upper(inputs.token)"
  joined: "join('-', ['pre', inputs.token, 'post'])"
  swapped: "replace(inputs.token, 'tok', 'TOK')"
steps:
  - id: find
    effect: read
    action: search-contacts
    connection: chatwoot
    input: {q: "raw=${inputs.token} up=${upper(inputs.token)}"}
  - id: create
    action: create-contact
    connection: chatwoot
    input: {name: "Bearer ${vars.shout} ${vars.joined} ${vars.swapped}", email: "t@example.com"}
  - id: broken
    action: create-contact
    connection: chatwoot
    input: {name: "x", email: "${upper(inputs.token)}"}
"""


def _forms(*values: str) -> list[bytes]:
    """Every way the values could be written out: raw, JSON-, repr- and shell-escaped."""
    found: set[str] = set()
    for value in values:
        found |= {
            value,
            json.dumps(value)[1:-1],
            repr(value)[1:-1],
            repr(value + "'")[1:-2],
            shlex.quote(value),
        }
    return [form.encode() for form in found]


def test_a_quoted_secret_and_values_derived_from_it_appear_nowhere(tmp_path: Path) -> None:
    recipe = tmp_path / "taint.yaml"
    recipe.write_text(TAINT_RECIPE)
    out = tmp_path / "out"
    out.mkdir()
    env = environment(tmp_path, LEAK_TOKEN=QUOTED)
    runs = [
        mw(env, "--verbose", "plan", str(recipe)),
        _run_with_every_artefact(env, recipe, out),
        mw(env, "--json", "run", str(recipe), "--events", "-"),
    ]
    assert runs[1].returncode == 1, runs[1].stderr
    # The failing write really echoed the (upper-cased) secret back, masked.
    assert "email: '***' is not a 'email'" in runs[1].stderr
    forbidden = _forms(QUOTED, QUOTED.upper(), QUOTED.replace("tok", "TOK"))
    for result in runs:
        assert "Traceback" not in result.stderr
        streams = (result.stdout + result.stderr).encode()
        assert [f for f in forbidden if f in streams] == [], result.stderr
    files = [p for p in [*out.rglob("*"), *(tmp_path / "state").rglob("*")] if p.is_file()]
    assert {out / "report.json", out / "junit.xml", out / "events.ndjson"} <= set(files)
    assert any(p.name == "journal.jsonl" for p in files)
    leaks = [(str(p), f) for p in files for f in forbidden if f in p.read_bytes()]
    assert leaks == []
    # The derived values did travel: the remote side received them.
    remote = b"".join(p.read_bytes() for p in (tmp_path / "sandbox").rglob("*") if p.is_file())
    assert json.dumps(QUOTED.upper())[1:-1].encode() in remote
