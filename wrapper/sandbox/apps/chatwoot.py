"""Chatwoot in the sandbox: its REST routes and its actions.

Every action is one call to the matching REST route, so its output is exactly that route's body.
Inputs use Chatwoot's own snake_case names; `account_id` defaults to the demo account, 1.
"""

from __future__ import annotations

from typing import Any, Final

from wrapper.sandbox.apps import Action, App, Context, call, pick
from wrapper.sandbox.apps import chatwoot_data as data
from wrapper.sandbox.apps.chatwoot_account import ROUTES_ACCOUNT
from wrapper.sandbox.apps.chatwoot_http import authorize
from wrapper.sandbox.apps.chatwoot_rest import ROUTES_CORE
from wrapper.sandbox.apps.schemas import (
    BOOLEAN,
    INTEGER,
    NULLABLE_INTEGER,
    NULLABLE_STRING,
    OBJECT,
    STRING,
    array,
    described,
    inputs,
    nullable,
    obj,
)

DEFAULT_ACCOUNT: Final = 1

# --- output schemas (the server's views) ---------------------------------------------------------

CONTACT: Final = obj(
    {
        "id": INTEGER,
        "name": NULLABLE_STRING,
        "email": NULLABLE_STRING,
        "phone_number": NULLABLE_STRING,
        "identifier": NULLABLE_STRING,
        "blocked": BOOLEAN,
        "availability_status": STRING,
        "thumbnail": STRING,
        "additional_attributes": OBJECT,
        "custom_attributes": OBJECT,
        "last_activity_at": NULLABLE_INTEGER,
        "created_at": INTEGER,
        "contact_inboxes": array(obj({"source_id": STRING, "inbox": OBJECT})),
    },
    ("id",),
)
SENDER: Final = obj({"id": INTEGER, "name": NULLABLE_STRING, "type": STRING})
MESSAGE: Final = obj(
    {
        "id": INTEGER,
        "content": NULLABLE_STRING,
        "inbox_id": INTEGER,
        "conversation_id": described(INTEGER, "The conversation's display id"),
        "message_type": described(
            INTEGER, "0 incoming, 1 outgoing, 2 activity, 3 template", enum=[0, 1, 2, 3]
        ),
        "content_type": STRING,
        "status": STRING,
        "content_attributes": OBJECT,
        "created_at": INTEGER,
        "private": BOOLEAN,
        "source_id": NULLABLE_STRING,
        "sender": SENDER,
    },
    ("id", "message_type"),
)
CONVERSATION: Final = obj(
    {
        "id": described(INTEGER, "The per-account display id used in every URL"),
        "account_id": INTEGER,
        "uuid": STRING,
        "inbox_id": INTEGER,
        "status": {"type": "string", "enum": list(data.STATUSES)},
        "priority": nullable({"type": "string", "enum": list(data.PRIORITIES)}),
        "labels": array(STRING),
        "muted": BOOLEAN,
        "can_reply": BOOLEAN,
        "snoozed_until": NULLABLE_INTEGER,
        "unread_count": INTEGER,
        "additional_attributes": OBJECT,
        "custom_attributes": OBJECT,
        "created_at": INTEGER,
        "updated_at": {"type": "number"},
        "timestamp": INTEGER,
        "last_activity_at": INTEGER,
        "first_reply_created_at": NULLABLE_INTEGER,
        "waiting_since": NULLABLE_INTEGER,
        "messages": array(MESSAGE),
        "meta": obj(
            {
                "sender": SENDER,
                "channel": STRING,
                "assignee": SENDER,
                "team": OBJECT,
                "hmac_verified": BOOLEAN,
            }
        ),
    },
    ("id", "status"),
)
CONTACT_PAGE: Final = obj(
    {
        "meta": obj({"count": INTEGER, "current_page": {"type": ["integer", "string"]}}),
        "payload": array(CONTACT),
    },
    ("meta", "payload"),
)
CONVERSATION_PAGE: Final = obj(
    {
        "data": obj(
            {
                "meta": obj(
                    {
                        "mine_count": INTEGER,
                        "assigned_count": INTEGER,
                        "unassigned_count": INTEGER,
                        "all_count": INTEGER,
                    }
                ),
                "payload": array(CONVERSATION),
            }
        )
    },
    ("data",),
)
AGENT: Final = obj(
    {
        "id": INTEGER,
        "account_id": INTEGER,
        "name": STRING,
        "email": STRING,
        "role": {"type": "string", "enum": ["agent", "administrator"]},
        "availability_status": STRING,
        "available_name": STRING,
        "confirmed": BOOLEAN,
    },
    ("id",),
)
TEAM: Final = obj(
    {
        "id": INTEGER,
        "name": STRING,
        "description": NULLABLE_STRING,
        "allow_auto_assign": BOOLEAN,
        "account_id": INTEGER,
        "is_member": BOOLEAN,
    },
    ("id",),
)
LABEL: Final = obj(
    {
        "id": INTEGER,
        "title": STRING,
        "description": NULLABLE_STRING,
        "color": STRING,
        "show_on_sidebar": BOOLEAN,
    },
    ("id", "title"),
)
INBOX: Final = obj(
    {"id": INTEGER, "name": STRING, "channel_type": STRING, "channel_id": INTEGER}, ("id",)
)
CANNED: Final = obj(
    {
        "id": INTEGER,
        "account_id": INTEGER,
        "short_code": STRING,
        "content": STRING,
        "created_at": STRING,
        "updated_at": STRING,
    },
    ("id",),
)
LABELS: Final = obj({"payload": array(STRING)}, ("payload",))
EMPTY: Final = described({"type": ["null", "string"]}, "The server answers an empty body")

