"""`membrane-sandbox <command> --help` prints that command's usage, laid out as commander does."""

from __future__ import annotations

import re

import pytest

from tests.sandbox.conftest import spawn
from wrapper.membrane.dialect import dialect_from_help
from wrapper.sandbox.cli import COMMANDS, USAGE
from wrapper.sandbox.helptext import SPECS, render, resolve

ACTION_RUN = """\
Usage: membrane action run [options] <key>

Run an action (--connectionId, --input <json>)

Arguments:
  key                    Action key or id

Options:
  --connectionId <id>    Connection to use
  --connectionKey <key>  Connection to use, by key
  --input <json>         The action's input, as JSON
  --json                 Print machine-readable JSON
  -h, --help             display help for command

Note: Chatwoot actions in this sandbox are illustrative. Membrane publishes no
Chatwoot action keys: on a real connection, find them with
`membrane action list --intent=...`, or call Chatwoot's REST API with `request`.
"""

CONNECTION_ENSURE = """\
Usage: membrane connection ensure [options] <app>

Find or create a connection for an app name, domain or URL

Arguments:
  app            App name, domain or URL, e.g. chatwoot or chatwoot.com

Options:
  --name <name>  Name of a connection it creates
  --json         Print machine-readable JSON
  -h, --help     display help for command
"""

REQUEST = """\
Usage: membrane request [options] <connId> <path>

Send an HTTP request through a connection

Arguments:
  connId                   Connection to send it through
  path                     API path, e.g. /api/v1/accounts/1/contacts

Options:
  -X, --method <method>    HTTP method (default: "GET")
  -H, --header <header>    A header as "Name: value" (repeatable)
  -d, --data <data>        Request body; JSON is sent as JSON
  --rawData                Send --data as a literal string
  --query <key=value>      A query parameter (repeatable)
  --pathParam <key=value>  Fill :key or {key} in the path (repeatable)
  --json                   Print the response (status, headers, body) as JSON
  -h, --help               display help for command
"""

CONNECTION = """\
Usage: membrane connection [options] [command]

Find, create, inspect and archive connections

Options:
  -h, --help                     display help for command

Commands:
  ensure [options] <app>         Find or create a connection for an app name,
                                 domain or URL
  create [options] <intent>      Create a connection for an app described in
                                 words
  get [options] <id>             Get a connection (--wait --timeout <s>)
  list [options]                 List connections
  delete|archive [options] <id>  Archive a connection
  help [command]                 display help for command
"""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["action", "run", "--help"], ACTION_RUN),
        (["action", "run", "get-contact", "--connectionId=x", "-h"], ACTION_RUN),
        (["help", "action", "run"], ACTION_RUN),
        (["action", "help", "run"], ACTION_RUN),
        (["connection", "ensure", "--help"], CONNECTION_ENSURE),
        (["request", "--help"], REQUEST),
        (["connection", "--help"], CONNECTION),
        (["connection", "no-such-subcommand", "--help"], CONNECTION),
    ],
)
def test_command_help_is_exact(sb, argv, expected) -> None:
    result = sb(*argv)
    assert (result.code, result.out, result.err) == (0, expected, "")


def test_alias_help_names_both() -> None:
    assert render(resolve(["connection", "archive"])[0] or "").startswith(
        "Usage: membrane connection delete|archive [options] <id>\n"
    )


def test_top_level_help_is_unchanged_and_still_reads_as_the_current_dialect(sb) -> None:
    for argv in (["--help"], ["-h"], ["help"], ["no-such-command", "--help"]):
        result = sb(*argv)
        assert (result.code, result.out) == (0, USAGE), argv
    assert dialect_from_help(USAGE) == "current"


def test_unknown_command_is_one_error_line_and_exit_1(sb) -> None:
    for argv, name in ((["frobnicate", "--json"], "frobnicate"),
                       (["connection", "frobnicate"], "frobnicate"),
                       (["action", "explode", "x", "--json"], "explode")):  # fmt: skip
        result = sb(*argv)
        assert (result.code, result.out, result.err) == (
            1, "", f"error: unknown command '{name}'\n"
        ), argv  # fmt: skip


def test_group_without_subcommand_prints_its_help_as_an_error(sb) -> None:
    result = sb("connection")
    assert (result.code, result.out, result.err) == (1, "", CONNECTION)
    unknown = sb("help", "frobnicate")
    assert (unknown.code, unknown.out, unknown.err) == (1, "", USAGE)


def test_every_command_has_help_that_fits_80_columns() -> None:
    for name in COMMANDS:
        path, rest = resolve(name.split())
        assert path is not None and rest == [], name
        text = render(path)
        assert text.startswith(f"Usage: membrane {path.split()[0]}"), name
        assert "\n  -h, --help  " in text, name
        assert max(len(line) for line in text.splitlines()) <= 80, name


def test_summaries_match_the_top_level_usage() -> None:
    listed = dict(re.findall(r"^  (\S+(?: [a-z]+)?)(?: \[options\])?(?: <\w+>)*  +(.+)$",
                             USAGE, re.MULTILINE))  # fmt: skip
    not_listed = {"action", "connection", "connection create", "login start"}
    assert set(listed) == set(SPECS) - not_listed
    for path, spec in SPECS.items():
        if path in listed:
            assert listed[path] == spec.summary, path


def test_a_real_process_prints_command_help_and_fails_on_unknown() -> None:
    shown = spawn("connection", "ensure", "--help")
    assert (shown.code, shown.out) == (0, CONNECTION_ENSURE)
    unknown = spawn("frobnicate")
    assert (unknown.code, unknown.out, unknown.err) == (
        1,
        "",
        "error: unknown command 'frobnicate'\n",
    )
