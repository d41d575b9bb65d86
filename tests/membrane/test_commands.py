"""`mw doctor`, `connections`, `actions` and `request` as users see them, over exact argv."""

from __future__ import annotations

import json
import logging
import textwrap
from functools import partial
from pathlib import Path

import click
import pytest

from tests import helpers
from tests.helpers import MEMBRANE_DATA as DATA
from wrapper.cli import COMMANDS
from wrapper.membrane import dialect as dialects

CONN = "65f1c0ffee0000000000c0a1"


def text(name: str) -> str:
    return (DATA / name).read_text()


@pytest.fixture(autouse=True)
def fresh_dialect_memory():
    dialects.clear_memory_cache()


@pytest.fixture(autouse=True)
def quiet_logger():
    """`--verbose` installs a handler on the process-wide logger; do not leak it."""
    logger = logging.getLogger("wrapper.membrane")
    before, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = before
    logger.setLevel(level)


@pytest.fixture
def mw():
    return partial(helpers.mw, catch_exceptions=True)


@pytest.fixture
def current(monkeypatch):
    """Skip detection: the unit tests here are about the commands, not the probe."""
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "current")


# --- actions ------------------------------------------------------------------------------


def test_actions_list_table(fake_process, mw, current):
    fake_process.register(
        ["membrane", "action", "list", "--connectionId=c1", "--intent", "contact", "--json"],
        stdout=text("actions-list.json"),
    )
    result = mw("actions", "list", "--connection", "c1", "--intent", "contact")
    assert result.exit_code == 0, result.output
    assert result.stdout == textwrap.dedent(
        """\
        KEY             NAME            DESCRIPTION
        create-contact  Create Contact  Creates a contact in Chatwoot.
        list-contacts   List Contacts   Lists contacts.
        """
    )


def test_actions_list_json_and_empty(fake_process, mw, current):
    argv = ["membrane", "action", "list", "--connectionId=c1", "--limit", "1", "--json"]
    fake_process.register(argv, stdout=text("actions-list.json"))
    fake_process.register(argv, stdout='{"items": []}')
    result = mw("actions", "list", "--connection", "c1", "--limit", "1", "--json")
    assert [a["key"] for a in json.loads(result.stdout)] == ["create-contact"]
    empty = mw("actions", "list", "--connection", "c1", "--limit", "1")
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "", "No actions found.\n")


def test_actions_get_shows_inputs(fake_process, mw, current):
    fake_process.register(
        ["membrane", "action", "get", "create-contact", "--connectionId=c1", "--json"],
        stdout=text("action.json"),
    )
    result = mw("actions", "get", "create-contact", "--connection", "c1")
    assert result.exit_code == 0
    assert result.stdout == textwrap.dedent(
        """\
        key:         create-contact
        id:          65f1c0ffee0000000000d001
        name:        Create Contact
        type:        create-data-record
        state:       READY
        description: Creates a contact in Chatwoot.
        input:
          name (string): Full name
          email (string, required)
        """
    )


def test_actions_run_reads_input_from_a_file(fake_process, mw, current, tmp_path):
    (tmp_path / "in.json").write_text('{"email": "ada@example.com"}')
    fake_process.register(
        [
            *("membrane", "action", "run", "create-contact", "--connectionId=c1"),
            *("--input", '{"email":"ada@example.com"}', "--json"),
        ],
        stdout=text("action-run.json"),
    )
    result = mw(
        "actions", "run", "create-contact", "--connection", "c1", "--input", f"@{tmp_path}/in.json"
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"id": 42, "name": "Ada", "email": "ada@example.com"}


def test_actions_run_rejects_bad_json(mw, current):
    result = mw("actions", "run", "k", "--connection", "c1", "--input", "{bad")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --input is not valid JSON: Expecting property name enclosed in double quotes "
        "(line 1, column 2)\n"
        '  Quote it for the shell, e.g. --input \'{"name": "Ada"}\', or put it in a file and '
        "pass --input @file.json.\n"
    )


