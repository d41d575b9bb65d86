"""Every plausible shape of what Membrane leaves undocumented (membrane-cli.md 7.8-7.17).

Each shape is one fake answer; none may give a wrong error class, a misleading message or an
internal error.
"""

from __future__ import annotations

import json

import pytest

from wrapper.errors import (
    AccessDeniedError,
    BadRequestError,
    ConnectionFailedError,
    InvalidOutputError,
    MembraneError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    WrongMembraneError,
)
from wrapper.membrane import apps
from wrapper.membrane.client import MembraneClient

CONN = "65f1c0ffee0000000000c0a1"
REQUEST = ["membrane", "request", "c1", "/x", "-X", "GET", "--json"]
RUN = ["membrane", "action", "run", "k", "--connectionId=c1", "--json"]
STATUS = ["membrane", "status", "--json"]
CHATWOOT_404 = {"error": "Resource could not be found"}


def make(dialect: str = "current") -> MembraneClient:
    client = MembraneClient(["membrane"], dialect=dialect)
    client.poll_interval_s = 0  # type: ignore[misc]
    return client


# --- status (7.12: its JSON is not documented) ---------------------------------------------


@pytest.mark.parametrize(
    ("output", "logged_in", "workspace"),
    [
        ({"stdout": '{"loggedIn": true, "workspaceKey": "acme"}'}, True, "acme"),
        ({"stdout": '{"loggedIn": false}'}, False, None),
        # No login flag: unknown, and mw goes on.
        ({"stdout": '{"workspace": {"key": "acme"}, "tenant": "ada"}'}, None, "acme"),
        ({"stdout": '{"output": {"apiUri": "https://api.getmembrane.com"}}'}, None, None),
        ({"stdout": "Logged in to workspace acme (https://api.getmembrane.com)\n"}, True, None),
        ({"stdout": "Not logged in. Run `membrane login` to log in.\n"}, False, None),
        ({"stdout": "Membrane CLI 1.18.0\nWorkspace: acme\n"}, None, None),
        (
            {"stdout": '{"type": "bad_request", "key": "not_authenticated", "message": "no"}'},
            False,
            None,
        ),
        (
            {
                "stderr": '{"type":"bad_request","key":"not_authenticated","message":"x"}',
                "returncode": 1,
            },
            False,
            None,
        ),
        ({"stderr": "Error: Request failed with status code 401", "returncode": 1}, False, None),
        ({"stderr": "Unauthorized", "returncode": 1}, False, None),
        ({"stdout": "", "stderr": "Logged in as ada@example.com\n"}, True, None),
    ],
)
def test_status_shapes(fake_process, output, logged_in, workspace):
    fake_process.register(STATUS, **output)
    status = make().status()
    assert status.logged_in is logged_in
    assert status.workspace_key == workspace


def test_status_that_prints_nothing_is_invalid_output(fake_process):
    fake_process.register(STATUS, stdout="")
    with pytest.raises(InvalidOutputError):
        make().status()


# --- connection ensure (7.8: it takes a URL or a domain) -----------------------------------


@pytest.mark.parametrize(
    ("app", "sent", "warned"),
    [
        ("chatwoot", "https://www.chatwoot.com/", False),
        ("Chaport", "https://www.chaport.com/", False),
        ("chatra", "https://chatra.io", False),
        ("chatwoot.com", "chatwoot.com", False),
        ("www.chaport.com", "www.chaport.com", False),
        ("https://chatra.io", "https://chatra.io", False),
        ("https://support.example.org/", "https://support.example.org/", False),
        ("hubspot", "hubspot", True),
    ],
)
def test_ensure_sends_a_url_or_domain(fake_process, app, sent, warned):
    fake_process.register(
        ["membrane", "connection", "ensure", sent, "--json"],
        stdout=json.dumps({"id": CONN, "state": "READY"}),
    )
    assert make().ensure_connection(app).id == CONN
    assert make().ensure_command(app) == ["membrane", "connection", "ensure", sent, "--json"]
    warning = apps.target(app).warning
    assert (warning is not None) is warned
    if warned:
        assert warning == (
            "app 'hubspot' is not a URL or domain and not one of the names mw knows (chatwoot, "
            "chaport, chatra); it is sent to `membrane connection ensure` as given, which may "
            "create a new app: prefer the app's URL, e.g. https://www.example.com/"
        )


