"""Chaport in the sandbox: the 20 actions Membrane lists for it, its routes and demo world.

Inputs use Chaport's own camelCase names (`visitorId`, `operatorId`, `chatId`, `targetUrl`);
each action is one call to the matching REST route and returns that route's body.
"""

from __future__ import annotations

from random import Random
from typing import Any, Final

from wrapper.sandbox.apps import Action, App, Context, call, pick
from wrapper.sandbox.apps.chaport import rest
from wrapper.sandbox.apps.chaport.rest import (
    APP as KEY,
)
from wrapper.sandbox.apps.chaport.rest import (
    EPOCH,
    OPERATOR_STATUSES,
    STAGES,
    WEBHOOK_EVENTS,
    event_id,
    iso,
    new_chat,
    new_operator,
    operator_id,
    visitor_id,
    webhook_id,
)
from wrapper.sandbox.apps.schemas import (
    BOOLEAN,
    INTEGER,
    NULLABLE_STRING,
    OBJECT,
    STRING,
    array,
    described,
    inputs,
    obj,
)
from wrapper.sandbox.store import Store

HEX_ID: Final = {"type": "string", "pattern": "^[0-9a-f]{24}$"}
VISITOR_ID: Final = described(HEX_ID, "Visitor id (24 hex characters)")
OPERATOR_ID: Final = described(HEX_ID, "Operator id (24 hex characters)")
WEBHOOK_ID: Final = described(HEX_ID, "Webhook subscription id (24 hex characters)")
CHAT_ID: Final = described(INTEGER, "Chat id")
EVENT_ID: Final = described(STRING, "Chat event id")

OPERATOR: Final = obj(
    {"id": STRING, "email": STRING, "name": STRING, "language": STRING, "jobTitle": STRING,
     "role": STRING, "lastLoginAt": NULLABLE_STRING, "lastActivityAt": NULLABLE_STRING,
     "image": NULLABLE_STRING, "lastStatus": STRING, "realStatus": STRING},
    ("id",),
)  # fmt: skip
VISITOR: Final = obj(
    {"id": STRING, "name": NULLABLE_STRING, "email": NULLABLE_STRING, "phone": NULLABLE_STRING,
     "notes": NULLABLE_STRING, "custom": OBJECT, "utm": OBJECT, "lastSeen": NULLABLE_STRING},
    ("id",),
)  # fmt: skip
EVENT: Final = obj(
    {"id": STRING, "chatId": INTEGER, "type": STRING, "params": OBJECT, "timestamp": STRING},
    ("id", "type"),
)
CHAT: Final = obj(
    {"id": INTEGER, "visitorId": STRING, "stage": {"type": "string", "enum": list(STAGES)},
     "operators": array(STRING), "rating": {}, "missed": BOOLEAN, "startedAt": STRING,
     "events": array(EVENT)},
    ("id", "stage"),
)  # fmt: skip
WEBHOOK: Final = obj(
    {"id": STRING, "targetUrl": STRING, "event": STRING, "essential": BOOLEAN,
     "createdAt": STRING},
    ("id",),
)  # fmt: skip
DELETED: Final = obj({"id": STRING, "deleted": BOOLEAN})


def result(schema: dict[str, Any], **more: Any) -> dict[str, Any]:
    return obj({"result": schema, **more}, ("result",))


def _action(key: str, name: str, description: str, type_: str, fields: dict[str, Any],
            required: tuple[str, ...], output: dict[str, Any], run: Any, *,
            writes: bool = False) -> Action:  # fmt: skip
    return Action(key, name, description, type_, inputs(fields, *required), output, run, writes)


def _get(template: str, *query: str) -> Any:
    def run(ctx: Context, payload: dict[str, Any]) -> Any:
        return call(ctx, "GET", template.format(**payload), query=pick(payload, *query))

    return run


def _send(method: str, template: str, *fields: str) -> Any:
    def run(ctx: Context, payload: dict[str, Any]) -> Any:
        return call(ctx, method, template.format(**payload), body=pick(payload, *fields))

    return run