def test_actions_run_missing_input_file(mw, current, tmp_path):
    result = mw("actions", "run", "k", "--connection", "c1", "--input", f"@{tmp_path}/nope.json")
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"Error: --input: cannot read {tmp_path}/nope.json: No such file or directory\n"
    )


def test_actions_run_invalid_input_error(fake_process, mw, current):
    fake_process.register(
        [
            *("membrane", "action", "run", "create-contact", "--connectionId=c1"),
            *("--input", '{"email":"x"}', "--json"),
        ],
        stdout=text("error-invalid-input.json"),
        stderr="Error: Invalid input",
        returncode=1,
    )
    result = mw(
        "actions", "run", "create-contact", "--connection", "c1", "--input", '{"email":"x"}'
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: membrane action run create-contact failed: Invalid input: email: 'x' is not a "
        "'email'\n"
        "  Compare the input with the schema: `mw actions get KEY --connection C`.\n"
    )


def test_actions_require_a_connection(mw):
    result = mw("actions", "list")
    assert result.exit_code == 2
    assert "Missing option '--connection'" in result.stderr


# --- connections --------------------------------------------------------------------------


def test_connections_list(fake_process, mw, current):
    fake_process.register(
        ["membrane", "connection", "list", "--json"], stdout=text("connections-list.json")
    )
    result = mw("connections", "list")
    assert result.stdout == textwrap.dedent(
        f"""\
        ID                        NAME      APP       STATE     NOTES
        {CONN}  Chatwoot  chatwoot  READY
        65f1c0ffee0000000000c0a2  Chatra    chatra    BUILDING
        """
    )


def test_connections_ensure(fake_process, mw, current):
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=text("connection-ready.json"),
    )
    result = mw("connections", "ensure", "chatwoot")
    assert result.exit_code == 0
    assert result.stdout == f"id:    {CONN}\nname:  Chatwoot\napp:   chatwoot\nstate: READY\n"


def test_connections_ensure_needs_a_person(fake_process, mw, current):
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=text("connection-client-action.json"),
    )
    result = mw("connections", "ensure", "chatwoot")
    assert result.exit_code == 4
    assert result.stderr == (
        f"Error: connection {CONN} to chatwoot needs a person: Sign in to Chatwoot to authorise "
        "the connection\n"
        "  Open https://console.getmembrane.com/connect/abc123 , finish the step, then run the "
        "command again.\n"
    )


# --- request ------------------------------------------------------------------------------


def test_request_prints_body_and_status(fake_process, mw, current):
    fake_process.register(
        [
            *("membrane", "request", "c1", "/contacts", "-X", "POST"),
            *("-H", "Accept: application/json", "-d", '{"name":"Ada"}', "--query", "page=2"),
            "--json",
        ],
        stdout=text("request.json"),
    )
    result = mw(
        "request",
        "c1",
        "/contacts",
        *("-X", "post", "-H", "Accept: application/json", "-d", '{"name": "Ada"}'),
        *("--query", "page=2"),
    )
    assert result.exit_code == 0
    assert result.stderr == "HTTP 200\n"
    assert json.loads(result.stdout) == {"payload": [{"id": 1, "name": "Ada"}]}


def test_request_json_and_path_params(fake_process, mw, current):
    fake_process.register(
        ["membrane", "request", "c1", "/v/{id}", "-X", "GET", "--pathParam", "id=7", "--json"],
        stdout=text("request.json"),
    )
    result = mw("request", "c1", "/v/{id}", "--path-param", "id=7", "--json")
    assert json.loads(result.stdout)["status"] == 200


def test_request_rejects_a_malformed_header(mw, current):
    result = mw("request", "c1", "/x", "-H", "no-colon")
    assert result.exit_code == 2
    assert result.stderr == "Error: -H 'no-colon' is not of the form NAME: VALUE\n"