@pytest.mark.parametrize(
    ("app", "query"),
    [
        ("chatwoot", "chatwoot"),
        ("https://www.chatwoot.com/", "chatwoot"),
        ("chatra.io", "chatra"),
        ("https://app.example.org/x", "example"),
    ],
)
def test_older_dialect_searches_by_name(fake_process, app, query):
    assert make("older").ensure_command(app) == [
        *("membrane", "search", query, "--elementType=connector", "--json")
    ]


@pytest.mark.parametrize(
    ("connection", "shown"),
    [
        ({"state": "DISCONNECTING"}, "DISCONNECTING, not READY"),
        ({"state": "DISCONNECTED"}, "DISCONNECTED, not READY"),
        (
            {"state": "ERROR", "error": {"message": "token revoked"}},
            "ERROR, not READY: token revoked",
        ),
        ({"state": "READY", "disconnected": True}, "READY, not READY"),
        ({"disconnected": True}, "disconnected, not READY"),
    ],
)
def test_connection_states_that_are_not_ready(fake_process, connection, shown):
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=json.dumps({"id": CONN, **connection}),
    )
    with pytest.raises(ConnectionFailedError) as info:
        make().ensure_connection("chatwoot")
    assert str(info.value) == f"connection {CONN} to chatwoot is {shown}"
    assert info.value.exit_code == 4
    assert "Reconnect it in the Membrane console" in info.value.advice


def test_a_connection_without_a_state_is_taken_as_ready(fake_process):
    fake_process.register(
        ["membrane", "connection", "ensure", "chatwoot.com", "--json"],
        stdout=json.dumps({"id": CONN, "name": "Chatwoot"}),
    )
    assert make().ensure_connection("chatwoot.com").id == CONN


# --- request output (7.6, 7.14, 7.17: envelope or raw body; exit code on a 4xx unknown) ----


@pytest.mark.parametrize(
    ("printed", "status", "body"),
    [
        ({"status": 200, "headers": {"x-a": "1"}, "body": {"id": 1}}, 200, {"id": 1}),
        ({"status": 201, "body": None}, 201, None),
        # Raw bodies, whatever keys they have: never taken for an envelope.
        ({"payload": [{"id": 1}]}, None, {"payload": [{"id": 1}]}),
        (
            {"id": 5, "status": "open", "messages": []},
            None,
            {"id": 5, "status": "open", "messages": []},
        ),
        ({"status": 404}, None, {"status": 404}),
        ({"status": 200, "body": {}, "meta": 1}, None, {"status": 200, "body": {}, "meta": 1}),
        ({"status": "open", "body": "hi"}, None, {"status": "open", "body": "hi"}),
        ({"status": True, "body": "hi"}, None, {"status": True, "body": "hi"}),
        (
            {"status": 200, "headers": "x", "body": 1},
            None,
            {"status": 200, "headers": "x", "body": 1},
        ),
        ([{"id": 1}], None, [{"id": 1}]),
        ("plain text", None, "plain text"),
        # The app's error body printed raw with exit 0: an answer whose status is not known.
        (CHATWOOT_404, None, CHATWOOT_404),
    ],
)
def test_request_envelope_or_raw_body(fake_process, printed, status, body):
    fake_process.register(REQUEST, stdout=json.dumps(printed))
    response = make().request("c1", "/x")
    assert (response.status, response.body) == (status, body)


