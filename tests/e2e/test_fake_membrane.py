"""Real `mw` processes against an independent fake of `membrane`, one reading per mode.

The fake (fake_membrane.py) is written from the public facts about the Membrane CLI, not from
mw's sandbox, so these tests catch guesses the client and the sandbox would share. Each test
checks the exit code, the message users read, and that no "bug in mw" line or traceback shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.helpers import run_mw

pytestmark = pytest.mark.integration

FAKE = Path(__file__).with_name("fake_membrane.py")
CHAPORT = "6650c0ffee00000000000001"
CHATWOOT = "6650c0ffee00000000000002"
OPERATOR = "59747c3ff77948220136b7b3"
MISSING_CONTACT = "/api/v1/accounts/1/contacts/999"
# Generous: the machine running the suite may be loaded; nothing here waits on purpose.
CALL_TIMEOUT_S = 180

SMOKE_RECIPE = """\
version: 1
name: fake-smoke
description: One action and one request through the fake membrane.
connections:
  chaport: {{app: "{chaport}"}}
  chatwoot: {{app: "{chatwoot}"}}
steps:
  - id: operators
    effect: read
    action: list-operators
    connection: chaport
    outputs: {{first: "result[0].name"}}
  - id: contacts
    effect: read
    connection: chatwoot
    request: {{method: GET, path: "{path}"}}
    outputs: {{count: "meta.count", status: "status"}}
outputs:
  first_operator: steps.operators.outputs.first
  contacts: steps.contacts.outputs.count
  status: steps.contacts.outputs.status