# --- input fields ---------------------------------------------------------------------------

ACCOUNT_ID: Final = described(INTEGER, "Chatwoot account id (default 1)", minimum=1)
PAGE: Final = described(INTEGER, "Page number, from 1", minimum=1)
CONTACT_ID: Final = described(INTEGER, "Contact id", minimum=1)
CONVERSATION_ID: Final = described(INTEGER, "Conversation display id", minimum=1)
CONTACT_SORT: Final = {
    "type": "string",
    "enum": [
        p + f
        for f in (
            "name",
            "email",
            "phone_number",
            "last_activity_at",
            "created_at",
            "company",
            "city",
            "country",
        )
        for p in ("", "-")
    ],
    "description": "Sort field; a leading '-' sorts descending",
}
CONTACT_FIELDS: Final = {
    "name": STRING,
    "email": {"type": "string", "format": "email"},
    "phone_number": described(STRING, "E.164, e.g. +15551234567", pattern=r"^\+[1-9]\d{1,14}$"),
    "identifier": described(STRING, "Your own id for the contact, unique per account"),
    "blocked": BOOLEAN,
    "avatar_url": {"type": "string", "format": "uri"},
    "additional_attributes": OBJECT,
    "custom_attributes": OBJECT,
}


def _path(payload: dict[str, Any], suffix: str) -> str:
    return f"/api/v1/accounts/{payload.get('account_id', DEFAULT_ACCOUNT)}{suffix}"


def _action(
    key: str,
    name: str,
    description: str,
    type_: str,
    fields: dict[str, Any],
    required: tuple[str, ...],
    output: dict[str, Any],
    run: Any,
    *,
    writes: bool = False,
) -> Action:
    schema = inputs({"account_id": ACCOUNT_ID, **fields}, *required)
    return Action(key, name, description, type_, schema, output, run, writes)


def _get(suffix: str, *query_fields: str) -> Any:
    def run(ctx: Context, payload: dict[str, Any]) -> Any:
        path = _path(payload, suffix.format(**payload))
        return call(ctx, "GET", path, query=pick(payload, *query_fields))

    return run


def _send(method: str, suffix: str, *body_fields: str, **fixed: Any) -> Any:
    def run(ctx: Context, payload: dict[str, Any]) -> Any:
        body = {**pick(payload, *body_fields), **fixed}
        return call(ctx, method, _path(payload, suffix.format(**payload)), body=body)

    return run


def _list_conversations(ctx: Context, payload: dict[str, Any]) -> Any:
    query = pick(payload, "status", "assignee_type", "inbox_id", "team_id", "q", "page")
    if payload.get("labels"):
        query["labels[]"] = payload["labels"]
    return call(ctx, "GET", _path(payload, "/conversations"), query=query)


CONVERSATION_FILTERS: Final = {
    "status": {
        "type": "string",
        "enum": [*data.STATUSES, "all"],
        "description": "Default open; 'all' disables the filter",
    },
    "assignee_type": {"type": "string", "enum": ["me", "unassigned", "assigned", "all"]},
    "inbox_id": INTEGER,
    "team_id": INTEGER,
    "labels": array(STRING),
    "q": described(STRING, "Text to find in the conversation's messages"),
    "page": PAGE,
}

