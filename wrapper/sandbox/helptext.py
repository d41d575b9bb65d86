"""Help texts, laid out the way commander.js lays them out, or in another layout on request.

`membrane <command> --help` prints `Usage: membrane <command> [options] <args>`, the command's
description, then `Arguments:`, `Options:` (ending with `-h, --help`) and, for a command with
subcommands, `Commands:` (ending with `help [command]`); terms are padded to one column and
descriptions wrapped at 80 columns.

How the real CLI lays out its top-level help is not documented (its public builds used minimist
and ink, not commander), so `MW_SANDBOX_HELP` picks a layout: `commander` (default, `USAGE`:
every command and subcommand on one page), `grouped` (commander with nested groups: the top level
names only `connection`, `action`, ..., and `membrane connection --help` lists the subcommands)
or `minimist` (a meow/ink-style page; see minimist_help.py). Group and command help follow the
same layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

PROGRAM: Final = "membrane"
HELP_WIDTH: Final = 80  # commander's width when stdout is not a terminal
_INDENT: Final = 2
_GAP: Final = 2
_MIN_COLUMN: Final = 40
_HELP_OPTION: Final = ("-h, --help", "display help for command")
_HELP_COMMAND: Final = ("help [command]", "display help for command")
_JSON: Final = ("--json", "Print machine-readable JSON")
_CONNECTION_ID: Final = ("--connectionId <id>", "Connection to use")
_CONNECTION_KEY: Final = ("--connectionKey <key>", "Connection to use, by key")
_ANY_CONNECTION: Final = ("--connectionId <id>", "Only this connection (default: every READY one)")
_LIMIT: Final = ("--limit <n>", "Items per page (default: 10, at most 100)")
_CURSOR: Final = ("--cursor <cursor>", "The next page: the cursor the previous page gave")

SUMMARY: Final = (
    "Membrane CLI (offline sandbox: Chatwoot, Chaport and Chatra, no account, no network)"
)
#: Membrane publishes no Chatwoot action keys; the sandbox's are made up, and says so. Wrapped
#: by hand so that no line starts with a lowercase word a help reader could take for a command.
CHATWOOT_NOTE: Final = """\
Note: Chatwoot actions in this sandbox are illustrative. Membrane publishes no
Chatwoot action keys: on a real connection, find them with
`membrane action list --intent=...`, or call Chatwoot's REST API with `request`.
"""
ENVIRONMENT: Final = """\
Environment: MW_SANDBOX_DIR, MW_SANDBOX_FAULTS, MW_SANDBOX_SEED, MW_SANDBOX_LATENCY_MS,
MW_SANDBOX_HANG_S, MW_SANDBOX_CONNECTION_STATE, MW_SANDBOX_LOGGED_OUT,
MW_SANDBOX_REQUEST_OUTPUT, MW_SANDBOX_STATUS_SHAPE, MW_SANDBOX_HELP.
"""
USAGE: Final = f"""\
Usage: membrane [options] [command]

{SUMMARY}

Options:
  -V, --version                       output the version number
  -h, --help                          display help for command

Commands:
  login [options]                     Log in (the sandbox logs in at once)
  login complete <code>               Finish a headless login
  logout                              Clear the stored login
  status                              Show login status, API URI and project defaults
  search [options] <query>            Search connectors (--elementType=connector)
  connect [options]                   Connect by --connectorId, --connectorKey or --integrationKey
  connection ensure [options] <app>   Find or create a connection for an app name, domain or URL
  connection get [options] <id>       Get a connection (--wait --timeout <s>)
  connection list [options]           List connections
  connection delete <id>              Archive a connection
  action list [options]               List actions of a connection (--intent, --limit)
  action get [options] <key>          Get an action with its input and output schemas
  action create [options] <intent>    Build an action from a description
  action run [options] <key>          Run an action (--connectionId, --input <json>)
  act [options]                       Run an action (--key) or an API call (--api <json>)
  request [options] <connId> <path>   Send an HTTP request through a connection
  help [command]                      display help for command

