"""Chatwoot's records as its server renders them (jbuilder views), and its demo world.

Conversations are stored under `<account_id>:<display_id>` because every URL and response uses
the per-account display id; the database id is kept in the record for ordering only.
"""

from __future__ import annotations

import os
import time
from random import Random
from typing import Any, Final

from wrapper.sandbox.store import Store

APP: Final = "chatwoot"
CONTACTS_PER_PAGE: Final = 15
CONVERSATIONS_PER_PAGE: Final = 25
MESSAGES_PER_PAGE: Final = 20
MESSAGE_TYPES: Final = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}
STATUSES: Final = ("open", "resolved", "pending", "snoozed")
PRIORITIES: Final = ("low", "medium", "high", "urgent")
#: 2026-01-05 09:00:00 UTC: the demo world's "now", so seeded timestamps never change.
EPOCH: Final = 1_767_603_600


def now() -> int:
    return int(time.time())


def conversation_key(account_id: int, display_id: int) -> str:
    return f"{account_id}:{display_id}"


# --- views (what the server sends) -------------------------------------------------------------


def inbox_slim(inbox: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": inbox["id"],
        "avatar_url": "",
        "channel_id": inbox["channel_id"],
        "name": inbox["name"],
        "channel_type": inbox["channel_type"],
        "provider": None,
    }


def inbox_view(inbox: dict[str, Any]) -> dict[str, Any]:
    view = {name: value for name, value in inbox.items() if name != "account_id"}
    view["avatar_url"] = ""
    return view


def contact_view(store: Store, contact: dict[str, Any], *, inboxes: bool = True) -> dict[str, Any]:
    view = {
        "additional_attributes": contact["additional_attributes"],
        "availability_status": contact["availability_status"],
        "email": contact["email"],
        "id": contact["id"],
        "name": contact["name"],
        "phone_number": contact["phone_number"],
        "blocked": contact["blocked"],
        "identifier": contact["identifier"],
        "thumbnail": "",
        "custom_attributes": contact["custom_attributes"],
        "last_activity_at": contact["last_activity_at"],
        "created_at": contact["created_at"],
    }
    if inboxes:
        view["contact_inboxes"] = []
        for link in contact["contact_inboxes"]:
            inbox = store.get(APP, "inbox", link["inbox_id"])
            if inbox is not None:
                view["contact_inboxes"].append(
                    {"source_id": link["source_id"], "inbox": inbox_slim(inbox)}
                )
    return view


def contact_push(contact: dict[str, Any]) -> dict[str, Any]:
    """`Contact#push_event_data`: the contact as a message sender or conversation meta."""
    return {
        "additional_attributes": contact["additional_attributes"],
        "custom_attributes": contact["custom_attributes"],
        "email": contact["email"],
        "id": contact["id"],
        "identifier": contact["identifier"],
        "name": contact["name"],
        "phone_number": contact["phone_number"],
        "thumbnail": "",
        "blocked": contact["blocked"],
        "type": "contact",
    }


def user_push(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "name": user["name"],
        "available_name": user["name"],
        "avatar_url": "",
        "type": "user",
        "availability_status": user["availability_status"],
        "thumbnail": "",
    }


def agent_view(user: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "account_id": account["id"],
        "availability_status": user["availability_status"],
        "auto_offline": True,
        "confirmed": True,
        "email": user["email"],
        "provider": "email",
        "available_name": user["name"],
        "name": user["name"],
        "role": account["members"][str(user["id"])],
        "thumbnail": "",
        "custom_role_id": None,
    }


def team_view(team: dict[str, Any], user_id: int) -> dict[str, Any]:
    return {
        "id": team["id"],
        "name": team["name"],
        "description": team["description"],
        "allow_auto_assign": team["allow_auto_assign"],
        "account_id": team["account_id"],
        "is_member": user_id in team["member_ids"],
    }


def label_view(label: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": label["id"],
        "title": label["title"],
        "description": label["description"],
        "color": label["color"],
        "show_on_sidebar": label["show_on_sidebar"],
    }


def message_view(store: Store, message: dict[str, Any]) -> dict[str, Any]:
    sender: dict[str, Any] | None = None
    if message["sender_type"] == "Contact":
        contact = store.get(APP, "contact", message["sender_id"])
        sender = contact_push(contact) if contact else None
    elif message["sender_type"] == "User":
        user = store.get(APP, "user", message["sender_id"])
        sender = user_push(user) if user else None
    view = {
        "id": message["id"],
        "content": message["content"],
        "inbox_id": message["inbox_id"],
        "conversation_id": message["conversation_id"],
        "message_type": message["message_type"],
        "content_type": message["content_type"],
        "status": message["status"],
        "content_attributes": message["content_attributes"],
        "created_at": message["created_at"],
        "private": message["private"],
        "source_id": message["source_id"],
    }
    if sender is not None:
        view["sender"] = sender
    return view


def messages_of(store: Store, conversation: dict[str, Any]) -> list[dict[str, Any]]:
    key = conversation_key(conversation["account_id"], conversation["id"])
    return store.all(APP, "message", key)


def conversation_view(store: Store, conversation: dict[str, Any]) -> dict[str, Any]:
    contact = store.get(APP, "contact", conversation["contact_id"])
    inbox = store.get(APP, "inbox", conversation["inbox_id"])
    meta: dict[str, Any] = {
        "sender": contact_push(contact) if contact else None,
        "channel": inbox["channel_type"] if inbox else None,
        "hmac_verified": False,
    }
    if conversation.get("assignee_id"):
        user = store.get(APP, "user", conversation["assignee_id"])
        if user is not None:
            meta["assignee"] = user_push(user)
            meta["assignee_type"] = "User"
    if conversation.get("team_id"):
        team = store.get(APP, "team", conversation["team_id"])
        if team is not None:
            meta["team"] = {"id": team["id"], "name": team["name"]}
    key = conversation_key(conversation["account_id"], conversation["id"])
    # Only the newest messages matter here; read a few, and the whole thread only if all of
    # those are activity messages.
    messages = store.last(APP, "message", key, 5)
    non_activity = [m for m in messages if m["message_type"] != MESSAGE_TYPES["activity"]]
    if not non_activity and len(messages) == 5:
        messages = messages_of(store, conversation)
        non_activity = [m for m in messages if m["message_type"] != MESSAGE_TYPES["activity"]]
    view = {name: value for name, value in conversation.items() if not name.startswith("_")}
    view.pop("contact_id", None)
    view.pop("assignee_id", None)
    view.pop("team_id", None)
    view.update(
        {
            "meta": meta,
            "messages": [message_view(store, messages[-1])] if messages else [],
            "last_non_activity_message": (
                message_view(store, non_activity[-1]) if non_activity else None
            ),
            "timestamp": conversation["last_activity_at"],
            "can_reply": True,
        }
    )
    return view


def seeded_uuid(rng: Random) -> str:
    return _format_uuid4(rng.getrandbits(128).to_bytes(16, "big"))


def new_uuid() -> str:
    return _format_uuid4(os.urandom(16))


def _format_uuid4(raw: bytes) -> str:
    """A version-4 UUID string from 16 random bytes (the uuid module drags in `platform`)."""
    data = bytearray(raw)
    data[6] = (data[6] & 0x0F) | 0x40
    data[8] = (data[8] & 0x3F) | 0x80
    text = data.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def iso(stamp: int | None) -> str | None:
    """A datetime as Rails renders it in JSON, for the views that send raw datetimes."""
    return None if stamp is None else iso_text(stamp)


def iso_text(stamp: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(stamp))
