"""Chatra in the sandbox: the 10 actions Membrane lists for it, its routes and demo world.

Chatra's API (base `https://app.chatra.io/api`) has no list endpoints: client and message ids
come from sends and webhooks. Timestamps are milliseconds; ids are 17-character random strings.
"""

from __future__ import annotations

import os
import time
from random import Random
from typing import Any, Final

from wrapper.sandbox.apps import Action, App, Context, Request, call, pick, route
from wrapper.sandbox.apps.schemas import (
    BOOLEAN,
    INTEGER,
    NULLABLE_STRING,
    OBJECT,
    STRING,
    described,
    inputs,
    obj,
)
from wrapper.sandbox.store import Store
from wrapper.sandbox.wire import AppHttpError

KEY: Final = "chatra"
ID_ALPHABET: Final = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"
CREDENTIALS: Final = "Chatra.Simple sandbox-public:sandbox-secret"
EPOCH_MS: Final = 1_767_603_600_000  # 2026-01-05 09:00:00 UTC
MAX_PUSHED: Final = 5000


def new_id() -> str:
    # 17 characters of Meteor's id alphabet, like Chatra's own ids.
    return "".join(ID_ALPHABET[byte % len(ID_ALPHABET)] for byte in os.urandom(17))


def client_id(n: int) -> str:
    return f"demoClient{n:07d}"


def agent_id(n: int) -> str:
    return f"demoAgent{n:08d}"


def message_id(n: int) -> str:
    return f"demoMessage{n:06d}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _error(status: int, message: str) -> AppHttpError:
    return AppHttpError(status, {"error": message})


def authorize(ctx: Context, req: Request) -> None:
    header = req.headers.get("authorization")
    if header is not None and header != CREDENTIALS:
        raise _error(401, "Unauthorized: check the public and secret API keys")


def _body(req: Request) -> dict[str, Any]:
    return req.body if isinstance(req.body, dict) else {}


def _found(ctx: Context, kind: str, rid: str, label: str) -> dict[str, Any]:
    record = ctx.store.get(KEY, kind, rid)
    if record is None:
        raise _error(404, f"{label} not found")
    return record


# --- clients ---------------------------------------------------------------------------------

BASIC: Final = ("name", "email", "phone", "notes")


def client_view(client: dict[str, Any]) -> dict[str, Any]:
    view = dict(client)
    basic = {k: v for k, v in client["basicInfo"].items() if v is not None}
    view["info"] = {**client.get("integrationData", {}), **basic}
    view["displayedName"] = basic.get("name") or client["displayedName"]
    return view


def get_client(ctx: Context, req: Request) -> Any:
    return client_view(_found(ctx, "client", req.params["id"], "Client"))


def update_client(ctx: Context, req: Request) -> Any:
    body = _body(req)
    with ctx.store.write():
        client = _found(ctx, "client", req.params["id"], "Client")
        for name in BASIC:  # only passed fields change; null removes
            if name in body:
                client["basicInfo"][name] = body[name]
        ctx.store.put(KEY, "client", client["id"], client)
    return client_view(client)


# --- messages ----------------------------------------------------------------------------------


def _send(ctx: Context, req: Request, kind: str) -> Any:
    body = _body(req)
    text = body.get("text")
    if not body.get("clientId"):
        raise _error(400, "clientId is required")
    if not isinstance(text, str) or not text:
        raise _error(400, "text is required")
    if kind == "pushedMessage" and len(text) > MAX_PUSHED:
        raise _error(400, f"text must be at most {MAX_PUSHED} characters")
    with ctx.store.write():
        client = _found(ctx, "client", str(body["clientId"]), "Client")
        agent = body.get("agentId")
        if agent is not None:
            _found(ctx, "agent", str(agent), "Agent")
        elif kind == "pushedMessage":
            group = body.get("groupId")
            agents = [a for a in ctx.store.all(KEY, "agent")
                      if group is None or group in a["groupIds"]]  # fmt: skip
            if not agents:
                raise _error(404, "Group not found")
            agent = agents[0]["id"]  # "a random agent" in Chatra; the first keeps tests stable
        else:
            agent = agent_id(1)
        message: dict[str, Any] = {
            "id": new_id(), "type": "agent", "text": text, "clientId": client["id"],
            "agentId": agent, "createdAt": _now_ms(), "receivedFrom": "api",
        }  # fmt: skip
        if kind == "pushedMessage":
            message["isPushed"] = True
        ctx.store.put(KEY, kind, message["id"], message, parent=client["id"])
    return message


