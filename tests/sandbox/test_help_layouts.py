"""`MW_SANDBOX_HELP` lays the help out as commander, grouped commander or a minimist/ink CLI."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import spawn
from wrapper.sandbox.cli import COMMANDS
from wrapper.sandbox.helptext import CHATWOOT_NOTE, SPECS, USAGE, resolve

GROUPED_COMMANDS = """\
Commands:
  login [options]                    Log in (the sandbox logs in at once)
  logout [options]                   Clear the stored login
  status [options]                   Show login status, API URI and project
                                     defaults
  search [options] <query>           Search connectors
                                     (--elementType=connector)
  connect [options]                  Connect by --connectorId, --connectorKey
                                     or --integrationKey
  connection                         Find, create, inspect and archive
                                     connections
  action                             Find, build, inspect and run actions
  act [options]                      Run an action (--key) or an API call
                                     (--api <json>)
  request [options] <connId> <path>  Send an HTTP request through a connection
  help [command]                     display help for command
"""

MINIMIST_CONNECTION = """
  Find, create, inspect and archive connections

  Usage
    $ membrane connection <command> [options]

  Commands
    ensure <app>     Find or create a connection for an app name, domain or URL
    create <intent>  Create a connection for an app described in words
    get <id>         Get a connection (--wait --timeout <s>)
    list             List connections
    delete <id>      Archive a connection

  Options
    --help, -h  Show help
"""

MINIMIST_ACTION_LIST = """
  List actions of a connection (--intent, --limit)

  Usage
    $ membrane action list [options]

  Options
    --connectionId <id>    Only this connection (default: every READY one)
    --connectionKey <key>  Connection to use, by key
    --intent <text>        Rank actions by how well they match this description
    --limit <n>            Items per page (default: 10, at most 100)
    --cursor <cursor>      The next page: the cursor the previous page gave
    --json                 Print machine-readable JSON
    --help, -h             Show help

  Note: Chatwoot actions in this sandbox are illustrative. Membrane publishes no
  Chatwoot action keys: on a real connection, find them with
  `membrane action list --intent=...`, or call Chatwoot's REST API with `request`.
"""


@pytest.fixture(params=["commander", "grouped", "minimist"])
def layout(request, monkeypatch) -> str:
    monkeypatch.setenv("MW_SANDBOX_HELP", request.param)
    return str(request.param)


def test_commander_is_the_default_and_lists_every_subcommand(sb, monkeypatch) -> None:
    assert sb("--help").out == USAGE
    monkeypatch.setenv("MW_SANDBOX_HELP", "commander")
    assert sb("--help").out == USAGE
    assert "  connection ensure [options] <app>" in USAGE


def test_grouped_lists_only_the_groups(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_HELP", "grouped")
    result = sb("--help")
    assert result.code == 0
    assert result.out.startswith("Usage: membrane [options] [command]\n\nMembrane CLI")
    assert GROUPED_COMMANDS in result.out
    assert "ensure" not in result.out and "action run" not in result.out
    assert result.out.endswith("\n\n" + CHATWOOT_NOTE)
    for argv in (["-h"], ["help"], []):
        assert sb(*argv).out == result.out, argv


def test_grouped_leaves_group_help_to_tell_the_subcommands(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_HELP", "grouped")
    connection = sb("connection", "--help").out
    assert "\n  ensure [options] <app>  " in connection
    action = sb("action", "--help").out
    assert "\n  run [options] <key>  " in action and "\n  list [options]  " in action
    assert sb("help", "action").out == action


def test_minimist_top_level_reads_like_meow(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_HELP", "minimist")
    result = sb("--help")
    assert result.code == 0
    assert result.out.startswith(
        "\n  Membrane CLI (offline sandbox: Chatwoot, Chaport and Chatra, no account, no network)"
        "\n\n  Usage\n    $ membrane <command> [options]\n\n  Commands\n"
        "    login                       Log in (the sandbox logs in at once)\n"
    )
    assert "\n    connection ensure <app>     Find or create a connection" in result.out
    assert "\n    action run <key>            Run an action" in result.out
    assert "\n  Options\n    --json         Print machine-readable JSON\n" in result.out
    assert "Usage:" not in result.out and "Commands:" not in result.out


def test_minimist_group_and_command_help(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_HELP", "minimist")
    assert sb("connection", "--help").out == MINIMIST_CONNECTION
    assert sb("help", "connection").out == MINIMIST_CONNECTION
    assert sb("action", "list", "--help").out == MINIMIST_ACTION_LIST
    request = sb("request", "--help").out
    assert "\n    --method, -X <method>    HTTP method" in request
    assert "\n  Arguments\n    connId  Connection to send it through\n" in request


def test_every_command_has_help_in_every_layout(sb, layout) -> None:
    for path in SPECS:
        result = sb(*path.split(), "--help")
        assert (result.code, result.err) == (0, ""), path
        assert SPECS[path].summary in result.out, path
        assert ("Show help" if layout == "minimist" else "display help for command") in result.out
    for name in COMMANDS:
        assert resolve(name.split())[0] is not None, name


def test_the_chatwoot_note_is_in_every_layout(sb, layout) -> None:
    first_line = CHATWOOT_NOTE.splitlines()[0]
    for argv in (["--help"], ["action", "--help"], ["action", "run", "--help"],
                 ["action", "get", "--help"], ["act", "--help"]):  # fmt: skip
        assert first_line in sb(*argv).out, (layout, argv)
    assert first_line not in sb("connection", "--help").out


def test_a_group_without_subcommand_prints_its_help_as_an_error(sb, layout) -> None:
    shown = sb("connection", "--help").out
    result = sb("connection")
    assert (result.code, result.out, result.err) == (1, "", shown)
    unknown = sb("frobnicate")
    assert (unknown.code, unknown.err) == (1, "error: unknown command 'frobnicate'\n")


def test_commands_still_run_in_every_layout(sb, layout) -> None:
    connection = sb("connection", "ensure", "https://chatra.io", "--json")
    assert connection.code == 0 and connection.json["state"] == "READY"


def test_an_unknown_layout_is_one_error_line(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_HELP", "yargs")
    result = sb("--help")
    assert (result.code, result.out, result.err) == (
        1, "", "error: MW_SANDBOX_HELP='yargs' is not one of commander, grouped, minimist\n"
    )  # fmt: skip


@pytest.mark.parametrize("name", ["grouped", "minimist"])
def test_a_real_process_prints_each_layout(name: str) -> None:
    env = {"MW_SANDBOX_HELP": name}
    top = spawn("--help", env=env)
    group = spawn("connection", "--help", env=env)
    assert (top.code, group.code) == (0, 0)
    assert "connection ensure" not in top.out if name == "grouped" else "$ membrane" in top.out
    assert "ensure" in group.out and "list" in group.out
