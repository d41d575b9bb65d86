#!/usr/bin/env python3
"""An independent fake of the Membrane CLI, written from public facts only.

Its behaviour follows membrane-cli.md section 7 and the documented wire contract, NOT mw's
offline sandbox, so it cannot share the sandbox's guesses. Where the public record is silent,
FAKE_MEMBRANE_MODE picks one plausible reading:

  (unset)        commander-style help, status with loggedIn, request answers in an envelope
                 {"status", "headers", "body"} with exit 0 for any app answer
  grouped-help   `membrane --help` lists only command groups; `membrane connection --help`
                 and `membrane action --help` list their subcommands (7.15)
  status-plain   `status --json` prints an object without loggedIn (7.12)
  app-error      `request` prints the app's raw body; an app 4xx prints the app's own error
                 body, e.g. Chatwoot's {"error": "Resource could not be found"}, and exits 1
  raw            `request` prints the app's raw body and exits 0 whatever the status (7.14);
                 a Chatwoot conversation body has its own `status` field
  envelope-404   `request` answers in an envelope, and exits 1 when the app's status is 4xx
  disconnecting  every connection is DISCONNECTING (7.9)
  paged          lists page 10 at a time with a cursor whatever --limit says (7.10)
  error-stderr   Membrane error bodies {type, key, message, data} go to stderr; an app 4xx on
                 `request` is such a body with the app's body in data.response.data
  other-program  the other program called `membrane` (membrane.agency, 7.13)

Standard library only; no state is kept between calls.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any
from urllib.parse import urlparse

MODE = os.environ.get("FAKE_MEMBRANE_MODE", "")
VERSION = "1.18.0"
APPS = {"chatwoot.com": "chatwoot", "chaport.com": "chaport", "chatra.io": "chatra"}
CONNECTIONS = [
    {"id": "6650c0ffee00000000000001", "name": "Chaport", "integrationKey": "chaport"},
    {"id": "6650c0ffee00000000000002", "name": "Chatwoot", "integrationKey": "chatwoot"},
]
# Filler connections for the paged mode: more than one page of 10.
EXTRA_CONNECTIONS = [
    {"id": f"6650c0ffee0000000000f{n:03d}", "name": f"Chatra {n}", "integrationKey": "chatra"}
    for n in range(1, 11)
]
CHAPORT_KEYS = [
    "list-visitors", "list-operators", "list-webhooks", "list-chat-events", "get-visitor",
    "get-operator", "get-webhook", "get-chat", "get-visitor-last-chat", "create-operator",
    "create-webhook", "update-visitor", "update-operator", "update-webhook", "update-message",
    "update-operator-status", "update-visitor-last-chat", "send-message", "delete-visitor",
    "delete-operator",
]  # fmt: skip
OPERATORS = [
    {"id": "59747c3ff77948220136b7b3", "name": "Ada Admin", "email": "ada@example.com"},
    {"id": "59747c3ff77948220136b7b4", "name": "Bo Operator", "email": "bo@example.com"},
]
CONTACTS = [
    {"id": 1, "name": "Ada", "email": "ada@example.com"},
    {"id": 2, "name": "Grace", "email": "grace@example.com"},
]
CONVERSATION = {"id": 7, "status": "open", "inbox_id": 1, "messages": [], "labels": []}
NOT_FOUND = {"error": "Resource could not be found"}

VALUE_FLAGS = {
    "--connectionId", "--connectionKey", "--intent", "--limit", "--cursor", "--input",
    "--timeout", "-X", "--method", "-H", "--header", "-d", "--data", "--query",
    "--pathParam", "--name", "--elementType", "--connectorId", "--key", "--api",
}  # fmt: skip

HELP_COMMANDER = """\
Usage: membrane [options] [command]

Options:
  -V, --version                        output the version number
  -h, --help                           display help for command

Commands:
  login [options]                      Log in to Membrane
  status [options]                     Show login status, API URI and project defaults
  logout                               Clear stored tokens
  connection ensure [options] <appUrl> Find or create connection by URL/domain
  connection get [options] <id>        Get a connection
  connection list [options]            List connections
  action list [options]                List actions
  action get [options] <id-or-key>     Get an action
  action run [options] <actionId>      Run an action
  request [options] <connectionId> <path>  Send a request through a connection
  help [command]                       display help for command
"""
HELP_GROUPED = """\
Usage: membrane [options] [command]

Options:
  -V, --version       output the version number
  -h, --help          display help for command

Commands:
  login               Log in to Membrane
  status              Show login status
  logout              Clear stored tokens
  connection          Manage connections
  action              Manage and run actions
  request             Send a request through a connection
  help [command]      display help for command
