"""`status` in each shape the switch picks: its JSON is undocumented, so tests cover them all."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import spawn

LOGGED_IN = {
    "loggedIn": True,
    "apiUri": "https://api.sandbox.membrane.local",
    "workspaceKey": "sandbox-workspace",
    "tenantKey": "sandbox-tenant",
}
PLAIN = {
    "workspace": {"key": "sandbox-workspace", "name": "Sandbox workspace"},
    "tenant": {"key": "sandbox-tenant"},
    "apiUri": "https://api.sandbox.membrane.local",
}
TEXT = """\
Logged in
Workspace: sandbox-workspace
Tenant: sandbox-tenant
API: https://api.sandbox.membrane.local
"""
NOT_AUTHENTICATED = {
    "type": "bad_request",
    "key": "not_authenticated",
    "message": "Not authenticated. Run `membrane login` to log in.",
}


@pytest.mark.parametrize("value", [None, "loggedIn", "loggedin"])
def test_logged_in_shape_is_the_default(sb, monkeypatch, value) -> None:
    if value is not None:
        monkeypatch.setenv("MW_SANDBOX_STATUS_SHAPE", value)
    result = sb("status", "--json")
    assert (result.code, result.json, result.err) == (0, LOGGED_IN, "")
    monkeypatch.setenv("MW_SANDBOX_LOGGED_OUT", "1")
    assert sb("status", "--json").json == {**LOGGED_IN, "loggedIn": False}


def test_plain_shape_has_no_logged_in_key(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_STATUS_SHAPE", "plain")
    result = sb("status", "--json")
    assert (result.code, result.json, result.err) == (0, PLAIN, "")
    assert "loggedIn" not in result.out
    # Logged out, the only signal is Membrane's not_authenticated error.
    monkeypatch.setenv("MW_SANDBOX_LOGGED_OUT", "1")
    out = sb("status", "--json")
    assert (out.code, out.json) == (1, NOT_AUTHENTICATED)
    assert out.err == "Error: Not authenticated. Run `membrane login` to log in.\n"


def test_text_shape_prints_the_human_lines_even_with_json(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_STATUS_SHAPE", "text")
    for argv in (("status", "--json"), ("status",)):
        result = sb(*argv)
        assert (result.code, result.out, result.err) == (0, TEXT, ""), argv
    sb("logout")
    out = sb("status", "--json")
    assert (out.code, out.out) == (0, "Not logged in. Run `membrane login` to log in.\n")


def test_login_json_answers_in_the_same_shape(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_STATUS_SHAPE", "plain")
    assert sb("login", "--tenant", "--json").json == PLAIN


def test_an_unknown_shape_is_a_configuration_error(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_STATUS_SHAPE", "yaml")
    result = sb("status", "--json")
    assert (result.code, result.json) == (1, {
        "type": "configuration",
        "message": "MW_SANDBOX_STATUS_SHAPE='yaml' is not one of loggedIn, plain, text",
    })  # fmt: skip


def test_a_real_process_prints_each_shape(tmp_path) -> None:
    base = {"MW_SANDBOX_DIR": str(tmp_path)}
    text = spawn("status", "--json", env={**base, "MW_SANDBOX_STATUS_SHAPE": "text"})
    assert (text.code, text.out) == (0, TEXT)
    plain = spawn("status", "--json", env={**base, "MW_SANDBOX_STATUS_SHAPE": "plain"})
    assert (plain.code, plain.json) == (0, PLAIN)