"""


def mw(mode: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MW_MEMBRANE": str(FAKE), "FAKE_MEMBRANE_MODE": mode}
    result = run_mw(*args, cwd=cwd, env=env, sandbox=False, script=True, timeout=CALL_TIMEOUT_S)
    assert "This is a bug in mw" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def recipe(
    folder: Path,
    *,
    chaport: str = "https://www.chaport.com/",
    chatwoot: str = "https://www.chatwoot.com/",
    path: str = "/api/v1/accounts/1/contacts",
) -> str:
    file = folder / "smoke.yaml"
    file.write_text(SMOKE_RECIPE.format(chaport=chaport, chatwoot=chatwoot, path=path))
    return str(file)


def probe_checks(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in json.loads(result.stdout)["checks"]}


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    return tmp_path


def test_the_fake_is_executable():
    assert os.access(FAKE, os.X_OK)


# --- the default reading: commander help, loggedIn, envelopes with exit 0 ---------------------


def test_doctor_and_probe_hold(cwd):
    doctor = mw("", "doctor", cwd=cwd)
    assert doctor.returncode == 0, doctor.stderr
    assert "dialect    ok    current (from --help)\n" in doctor.stdout
    probe = mw("", "doctor", "--probe", "--json", cwd=cwd)
    assert probe.returncode == 0, probe.stdout
    checks = probe_checks(probe)
    assert json.loads(probe.stdout)["connection"] == CHAPORT
    assert {name: c["status"] for name, c in checks.items() if c["required"]} == {
        "version": "ok",
        "dialect": "ok",
        "commands": "ok",
        "login": "ok",
        "connections": "ok",
        "actions": "ok",
        "action get": "ok",
        "request": "ok",
        "request 404": "ok",
    }


def test_connections_list_and_ensure_by_url(cwd):
    listed = mw("", "connections", "list", "--json", cwd=cwd)
    assert listed.returncode == 0, listed.stderr
    assert [c["id"] for c in json.loads(listed.stdout)] == [CHAPORT, CHATWOOT]
    ensured = mw("", "connections", "ensure", "https://www.chatwoot.com/", "--json", cwd=cwd)
    assert ensured.returncode == 0, ensured.stderr
    assert json.loads(ensured.stdout)["id"] == CHATWOOT


def test_connections_ensure_by_known_name_sends_the_url(cwd):
    ensured = mw("", "connections", "ensure", "chatwoot", "--json", cwd=cwd)
    assert ensured.returncode == 0, ensured.stderr
    assert json.loads(ensured.stdout)["id"] == CHATWOOT


def test_actions_list_and_run(cwd):
    listed = mw("", "actions", "list", "--connection", CHAPORT, "--limit", "20", "--json", cwd=cwd)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 20
    ran = mw(
        *("", "actions", "run", "get-operator", "--connection", CHAPORT),
        *("--input", json.dumps({"operatorId": OPERATOR}), "--json"),
        cwd=cwd,
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["output"]["result"]["name"] == "Ada Admin"


def test_recipe_run_warns_about_an_extra_field(cwd):
    """Membrane drops unknown input fields silently (7.3); mw names them at run."""
    file = cwd / "typo.yaml"
    file.write_text(
        textwrap.dedent(
            f"""\
            version: 1
            name: typo
            description: An input field the action does not know.
            connections:
              chaport: {{app: "https://www.chaport.com/"}}
            steps:
              - id: get
                effect: read
                action: get-operator
                connection: chaport
                input: {{operatorId: "{OPERATOR}", operatorld: typo}}
            """
        )
    )
    ran = mw("", "run", str(file), cwd=cwd)
    assert ran.returncode == 0, ran.stderr
    assert "operatorld" in ran.stderr
    assert "operatorId" in ran.stderr


def test_actions_run_with_a_missing_field(cwd):
    ran = mw(
        "", "actions", "run", "get-operator", "--connection", CHAPORT, "--input", "{}", cwd=cwd
    )
    assert ran.returncode == 1
    assert ran.stderr.startswith(
        "Error: membrane action run get-operator failed: Invalid input: operatorId: is required\n"
    )


def test_request_answer_in_an_envelope(cwd):
    answered = mw("", "request", CHATWOOT, "/api/v1/accounts/1/contacts", cwd=cwd)
    assert answered.returncode == 0, answered.stderr
    assert answered.stderr == "HTTP 200\n"
    assert json.loads(answered.stdout)["meta"]["count"] == 2


def test_request_404_in_an_envelope_shows_the_apps_message(cwd):
    answered = mw("", "request", CHATWOOT, MISSING_CONTACT, cwd=cwd)
    assert answered.returncode == 1
    assert "Resource could not be found" in answered.stderr


def test_recipe_runs_with_app_urls(cwd):
    ran = mw("", "run", recipe(cwd), "--json", cwd=cwd)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["outputs"] == {
        "first_operator": "Ada Admin",
        "contacts": 2,
        "status": None,
    }


def test_recipe_runs_with_app_names(cwd):
    ran = mw("", "run", recipe(cwd, chaport="chaport", chatwoot="chatwoot"), "--json", cwd=cwd)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["outputs"]["contacts"] == 2


# --- grouped help (7.15) ----------------------------------------------------------------------


def test_grouped_help(cwd):
    doctor = mw("grouped-help", "doctor", cwd=cwd)
    assert doctor.returncode == 0, doctor.stderr
    assert "dialect    ok    current (from --help)\n" in doctor.stdout
    probe = mw("grouped-help", "doctor", "--probe", "--json", cwd=cwd)
    assert probe.returncode == 0, probe.stdout
    checks = probe_checks(probe)
    assert checks["help"]["detail"].startswith("`membrane --help` lists only command groups")
    assert checks["commands"]["status"] == "ok"
    ran = mw(
        *("grouped-help", "actions", "run", "list-operators", "--connection", CHAPORT, "--json"),
        cwd=cwd,
    )
    assert ran.returncode == 0, ran.stderr
    assert len(json.loads(ran.stdout)["output"]["result"]) == 2


# --- status without loggedIn (7.12) -----------------------------------------------------------


def test_status_without_logged_in_is_not_logged_out(cwd):
    doctor = mw("status-plain", "doctor", cwd=cwd)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "not logged in" not in doctor.stdout + doctor.stderr


def test_probe_with_status_without_logged_in(cwd):
    probe = mw("status-plain", "doctor", "--probe", "--json", cwd=cwd)
    assert probe.returncode == 0, probe.stdout
    assert probe_checks(probe)["login"]["status"] == "warn"


def test_commands_go_on_with_status_without_logged_in(cwd):
    listed = mw("status-plain", "connections", "list", cwd=cwd)
    assert listed.returncode == 0, listed.stderr
    assert CHATWOOT in listed.stdout
    ran = mw("status-plain", "run", recipe(cwd), cwd=cwd)
    assert ran.returncode == 0, ran.stderr


# --- the app's own error body on a request (7.13) ----------------------------------------------


def test_app_error_body_is_the_apps_answer(cwd):
    answered = mw("app-error", "request", CHATWOOT, MISSING_CONTACT, cwd=cwd)
    assert answered.returncode == 1, answered.stderr
    assert "Resource could not be found" in answered.stderr
    assert "different program" not in answered.stderr


def test_probe_with_app_error_body(cwd):
    probe = mw("app-error", "doctor", "--probe", CHATWOOT, "--json", cwd=cwd)
    assert probe.returncode == 0, probe.stdout
    assert probe_checks(probe)["request 404"]["status"] in ("ok", "warn")


def test_recipe_step_with_app_error_body(cwd):
    ran = mw("app-error", "run", recipe(cwd, path=MISSING_CONTACT), cwd=cwd)
    assert ran.returncode == 1, ran.stderr
    assert "Resource could not be found" in ran.stderr
    assert "different program" not in ran.stderr


def test_app_success_as_a_raw_body(cwd):
    answered = mw("app-error", "request", CHATWOOT, "/api/v1/accounts/1/contacts", cwd=cwd)
    assert answered.returncode == 0, answered.stderr
    assert json.loads(answered.stdout)["payload"][0]["name"] == "Ada"


# --- raw request bodies (7.14) ----------------------------------------------------------------


def test_raw_body_with_a_status_field(cwd):
    answered = mw("raw", "request", CHATWOOT, "/api/v1/accounts/1/conversations/7", cwd=cwd)
    assert answered.returncode == 0, answered.stderr
    assert json.loads(answered.stdout)["status"] == "open"
    assert "HTTP" not in answered.stderr


def test_recipe_step_on_a_raw_body_with_a_status_field(cwd):
    ran = mw(
        "raw", "run", recipe(cwd, path="/api/v1/accounts/1/conversations/7"), "--json", cwd=cwd
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["outputs"]["status"] == "open"


def test_raw_body_without_status(cwd):
    ran = mw("raw", "run", recipe(cwd), "--json", cwd=cwd)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["outputs"]["contacts"] == 2


def test_raw_404_body_with_exit_0(cwd):
    answered = mw("raw", "request", CHATWOOT, MISSING_CONTACT, cwd=cwd)
    # With exit 0 and no status, mw cannot know it was a 404: it may print the body or fail.
    assert answered.returncode in (0, 1), answered.stderr
    assert "Resource could not be found" in answered.stdout + answered.stderr
    assert "different program" not in answered.stderr


def test_probe_with_raw_bodies(cwd):
    probe = mw("raw", "doctor", "--probe", CHATWOOT, "--json", cwd=cwd)
    assert probe.returncode == 0, probe.stdout
    checks = probe_checks(probe)
    assert checks["request"]["detail"].startswith(
        "GET /api/v1/accounts/1/contacts: status not shown (a raw body)"
    )
    assert checks["request 404"]["status"] in ("ok", "warn")


# --- an envelope with 404 and a non-zero exit (7.17) -------------------------------------------


def test_envelope_404_with_exit_1(cwd):
    answered = mw("envelope-404", "request", CHATWOOT, MISSING_CONTACT, cwd=cwd)
    assert answered.returncode == 1
    assert "Resource could not be found" in answered.stderr
    assert "JSON" not in answered.stderr


def test_probe_with_envelope_404_with_exit_1(cwd):
    probe = mw("envelope-404", "doctor", "--probe", CHATWOOT, "--json", cwd=cwd)
    assert probe.returncode == 0, probe.stdout
    assert probe_checks(probe)["request 404"]["status"] == "ok"


def test_envelope_200_with_exit_0_in_the_same_reading(cwd):
    ran = mw("envelope-404", "run", recipe(cwd), "--json", cwd=cwd)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["outputs"]["contacts"] == 2


# --- DISCONNECTING connections (7.9) ------------------------------------------------------------


def test_ensure_refuses_a_disconnecting_connection(cwd):
    ensured = mw("disconnecting", "connections", "ensure", "https://www.chatwoot.com/", cwd=cwd)
    assert ensured.returncode == 4
    assert "DISCONNECTING" in ensured.stderr


def test_recipe_stops_on_a_disconnecting_connection(cwd):
    ran = mw("disconnecting", "run", recipe(cwd), cwd=cwd)
    assert ran.returncode == 4
    assert "DISCONNECTING" in ran.stderr


def test_list_and_probe_with_disconnecting_connections(cwd):
    listed = mw("disconnecting", "connections", "list", cwd=cwd)
    assert listed.returncode == 0, listed.stderr
    assert "DISCONNECTING" in listed.stdout
    probe = mw("disconnecting", "doctor", "--probe", cwd=cwd)
    assert probe.returncode == 0, probe.stdout
    assert "connection   warn  no READY connection to probe actions and requests with\n" in (
        probe.stdout
    )


# --- lists paged by 10 with a cursor (7.10) -----------------------------------------------------


def test_actions_list_limit_20_when_the_cli_pages_by_10(cwd):
    listed = mw(
        "paged", "actions", "list", "--connection", CHAPORT, "--limit", "20", "--json", cwd=cwd
    )
    assert listed.returncode == 0, listed.stderr
    keys = [a["key"] for a in json.loads(listed.stdout)]
    assert len(keys) == len(set(keys)) == 20


def test_connections_list_reads_every_page(cwd):
    listed = mw("paged", "connections", "list", "--json", cwd=cwd)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 12


def test_actions_run_and_probe_with_paged_lists(cwd):
    ran = mw(
        *("paged", "actions", "run", "get-operator", "--connection", CHAPORT),
        *("--input", json.dumps({"operatorId": OPERATOR})),
        cwd=cwd,
    )
    assert ran.returncode == 0, ran.stderr
    probe = mw("paged", "doctor", "--probe", "--json", cwd=cwd)
    assert probe.returncode == 0, probe.stdout
    assert probe_checks(probe)["actions"]["detail"] == (
        '10 on the page, as {"items": [...]}, a cursor to the next page'
    )


# --- Membrane error bodies on stderr (7.17) -----------------------------------------------------


def test_membrane_error_on_stderr(cwd):
    ran = mw(
        "error-stderr", "actions", "run", "get-operator", "--connection", CHAPORT, "--input", "{}",
        cwd=cwd,
    )  # fmt: skip
    assert ran.returncode == 1
    assert ran.stderr.startswith(
        "Error: membrane action run get-operator failed: Invalid input: operatorId: is required\n"
    )


def test_membrane_error_with_the_apps_body(cwd):
    answered = mw("error-stderr", "request", CHATWOOT, MISSING_CONTACT, cwd=cwd)
    assert answered.returncode == 1
    assert "Request failed with status code 404" in answered.stderr
    assert "Resource could not be found" in answered.stderr
    assert "mw actions get" not in answered.stderr  # advice about action input misleads here


# --- the other program called membrane (7.13) ---------------------------------------------------


def test_the_other_program(cwd):
    doctor = mw("other-program", "doctor", cwd=cwd)
    assert doctor.returncode == 4
    assert "not the Membrane CLI" in doctor.stderr or "Membrane CLI's commands" in doctor.stderr
    listed = mw("other-program", "connections", "list", cwd=cwd)
    assert listed.returncode == 4
    assert listed.stderr.startswith("Error: `")
    assert "npm install -g @membranehq/cli" in listed.stderr


def test_probe_never_writes(cwd):
    """The probe is read-only: no action run, no connection ensure, nothing but GET."""
    recorded = cwd / "probe.json"
    probe = mw("", "doctor", "--probe", CHATWOOT, "--record", str(recorded), cwd=cwd)
    assert probe.returncode == 0, probe.stdout
    calls = json.loads(recorded.read_text())["calls"]
    for call in calls:
        args = call["args"]
        assert args[:2] not in (["action", "run"], ["connection", "ensure"]), args
        if args[:1] == ["request"]:
            assert args[args.index("-X") + 1] == "GET"
