"""Chatwoot's conversation routes: lists of 25 under `data`, display ids, status, assignment,
labels that replace, and the messages routes (in http.py, shared with create).
"""

from __future__ import annotations

from typing import Any, Final

from wrapper.sandbox.apps import Context, Request, Route, route
from wrapper.sandbox.apps.chatwoot import data, http
from wrapper.sandbox.apps.chatwoot.data import APP
from wrapper.sandbox.wire import AppHttpError

PREFIX: Final = http.PREFIX


def list_conversations(ctx: Context, req: Request) -> Any:
    found = http.conversations(ctx, req)
    status = req.arg("status") or "open"
    if status != "all":
        found = [c for c in found if c["status"] == status]
    for name in ("inbox_id", "team_id"):
        wanted = http.to_int(req.arg(name))
        if wanted is not None:
            found = [c for c in found if c.get(name) == wanted]
    labels = req.query.get("labels[]") or req.query.get("labels")
    if labels:
        found = [c for c in found if set(labels) & set(c["labels"])]
    query = (req.arg("q") or "").lower()
    if query:
        found = [
            c
            for c in found
            if any(query in str(m["content"] or "").lower() for m in data.messages_of(ctx.store, c))
        ]
    me = http.user_id(req)
    meta = {
        "mine_count": sum(1 for c in found if c.get("assignee_id") == me),
        "assigned_count": sum(1 for c in found if c.get("assignee_id")),
        "unassigned_count": sum(1 for c in found if not c.get("assignee_id")),
        "all_count": len(found),
    }
    assignee_type = req.arg("assignee_type") or "all"
    if assignee_type == "me":
        found = [c for c in found if c.get("assignee_id") == me]
    elif assignee_type == "unassigned":
        found = [c for c in found if not c.get("assignee_id")]
    elif assignee_type == "assigned":
        found = [c for c in found if c.get("assignee_id")]
    found.sort(key=lambda c: (-c["last_activity_at"], -c["id"]))
    page = http.page(req)
    size = data.CONVERSATIONS_PER_PAGE
    chunk = found[(page - 1) * size : page * size]
    return {
        "data": {"meta": meta, "payload": [data.conversation_view(ctx.store, c) for c in chunk]}
    }


CONVERSATION_FILTER_KEYS: Final = (
    "status", "assignee_id", "inbox_id", "team_id", "priority", "labels", "display_id",
    "created_at", "last_activity_at",
)  # fmt: skip


def _conversation_attribute(conversation: dict[str, Any], key: str) -> Any:
    return conversation["id"] if key == "display_id" else conversation.get(key)


def filter_conversations(ctx: Context, req: Request) -> Any:
    found = http.apply_filter(
        http.conversations(ctx, req), req, _conversation_attribute, CONVERSATION_FILTER_KEYS
    )
    found.sort(key=lambda c: (-c["last_activity_at"], -c["id"]))
    page = http.page(req)
    size = data.CONVERSATIONS_PER_PAGE
    chunk = found[(page - 1) * size : page * size]
    return {
        "meta": {"all_count": len(found)},
        "payload": [data.conversation_view(ctx.store, c) for c in chunk],
    }


def conversations_meta(ctx: Context, req: Request) -> Any:
    result = list_conversations(ctx, req)
    return {"meta": result["data"]["meta"]}


def get_conversation(ctx: Context, req: Request) -> Any:
    return data.conversation_view(ctx.store, http.find_conversation(ctx, req))


def create_conversation(ctx: Context, req: Request) -> Any:
    body = req.body if isinstance(req.body, dict) else {}
    account_id = int(req.params["account_id"])
    with ctx.store.write():
        inbox = ctx.store.get(APP, "inbox", body.get("inbox_id"))
        contact = None
        if body.get("source_id"):
            contact = next(
                (
                    c
                    for c in ctx.store.all(APP, "contact", account_id)
                    if any(link["source_id"] == body["source_id"] for link in c["contact_inboxes"])
                ),
                None,
            )
        elif body.get("contact_id") is not None:
            contact = ctx.store.get(APP, "contact", body["contact_id"])
        if inbox is None or inbox["account_id"] != account_id:
            raise http.missing()
        if contact is None or contact["account_id"] != account_id:
            raise http.missing()
        if not any(link["inbox_id"] == inbox["id"] for link in contact["contact_inboxes"]):
            contact["contact_inboxes"].append(
                {"inbox_id": inbox["id"], "source_id": data.new_uuid()}
            )
            ctx.store.put(APP, "contact", contact["id"], contact, parent=account_id)
        status = body.get("status") or "open"
        if status not in data.STATUSES:
            raise AppHttpError(422, {"error": f"'{status}' is not a valid status"})
        stamp = data.now()
        display_id = ctx.store.next_id(f"{APP}:display:{account_id}")
        conversation: dict[str, Any] = {
            "id": display_id,
            "account_id": account_id,
            "uuid": data.new_uuid(),
            "inbox_id": inbox["id"],
            "status": status,
            "priority": None,
            "labels": [],
            "muted": False,
            "snoozed_until": body.get("snoozed_until"),
            "unread_count": 0,
            "additional_attributes": body.get("additional_attributes") or {},
            "custom_attributes": body.get("custom_attributes") or {},
            "agent_last_seen_at": None,
            "assignee_last_seen_at": None,
            "contact_last_seen_at": None,
            "created_at": stamp,
            "updated_at": float(stamp),
            "last_activity_at": stamp,
            "first_reply_created_at": None,
            "waiting_since": stamp,
            "sla_policy_id": None,
            "contact_id": contact["id"],
            "assignee_id": _member(ctx, account_id, body.get("assignee_id")),
            "team_id": _team_id(ctx, account_id, body.get("team_id")),
            "_db_id": ctx.store.next_id(f"{APP}:conversation"),
        }
        http.save(ctx, conversation)
        message = body.get("message")
        if isinstance(message, dict) and message.get("content"):
            http.add_message(ctx, conversation, {"content": message["content"]}, http.user_id(req))
    return data.conversation_view(ctx.store, conversation)


