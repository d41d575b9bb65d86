"""The argv of every operation, one class per generation of the `membrane` CLI."""

from __future__ import annotations

import json

import pytest

from wrapper.errors import UsageError
from wrapper.membrane.generations import (
    CURRENT,
    GENERATIONS,
    NAMES,
    NEWEST,
    OLDER,
    fill_path,
    generation,
    help_argv,
    input_json,
    version_argv,
)

current, older, newest = generation(CURRENT), generation(OLDER), generation(NEWEST)


def test_every_name_has_one_generation():
    assert set(NAMES) == set(GENERATIONS) == {"current", "older", "newest"}
    assert [generation(name).name for name in NAMES] == list(NAMES)


def test_what_every_generation_is_asked_alike():
    assert help_argv() == ["--help"]
    assert help_argv("action") == ["action", "--help"]
    assert version_argv() == ["--version"]
    for gen in GENERATIONS.values():
        assert gen.status() == ["status", "--json"]
        assert gen.list_connections() == ["connection", "list", "--json"]
        assert gen.connect("abc") == ["connect", "--connectorId=abc", "--json"]


def test_abilities():
    assert (current.ensures, current.long_polls, current.gets_actions) == (True, True, True)
    assert (newest.ensures, newest.long_polls, newest.gets_actions) == (True, True, True)
    assert (older.ensures, older.long_polls, older.gets_actions) == (False, False, False)
    assert ("", "request") in current.needs and ("", "act") not in current.needs
    assert ("", "act") in newest.needs and ("action", "run") not in newest.needs
    assert ("", "search") in older.needs and ("connection", "ensure") not in older.needs


@pytest.mark.parametrize("gen", [current, newest])
def test_connection_argv(gen):
    # A known name is sent as the URL the official skills use.
    assert gen.ensure_connection("chatwoot") == [
        *("connection", "ensure", "https://www.chatwoot.com/", "--json"),
    ]
    assert gen.ensure_connection("chatwoot.example.org") == [
        *("connection", "ensure", "chatwoot.example.org", "--json"),
    ]
    assert gen.get_connection("c1", wait=True, timeout_s=45) == [
        *("connection", "get", "c1", "--wait", "--timeout", "45", "--json"),
    ]
    assert gen.get_connection("c1") == ["connection", "get", "c1", "--json"]
    assert gen.list_connections(cursor="p2") == [
        *("connection", "list", "--cursor", "p2", "--json"),
    ]


def test_search_takes_the_apps_name():
    for gen in GENERATIONS.values():
        assert gen.search_connector("https://www.chatwoot.com/") == [
            *("search", "chatwoot", "--elementType=connector", "--json"),
        ]
    assert older.list_connections(cursor="p2") == ["connection", "list", "--cursor=p2", "--json"]


def test_only_connection_ensure_warns_about_a_bare_word():
    warning = current.ensure_warning("hubspot")
    assert warning is not None and warning.startswith("app 'hubspot' is not a URL or domain")
    assert newest.ensure_warning("hubspot") == warning
    assert current.ensure_warning("chatwoot") is None
    # `search` only looks an app up: a bare word cannot create one.
    assert older.ensure_warning("hubspot") is None


def test_older_lacks_ensure_get_and_create():
    for call, name in [
        (lambda: older.ensure_connection("x"), "connection ensure"),
        (lambda: older.get_connection("c1", wait=True), "connection get"),
        (lambda: older.create_action("x", connection_id="c"), "action create"),
        (lambda: older.get_action("k"), "action get"),
    ]:
        with pytest.raises(UsageError) as info:
            call()
        assert str(info.value) == f"`membrane {name}` is not available in the older membrane CLI"
        assert info.value.advice == (
            "Upgrade it with `npm install -g @membranehq/cli@latest`, or set MW_MEMBRANE_DIALECT "
            "if the detection is wrong."
        )


def test_action_list_argv():
    full = ["action", "list", "--connectionId=c1", "--intent", "find", "--limit", "5", "--json"]
    for gen in (current, newest):
        assert gen.list_actions("c1", intent="find", limit=5) == full
        assert gen.list_actions("c1") == ["action", "list", "--connectionId=c1", "--json"]
        assert gen.list_actions("c1", cursor="p2")[-3:] == ["--cursor", "p2", "--json"]
    assert older.list_actions("c1", intent="find", limit=5, cursor="p2") == [
        *("action", "list", "--intent=find", "--connectionId=c1", "--cursor=p2", "--json"),
    ]


def test_action_get_and_create_argv():
    assert current.get_action("k", connection_id="c1") == [
        *("action", "get", "k", "--connectionId=c1", "--json"),
    ]
    assert newest.get_action("k") == ["action", "get", "k", "--json"]
    assert current.create_action("send a message", connection_id="c1") == [
        *("action", "create", "send a message", "--connectionId=c1", "--json"),
    ]


def test_action_run_argv():
    given = input_json({"a": 1})
    assert given == '{"a":1}'
    assert input_json(None) is None
    assert current.run_action("k", connection_id="c1", input_json=given) == [
        *("action", "run", "k", "--connectionId=c1", "--input", '{"a":1}', "--json"),
    ]
    assert older.run_action("k", connection_id="c1", input_json=given) == [
        *("action", "run", "--connectionId=c1", "k", "--json", "--input", '{"a":1}'),
    ]
    assert newest.run_action("k", connection_id="c1", input_json=given) == [
        *("act", "--key", "k", "--connectionId", "c1", "--input", '{"a":1}', "--json"),
    ]
    assert current.run_action("k", connection_id="c1", input_json=None) == [
        *("action", "run", "k", "--connectionId=c1", "--json"),
    ]
    assert input_json({"name": "Zoë"}) == '{"name":"Zoë"}'


def test_request_argv():
    kwargs = {
        "method": "post",
        "headers": {"Accept": "application/json"},
        "body": {"content": "hi"},
        "query": {"page": "2"},
        "path_params": {"id": "7"},
    }
    expected = [
        *("request", "c1", "/conversations/{id}/messages", "-X", "POST"),
        *("-H", "Accept: application/json", "-d", '{"content":"hi"}'),
        *("--query", "page=2", "--pathParam", "id=7", "--json"),
    ]
    for gen in (current, older):
        assert gen.request("c1", "/conversations/{id}/messages", **kwargs) == expected
    api = {
        "method": "POST",
        "path": "/conversations/7/messages",
        "body": {"content": "hi"},
        "headers": {"Accept": "application/json"},
        "query": {"page": "2"},
    }
    assert newest.request("c1", "/conversations/{id}/messages", **kwargs) == [
        *("act", "--api", json.dumps(api, separators=(",", ":")), "--connectionId", "c1"),
        "--json",
    ]
    assert current.request("c1", "/x") == ["request", "c1", "/x", "-X", "GET", "--json"]
    assert current.request("c1", "/x", body="raw text")[-3:] == ["-d", "raw text", "--json"]


def test_fill_path_handles_both_placeholder_styles():
    assert fill_path("/a/:id/b/{x}", {"id": "1", "x": "2"}) == "/a/1/b/2"
    assert fill_path("/a/:idx", {"id": "1"}) == "/a/:idx"