def _one(kind: str, label: str) -> Any:
    def get(ctx: Context, req: Request) -> Any:
        return _found(ctx, kind, req.params["id"], label)

    def edit(ctx: Context, req: Request) -> Any:
        text = _body(req).get("text")
        if not isinstance(text, str) or not text:
            raise _error(400, "text is required")
        with ctx.store.write():
            message = _found(ctx, kind, req.params["id"], label)
            if message["type"] != "agent":
                raise _error(403, "Only agent messages can be edited")
            message["text"] = text
            message["updatedAt"] = _now_ms()
            ctx.store.put(KEY, kind, message["id"], message, parent=message["clientId"])
        return message

    def delete(ctx: Context, req: Request) -> Any:
        with ctx.store.write():
            message = _found(ctx, kind, req.params["id"], label)
            ctx.store.delete(KEY, kind, message["id"])
        return {"id": message["id"], "deleted": True}

    return get, edit, delete


_get_message, _edit_message, _delete_message = _one("message", "Message")
_get_pushed, _edit_pushed, _delete_pushed = _one("pushedMessage", "Pushed message")

ROUTES: Final = [
    route("GET", "/clients/{id}", get_client),
    route("PUT", "/clients/{id}", update_client),
    route("POST", "/messages", lambda ctx, req: _send(ctx, req, "message")),
    route("GET", "/messages/{id}", _get_message),
    route("PUT", "/messages/{id}", _edit_message),
    route("DELETE", "/messages/{id}", _delete_message),
    route("POST", "/pushedMessages", lambda ctx, req: _send(ctx, req, "pushedMessage")),
    route("GET", "/pushedMessages/{id}", _get_pushed),
    route("PUT", "/pushedMessages/{id}", _edit_pushed),
    route("DELETE", "/pushedMessages/{id}", _delete_pushed),
]

# --- actions -----------------------------------------------------------------------------------

CLIENT_ID: Final = described(STRING, "Client (visitor) id", minLength=1)
MESSAGE_ID: Final = described(STRING, "Message id", minLength=1)
AGENT_ID: Final = described(STRING, "Agent id (from the Chatra dashboard)")
MESSAGE: Final = obj(
    {"id": STRING, "type": {"type": "string", "enum": ["agent", "client"]}, "text": STRING,
     "clientId": STRING, "agentId": NULLABLE_STRING,
     "createdAt": described(INTEGER, "Milliseconds since the epoch"), "isPushed": BOOLEAN},
    ("id", "text"),
)  # fmt: skip
CLIENT: Final = obj(
    {"id": STRING, "chatId": STRING, "displayedName": STRING,
     "basicInfo": obj({"name": NULLABLE_STRING, "email": NULLABLE_STRING,
                       "phone": NULLABLE_STRING, "notes": NULLABLE_STRING}),
     "info": OBJECT, "integrationData": OBJECT, "location": OBJECT, "browser": OBJECT},
    ("id",),
)  # fmt: skip
DELETED: Final = obj({"id": STRING, "deleted": BOOLEAN}, ("id",))
TEXT: Final = described(STRING, "Message text", minLength=1)


def _action(key: str, name: str, description: str, type_: str, fields: dict[str, Any],
            required: tuple[str, ...], output: dict[str, Any], method: str, template: str,
            *body: str) -> Action:  # fmt: skip
    def run(ctx: Context, payload: dict[str, Any]) -> Any:
        return call(ctx, method, template.format(**payload), body=pick(payload, *body) or None)

    writes = method != "GET"
    return Action(key, name, description, type_, inputs(fields, *required), output, run, writes)