@pytest.mark.parametrize("returncode", [0, 1])
@pytest.mark.parametrize(
    ("status", "body", "error_class", "message"),
    [
        (404, CHATWOOT_404, NotFoundError, "HTTP 404 (the app said: Resource could not be found)"),
        (
            422,
            {"message": "Email has already been taken"},
            BadRequestError,
            "HTTP 422 (the app said: Email has already been taken)",
        ),
        (
            401,
            {"error": "Invalid Access Token"},
            AccessDeniedError,
            "HTTP 401 (the app said: Invalid Access Token)",
        ),
        (403, {"errors": ["nope"]}, AccessDeniedError, "HTTP 403 (the app said: nope)"),
        (500, "oops", ServerError, "HTTP 500 (the app said: oops)"),
        (502, "<html>Bad Gateway</html>", ServerError, "HTTP 502"),
    ],
)
def test_request_envelope_errors(fake_process, returncode, status, body, error_class, message):
    fake_process.register(
        REQUEST, stdout=json.dumps({"status": status, "body": body}), returncode=returncode
    )
    with pytest.raises(error_class) as info:
        make().request("c1", "/x")
    assert type(info.value) is error_class
    assert str(info.value) == f"membrane request GET /x failed: {message}"
    assert info.value.exit_code == 1


def test_request_429_envelope_honours_retry_after(fake_process):
    fake_process.register(
        REQUEST,
        stdout=json.dumps({"status": 429, "headers": {"Retry-After": "7"}, "body": {}}),
    )
    with pytest.raises(RateLimitedError) as info:
        make().request("c1", "/x")
    assert info.value.retry_after_s == 7.0
    assert info.value.retryable


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
@pytest.mark.parametrize(
    ("body", "said"),
    [
        (CHATWOOT_404, "Resource could not be found"),
        # Both keys, code-like: on `request` it is still the app's answer, not another program.
        (
            {"error": "invalid_request", "message": "Pass exactly one of ttl or validUntil"},
            "Pass exactly one of ttl or validUntil",
        ),
        ({"errors": {"email": ["is invalid"]}}, "email: is invalid"),
        ({"error": {"code": 400, "message": "Bad visitor id"}}, "Bad visitor id"),
    ],
)
def test_request_app_body_after_a_non_zero_exit(fake_process, stream, body, said):
    fake_process.register(REQUEST, **{stream: json.dumps(body)}, returncode=1)
    with pytest.raises(MembraneError) as info:
        make().request("c1", "/x")
    error = info.value
    assert type(error) is MembraneError
    assert str(error) == f"membrane request GET /x failed (exit code 1): the app said: {said}"
    assert error.exit_code == 1
    assert error.data == {"body": body}


def test_request_membrane_error_after_a_non_zero_exit(fake_process):
    body = {
        "type": "bad_request",
        "key": "not_found",
        "message": "Connection with id 'c1' not found",
    }
    fake_process.register(REQUEST, stderr=json.dumps(body), returncode=1)
    with pytest.raises(NotFoundError) as info:
        make().request("c1", "/x")
    assert str(info.value) == "membrane request GET /x failed: Connection with id 'c1' not found"


def test_request_membrane_error_on_exit_zero_is_not_the_apps_body(fake_process):
    body = {
        "type": "bad_request",
        "key": "not_found",
        "message": "Connection with id 'c1' not found",
    }
    fake_process.register(REQUEST, stdout=json.dumps(body))
    with pytest.raises(NotFoundError):
        make().request("c1", "/x")


def test_act_api_output_holding_an_envelope(fake_process):
    api = '{"method":"GET","path":"/x"}'
    fake_process.register(
        ["membrane", "act", "--api", api, "--connectionId", "c1", "--json"],
        stdout=json.dumps({"output": {"status": 404, "body": CHATWOOT_404}, "actionRunId": "r"}),
    )
    with pytest.raises(NotFoundError):
        make("newest").request("c1", "/x")