"""
HELP_GROUP = {
    "connection": """\
Usage: membrane connection [options] [command]

Commands:
  ensure [options] <appUrl>   Find or create connection by URL/domain
  get [options] <id>          Get a connection
  list [options]              List connections
""",
    "action": """\
Usage: membrane action [options] [command]

Commands:
  list [options]              List actions
  get [options] <id-or-key>   Get an action
  run [options] <actionId>    Run an action
""",
}
HELP_OTHER = """\
membrane 0.1.13289 - connect Amazon Ads to Claude and Codex

Usage:
  membrane connect <oauthClientKey>
  membrane connect complete <code>
  membrane credentials <key>
  membrane disconnect
  membrane catalog
  membrane hook
  membrane check-update
"""


def out(value: Any, code: int = 0) -> None:
    sys.stdout.write(json.dumps(value, indent=2) + "\n")
    sys.exit(code)


def membrane_error(error_type: str, key: str | None, message: str, data: Any = None) -> None:
    """Membrane's error body (SDK ErrorData); on stdout unless the mode says stderr."""
    body = {"type": error_type, "key": key, "message": message, "data": data}
    text = json.dumps({k: v for k, v in body.items() if v is not None})
    stream = sys.stderr if MODE == "error-stderr" else sys.stdout
    stream.write(text + "\n")
    sys.exit(1)