def test_request_refuses_a_body_that_looks_like_json_but_is_not(mw, current):
    # No call is registered: the refusal comes before any.
    result = mw("request", "c1", "/x", "-X", "POST", "-d", '{"name": "Ada",}')
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: -d looks like JSON but is not valid JSON: Expecting property name enclosed in "
        "double quotes (line 1, column 16)\n"
    )


# --- errors, verbose, help ------------------------------------------------------------------


def test_garbage_gives_a_clear_error(fake_process, mw, current):
    fake_process.register(
        ["membrane", "connection", "list", "--json"], stdout=text("garbage-html.html")
    )
    result = mw("connections", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: membrane connection list printed an HTML page instead of JSON: <!DOCTYPE html>"
    )
    assert "Traceback" not in result.output


def test_a_reader_that_left_ends_mw_quietly_with_141(fake_process, mw, current, monkeypatch):
    """`mw connections list | head -0`: no "This is a bug" line, the code a shell gives `yes`."""
    fake_process.register(
        ["membrane", "connection", "list", "--json"], stdout=text("connections-list.json")
    )

    echo = click.echo

    def reader_left(
        message: object = None, file: object = None, nl: bool = True, err: bool = False
    ):
        if not err:
            raise BrokenPipeError(32, "Broken pipe")
        echo(message, file, nl, err)  # type: ignore[arg-type]

    monkeypatch.setattr(click, "echo", reader_left)
    result = mw("connections", "list")
    assert result.exit_code == 141
    assert result.output == ""


def test_verbose_shows_the_command(fake_process, mw, current):
    fake_process.register(["membrane", "connection", "list", "--json"], stdout='{"items": []}')
    result = mw("--verbose", "connections", "list")
    assert "[membrane] running: membrane connection list --json\n" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["doctor"],
        ["connections"],
        ["connections", "list"],
        ["connections", "ensure"],
        ["actions"],
        ["actions", "list"],
        ["actions", "get"],
        ["actions", "run"],
        ["request"],
    ],
)
def test_every_command_has_help_with_examples(mw, args):
    assert args[0] in COMMANDS
    result = mw(*args, "--help")
    assert result.exit_code == 0
    assert "Examples:\n    mw " in result.stdout


# --- doctor -------------------------------------------------------------------------------