def _member(ctx: Context, account_id: int, user_id: Any) -> int | None:
    account = ctx.store.get(APP, "account", account_id)
    wanted = http.to_int(user_id)
    if account is None or wanted is None or str(wanted) not in account["members"]:
        return None
    return wanted


def _team_id(ctx: Context, account_id: int, team_id: Any) -> int | None:
    wanted = http.to_int(team_id)
    team = ctx.store.get(APP, "team", wanted) if wanted is not None else None
    return int(team["id"]) if team and team["account_id"] == account_id else None


def update_conversation(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        conversation = http.find_conversation(ctx, req)
        if "priority" in (req.body or {}):
            conversation["priority"] = _priority(req.field("priority"))
            conversation["updated_at"] = float(data.now())
            http.save(ctx, conversation)
    return data.conversation_view(ctx.store, conversation)


def _priority(raw: Any) -> str | None:
    if raw in (None, "", "none"):
        return None
    if raw not in data.PRIORITIES:
        raise AppHttpError(422, {"error": f"'{raw}' is not a valid priority"})
    return str(raw)


def toggle_priority(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        conversation = http.find_conversation(ctx, req)
        conversation["priority"] = _priority(req.field("priority"))
        http.save(ctx, conversation)
    return ""


def toggle_status(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        conversation = http.find_conversation(ctx, req)
        wanted = req.field("status")
        if wanted:
            if wanted not in data.STATUSES:
                raise AppHttpError(422, {"error": f"'{wanted}' is not a valid status"})
            conversation["status"] = wanted
            snooze = req.field("snoozed_until")
            conversation["snoozed_until"] = http.to_int(snooze) if wanted == "snoozed" else None
        else:
            current = conversation["status"]
            conversation["status"] = "resolved" if current == "open" else "open"
            conversation["snoozed_until"] = None
        conversation["updated_at"] = float(data.now())
        http.save(ctx, conversation)
    return {
        "meta": {},
        "payload": {
            "success": True,
            "conversation_id": conversation["id"],
            "current_status": conversation["status"],
            "snoozed_until": conversation["snoozed_until"],
        },
    }


def assign(ctx: Context, req: Request) -> Any:
    account = http.find_account(ctx, req)
    with ctx.store.write():
        conversation = http.find_conversation(ctx, req)
        if req.field("assignee_id") is not None or req.field("team_id") is None:
            # The server looks the agent up with find_by: an unknown id unassigns.
            agent_id = _member(ctx, account["id"], req.field("assignee_id"))
            conversation["assignee_id"] = agent_id
            http.save(ctx, conversation)
            user = ctx.store.get(APP, "user", agent_id) if agent_id else None
            return data.agent_view(user, account) if user else None
        team_id = _team_id(ctx, account["id"], req.field("team_id"))
        conversation["team_id"] = team_id
        http.save(ctx, conversation)
        team = ctx.store.get(APP, "team", team_id) if team_id else None
        return data.team_view(team, http.user_id(req)) if team else None


def conversation_labels(ctx: Context, req: Request) -> Any:
    return {"payload": list(http.find_conversation(ctx, req)["labels"])}


def set_conversation_labels(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        conversation = http.find_conversation(ctx, req)
        conversation["labels"] = http.label_list(req.field("labels"))  # replaces, never merges
        conversation["updated_at"] = float(data.now())
        http.save(ctx, conversation)
    return {"payload": conversation["labels"]}


def set_custom_attributes(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        conversation = http.find_conversation(ctx, req)
        attributes = req.field("custom_attributes")
        conversation["custom_attributes"] = attributes if isinstance(attributes, dict) else {}
        http.save(ctx, conversation)
    return {"custom_attributes": conversation["custom_attributes"]}


ROUTES_CONVERSATIONS: Final[list[Route]] = [
    route("GET", PREFIX + "/conversations/meta", conversations_meta),
    route("POST", PREFIX + "/conversations/filter", filter_conversations),
    route("GET", PREFIX + "/conversations", list_conversations),
    route("POST", PREFIX + "/conversations", create_conversation),
    route("GET", PREFIX + "/conversations/{id}", get_conversation),
    route("PATCH", PREFIX + "/conversations/{id}", update_conversation),
    route("POST", PREFIX + "/conversations/{id}/toggle_status", toggle_status),
    route("POST", PREFIX + "/conversations/{id}/toggle_priority", toggle_priority),
    route("POST", PREFIX + "/conversations/{id}/assignments", assign),
    route("GET", PREFIX + "/conversations/{id}/labels", conversation_labels),
    route("POST", PREFIX + "/conversations/{id}/labels", set_conversation_labels),
    route("POST", PREFIX + "/conversations/{id}/custom_attributes", set_custom_attributes),
    route("GET", PREFIX + "/conversations/{id}/messages", http.list_messages),
    route("POST", PREFIX + "/conversations/{id}/messages", http.create_message),
    route("DELETE", PREFIX + "/conversations/{id}/messages/{message_id}", http.delete_message),
]