# --- errors of other calls (7.13, 7.17) ------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "error_class", "message"),
    [
        # An app's own body, one key: an app error, never another program.
        (
            {"stdout": json.dumps(CHATWOOT_404), "returncode": 1},
            MembraneError,
            "failed: Resource could not be found",
        ),
        (
            {"stderr": json.dumps(CHATWOOT_404), "returncode": 1},
            MembraneError,
            "failed: Resource could not be found",
        ),
        (
            {"stdout": json.dumps(CHATWOOT_404)},
            MembraneError,
            "failed: Resource could not be found",
        ),
        (
            {"stderr": json.dumps(CHATWOOT_404), "returncode": 2},
            MembraneError,
            "failed: Resource could not be found",
        ),
        # Membrane's body with the app's answer in data.response.data.
        (
            {
                "stdout": json.dumps(
                    {
                        "type": "action_run",
                        "message": "Request failed with status code 400",
                        "data": {
                            "response": {
                                "status": 400,
                                "data": {"message": "Pass exactly one of ttl or validUntil"},
                            }
                        },
                    }
                ),
                "returncode": 1,
            },
            BadRequestError,
            "failed: Request failed with status code 400 (the app said: Pass exactly one of ttl "
            "or validUntil)",
        ),
        (
            {
                "stderr": json.dumps(
                    {
                        "type": "bad_request",
                        "key": "not_found",
                        "message": "Request failed with status code 404",
                        "data": {"response": {"status": 404, "data": CHATWOOT_404}},
                    }
                ),
                "returncode": 1,
            },
            NotFoundError,
            "failed: Request failed with status code 404 (the app said: Resource could not be "
            "found)",
        ),
        # Both keys but not the other program's other signs.
        (
            {"stderr": json.dumps({"error": "not_connected", "message": "m"}), "returncode": 1},
            MembraneError,
            "failed: m",
        ),
        (
            {"stdout": json.dumps({"error": "not_connected", "message": "m"}), "returncode": 2},
            MembraneError,
            "failed: m",
        ),
        (
            {"stdout": json.dumps({"error": "Bad Request", "message": "m"}), "returncode": 1},
            MembraneError,
            "failed: m",
        ),
        (
            {"stdout": json.dumps({"error": "x", "message": "m", "status": 400}), "returncode": 1},
            BadRequestError,
            "failed: m",
        ),
    ],
)
def test_action_run_error_shapes(fake_process, output, error_class, message):
    fake_process.register(RUN, **output)
    with pytest.raises(error_class) as info:
        make().run_action("k", connection_id="c1")
    error = info.value
    assert type(error) is error_class
    assert str(error) == f"membrane action run k {message}"
    assert "bug" not in str(error)


@pytest.mark.parametrize(
    ("printed", "message"),
    [
        (
            {"actionRunId": "r1", "error": {"type": "action_run", "message": "Invalid visitor"}},
            "Invalid visitor",
        ),
        ({"actionRunId": "r1", "output": None, "error": "Invalid visitor"}, "Invalid visitor"),
    ],
)
def test_a_failed_run_on_exit_zero_is_a_failure(fake_process, printed, message):
    fake_process.register(RUN, stdout=json.dumps(printed))
    with pytest.raises(MembraneError) as info:
        make().run_action("k", connection_id="c1")
    assert str(info.value) == f"membrane action run k failed: {message}"


def test_an_output_beside_an_error_field_is_the_output(fake_process):
    fake_process.register(RUN, stdout=json.dumps({"output": {"error": "none"}, "actionRunId": "r"}))
    assert make().run_action("k", connection_id="c1").output == {"error": "none"}


def test_the_other_program_only_with_all_its_signs(fake_process):
    body = {"error": "not_connected", "message": "No Amazon Ads account is connected."}
    fake_process.register(RUN, stdout=json.dumps(body), returncode=1)
    with pytest.raises(WrongMembraneError) as info:
        make().run_action("k", connection_id="c1")
    assert str(info.value) == (
        "membrane action run k was answered by a different program called membrane: "
        "No Amazon Ads account is connected. (not_connected)"
    )
    assert info.value.exit_code == 4


# --- paged lists (7.10) ----------------------------------------------------------------------


def actions(start: int, count: int) -> list[dict[str, str]]:
    return [{"id": f"a{i}", "key": f"k{i}", "name": f"A{i}"} for i in range(start, start + count)]