@pytest.fixture
def bin_dir(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def fake_binary(folder: Path, name: str = "membrane") -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_doctor_without_membrane(mw, bin_dir):
    result = mw("doctor")
    assert result.exit_code == 4
    assert result.stdout == textwrap.dedent(
        """\
        membrane   FAIL  `membrane` not found
                         fix: Install it with `npm install -g @membranehq/cli`, point MW_MEMBRANE at it (for example MW_MEMBRANE='npx -y @membranehq/cli@latest'), or try everything offline with `mw --sandbox`.
        version    skip  needs membrane
        dialect    skip  needs membrane
        login      skip  needs membrane
        """  # noqa: E501
    )
    assert result.stderr.startswith(
        "Error: membrane not found: `membrane` (from PATH) is not an installed program\n"
        "  Install it with `npm install -g @membranehq/cli`"
    )


def test_doctor_all_good(fake_process, mw, bin_dir):
    binary = str(fake_binary(bin_dir))
    fake_process.register([binary, "--version"], stdout="1.18.0\n")
    fake_process.register([binary, "--help"], stdout=text("help-current.txt"))
    fake_process.register([binary, "status", "--json"], stdout=text("status-logged-in.json"))
    result = mw("--membrane", binary, "doctor")
    assert result.exit_code == 0, result.output
    assert result.stdout == textwrap.dedent(
        f"""\
        membrane   ok    {binary}, from --membrane / MW_MEMBRANE
        version    ok    1.18.0
        dialect    ok    current (from --help)
        login      ok    logged in (workspace acme, tenant ada, api https://api.getmembrane.com)
        """
    )


def test_doctor_logged_out_json(fake_process, mw, bin_dir):
    binary = str(fake_binary(bin_dir))
    fake_process.register([binary, "--version"], stdout="1.18.0\n")
    fake_process.register([binary, "--help"], stdout=text("help-current.txt"))
    fake_process.register(
        [binary, "status", "--json"], stdout=text("error-not-authenticated.json"), returncode=1
    )
    result = mw("--membrane", binary, "doctor", "--json")
    assert result.exit_code == 4
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["checks"][3] == {
        "name": "login",
        "status": "FAIL",
        "detail": "membrane is not logged in",
        "fix": "Run `membrane login --tenant`, then try again.",
    }
    assert result.stderr == (
        "Error: membrane is not logged in\n  Run `membrane login --tenant`, then try again.\n"
    )


def test_doctor_exits_4_when_membrane_does_not_answer_its_version(fake_process, mw, bin_dir):
    binary = str(fake_binary(bin_dir))
    fake_process.register([binary, "--version"], stderr="npm error code E404\n", returncode=3)
    fake_process.register([binary, "--help"], stdout=text("help-current.txt"))
    result = mw("--membrane", binary, "doctor")
    assert result.exit_code == 4
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: ")
    assert lines[1] == (
        f"  Run `{binary} --version` yourself to see what it says; reinstall the Membrane CLI "
        "(npm install -g @membranehq/cli) if it does not answer."
    )


def test_doctor_finds_the_other_program(fake_process, mw, bin_dir):
    fake_binary(bin_dir)
    fake_process.register(["membrane", "--version"], stdout="0.1.13289\n")
    fake_process.register(["membrane", "--help"], stdout=text("help-other-program.txt"))
    result = mw("doctor")
    assert result.exit_code == 4, result.output
    assert "dialect    FAIL  `membrane` is a different program called membrane" in result.stdout
    assert "login      skip  needs a working membrane" in result.stdout
    assert result.stderr.startswith("Error: `membrane` is a different program called membrane")


def test_doctor_warns_about_the_other_program_on_path(fake_process, mw, bin_dir, tmp_path):
    other = str(fake_binary(bin_dir))
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = str(fake_binary(real_dir))
    fake_process.register([real, "--version"], stdout="1.18.0\n")
    fake_process.register([real, "--help"], stdout=text("help-current.txt"))
    fake_process.register([real, "status", "--json"], stdout=text("status-logged-in.json"))
    fake_process.register([other, "--help"], stdout=text("help-other-program.txt"))
    result = mw("doctor", env={"MW_MEMBRANE": real})
    assert result.exit_code == 0
    assert (
        f"PATH       warn  the `membrane` on PATH ({other}) is a different program of the same "
        "name\n" in result.stdout
    )


# --- the "done when", against a fake `membrane` script ------------------------------

FAKE_MEMBRANE = """\
#!/bin/sh
for arg in "$@"; do printf '%s\\n' "$arg"; done >> "$FAKE_LOG"
echo "----" >> "$FAKE_LOG"
if [ "$1" = "--help" ]; then
  printf 'Commands:\\n  connection ensure <app>\\n  connection list\\n  action run <key>\\n'
  exit 0
fi
case "$FAKE_MODE" in
  logged_out)
    echo '{"type":"bad_request","key":"not_authenticated","message":"Not authenticated. Run `membrane login` to log in."}'
    echo 'Error: Not authenticated. Run `membrane login` to log in.' >&2
    exit 1 ;;
  garbage)
    echo '{"items": [{"id": "a1", "key": "list-vis'
    exit 0 ;;
esac
case "$1 $2" in
  "action list") echo '{"items":[{"id":"65f1c0ffee0000000000d002","key":"list-visitors","name":"List Visitors","state":"READY"}],"cursor":null}' ;;
  "action run") echo '{"output":{"k":1,"ok":true},"actionRunId":"65f1c0ffee0000000000e009"}' ;;
  *) echo "unknown command: $*" >&2; exit 1 ;;
esac
"""  # noqa: E501


@pytest.fixture
def script(tmp_path, monkeypatch):
    path = tmp_path / "fake-membrane"
    path.write_text(FAKE_MEMBRANE)
    path.chmod(0o755)
    log = tmp_path / "argv.log"
    monkeypatch.setenv("MW_MEMBRANE", str(path))
    monkeypatch.setenv("FAKE_LOG", str(log))
    return log


def calls(log: Path) -> list[list[str]]:
    chunks = log.read_text().split("----\n")
    return [chunk.splitlines() for chunk in chunks if chunk]


def test_done_when_actions_list_json(mw, script):
    result = mw("actions", "list", "--connection", "conn-1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "id": "65f1c0ffee0000000000d002",
            "key": "list-visitors",
            "name": "List Visitors",
            "description": "",
            "state": "READY",
        }
    ]
    assert calls(script) == [
        ["--help"],
        ["action", "list", "--connectionId=conn-1", "--json"],
    ]