def parse(argv: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    positional: list[str] = []
    options: dict[str, list[str]] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("-") and "=" in arg and arg.split("=", 1)[0] in VALUE_FLAGS:
            name, value = arg.split("=", 1)
            options.setdefault(name, []).append(value)
        elif arg in VALUE_FLAGS and i + 1 < len(argv):
            options.setdefault(arg, []).append(argv[i + 1])
            i += 1
        elif arg.startswith("-"):
            options.setdefault(arg, []).append("")
        else:
            positional.append(arg)
        i += 1
    return positional, options


def one(options: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        if options.get(name):
            return options[name][-1]
    return None


def connection(base: dict[str, Any]) -> dict[str, Any]:
    state = "DISCONNECTING" if MODE == "disconnecting" else "READY"
    return {**base, "state": state, "createdAt": "2026-11-02T09:00:00.000Z"}


def page(items: list[Any], options: dict[str, list[str]]) -> None:
    """One page of a list: 10 by default, --limit up to 100; the paged mode caps it at 10."""
    limit = min(int(one(options, "--limit") or 10), 100)
    if MODE == "paged":
        limit = 10
    start = int(one(options, "--cursor") or 0)
    chunk = items[start : start + limit]
    following = start + limit
    out({"items": chunk, "cursor": str(following) if following < len(items) else None})


def app_of(argument: str) -> str | None:
    """7.8: the argument is normalised to a domain and matched against known apps."""
    host = urlparse(argument if "//" in argument else f"https://{argument}").hostname or ""
    host = host.removeprefix("www.")
    return APPS.get(host) if "." in host else None


def find_connection(selector: str) -> dict[str, Any] | None:
    for item in CONNECTIONS + EXTRA_CONNECTIONS:
        if selector in (item["id"], item["integrationKey"]):
            return connection(item)
    return None


def action(key: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": {}}
    if key.startswith(("get-operator", "delete-operator", "update-operator")):
        schema = {
            "type": "object",
            "properties": {"operatorId": {"type": "string"}},
            "required": ["operatorId"],
        }
    name = key.replace("-", " ").capitalize()
    return {"id": f"act-{key}", "key": key, "name": name, "inputSchema": schema, "state": "READY"}


def run_action(key: str, given: str | None) -> None:
    try:
        data = json.loads(given) if given else {}
    except ValueError:
        membrane_error("bad_request", "invalid_input", "Input is not valid JSON")
    required = action(key)["inputSchema"].get("required", [])
    missing = [name for name in required if name not in data]
    if missing:
        errors = [{"field": name, "message": "is required"} for name in missing]
        membrane_error("bad_request", "invalid_input", "Invalid input", {"errors": errors})
    # 7.3: extra properties are silently ignored.
    if key == "list-operators":
        out({"output": {"result": OPERATORS}, "actionRunId": "run-1"})
    if key == "get-operator":
        found = [o for o in OPERATORS if o["id"] == data["operatorId"]]
        if not found:
            membrane_error("bad_request", "not_found", "Operator not found")
        out({"output": {"result": found[0]}, "actionRunId": "run-2"})
    membrane_error("internal", None, f"this fake membrane does not run {key}")


def app_answer(app: str, method: str, path: str) -> tuple[int, Any]:
    if method != "GET":
        return 405, {"error": "Method not allowed"}
    if app == "chatwoot":
        if path == "/api/v1/accounts/1/contacts":
            return 200, {"meta": {"count": len(CONTACTS), "current_page": 1}, "payload": CONTACTS}
        found = re.fullmatch(r"/api/v1/accounts/1/contacts/(\d+)", path)
        contact = [c for c in CONTACTS if found and c["id"] == int(found.group(1))]
        if contact:
            return 200, {"payload": contact[0]}
        if path == "/api/v1/accounts/1/conversations/7":
            return 200, CONVERSATION
        return 404, NOT_FOUND
    if app == "chaport":
        if path == "/operators":
            return 200, {"result": OPERATORS}
        return 404, {"error": {"message": "Not found"}}
    return 404, {"error": "not found"}


def request(positional: list[str], options: dict[str, list[str]]) -> None:
    if len(positional) < 2:
        membrane_error("bad_request", None, "request needs <connectionId> <path>")
    conn = find_connection(positional[0])
    if conn is None:
        missing = positional[0]
        membrane_error("bad_request", "not_found", f"Connection with id '{missing}' not found")
        return
    method = (one(options, "-X", "--method") or "GET").upper()
    status, body = app_answer(conn["integrationKey"], method, positional[1])
    headers = {"content-type": "application/json; charset=utf-8"}
    if MODE == "error-stderr" and status >= 400:
        response = {"status": status, "data": body}
        membrane_error(
            "bad_request", None, f"Request failed with status code {status}", {"response": response}
        )
    if MODE in ("raw", "app-error"):
        out(body, 1 if MODE == "app-error" and status >= 400 else 0)
    code = 1 if MODE == "envelope-404" and status >= 400 else 0
    out({"status": status, "headers": headers, "body": body}, code)


def other_program(argv: list[str]) -> None:
    if argv[:1] in (["--help"], ["-h"], []):
        sys.stdout.write(HELP_OTHER)
        sys.exit(0)
    if argv[:1] == ["--version"]:
        sys.stdout.write("0.1.13289\n")
        sys.exit(0)
    sys.stdout.write(
        json.dumps({"error": "unknown_command", "message": f"Unknown command: {argv[0]}"}) + "\n"
    )
    sys.stderr.write(f"membrane: unknown command {argv[0]}\n")
    sys.exit(1)


def main(argv: list[str]) -> None:
    if MODE == "other-program":
        other_program(argv)
    positional, options = parse(argv)
    if "--version" in options or "-V" in options:
        sys.stdout.write(VERSION + "\n")
        sys.exit(0)
    if "--help" in options or "-h" in options or not positional:
        group = positional[0] if positional else ""
        if group in HELP_GROUP:
            sys.stdout.write(HELP_GROUP[group])
        else:
            sys.stdout.write(HELP_GROUPED if MODE == "grouped-help" else HELP_COMMANDER)
        sys.exit(0)
    command, rest = positional[0], positional[1:]
    sub = rest[0] if rest else ""
    args = rest[1:]
    if command == "status":
        if MODE == "status-plain":
            out({"workspace": "acme", "tenant": "ada", "apiUri": "https://api.getmembrane.com"})
        out({"loggedIn": True, "workspaceKey": "acme", "tenantKey": "ada"})
    if command == "request":
        request(rest, options)
    everything = CONNECTIONS + (EXTRA_CONNECTIONS if MODE == "paged" else [])
    if (command, sub) == ("connection", "list"):
        page([connection(c) for c in everything], options)
    if (command, sub) == ("connection", "get") and args:
        found = find_connection(args[0])
        if found is None:
            membrane_error("not_found", "not_found", f"Connection with id '{args[0]}' not found")
        out(found)
    if (command, sub) == ("connection", "ensure") and args:
        app = app_of(args[0])
        if app is None:
            # 7.8 leaves a bare word's fate open; this fake refuses it outright.
            membrane_error("bad_request", None, f"Could not find an app at '{args[0]}'")
        out(find_connection(app or ""))
    if (command, sub) == ("action", "list"):
        conn = find_connection(one(options, "--connectionId") or "")
        keys = CHAPORT_KEYS if conn and conn["integrationKey"] == "chaport" else []
        page([action(k) for k in keys], options)
    if (command, sub) == ("action", "get") and args:
        if args[0] not in CHAPORT_KEYS:
            membrane_error("not_found", "not_found", f"Action '{args[0]}' not found")
        out(action(args[0]))
    if (command, sub) == ("action", "run") and args:
        run_action(args[0], one(options, "--input"))
    sys.stderr.write(f"error: unknown command '{' '.join(positional)}'\n")
    sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
