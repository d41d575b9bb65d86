"""Every failure shape of a `membrane` call becomes the right error, with one clear line."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.helpers import MEMBRANE_DATA as DATA
from wrapper.errors import (
    AccessDeniedError,
    BadRequestError,
    InvalidOutputError,
    MembraneError,
    MembraneNotFoundError,
    MembraneTimeoutError,
    NotFoundError,
    NotLoggedInError,
    RateLimitedError,
    ServerError,
    WrongMembraneError,
)
from wrapper.membrane import failures, runner
from wrapper.membrane.client import MembraneClient
from wrapper.membrane.runner import RunResult

RUN = [
    *("membrane", "action", "run", "create-contact", "--connectionId=c1"),
    *("--input", '{"email":"x"}', "--json"),
]
LABEL = "membrane action run create-contact"


def text(name: str) -> str:
    return (DATA / name).read_text()


def run_action():
    return MembraneClient(["membrane"], dialect="current").run_action(
        "create-contact", connection_id="c1", input={"email": "x"}
    )


CASES = [
    pytest.param(
        {"stdout": text("error-not-authenticated.json"), "returncode": 1},
        NotLoggedInError,
        f"{LABEL} failed: Not authenticated. Run `membrane login` to log in.",
        id="not-authenticated-stdout",
    ),
    pytest.param(
        {"stderr": text("error-not-authenticated.json"), "returncode": 1},
        NotLoggedInError,
        f"{LABEL} failed: Not authenticated. Run `membrane login` to log in.",
        id="not-authenticated-stderr",
    ),
    pytest.param(
        {
            "stderr": "Error: " + json.dumps(json.loads(text("error-not-found.json"))),
            "returncode": 1,
        },
        NotFoundError,
        f"{LABEL} failed: Connection with id 'conn-9' not found",
        id="error-prefixed-json-on-stderr",
    ),
    pytest.param(
        {"stdout": text("error-invalid-input.json"), "returncode": 1},
        BadRequestError,
        f"{LABEL} failed: Invalid input: email: 'x' is not a 'email'",
        id="invalid-input-listed",
    ),
    pytest.param(
        {
            "stdout": json.dumps(
                {
                    "type": "bad_request",
                    "message": "Invalid input: email: 'x' is not a 'email'",
                    "data": {"errors": [{"field": "email", "message": "'x' is not a 'email'"}]},
                }
            ),
            "returncode": 1,
        },
        BadRequestError,
        f"{LABEL} failed: Invalid input: email: 'x' is not a 'email'",
        id="invalid-input-not-repeated",
    ),
    pytest.param(
        {"stdout": text("error-internal.json"), "returncode": 1},
        ServerError,
        f"{LABEL} failed: Unexpected error while running the action",
        id="internal",
    ),
    pytest.param(
        {"stdout": text("error-lock-timeout.json"), "returncode": 1},
        ServerError,
        f"{LABEL} failed: Could not acquire a lock in time",
        id="lock-timeout",
    ),
    pytest.param(
        {"stdout": text("error-access-denied.json"), "returncode": 1},
        AccessDeniedError,
        f"{LABEL} failed: Access denied (the app said: forbidden)",
        id="access-denied",
    ),
    pytest.param(
        {"stdout": text("error-other-program.json"), "stderr": "not connected", "returncode": 1},
        WrongMembraneError,
        f"{LABEL} was answered by a different program called membrane: No Amazon Ads account "
        "is connected. Run `membrane connect <oauthClientKey>`. (not_connected)",
        id="other-program",
    ),
    pytest.param(
        {
            "stderr": "Error: Something broke in the CLI\n    at main (cli.js:1:1)\n",
            "returncode": 1,
        },
        MembraneError,
        f"{LABEL} failed: Something broke in the CLI",
        id="plain-text",
    ),
    pytest.param(
        {
            "stderr": 'Traceback (most recent call last):\n  File "cli.py", line 8, in <module>\n'
            "ModuleNotFoundError: No module named 'x'\n",
            "returncode": 1,
        },
        MembraneError,
        f"{LABEL} failed: ModuleNotFoundError: No module named 'x'",
        id="python-traceback",
    ),
    pytest.param(
        {"stderr": "You are not logged in. Please run membrane login first.", "returncode": 1},
        NotLoggedInError,
        f"{LABEL} failed: You are not logged in. Please run membrane login first.",
        id="login-text",
    ),
    pytest.param(
        {"stderr": "Error: Rate limit exceeded, slow down", "returncode": 2},
        RateLimitedError,
        f"{LABEL} failed: Rate limit exceeded, slow down",
        id="rate-limit-text",
    ),
    pytest.param(
        {"returncode": 137},
        InvalidOutputError,
        f"{LABEL} failed with exit code 137 (killed) and printed nothing",
        id="killed-silently",
    ),
    pytest.param(
        {"stdout": text("garbage-truncated.txt")},
        InvalidOutputError,
        f"{LABEL} printed truncated JSON: "
        '{"items": [{"id": "65f1c0ffee0000000000d001", "key": "create-con',
        id="truncated-json",
    ),
    pytest.param(
        {"stdout": text("garbage-html.html")},
        InvalidOutputError,
        f"{LABEL} printed an HTML page instead of JSON: <!DOCTYPE html> <html><head><title>502 "
        "Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        id="html",
    ),
    pytest.param(
        {"stdout": "", "stderr": "npm warn exec"},
        InvalidOutputError,
        f"{LABEL} printed nothing (exit code 0)",
        id="empty-success",
    ),
    pytest.param(
        {"stdout": "Traceback (most recent call last):\n  File x\nKeyError: 'a'\n"},
        InvalidOutputError,
        f"{LABEL} printed something that is not JSON: Traceback (most recent call last): File x "
        "KeyError: 'a'",
        id="traceback",
    ),
    pytest.param(
        {"stdout": "<html>oops</html>", "returncode": 1},
        InvalidOutputError,
        f"{LABEL} printed an HTML page instead of JSON: <html>oops</html>",
        id="html-on-failure",
    ),
]


@pytest.mark.parametrize(("output", "error_class", "message"), CASES)
def test_failure_shapes(fake_process, output, error_class, message):
    fake_process.register(RUN, **output)
    with pytest.raises(error_class) as info:
        run_action()
    error = info.value
    assert type(error) is error_class
    assert str(error) == message
    assert "\n" not in str(error)
    if isinstance(error, MembraneError):
        assert error.command == RUN


@pytest.mark.parametrize(
    ("fixture", "error_class", "message"),
    [
        (
            "error-http-401.json",
            AccessDeniedError,
            "Access token expired (the app said: Invalid Access Token)",
        ),
        (
            "error-http-404.json",
            NotFoundError,
            "Resource not found (the app said: Resource could not be found)",
        ),
        (
            "error-http-422.json",
            BadRequestError,
            "Request failed with status 422 (the app said: Email has already been taken)",
        ),
        ("error-http-500.json", ServerError, "Request failed with status 500 (the app said: oops)"),
    ],
)
def test_request_http_errors_keep_the_app_body(fake_process, fixture, error_class, message):
    fake_process.register(
        ["membrane", "request", "c1", "/x", "-X", "GET", "--json"],
        stdout=text(fixture),
        returncode=1,
    )
    with pytest.raises(error_class) as info:
        MembraneClient(["membrane"], dialect="current").request("c1", "/x")
    error = info.value
    assert str(error) == f"membrane request GET /x failed: {message}"
    assert error.body == json.loads(text(fixture))
    assert error.data["body"] == json.loads(text(fixture))["data"]["body"]


def test_expired_app_token_advises_reconnecting(fake_process):
    fake_process.register(
        ["membrane", "request", "c1", "/x", "-X", "GET", "--json"],
        stdout=text("error-http-401.json"),
        returncode=1,
    )
    with pytest.raises(AccessDeniedError) as info:
        MembraneClient(["membrane"], dialect="current").request("c1", "/x")
    assert info.value.advice == (
        "The connection's access to the app has expired; reconnect it "
        "(`mw connections ensure APP`) and try again."
    )


@pytest.mark.parametrize(
    ("fixture", "retry_after"),
    [("error-rate-limit.json", 1.5), ("error-http-429.json", 30.0)],
)
def test_rate_limit_carries_retry_after(fake_process, fixture, retry_after):
    fake_process.register(RUN, stdout=text(fixture), returncode=1)
    with pytest.raises(RateLimitedError) as info:
        run_action()
    assert info.value.retry_after_s == retry_after
    assert info.value.retryable
    assert info.value.error_key == "rate_limit_exceeded"


def test_not_logged_in_advice_and_exit_code(fake_process):
    fake_process.register(RUN, stdout=text("error-not-authenticated.json"), returncode=1)
    with pytest.raises(NotLoggedInError) as info:
        run_action()
    assert info.value.exit_code == 4
    assert info.value.advice == "Run `membrane login --tenant`, then try again."


def test_a_configuration_error_is_an_environment_problem_not_retried(fake_process):
    from wrapper.errors import EnvironmentProblem

    body = {"type": "configuration", "message": "MW_SANDBOX_FAULTS: unknown fault 'bogus'"}
    fake_process.register(RUN, stdout=json.dumps(body), returncode=1)
    with pytest.raises(EnvironmentProblem) as info:
        run_action()
    assert type(info.value) is EnvironmentProblem
    assert info.value.exit_code == 4
    assert not info.value.retryable
    assert str(info.value).endswith("failed: MW_SANDBOX_FAULTS: unknown fault 'bogus'")
    assert info.value.advice == "Fix the setting the message names, then run again."


def test_invalid_input_error_keeps_the_body(fake_process):
    fake_process.register(RUN, stdout=text("error-invalid-input.json"), returncode=1)
    with pytest.raises(BadRequestError) as info:
        run_action()
    assert info.value.error_type == "bad_request"
    assert info.value.data["errors"][0]["field"] == "email"


def test_timeout(fake_process):
    def hang(process):
        raise subprocess.TimeoutExpired(process.args, 5)

    fake_process.register(RUN, callback=hang)
    with pytest.raises(MembraneTimeoutError) as info:
        MembraneClient(["membrane"], dialect="current").run_action(
            "create-contact", connection_id="c1", input={"email": "x"}, timeout_s=5
        )
    assert str(info.value) == f"{LABEL} did not finish within 5 s and was stopped"


def test_missing_binary(monkeypatch):
    def missing(args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(runner.subprocess, "Popen", missing)
    with pytest.raises(MembraneNotFoundError) as info:
        run_action()
    assert str(info.value).startswith("cannot run `membrane`: no such program (command: membrane")


def test_unexpected_json_shape(fake_process):
    fake_process.register(["membrane", "connection", "list", "--json"], stdout='{"foo": 1}')
    with pytest.raises(InvalidOutputError) as info:
        MembraneClient(["membrane"], dialect="current").list_connections()
    assert str(info.value) == (
        'membrane connection list printed JSON that is not a list of connections: {"foo": 1}'
    )


def test_invalid_output_advice_shows_the_command(fake_process):
    fake_process.register(RUN, stdout=text("garbage-html.html"))
    with pytest.raises(InvalidOutputError) as info:
        run_action()
    assert info.value.advice == (
        "Run `membrane action run create-contact --connectionId=c1 --input "
        '\'{"email":"x"}\' --json` yourself to see what it prints; `mw doctor` checks the '
        "installation."
    )


def test_a_killed_call_warns_about_a_partial_write(fake_process):
    fake_process.register(RUN, returncode=137)
    with pytest.raises(InvalidOutputError) as info:
        run_action()
    assert info.value.advice == (
        "It was killed, possibly after applying a change; check the app before running it again."
    )


# --- hostile output: only a bounded window is read for hints ------------------------------


def _flooded(text: str) -> RunResult:
    return RunResult(("membrane",), 1, "", text, 0.1)


def test_a_hint_at_the_end_of_a_flood_is_found():
    noise = "noise line\n" * 1_000_000
    error = failures.failure(_flooded(noise + "Error: not logged in\n"), "membrane x", [], None)
    assert isinstance(error, NotLoggedInError)


def test_only_the_start_and_end_of_a_flood_are_scanned():
    noise = "noise line\n" * 100_000
    text = "first words\n" + noise + "rate limit exceeded\n" + noise + "last words\n"
    error = failures.failure(_flooded(text), "membrane x", [], None)
    # The hint sits a megabyte from either end: past the window, so not a rate limit.
    assert not isinstance(error, RateLimitedError)
    assert str(error) == "membrane x failed: first words"
    assert len(failures.scan_window(text)) == 2 * failures.SCAN_CHARS + 1