NULLABLE_FIELD: Final = {"type": ["string", "null"]}
ACTIONS_LIST: Final = [
    _action("update-client", "Update Client",
            "Update basic visitor information (name, email, phone, notes) as if it was edited "
            "from Chatra dashboard; null removes a field.", "update-data-record",
            {"clientId": CLIENT_ID, "name": NULLABLE_FIELD,
             "email": {"anyOf": [{"type": "string", "format": "email"}, {"type": "null"}]},
             "phone": NULLABLE_FIELD, "notes": NULLABLE_FIELD},
            ("clientId",), CLIENT, "PUT", "/clients/{clientId}", *BASIC),
    _action("get-client", "Get Client",
            "Retrieve comprehensive visitor information including browser details, location, "
            "visit history, and custom data.", "find-data-record-by-id",
            {"clientId": CLIENT_ID}, ("clientId",), CLIENT, "GET", "/clients/{clientId}"),
    _action("delete-pushed-message", "Delete Pushed Message",
            "Delete a previously sent pushed message.", "delete-data-record",
            {"messageId": MESSAGE_ID}, ("messageId",), DELETED, "DELETE",
            "/pushedMessages/{messageId}"),
    _action("edit-pushed-message", "Edit Pushed Message",
            "Edit a previously sent pushed message.", "update-data-record",
            {"messageId": MESSAGE_ID, "text": {**TEXT, "maxLength": MAX_PUSHED}},
            ("messageId", "text"), MESSAGE, "PUT", "/pushedMessages/{messageId}", "text"),
    _action("get-pushed-message", "Get Pushed Message", "Retrieve a pushed message by its ID.",
            "find-data-record-by-id", {"messageId": MESSAGE_ID}, ("messageId",), MESSAGE,
            "GET", "/pushedMessages/{messageId}"),
    _action("send-pushed-message", "Send Pushed Message",
            "Send an automated message to a client (from agentId, else an agent of groupId, "
            "else any agent).", "create-data-record",
            {"clientId": CLIENT_ID, "text": {**TEXT, "maxLength": MAX_PUSHED},
             "agentId": AGENT_ID, "groupId": STRING},
            ("clientId", "text"), MESSAGE, "POST", "/pushedMessages",
            "clientId", "text", "agentId", "groupId"),
    _action("delete-agent-message", "Delete Agent Message", "Delete an agent's message.",
            "delete-data-record", {"messageId": MESSAGE_ID}, ("messageId",), DELETED,
            "DELETE", "/messages/{messageId}"),
    _action("edit-agent-message", "Edit Agent Message", "Edit an agent's message.",
            "update-data-record", {"messageId": MESSAGE_ID, "text": TEXT},
            ("messageId", "text"), MESSAGE, "PUT", "/messages/{messageId}", "text"),
    _action("get-message", "Get Message", "Retrieve an existing message by its ID.",
            "find-data-record-by-id", {"messageId": MESSAGE_ID}, ("messageId",), MESSAGE,
            "GET", "/messages/{messageId}"),
    _action("send-agent-message", "Send Agent Message",
            "Send a message as an agent to a client.", "create-data-record",
            {"clientId": CLIENT_ID, "text": TEXT, "agentId": AGENT_ID},
            ("clientId", "text"), MESSAGE, "POST", "/messages", "clientId", "text", "agentId"),
]  # fmt: skip

# --- the demo world --------------------------------------------------------------------------

AGENTS: Final = (("Greta Agent", ["support"]), ("Hank Agent", ["support", "sales"]),
                 ("Iris Agent", ["sales"]))  # fmt: skip
PEOPLE: Final = ("Jo March", "Leo Tolstoy", "Mina Harker", "Nils Holgersson", "Ola Nordmann")
CLIENTS: Final = 12


def seed(store: Store, rng: Random) -> None:
    for n, (name, groups) in enumerate(AGENTS, start=1):
        agent = {"id": agent_id(n), "name": name, "groupIds": groups}
        store.put(KEY, "agent", agent["id"], agent)
    number = 0
    for n in range(1, CLIENTS + 1):
        name = PEOPLE[rng.randrange(len(PEOPLE))]
        at = EPOCH_MS - 3_600_000 * (CLIENTS - n + 1)
        client = {
            "id": client_id(n), "chatId": f"demoChat{n:09d}", "displayedName": name,
            "basicInfo": {"name": name if n % 3 else None,
                          "email": f"client{n}@example.net" if n % 2 else None,
                          "phone": None, "notes": None},
            "integrationData": {"plan": "trial"} if n % 4 == 0 else {},
            "location": {"country": "Sweden", "city": "Stockholm"},
            "browser": {"name": "Firefox", "os": "Linux"},
            "groupId": "support", "createdAt": at,
        }  # fmt: skip
        store.put(KEY, "client", client["id"], client)
        for m in range(2):
            number += 1
            message = {
                "id": message_id(number), "type": "client" if m == 0 else "agent",
                "text": "Hello, can I get a quote?" if m == 0 else "Sure, what do you need?",
                "clientId": client["id"], "agentId": None if m == 0 else agent_id(1 + n % 3),
                "createdAt": at + 60_000 * m, "receivedFrom": "widget" if m == 0 else "dashboard",
            }  # fmt: skip
            store.put(KEY, "message", message["id"], message, parent=client["id"])
    pushed = {"id": "demoPushed0000001", "type": "agent", "text": "Welcome back!",
              "clientId": client_id(1), "agentId": agent_id(1), "createdAt": EPOCH_MS,
              "receivedFrom": "api", "isPushed": True}  # fmt: skip
    store.put(KEY, "pushedMessage", pushed["id"], pushed, parent=client_id(1))


APP: Final = App(
    key=KEY,
    name="Chatra",
    domains=("chatra.io", "chatra.com"),
    base_uri="https://app.chatra.io/api",
    logo_uri="https://static.sandbox.membrane.local/logos/chatra.png",
    routes=ROUTES,
    actions={action.key: action for action in ACTIONS_LIST},
    seed=seed,
    strip_prefixes=("/api",),
    authorize=authorize,
    not_found_body={"error": "Not found"},
)