def _send_message(ctx: Context, payload: dict[str, Any]) -> Any:
    params = {"text": payload["text"], **pick(payload, "operatorId")}
    body = {"visitorId": payload["visitorId"],
            "chatEvent": {"type": "operator-message", "params": params}}  # fmt: skip
    return call(ctx, "POST", "/messages", body=body)


def _update_message(ctx: Context, payload: dict[str, Any]) -> Any:
    path = "/visitors/{visitorId}/chats/{chatId}/events/{eventId}".format(**payload)
    return call(ctx, "PUT", path, body={"params": {"text": payload["text"]}})


OPERATOR_FIELDS: Final = {
    "email": {"type": "string", "format": "email"},
    "name": STRING,
    "role": {"type": "string", "enum": ["operator", "admin"]},
    "language": described(STRING, "Interface language, e.g. en"),
    "jobTitle": STRING,
}
VISITOR_FIELDS: Final = {
    "name": STRING,
    "email": {"type": "string", "format": "email"},
    "phone": STRING,
    "notes": STRING,
    "custom": described(OBJECT, "Custom fields (key: value)"),
}
WEBHOOK_FIELDS: Final = {
    "targetUrl": {"type": "string", "format": "uri", "pattern": "^https?://"},
    "event": {"type": "string", "enum": list(WEBHOOK_EVENTS)},
    "essential": BOOLEAN,
}
TRANSCRIPT: Final = described(BOOLEAN, "Include the chat's events")
VC: Final = "/visitors/{visitorId}/chats"