ACTIONS_LIST: Final = [
    _action(
        "search-contacts",
        "Search Contacts",
        "Search contacts by name, email, phone number, company or identifier (15 a page).",
        "search-data-record",
        {"q": described(STRING, "Search text", minLength=1), "page": PAGE, "sort": CONTACT_SORT},
        ("q",),
        CONTACT_PAGE,
        _get("/contacts/search", "q", "page", "sort"),
    ),
    _action(
        "list-contacts",
        "List Contacts",
        "List contacts that have an email, phone number or identifier, 15 a page.",
        "list-data-records",
        {"page": PAGE, "sort": CONTACT_SORT},
        (),
        CONTACT_PAGE,
        _get("/contacts", "page", "sort"),
    ),
    _action(
        "get-contact",
        "Get Contact",
        "Retrieve a contact by id.",
        "find-data-record-by-id",
        {"contact_id": CONTACT_ID},
        ("contact_id",),
        obj({"payload": CONTACT}, ("payload",)),
        _get("/contacts/{contact_id}"),
    ),
    _action(
        "create-contact",
        "Create Contact",
        "Create a contact; the email must be unique in the account.",
        "create-data-record",
        {**CONTACT_FIELDS, "inbox_id": INTEGER},
        ("name",),
        obj({"payload": obj({"contact": CONTACT, "contact_inbox": OBJECT})}, ("payload",)),
        _send("POST", "/contacts", "inbox_id", *CONTACT_FIELDS),
        writes=True,
    ),
    _action(
        "update-contact",
        "Update Contact",
        "Update a contact; custom and additional attributes are merged.",
        "update-data-record",
        {"contact_id": CONTACT_ID, **CONTACT_FIELDS},
        ("contact_id",),
        obj({"payload": CONTACT}, ("payload",)),
        _send("PUT", "/contacts/{contact_id}", *CONTACT_FIELDS),
        writes=True,
    ),
    _action(
        "delete-contact",
        "Delete Contact",
        "Delete a contact and its conversations.",
        "delete-data-record",
        {"contact_id": CONTACT_ID},
        ("contact_id",),
        EMPTY,
        _send("DELETE", "/contacts/{contact_id}"),
        writes=True,
    ),
    _action(
        "list-contact-conversations",
        "List Contact Conversations",
        "List every conversation of a contact.",
        "list-data-records",
        {"contact_id": CONTACT_ID},
        ("contact_id",),
        obj({"payload": array(CONVERSATION)}, ("payload",)),
        _get("/contacts/{contact_id}/conversations"),
    ),
    _action(
        "list-contact-labels",
        "List Contact Labels",
        "List the labels of a contact.",
        "list-data-records",
        {"contact_id": CONTACT_ID},
        ("contact_id",),
        LABELS,
        _get("/contacts/{contact_id}/labels"),
    ),
    _action(
        "set-contact-labels",
        "Set Contact Labels",
        "Set a contact's labels; the list replaces the current labels.",
        "update-data-record",
        {"contact_id": CONTACT_ID, "labels": array(STRING)},
        ("contact_id", "labels"),
        LABELS,
        _send("POST", "/contacts/{contact_id}/labels", "labels"),
        writes=True,
    ),
    _action(
        "list-conversations",
        "List Conversations",
        "List conversations filtered by status (default open), assignee, inbox, team or "
        "labels, 25 a page.",
        "list-data-records",
        CONVERSATION_FILTERS,
        (),
        CONVERSATION_PAGE,
        _list_conversations,
    ),
    _action(
        "get-conversation-counts",
        "Get Conversation Counts",
        "Count conversations: mine, assigned, unassigned and all.",
        "connector-operation",
        {k: v for k, v in CONVERSATION_FILTERS.items() if k != "page"},
        (),
        obj({"meta": OBJECT}, ("meta",)),
        _get("/conversations/meta", "status", "inbox_id", "team_id", "q"),
    ),
    _action(
        "get-conversation",
        "Get Conversation",
        "Retrieve a conversation by display id.",
        "find-data-record-by-id",
        {"conversation_id": CONVERSATION_ID},
        ("conversation_id",),
        CONVERSATION,
        _get("/conversations/{conversation_id}"),
    ),
    _action(
        "create-conversation",
        "Create Conversation",
        "Start a conversation with a contact in an inbox, optionally with a first message.",
        "create-data-record",
        {
            "inbox_id": INTEGER,
            "contact_id": CONTACT_ID,
            "status": {"type": "string", "enum": list(data.STATUSES[:3])},
            "assignee_id": INTEGER,
            "team_id": INTEGER,
            "snoozed_until": INTEGER,
            "additional_attributes": OBJECT,
            "custom_attributes": OBJECT,
            "message": obj(
                {"content": described(STRING, "First message", minLength=1)},
                ("content",),
                closed=True,
            ),
        },
        ("inbox_id", "contact_id"),
        CONVERSATION,
        _send(
            "POST",
            "/conversations",
            "inbox_id",
            "contact_id",
            "status",
            "assignee_id",
            "team_id",
            "snoozed_until",
            "additional_attributes",
            "custom_attributes",
            "message",
        ),
        writes=True,
    ),
    _action(
        "toggle-conversation-status",
        "Change Conversation Status",
        "Set a conversation's status (open, resolved, pending, snoozed); without a status "
        "it toggles between open and resolved.",
        "update-data-record",
        {
            "conversation_id": CONVERSATION_ID,
            "status": {"type": "string", "enum": list(data.STATUSES)},
            "snoozed_until": described(INTEGER, "Unix time the snooze ends"),
        },
        ("conversation_id",),
        obj(
            {
                "meta": OBJECT,
                "payload": obj(
                    {
                        "success": BOOLEAN,
                        "conversation_id": INTEGER,
                        "current_status": STRING,
                        "snoozed_until": NULLABLE_INTEGER,
                    }
                ),
            }
        ),
        _send("POST", "/conversations/{conversation_id}/toggle_status", "status", "snoozed_until"),
        writes=True,
    ),
    _action(
        "update-conversation-priority",
        "Update Conversation Priority",
        "Set a conversation's priority (low, medium, high, urgent, or none to clear).",
        "update-data-record",
        {
            "conversation_id": CONVERSATION_ID,
            "priority": {"type": "string", "enum": [*data.PRIORITIES, "none"]},
        },
        ("conversation_id", "priority"),
        CONVERSATION,
        _send("PATCH", "/conversations/{conversation_id}", "priority"),
        writes=True,
    ),
    _action(
        "assign-conversation",
        "Assign Conversation",
        "Assign a conversation to an agent (assignee_id) or a team (team_id); an unknown "
        "agent id unassigns, as the server does.",
        "update-data-record",
        {"conversation_id": CONVERSATION_ID, "assignee_id": NULLABLE_INTEGER, "team_id": INTEGER},
        ("conversation_id",),
        nullable(OBJECT),
        _send("POST", "/conversations/{conversation_id}/assignments", "assignee_id", "team_id"),
        writes=True,
    ),
    _action(
        "list-conversation-labels",
        "List Conversation Labels",
        "List the labels of a conversation.",
        "list-data-records",
        {"conversation_id": CONVERSATION_ID},
        ("conversation_id",),
        LABELS,
        _get("/conversations/{conversation_id}/labels"),
    ),
    _action(
        "add-conversation-labels",
        "Set Conversation Labels",
        "Add labels to a conversation. Like the API, the list REPLACES the current labels: "
        "pass every label the conversation should keep.",
        "update-data-record",
        {"conversation_id": CONVERSATION_ID, "labels": array(STRING)},
        ("conversation_id", "labels"),
        LABELS,
        _send("POST", "/conversations/{conversation_id}/labels", "labels"),
        writes=True,
    ),
    _action(
        "list-messages",
        "List Messages",
        "List a conversation's messages: the latest 20, 20 before a message id, or up to "
        "100 after one.",
        "list-data-records",
        {"conversation_id": CONVERSATION_ID, "before": INTEGER, "after": INTEGER},
        ("conversation_id",),
        obj({"meta": OBJECT, "payload": array(MESSAGE)}),
        _get("/conversations/{conversation_id}/messages", "before", "after"),
    ),
    _action(
        "create-message",
        "Create Message",
        "Send a message in a conversation; private true makes it a private note.",
        "create-data-record",
        {
            "conversation_id": CONVERSATION_ID,
            "content": described(STRING, "", minLength=1),
            "message_type": {"type": "string", "enum": ["outgoing", "incoming"]},
            "private": BOOLEAN,
            "content_type": STRING,
            "content_attributes": OBJECT,
        },
        ("conversation_id", "content"),
        MESSAGE,
        _send(
            "POST",
            "/conversations/{conversation_id}/messages",
            "content",
            "message_type",
            "private",
            "content_type",
            "content_attributes",
        ),
        writes=True,
    ),
    _action(
        "create-private-note",
        "Create Private Note",
        "Add a private note to a conversation (visible to agents only).",
        "create-data-record",
        {"conversation_id": CONVERSATION_ID, "content": described(STRING, "", minLength=1)},
        ("conversation_id", "content"),
        MESSAGE,
        _send("POST", "/conversations/{conversation_id}/messages", "content", private=True),
        writes=True,
    ),
    _action(
        "delete-message",
        "Delete Message",
        "Delete a message (its content is replaced).",
        "delete-data-record",
        {"conversation_id": CONVERSATION_ID, "message_id": INTEGER},
        ("conversation_id", "message_id"),
        MESSAGE,
        _send("DELETE", "/conversations/{conversation_id}/messages/{message_id}"),
        writes=True,
    ),
    _action(
        "list-inboxes",
        "List Inboxes",
        "List the account's inboxes.",
        "list-data-records",
        {},
        (),
        obj({"payload": array(INBOX)}),
        _get("/inboxes"),
    ),
    _action(
        "get-inbox",
        "Get Inbox",
        "Retrieve an inbox by id.",
        "find-data-record-by-id",
        {"inbox_id": INTEGER},
        ("inbox_id",),
        INBOX,
        _get("/inboxes/{inbox_id}"),
    ),
    _action(
        "list-agents",
        "List Agents",
        "List the account's agents.",
        "list-data-records",
        {},
        (),
        array(AGENT),
        _get("/agents"),
    ),
    _action(
        "create-agent",
        "Create Agent",
        "Invite an agent to the account.",
        "create-data-record",
        {
            "name": STRING,
            "email": {"type": "string", "format": "email"},
            "role": {"type": "string", "enum": ["agent", "administrator"]},
            "availability_status": {"type": "string", "enum": ["available", "busy", "offline"]},
        },
        ("name", "email", "role"),
        AGENT,
        _send("POST", "/agents", "name", "email", "role", "availability_status"),
        writes=True,
    ),
    _action(
        "list-teams",
        "List Teams",
        "List the account's teams.",
        "list-data-records",
        {},
        (),
        array(TEAM),
        _get("/teams"),
    ),
    _action(
        "get-team",
        "Get Team",
        "Retrieve a team by id.",
        "find-data-record-by-id",
        {"team_id": INTEGER},
        ("team_id",),
        TEAM,
        _get("/teams/{team_id}"),
    ),
    _action(
        "create-team",
        "Create Team",
        "Create a team.",
        "create-data-record",
        {
            "name": described(STRING, "", minLength=1),
            "description": STRING,
            "allow_auto_assign": BOOLEAN,
        },
        ("name",),
        TEAM,
        _send("POST", "/teams", "name", "description", "allow_auto_assign"),
        writes=True,
    ),
    _action(
        "list-labels",
        "List Labels",
        "List the account's labels.",
        "list-data-records",
        {},
        (),
        obj({"payload": array(LABEL)}),
        _get("/labels"),
    ),
    _action(
        "create-label",
        "Create Label",
        "Create an account label (title: letters, digits, - and _; stored lower-case).",
        "create-data-record",
        {
            "title": described(STRING, "", minLength=1),
            "description": STRING,
            "color": described(STRING, "Hex colour", pattern="^#[0-9a-fA-F]{6}$"),
            "show_on_sidebar": BOOLEAN,
        },
        ("title",),
        LABEL,
        _send("POST", "/labels", "title", "description", "color", "show_on_sidebar"),
        writes=True,
    ),
    _action(
        "list-canned-responses",
        "List Canned Responses",
        "List canned responses, optionally those whose short code or content match.",
        "list-data-records",
        {"search": STRING},
        (),
        array(CANNED),
        _get("/canned_responses", "search"),
    ),
    _action(
        "create-canned-response",
        "Create Canned Response",
        "Create a canned response.",
        "create-data-record",
        {
            "short_code": described(STRING, "", minLength=1),
            "content": described(STRING, "", minLength=1),
        },
        ("short_code", "content"),
        CANNED,
        _send("POST", "/canned_responses", "short_code", "content"),
        writes=True,
    ),
]

APP: Final = App(
    key="chatwoot",
    name="Chatwoot",
    domains=("chatwoot.com",),
    base_uri="https://app.chatwoot.com",
    logo_uri="https://static.sandbox.membrane.local/logos/chatwoot.png",
    routes=[*ROUTES_CORE, *ROUTES_ACCOUNT],
    actions={action.key: action for action in ACTIONS_LIST},
    seed=data.seed,
    authorize=authorize,
    not_found_body={"error": "Resource could not be found"},
)