{ENVIRONMENT}
{CHATWOOT_NOTE}"""

Item = tuple[str, str]


@dataclass(frozen=True)
class Spec:
    """One command: its summary line, arguments (`<name>` or `[name]`), options and a note."""

    summary: str
    arguments: tuple[Item, ...] = ()
    options: tuple[Item, ...] = ()
    alias: str | None = None
    note: str | None = None


SPECS: Final[dict[str, Spec]] = {
    "login": Spec(
        "Log in (the sandbox logs in at once)",
        options=(
            ("--tenant", "Get a tenant-scoped token (workspace and customer)"),
            ("--clientName <agentType>", "The agent harness in use (claude, codex, ...)"),
            ("--apiUri <url>", "API endpoint to log in to"),
            ("--non-interactive", "Print the login URL instead of opening a browser"),
            _JSON,
        ),
    ),
    "login start": Spec("Start a headless login", options=(_JSON,)),
    "login complete": Spec(
        "Finish a headless login",
        arguments=(("<code>", "The code the browser showed after logging in"),),
        options=(_JSON,),
    ),
    "logout": Spec("Clear the stored login", options=(_JSON,)),
    "status": Spec("Show login status, API URI and project defaults", options=(_JSON,)),
    "search": Spec(
        "Search connectors (--elementType=connector)",
        arguments=(("<query>", "App name, domain or words to look for"),),
        options=(
            ("--elementType <type>", "Kind of element to find, e.g. connector"),
            ("--limit <n>", "At most this many results"),
            _JSON,
        ),
    ),
    "connect": Spec(
        "Connect by --connectorId, --connectorKey or --integrationKey",
        options=(
            ("--connectorId <id>", "Connector to connect with"),
            ("--connectorKey <key>", "Connector to connect with, by key"),
            ("--integrationKey <key>", "Integration to connect with, by key"),
            ("--integrationId <id>", "Integration to connect with"),
            ("--intent <text>", "The app to connect, in words"),
            ("--connectionId <id>", "Reconnect this connection"),
            ("--non-interactive", "Print the connect URL instead of opening a browser"),
            _JSON,
        ),
    ),
    "connection": Spec("Find, create, inspect and archive connections"),
    "connection ensure": Spec(
        "Find or create a connection for an app name, domain or URL",
        arguments=(("<app>", "App name, domain or URL, e.g. chatwoot or chatwoot.com"),),
        options=(("--name <name>", "Name of a connection it creates"), _JSON),
    ),
    "connection create": Spec(
        "Create a connection for an app described in words",
        arguments=(("<intent>", "The app to connect, e.g. chatwoot"),),
        options=(("--name <name>", "Name of the connection"), _JSON),
    ),
    "connection get": Spec(
        "Get a connection (--wait --timeout <s>)",
        arguments=(("<id>", "Connection id or key"),),
        options=(
            ("--wait", "Wait while the connection is BUILDING"),
            ("--timeout <seconds>", "How long --wait waits (default: 30)"),
            _JSON,
        ),
    ),
    "connection list": Spec("List connections", options=(_LIMIT, _CURSOR, _JSON)),
    "connection delete": Spec(
        "Archive a connection",
        arguments=(("<id>", "Connection id or key"),),
        options=(_JSON,),
        alias="archive",
    ),
    "action": Spec("Find, build, inspect and run actions", note=CHATWOOT_NOTE),
    "action list": Spec(
        "List actions of a connection (--intent, --limit)",
        options=(
            _ANY_CONNECTION,
            _CONNECTION_KEY,
            ("--intent <text>", "Rank actions by how well they match this description"),
            _LIMIT,
            _CURSOR,
            _JSON,
        ),
        note=CHATWOOT_NOTE,
    ),
    "action get": Spec(
        "Get an action with its input and output schemas",
        arguments=(("<key>", "Action key or id"),),
        options=(_ANY_CONNECTION, _CONNECTION_KEY, _JSON),
        note=CHATWOOT_NOTE,
    ),
    "action create": Spec(
        "Build an action from a description",
        arguments=(("<intent>", "What the action should do"),),
        options=(_CONNECTION_ID, _CONNECTION_KEY, _JSON),
        note=CHATWOOT_NOTE,
    ),
    "action run": Spec(
        "Run an action (--connectionId, --input <json>)",
        arguments=(("<key>", "Action key or id"),),
        options=(
            _CONNECTION_ID,
            _CONNECTION_KEY,
            ("--input <json>", "The action's input, as JSON"),
            _JSON,
        ),
        note=CHATWOOT_NOTE,
    ),
    "act": Spec(
        "Run an action (--key) or an API call (--api <json>)",
        options=(
            ("--key <key>", "Run the action with this key"),
            ("--id <id>", "Run the action with this id"),
            ("--api <json>", 'Call the app\'s API: {"method", "path", "body", "headers", "query"}'),
            _CONNECTION_ID,
            _CONNECTION_KEY,
            ("--input <json>", "The action's input, as JSON"),
            _JSON,
        ),
        note=CHATWOOT_NOTE,
    ),
    "request": Spec(
        "Send an HTTP request through a connection",
        arguments=(
            ("<connId>", "Connection to send it through"),
            ("<path>", "API path, e.g. /api/v1/accounts/1/contacts"),
        ),
        options=(
            ("-X, --method <method>", 'HTTP method (default: "GET")'),
            ("-H, --header <header>", 'A header as "Name: value" (repeatable)'),
            ("-d, --data <data>", "Request body; JSON is sent as JSON"),
            ("--rawData", "Send --data as a literal string"),
            ("--query <key=value>", "A query parameter (repeatable)"),
            ("--pathParam <key=value>", "Fill :key or {key} in the path (repeatable)"),
            ("--json", "Print the response (status, headers, body) as JSON"),
        ),
    ),
}

#: Other names of a command (commander's aliases).
ALIASES: Final = {
    f"{path.rsplit(' ', 1)[0]} {spec.alias}" if " " in path else spec.alias: path
    for path, spec in SPECS.items()
    if spec.alias
}


def resolve(words: list[str]) -> tuple[str | None, list[str]]:
    """The command `words` start with (aliases resolved) and the words after it."""
    for size in (2, 1):
        name = " ".join(words[:size])
        if len(words) >= size and (name in SPECS or name in ALIASES):
            return ALIASES.get(name, name), words[size:]
    return None, list(words)


def subcommands(path: str) -> list[str]:
    return [p for p in SPECS if p.startswith(f"{path} ") and p.count(" ") == path.count(" ") + 1]


def render(path: str) -> str:
    """The commander help of the command at `path`, ending with a newline."""
    spec = SPECS[path]
    children = subcommands(path)
    name = path.rsplit(" ", 1)[-1]
    parents = path.rsplit(" ", 1)[0] + " " if " " in path else ""
    usage = ["[options]"] + (["[command]"] if children else [])
    usage += [term for term, _ in spec.arguments]
    shown_name = f"{name}|{spec.alias}" if spec.alias else name
    arguments = [(term.strip("<>[]"), text) for term, text in spec.arguments]
    commands = [(_command_term(child), SPECS[child].summary) for child in children]
    lines = [f"Usage: {PROGRAM} {parents}{shown_name} {' '.join(usage)}", ""]
    lines += [wrap(spec.summary, HELP_WIDTH, 0), ""]
    lines += _sections(arguments, [*spec.options, _HELP_OPTION], commands)
    return "\n".join(lines) + ("\n" + spec.note if spec.note else "")


def render_grouped() -> str:
    """The top-level help of a commander program whose commands are nested in groups."""
    top = [path for path in SPECS if " " not in path]
    options = [("-V, --version", "output the version number"), _HELP_OPTION]
    commands = [(_command_term(path), SPECS[path].summary) for path in top]
    lines = [f"Usage: {PROGRAM} [options] [command]", "", SUMMARY, ""]
    lines += _sections([], options, commands)
    return "\n".join(lines) + "\n" + ENVIRONMENT + "\n" + CHATWOOT_NOTE


def _sections(arguments: list[Item], options: list[Item], commands: list[Item]) -> list[str]:
    """`Arguments:`, `Options:` and `Commands:` (with `help [command]`), one column wide."""
    if commands:
        commands = [*commands, _HELP_COMMAND]
    width = max(len(term) for term, _ in [*arguments, *options, *commands])
    lines: list[str] = []
    for title, items in (("Arguments:", arguments), ("Options:", options), ("Commands:", commands)):
        if items:
            body = "\n".join(_item(term, text, width) for term, text in items)
            lines += [title, re.sub(r"^", " " * _INDENT, body, flags=re.MULTILINE), ""]
    return lines


def _command_term(path: str) -> str:
    spec = SPECS[path]
    name = path.rsplit(" ", 1)[-1] + (f"|{spec.alias}" if spec.alias else "")
    options = " [options]" if spec.options else ""
    arguments = "".join(f" {term}" for term, _ in spec.arguments)
    return f"{name}{options}{arguments}"


def _item(term: str, text: str, width: int) -> str:
    return wrap(f"{term.ljust(width + _GAP)}{text}", HELP_WIDTH - _INDENT, width + _GAP)


def wrap(text: str, width: int, indent: int) -> str:
    """commander's `Help.wrap`: fill the column after `indent`, continuation lines indented."""
    column = width - indent
    if column < _MIN_COLUMN or re.search(r"\n[^\S\n]+", text):
        return text
    pattern = rf"\n|.{{1,{column - 1}}}(?:[\s\u200b]|\Z)|[^\s\u200b]+?(?:[\s\u200b]|\Z)"
    pieces = [m.group(0) for m in re.finditer(pattern, text[indent:])]
    lines = [
        "" if piece == "\n" else (" " * indent if number else "") + piece.rstrip()
        for number, piece in enumerate(pieces)
    ]
    return text[:indent] + "\n".join(lines)