ACTIONS_LIST: Final = [
    _action("list-visitors", "List Visitors",
            "Retrieves visitors ordered by the time of their most recent chat (most recent "
            "first), 20 a page.", "list-data-records",
            {"page": described(INTEGER, "Page number, from 1", minimum=1)}, (),
            result(array(VISITOR), links=obj({"next": STRING})), _get("/visitors", "page")),
    _action("list-operators", "List Operators",
            "Retrieves all existing operators (team members) in your Chaport account.",
            "list-data-records", {}, (), result(array(OPERATOR)), _get("/operators")),
    _action("list-webhooks", "List Webhooks", "Retrieves a list of your webhook subscriptions.",
            "list-data-records", {}, (), result(array(WEBHOOK)), _get("/events/subscriptions")),
    _action("list-chat-events", "List Chat Events",
            "Retrieves all chat events for the specified chat.", "list-data-records",
            {"visitorId": VISITOR_ID, "chatId": CHAT_ID}, ("visitorId", "chatId"),
            result(array(EVENT)), _get(VC + "/{chatId}/events")),
    _action("get-visitor", "Get Visitor", "Retrieves a visitor by ID.",
            "find-data-record-by-id", {"visitorId": VISITOR_ID}, ("visitorId",),
            result(VISITOR), _get("/visitors/{visitorId}")),
    _action("get-operator", "Get Operator", "Retrieves a single operator by ID.",
            "find-data-record-by-id", {"operatorId": OPERATOR_ID}, ("operatorId",),
            result(OPERATOR), _get("/operators/{operatorId}")),
    _action("get-webhook", "Get Webhook", "Retrieves a webhook by ID.",
            "find-data-record-by-id", {"webhookId": WEBHOOK_ID}, ("webhookId",),
            result(WEBHOOK), _get("/events/subscriptions/{webhookId}")),
    _action("get-chat", "Get Chat", "Retrieves a chat by visitor ID and chat ID.",
            "find-data-record-by-id",
            {"visitorId": VISITOR_ID, "chatId": CHAT_ID, "transcript": TRANSCRIPT},
            ("visitorId", "chatId"), result(CHAT), _get(VC + "/{chatId}", "transcript")),
    _action("get-visitor-last-chat", "Get Visitor's Last Chat",
            "Retrieves the visitor's current or most recent chat.", "find-data-record-by-id",
            {"visitorId": VISITOR_ID, "transcript": TRANSCRIPT}, ("visitorId",),
            result(CHAT, links=obj({"more": array(STRING)})), _get(VC, "transcript")),
    _action("create-operator", "Create Operator", "Creates a new operator.",
            "create-data-record", OPERATOR_FIELDS, ("email", "name"), result(OPERATOR),
            _send("POST", "/operators", *OPERATOR_FIELDS), writes=True),
    _action("create-webhook", "Create Webhook", "Creates a new webhook subscription.",
            "create-data-record", WEBHOOK_FIELDS, ("targetUrl", "event"), result(WEBHOOK),
            _send("POST", "/events/subscriptions", *WEBHOOK_FIELDS), writes=True),
    _action("update-visitor", "Update Visitor",
            "Updates a visitor by ID; only the fields passed change.", "update-data-record",
            {"visitorId": VISITOR_ID, **VISITOR_FIELDS}, ("visitorId",), result(VISITOR),
            _send("PUT", "/visitors/{visitorId}", *VISITOR_FIELDS), writes=True),
    _action("update-operator", "Update Operator", "Updates an operator by ID.",
            "update-data-record", {"operatorId": OPERATOR_ID, **OPERATOR_FIELDS},
            ("operatorId",), result(OPERATOR),
            _send("PUT", "/operators/{operatorId}", *OPERATOR_FIELDS), writes=True),
    _action("update-webhook", "Update Webhook", "Updates a webhook by ID.",
            "update-data-record", {"webhookId": WEBHOOK_ID, **WEBHOOK_FIELDS}, ("webhookId",),
            result(WEBHOOK),
            _send("PUT", "/events/subscriptions/{webhookId}", *WEBHOOK_FIELDS), writes=True),
    _action("update-message", "Update Message", "Updates a message event.",
            "update-data-record",
            {"visitorId": VISITOR_ID, "chatId": CHAT_ID, "eventId": EVENT_ID,
             "text": described(STRING, "New message text", minLength=1)},
            ("visitorId", "chatId", "eventId", "text"), result(EVENT), _update_message,
            writes=True),
    _action("update-operator-status", "Update Operator Status",
            "Sets an operator's status for ttl seconds or until validUntil (pass exactly one).",
            "connector-operation",
            {"operatorId": OPERATOR_ID,
             "status": {"type": "string", "enum": list(OPERATOR_STATUSES)},
             "ttl": described(INTEGER, "Seconds the status holds", minimum=1),
             "validUntil": {"type": "string", "format": "date-time"}},
            ("operatorId", "status"),
            result(obj({"id": STRING, "status": STRING, "validUntil": STRING})),
            _send("POST", "/operators/{operatorId}/status", "status", "ttl", "validUntil"),
            writes=True),
    _action("update-visitor-last-chat", "Update Visitor's Last Chat",
            "Updates the visitor's current or most recent chat (stage, missed, rating, "
            "operators; [] unassigns).", "update-data-record",
            {"visitorId": VISITOR_ID, "stage": {"type": "string", "enum": list(STAGES)},
             "missed": BOOLEAN, "rating": {"type": ["integer", "null"]},
             "operators": array(HEX_ID)},
            ("visitorId",), result(CHAT),
            _send("PUT", VC, "stage", "missed", "rating", "operators"), writes=True),
    _action("send-message", "Send Message",
            "Creates a message event (an operator message to the visitor); starts a chat "
            "when the visitor has none open.", "create-data-record",
            {"visitorId": VISITOR_ID, "text": described(STRING, "Message text", minLength=1),
             "operatorId": OPERATOR_ID}, ("visitorId", "text"), result(EVENT),
            _send_message, writes=True),
    _action("delete-visitor", "Delete Visitor", "Deletes a visitor by ID.",
            "delete-data-record", {"visitorId": VISITOR_ID}, ("visitorId",), result(DELETED),
            _send("DELETE", "/visitors/{visitorId}"), writes=True),
    _action("delete-operator", "Delete Operator", "Deletes an operator by ID.",
            "delete-data-record", {"operatorId": OPERATOR_ID}, ("operatorId",),
            result(DELETED), _send("DELETE", "/operators/{operatorId}"), writes=True),
]  # fmt: skip