def test_actions_list_follows_cursors_up_to_the_limit(fake_process):
    base = ["membrane", "action", "list", "--connectionId=c1"]
    fake_process.register(
        [*base, "--limit", "20", "--json"],
        stdout=json.dumps({"items": actions(0, 10), "cursor": "p2"}),
    )
    fake_process.register(
        [*base, "--limit", "10", "--cursor", "p2", "--json"],
        stdout=json.dumps({"items": actions(10, 10), "cursor": "p3"}),
    )
    found = make().list_actions("c1", limit=20)
    assert [a.key for a in found] == [f"k{i}" for i in range(20)]
    assert len(fake_process.calls) == 2


def test_actions_list_asks_at_most_100_a_page(fake_process):
    base = ["membrane", "action", "list", "--connectionId=c1"]
    fake_process.register(
        [*base, "--limit", "100", "--json"],
        stdout=json.dumps({"items": actions(0, 100), "cursor": "p2"}),
    )
    fake_process.register(
        [*base, "--limit", "50", "--cursor", "p2", "--json"],
        stdout=json.dumps({"items": actions(100, 50)}),
    )
    assert len(make().list_actions("c1", limit=150)) == 150


def test_actions_list_cuts_a_page_longer_than_asked(fake_process):
    fake_process.register(
        ["membrane", "action", "list", "--connectionId=c1", "--limit", "3", "--json"],
        stdout=json.dumps({"items": actions(0, 10), "cursor": "p2"}),
    )
    assert len(make().list_actions("c1", limit=3)) == 3


@pytest.mark.parametrize(
    "pages",
    [
        # items + cursor, the last page with a null cursor, without one, or with ""
        [{"items": actions(0, 2), "cursor": "c"}, {"items": actions(2, 1), "cursor": None}],
        [{"items": actions(0, 2), "cursor": "c"}, {"items": actions(2, 1)}],
        [{"items": actions(0, 2), "cursor": "c"}, {"items": actions(2, 1), "cursor": ""}],
        [{"output": {"items": actions(0, 2), "cursor": "c"}}, {"output": {"items": actions(2, 1)}}],
    ],
)
def test_connection_list_reads_every_page(fake_process, pages):
    fake_process.register(["membrane", "connection", "list", "--json"], stdout=json.dumps(pages[0]))
    fake_process.register(
        ["membrane", "connection", "list", "--cursor", "c", "--json"], stdout=json.dumps(pages[1])
    )
    assert [c.id for c in make().list_connections()] == ["a0", "a1", "a2"]


@pytest.mark.parametrize("printed", [actions(0, 3), {"items": actions(0, 3)}])
def test_a_list_without_cursor_is_one_page(fake_process, printed):
    fake_process.register(["membrane", "connection", "list", "--json"], stdout=json.dumps(printed))
    assert len(make().list_connections()) == 3
    assert len(fake_process.calls) == 1


def test_a_cursor_that_comes_back_ends_the_walk(fake_process):
    page = json.dumps({"items": actions(0, 1), "cursor": "same"})
    fake_process.register(["membrane", "connection", "list", "--json"], stdout=page)
    fake_process.register(
        ["membrane", "connection", "list", "--cursor", "same", "--json"], stdout=page
    )
    assert len(make().list_connections()) == 2
    assert len(fake_process.calls) == 2


def test_older_action_lookup_scans_every_page(fake_process):
    base = ["membrane", "action", "list", "--connectionId=c1"]
    fake_process.register(
        [*base, "--json"], stdout=json.dumps({"items": actions(0, 10), "cursor": "p2"})
    )
    fake_process.register(
        [*base, "--cursor=p2", "--json"],
        stdout=json.dumps({"items": actions(10, 10), "cursor": "p3"}),
    )
    fake_process.register(
        [*base, "--cursor=p3", "--json"], stdout=json.dumps({"items": actions(20, 5)})
    )
    assert make("older").get_action("k23", connection_id="c1").name == "A23"
    assert len(fake_process.calls) == 3
