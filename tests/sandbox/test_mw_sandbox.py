"""`mw sandbox status|reset|seed` as users see them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import helpers


@pytest.fixture
def mw():
    return helpers.mw


def _db(isolated_env: Path) -> Path:
    return isolated_env / "sandbox" / "world.sqlite3"


def test_status_before_the_world_exists(mw, isolated_env: Path) -> None:
    result = mw("sandbox", "status")
    assert result.exit_code == 0
    assert result.stdout == (
        f"World:    {_db(isolated_env)}\n"
        "          (not created yet: the first sandbox call seeds it)\n"
        f"Switches: MW_SANDBOX_DIR={isolated_env / 'sandbox'}\n"
    )


def test_status_counts_per_app_and_switches(mw, sb, isolated_env: Path, monkeypatch) -> None:
    cid = sb("connection", "ensure", "chatwoot", "--json").json["id"]
    monkeypatch.setenv("MW_SANDBOX_FAULTS", "rate_limit=0.2")
    for name, value in (("MW_SANDBOX_REQUEST_OUTPUT", "raw"), ("MW_SANDBOX_STATUS_SHAPE", "text"),
                        ("MW_SANDBOX_HELP", "grouped")):  # fmt: skip
        monkeypatch.setenv(name, value)
    report = json.loads(mw("sandbox", "status", "--json").stdout)
    assert report["exists"] is True
    assert report["counts"]["chatwoot"]["contact"] == 50
    assert report["counts"]["chatwoot"]["conversation"] == 65
    assert report["counts"]["chaport"]["visitor"] == 30
    assert report["counts"]["chatra"]["client"] == 12
    assert report["connections"] == [{"id": cid, "key": "chatwoot", "state": "READY"}]
    assert report["switches"]["MW_SANDBOX_FAULTS"] == "rate_limit=0.2"
    assert {name: report["switches"][name] for name in ("MW_SANDBOX_REQUEST_OUTPUT",
            "MW_SANDBOX_STATUS_SHAPE", "MW_SANDBOX_HELP")} == {
        "MW_SANDBOX_REQUEST_OUTPUT": "raw", "MW_SANDBOX_STATUS_SHAPE": "text",
        "MW_SANDBOX_HELP": "grouped",
    }  # fmt: skip
    assert (report["worldSeed"], report["loggedIn"]) == ("0", True)
    text = mw("sandbox", "status").stdout
    assert "chatwoot  contact          50" in text
    assert f"Connection chatwoot: {cid} (READY)" in text


def test_reset_asks_first(mw, sb, isolated_env: Path, monkeypatch) -> None:
    sb("connection", "list", "--json")
    # Nobody at a terminal to answer: refused, with what to do.
    unattended = mw("sandbox", "reset")
    assert unattended.exit_code == 2
    assert unattended.stderr.splitlines()[0] == (
        f"Error: reset deletes {_db(isolated_env)}: pass --yes when no one can answer a prompt"
    )
    from wrapper.cli import sandbox as sandbox_cli

    monkeypatch.setattr(sandbox_cli, "_interactive", lambda: True)
    refused = mw("sandbox", "reset", input="n\n")
    assert refused.exit_code == 0
    assert refused.stderr.endswith("Kept the sandbox world.\n")
    assert _db(isolated_env).exists()
    done = mw("sandbox", "reset", "--yes")
    assert done.exit_code == 0
    assert done.stderr == (
        f"Deleted {_db(isolated_env)}; the next sandbox call seeds a fresh world.\n"
    )
    assert not _db(isolated_env).exists()
    again = mw("sandbox", "reset", "--yes")
    assert again.stderr == f"Nothing to reset: {_db(isolated_env)} does not exist.\n"


def test_seed_keeps_connections_and_changes_names(mw, sb, isolated_env: Path) -> None:
    cid = sb("connection", "ensure", "chatwoot", "--json").json["id"]
    request = ("request", cid, "/api/v1/accounts/1/contacts/1", "--json")
    before = sb(*request).json["body"]["payload"]["name"]
    sb(*request[:3], "-X", "PUT", "-d", '{"name": "Changed"}', "--json")
    result = mw("sandbox", "seed", "--seed", "0")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"Seeded {_db(isolated_env)} with seed 0 (")
    assert sb(*request).json["body"]["payload"]["name"] == before  # same seed, same world
    mw("sandbox", "seed", "--seed", "5")
    assert sb("connection", "get", cid, "--json").json["id"] == cid
    assert sb(*request).json["body"]["payload"]["id"] == 1


def test_seed_refuses_negative(mw) -> None:
    result = mw("sandbox", "seed", "--seed", "-1")
    assert result.exit_code == 2
    assert result.stderr == "Error: --seed must be 0 or more, not -1.\n"


@pytest.mark.parametrize("args", [("sandbox",), ("sandbox", "status"), ("sandbox", "reset"),
                                  ("sandbox", "seed")])  # fmt: skip
def test_help_has_examples(mw, args) -> None:
    result = mw(*args, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