def test_done_when_actions_run_json(mw, script):
    result = mw("actions", "run", "KEY", "--connection", "conn-1", "--input", '{"k":1}', "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "output": {"k": 1, "ok": True},
        "actionRunId": "65f1c0ffee0000000000e009",
    }
    assert calls(script)[-1] == [
        *("action", "run", "KEY", "--connectionId=conn-1", "--input", '{"k":1}', "--json"),
    ]


def test_done_when_logged_out(mw, script):
    result = mw("actions", "list", "--connection", "conn-1", env={"FAKE_MODE": "logged_out"})
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: membrane action list failed: Not authenticated. Run `membrane login` to log in.\n"
        "  Run `membrane login --tenant`, then try again.\n"
    )


def test_done_when_garbage(mw, script):
    result = mw("actions", "list", "--connection", "conn-1", env={"FAKE_MODE": "garbage"})
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        'Error: membrane action list printed truncated JSON: {"items": [{"id": "a1", "key": '
        '"list-vis'
    )
    assert "Traceback" not in result.output


def test_done_when_doctor_without_membrane(mw, bin_dir, monkeypatch):
    monkeypatch.delenv("MW_MEMBRANE", raising=False)
    result = mw("doctor")
    assert result.exit_code == 4
    assert "npm install -g @membranehq/cli" in result.stderr


# --- against the sandbox (real processes) ---------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("dialect", dialects.DIALECTS)
def test_every_dialect_against_the_sandbox(mw, monkeypatch, dialect):
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", dialect)
    ensured = mw("--sandbox", "connections", "ensure", "chatwoot", "--json")
    assert ensured.exit_code == 0, ensured.output
    connection = json.loads(ensured.stdout)
    assert connection["state"] == "READY"
    conn = connection["id"]
    listed = mw("--sandbox", "actions", "list", "--connection", conn, "--limit", "3", "--json")
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.stdout)) == 3
    bad = mw(
        *("--sandbox", "actions", "run", "create-contact", "--connection", conn),
        *("--input", '{"name": "Ada", "email": "x"}'),
    )
    assert bad.exit_code == 1
    assert bad.stderr.splitlines()[0] == (
        "Error: membrane action run create-contact failed: Invalid input: email: 'x' is not a "
        "'email'"
    )
    missing = mw("--sandbox", "request", conn, "/api/v1/accounts/1/nope")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Error: membrane request GET /api/v1/accounts/1/nope failed:")


@pytest.mark.integration
def test_sandbox_detected_as_current_and_logged_out_advice(mw, monkeypatch):
    doctor = mw("--sandbox", "doctor", "--json")
    assert doctor.exit_code == 0, doctor.output
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    assert checks["dialect"]["detail"] == "current (from --help)"
    monkeypatch.setenv("MW_SANDBOX_LOGGED_OUT", "1")
    result = mw("--sandbox", "connections", "list")
    assert result.exit_code == 4
    assert "Run `membrane login --tenant`, then try again." in result.stderr
