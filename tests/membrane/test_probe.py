"""`mw doctor --probe` and its transcripts, against recorded and hand-made `membrane` answers."""

from __future__ import annotations

import json
import textwrap
from functools import partial
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from tests import helpers
from tests.e2e.replay import TRANSCRIPT, register_transcript
from wrapper.errors import UsageError
from wrapper.membrane import dialect as dialects
from wrapper.membrane import probe_shapes as shapes
from wrapper.membrane import transcript
from wrapper.membrane.transcript import Redactor

CHAPORT = "6650c0ffee00000000000001"
HELP = (Path(__file__).parents[1] / "data" / "membrane" / "help-current.txt").read_text()


@pytest.fixture(autouse=True)
def fresh_dialect_memory():
    dialects.clear_memory_cache()


@pytest.fixture
def bin_dir(tmp_path, monkeypatch):
    """A `membrane` on PATH for `mw doctor` to find; its calls are faked by fake_process."""
    folder = tmp_path / "bin"
    folder.mkdir()
    binary = folder / "membrane"
    binary.write_text("#!/bin/sh\nexit 0\n")
    binary.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    return folder


@pytest.fixture
def mw():
    return partial(helpers.mw, catch_exceptions=True)


def register(fake_process, args, stdout="", *, stderr="", returncode=0):
    fake_process.register(["membrane", *args], stdout=stdout, stderr=stderr, returncode=returncode)


# --- replaying a recorded transcript ----------------------------------------------------------


