"""Chatwoot actions' JSON Schemas (the server's views) and the helpers that build actions."""

from __future__ import annotations

from typing import Any, Final

from wrapper.sandbox.apps import Action, Context, call, pick
from wrapper.sandbox.apps.chatwoot import data
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


def path_for(payload: dict[str, Any], suffix: str) -> str:
    return f"/api/v1/accounts/{payload.get('account_id', DEFAULT_ACCOUNT)}{suffix}"


def action(
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


def get(suffix: str, *query_fields: str) -> Any:
    def run(ctx: Context, payload: dict[str, Any]) -> Any:
        path = path_for(payload, suffix.format(**payload))
        return call(ctx, "GET", path, query=pick(payload, *query_fields))

    return run


def send(method: str, suffix: str, *body_fields: str, **fixed: Any) -> Any:
    def run(ctx: Context, payload: dict[str, Any]) -> Any:
        body = {**pick(payload, *body_fields), **fixed}
        return call(ctx, method, path_for(payload, suffix.format(**payload)), body=body)

    return run


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