# --- the demo world ----------------------------------------------------------------------------

NAMES: Final = ("Sam Lee", "Rita Gomez", "Ken Ito", "Lara Croft", "Tom Weber", "Ines Duarte")
OPERATORS: Final = (
    ("Olga Operator", "olga@chaport.test", "admin", "online"),
    ("Pavel Operator", "pavel@chaport.test", "operator", "away"),
    ("Quinn Operator", "quinn@chaport.test", "operator", "offline"),
)
VISITORS: Final = 30
TEXTS: Final = (
    "Hi, is the spring sale still on?",
    "My order has not arrived yet.",
    "Do you ship to Canada?",
    "Can I change my delivery address?",
    "How do I reset my password?",
)


def seed(store: Store, rng: Random) -> None:
    for n, (name, email, role, status) in enumerate(OPERATORS, start=1):
        operator = new_operator(operator_id(n), name, email)
        operator.update(role=role, lastStatus=status, realStatus=status)
        store.put(KEY, "operator", operator["id"], operator)
    chat_id, event_n = 1000, 0
    for n in range(1, VISITORS + 1):
        first, last = NAMES[rng.randrange(len(NAMES))].split()
        at = EPOCH - 5_400 * (VISITORS - n + 1)
        visitor: dict[str, Any] = {
            "id": visitor_id(n), "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower()}{n}@example.org" if n % 4 else None,
            "phone": f"+4420700{n:05d}" if n % 3 == 0 else None, "notes": "",
            "custom": {"plan": "gold"} if n % 5 == 0 else {},
            "utm": {"source": "google"} if n % 2 else {}, "sourceHost": "shop.test",
            "emailMarketingConsent": n % 2 == 0,
            "location": {"country": ["US", "DE", "JP", "BR"][n % 4], "city": None},
            "browser": "Chrome", "os": "macOS", "lastSeen": iso(at + 900),
            "lastChatAt": iso(at), "createdAt": iso(at - 86_400),
        }  # fmt: skip
        store.put(KEY, "visitor", visitor["id"], visitor)
        count = 2 if n % 3 == 0 else 1
        for c in range(count):
            chat_id += 1
            stage = STAGES[n % len(STAGES)] if c == count - 1 else "closed"
            chat = new_chat(chat_id, visitor["id"], at - 86_400 * (count - 1 - c), stage)
            oid = operator_id(1 + n % len(OPERATORS))
            chat["operators"] = [oid] if stage in ("responded", "engaged", "closed") else []
            store.put(KEY, "chat", chat_id, chat, parent=visitor["id"])
            for e in range(3):
                event_n += 1
                operator_says = e == 1 and bool(chat["operators"])
                event: dict[str, Any] = {
                    "id": event_id(event_n), "chatId": chat_id,
                    "type": "operator-message" if operator_says else "visitor-message",
                    "params": {"text": "Happy to help!" if operator_says else
                               TEXTS[rng.randrange(len(TEXTS))]},
                    "timestamp": iso(at + 60 * e),
                }  # fmt: skip
                if operator_says:
                    event["params"]["operatorId"] = oid
                store.put(KEY, "event", event["id"], event, parent=chat_id)
    store.set_counter(f"{KEY}:chat", chat_id)
    webhook = {
        "id": webhook_id(1),
        "targetUrl": "https://hooks.example.org/chaport",
        "event": "chat.started",
        "essential": False,
        "createdAt": iso(EPOCH - 86_400),
    }
    store.put(KEY, "webhook", webhook["id"], webhook)


APP: Final = App(
    key=KEY,
    name="Chaport",
    domains=("chaport.com", "chaport.ru"),
    base_uri="https://app.chaport.com/api/v1",
    logo_uri="https://static.sandbox.membrane.local/logos/chaport.png",
    routes=rest.ROUTES,
    actions={action.key: action for action in ACTIONS_LIST},
    seed=seed,
    strip_prefixes=("/api/v1",),
    authorize=rest.authorize,
    not_found_body={"error": {"code": "not_found", "message": "Not found"}},
)