def test_replayed_transcript_gives_the_recorded_conclusions(fake_process, mw, bin_dir):
    recorded = register_transcript(fake_process)
    result = mw("doctor", "--probe", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["checks"] == recorded.checks
    assert (report["ok"], report["dialect"], report["connection"]) == (True, "current", CHAPORT)
    assert report["calls"] == len(recorded.calls)


def test_replayed_transcript_drives_normal_commands(fake_process, mw, bin_dir):
    register_transcript(fake_process)
    listed = mw("connections", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert [c["id"] for c in json.loads(listed.stdout)] == [CHAPORT, "6650c0ffee00000000000002"]
    # The probe records one page of actions only: listing them all would ask for the next page.
    got = mw("actions", "get", "list-visitors", "--connection", CHAPORT)
    assert got.exit_code == 0, got.output
    assert got.stdout == (
        "key:   list-visitors\nid:    act-list-visitors\nname:  List visitors\nstate: READY\n"
        "input:\n  (none)\n"
    )
    answered = mw("request", CHAPORT, "/operators")
    assert answered.exit_code == 0, answered.output
    assert answered.stderr == "HTTP 200\n"
    assert json.loads(answered.stdout)["result"][0]["email"] == "redacted-1@example.invalid"
    missing = mw("request", CHAPORT, "/operators/000000000000000000000000")
    assert missing.exit_code == 1
    assert missing.stderr == (
        "Error: membrane request GET /operators/000000000000000000000000 failed: HTTP 404 (the app "
        "said: Not found)\n  The app has no such record or route: check the path and the ids in "
        "it against the app's API.\n"
    )


def test_the_committed_transcript_holds_no_e_mail_address():
    text = TRANSCRIPT.read_text()
    assert "@example.com" not in text
    assert "redacted-1@example.invalid" in text


# --- the table, exit codes and advice ---------------------------------------------------------


def test_probe_table(fake_process, mw, bin_dir):
    register_transcript(fake_process)
    result = mw("doctor", "--probe")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"membrane     ok    {bin_dir / 'membrane'}"
    assert lines[1:4] == [
        "version      ok    1.18.0",
        "dialect      ok    current (from --help)",
        "help         ok    `membrane --help` lists subcommands (e.g. connection ensure)",
    ]
    assert lines[-1] == (
        "request 404  ok    GET /operators/000000000000000000000000: membrane request GET "
        "/operators/000000000000000000000000 failed: HTTP 404 (the app said: Not found) [exit 0, "
        "an envelope with status 404 on stdout]"
    )


def test_a_command_the_dialect_needs_is_missing(fake_process, mw, bin_dir):
    register(fake_process, ["--version"], "1.18.0\n")
    register(fake_process, ["--help"], "Commands:\n  connection\n  action\n  request\n")
    register(fake_process, ["connection", "--help"], "Commands:\n  list\n  get <id>\n")
    register(fake_process, ["action", "--help"], "Commands:\n  list\n  get\n  run\n")
    register(fake_process, ["status", "--json"], '{"loggedIn": true}')
    register(fake_process, ["connection", "list", "--json"], '{"items": []}')
    result = mw("doctor", "--probe")
    assert result.exit_code == 4, result.output
    assert (
        "commands     FAIL  the current dialect runs commands the help does not list: "
        "connection ensure\n" in result.stdout
    )
    assert result.stderr == (
        "Error: the probe found that commands does not hold: the current dialect runs commands "
        "the help does not list: connection ensure\n"
        "  Upgrade with `npm install -g @membranehq/cli@latest`, or force the generation that "
        "matches with MW_MEMBRANE_DIALECT (current, older, newest).\n"
    )
    # No READY connection: nothing is called on one, and the probe says why.
    assert (
        "connection   warn  no READY connection to probe actions and requests with\n"
        in result.stdout
    )


def test_a_group_help_that_does_not_answer_only_warns(fake_process, mw, bin_dir):
    register(fake_process, ["--version"], "1.18.0\n")
    register(fake_process, ["--help"], "Commands:\n  connection\n  action\n  request\n")
    register(fake_process, ["connection", "--help"], stderr="unknown option", returncode=1)
    register(fake_process, ["action", "--help"], stderr="unknown option", returncode=1)
    register(fake_process, ["status", "--json"], '{"loggedIn": true}')
    register(fake_process, ["connection", "list", "--json"], "[]")
    result = mw("doctor", "--probe", "--json")
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["commands"]["status"] == "warn"
    assert checks["commands"]["detail"].startswith("could not confirm from the help texts: ")
    assert (
        checks["connections"]["detail"]
        == "0 read; first page: 0 on the page, as bare list, no cursor"
    )


def test_a_misread_answer_is_a_failed_check_not_a_crash(fake_process, mw, bin_dir):
    register(fake_process, ["--version"], "1.18.0\n")
    register(fake_process, ["--help"], HELP)
    register(fake_process, ["connection", "--help"], "")
    register(fake_process, ["action", "--help"], "")
    register(fake_process, ["status", "--json"], '{"loggedIn": true}')
    register(fake_process, ["connection", "list", "--json"], "<html>gateway</html>")
    result = mw("doctor", "--probe")
    assert result.exit_code == 4
    assert "connections  FAIL  membrane connection list printed an HTML page" in result.stdout
    assert "This is a bug" not in result.output


def test_probe_options_need_probe(mw):
    result = mw("doctor", "c1")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: CONNECTION, --record, --path and --missing-path need --probe\n"
        "  Run `mw doctor --probe ...`.\n"
    )


def test_probe_without_membrane(mw, bin_dir):
    (bin_dir / "membrane").unlink()
    result = mw("doctor", "--probe")
    assert result.exit_code == 4
    assert result.stderr.startswith(
        "Error: membrane not found: `membrane` (from PATH) is not an installed program\n"
    )


def test_named_connection_and_paths(fake_process, mw, bin_dir):
    register_transcript(fake_process)
    register(fake_process, ["request", CHAPORT, "/me.json", "-X", "GET", "--json"],
             '{"status": 200, "headers": {}, "body": {"result": {"id": "x"}}}')  # fmt: skip
    register(fake_process, ["request", CHAPORT, "/nope", "-X", "GET", "--json"],
             '{"status": 500, "headers": {}, "body": {"error": "boom"}}')  # fmt: skip
    result = mw(
        "doctor", "--probe", CHAPORT, "--path", "/me.json", "--missing-path", "/nope", "--json"
    )
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["connection"]["detail"] == f"{CHAPORT} (READY)"
    assert checks["request"]["detail"] == (
        "GET /me.json: HTTP 200 [exit 0, an envelope with status 200 on stdout]"
    )
    assert checks["request 404"]["status"] == "warn"
    assert checks["request 404"]["detail"].startswith("GET /nope did not answer 404: ")


# --- recording --------------------------------------------------------------------------------


def test_record_removes_secrets_and_replays(fake_process, mw, bin_dir, tmp_path):
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJ3b3Jrc3BhY2VLZXkiOiJhY21lIn0.c2lnbmF0dXJlLXZhbHVl"
    register(fake_process, ["--version"], "1.18.0\n")
    register(fake_process, ["--help"], HELP)
    register(fake_process, ["connection", "--help"], "")
    register(fake_process, ["action", "--help"], "")
    register(
        fake_process,
        ["status", "--json"],
        json.dumps({"loggedIn": True, "accessToken": jwt, "user": "ada@example.com"}),
    )
    register(fake_process, ["connection", "list", "--json"], '{"items": []}')
    target = tmp_path / "probe.json"
    result = mw("doctor", "--probe", "--record", str(target))
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Wrote the transcript of 6 calls to {target} (secrets, tokens and e-mail addresses "
        "removed).\n"
    )
    text = target.read_text()
    assert jwt not in text and "ada@example.com" not in text
    recorded = transcript.load(target)
    assert recorded.command == ["membrane"]
    assert json.loads(recorded.calls[4].stdout) == {
        "loggedIn": True,
        "accessToken": "<jwt-1>",
        "user": "redacted-2@example.invalid",
    }
    # The redacted transcript is a fixture: replayed, it gives the same checks.
    with FakeProcess.context() as replay:
        register_transcript(replay, recorded)
        again = mw("doctor", "--probe", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["checks"] == recorded.checks


def test_record_into_a_missing_folder(fake_process, mw, bin_dir, tmp_path):
    register_transcript(fake_process)
    result = mw("doctor", "--probe", "--record", str(tmp_path / "no" / "probe.json"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: cannot write the transcript to {tmp_path}/no/")


def test_redactor_replaces_each_secret_with_one_stable_placeholder():
    redactor = Redactor()
    text = textwrap.dedent(
        """\
        -H Authorization: Bearer abc.def-123
        {"accessToken": "s3cr3t", "id": "65f1c0ffee0000000000c0a1", "email": "ada@example.com"}
        api_key=xyz789 workspaceSecret: hunter2 token=s3cr3t
        jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln and again ada@example.com
        cursor 0123456789abcdefghijABCDEFGHIJ0123456789xyz id 3f2b8c1e-1d2a-4c3b-9a8f-0e1d2c3b4a59
        """
    )
    assert redactor.text(text) == textwrap.dedent(
        """\
        -H Authorization: Bearer <secret-2>
        {"accessToken": "<secret-3>", "id": "65f1c0ffee0000000000c0a1", "email": "redacted-6@example.invalid"}
        api_key=<secret-4> workspaceSecret: <secret-5> token=<secret-3>
        jwt <jwt-1> and again redacted-6@example.invalid
        cursor <token-7> id 3f2b8c1e-1d2a-4c3b-9a8f-0e1d2c3b4a59
        """  # noqa: E501
    )
    # The same value later, in another call's arguments, gets the same placeholder.
    assert redactor.text('--input {"q": "ada@example.com"}') == (
        '--input {"q": "redacted-6@example.invalid"}'
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not a JSON transcript"),
        ('{"format": "other"}', 'not an mw probe transcript (no "format": "mw-probe-transcript")'),
        ('{"format": "mw-probe-transcript", "version": 9}', "transcript version 9, expected 1"),
        (
            '{"format": "mw-probe-transcript", "version": 1, "command": [], "calls": [{}]}',
            "a call in the transcript is incomplete: 'args'",
        ),
    ],
)
def test_load_refuses_what_is_not_a_transcript(tmp_path, content, message):
    path = tmp_path / "t.json"
    path.write_text(content)
    with pytest.raises(UsageError) as caught:
        transcript.load(path)
    assert message in caught.value.message


def test_commands_listed_as_usage_lines(fake_process, mw, bin_dir, monkeypatch):
    """A minimist/ink-style help (7.15) shows usage lines rather than a commander table."""
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "current")
    usage = "Usage\n  $ membrane connection ensure <appUrl>\n  $ membrane connection list\n"
    register(fake_process, ["--version"], "membrane/1.1.12 linux-x64 node-v20\n")
    register(fake_process, ["--help"], usage + "  $ membrane request <id> <path>\n")
    register(fake_process, ["connection", "--help"], usage + "  $ membrane connection get <id>\n")
    register(
        fake_process,
        ["action", "--help"],
        "  membrane action list\n  membrane action get <key>\n  membrane action run <key>\n",
    )
    register(fake_process, ["status", "--json"], "Logged in as ada\n")
    register(fake_process, ["connection", "list", "--json"], '{"items": [], "cursor": null}')
    result = mw("doctor", "--probe", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["version"]["detail"] == "1.1.12"
    assert checks["dialect"]["detail"] == "current (forced by MW_MEMBRANE_DIALECT)"
    assert checks["commands"]["status"] == "ok", checks["commands"]
    assert checks["status"]["detail"] == "exit 0, text: 'Logged in as ada'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  connection ensure [options] <appUrl>  Find or create", True),
        ("  $ /usr/local/bin/membrane action run <key>", True),
        ("  connection          Find, create, inspect\n  action   Run actions", False),
        # Prose that quotes a command is not a listing.
        ("Note: `membrane action list --intent` discovers actions.", False),
    ],
)
def test_which_helps_list_subcommands(text, expected):
    assert shapes.lists_pairs(text) is expected
