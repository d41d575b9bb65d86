"""What every Chatwoot route shares: authorisation, the error bodies, lookups, and messages.

The bodies are the server's own: 401 `{"error": "Invalid Access Token"}`, 404
`{"error": "Resource could not be found"}`, 422 `{"message": ..., "attributes": [...]}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from wrapper.sandbox.apps import Context, Request
from wrapper.sandbox.apps.chatwoot import data
from wrapper.sandbox.apps.chatwoot.data import APP
from wrapper.sandbox.wire import AppHttpError

NOT_FOUND: Final = {"error": "Resource could not be found"}
#: Compiled on first use (re caches patterns), so calls that never validate skip the cost.
LABEL_TITLE: Final = r"\A[\w-]+\Z"
PREFIX: Final = "/api/v1/accounts/{account_id}"


def missing() -> AppHttpError:
    return AppHttpError(404, dict(NOT_FOUND))


def invalid(messages: list[str], attributes: list[str]) -> AppHttpError:
    return AppHttpError(422, {"message": ", ".join(messages), "attributes": attributes})


def current_user(ctx: Context, req: Request) -> dict[str, Any]:
    token = req.headers.get("api_access_token")
    if token is None:
        user = ctx.store.get(APP, "user", 1)
        assert user is not None
        return user
    for user in ctx.store.all(APP, "user"):
        if user["access_token"] == token:
            return user
    raise AppHttpError(401, {"error": "Invalid Access Token"})


def authorize(ctx: Context, req: Request) -> None:
    """Token, then account (404 when missing), then membership (401), as the server orders them."""
    user = current_user(ctx, req)
    account_id = req.params.get("account_id")
    if account_id is None:
        return
    account = ctx.store.get(APP, "account", account_id)
    if account is None:
        raise missing()
    if str(user["id"]) not in account["members"]:
        raise AppHttpError(401, {"error": "You are not authorized to access this account"})
    req.params["_user_id"] = str(user["id"])


def find_account(ctx: Context, req: Request) -> dict[str, Any]:
    account = ctx.store.get(APP, "account", req.params["account_id"])
    if account is None:
        raise missing()
    return account


def admin_only(ctx: Context, req: Request) -> None:
    account = find_account(ctx, req)
    if account["members"].get(req.params.get("_user_id", "1")) != "administrator":
        raise AppHttpError(401, {"error": "You are not authorized to do this action"})


def user_id(req: Request) -> int:
    return int(req.params.get("_user_id", "1"))


def page(req: Request) -> int:
    try:
        return max(int(req.arg("page") or "1"), 1)
    except ValueError:
        return 1


def to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def label_list(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else ([] if raw in (None, "") else str(raw).split(","))
    result: list[str] = []
    for item in items:
        text = str(item).strip()
        if text and text not in result:
            result.append(text)
    return result


# --- conversations and messages ----------------------------------------------------------


def conversations(ctx: Context, req: Request) -> list[dict[str, Any]]:
    return ctx.store.all(APP, "conversation", req.params["account_id"])


def find_conversation(ctx: Context, req: Request) -> dict[str, Any]:
    key = data.conversation_key(int(req.params["account_id"]), to_int(req.params["id"]) or 0)
    conversation = ctx.store.get(APP, "conversation", key)
    if conversation is None:
        raise missing()
    return conversation


def save(ctx: Context, conversation: dict[str, Any]) -> None:
    key = data.conversation_key(conversation["account_id"], conversation["id"])
    ctx.store.put(APP, "conversation", key, conversation, parent=conversation["account_id"])


def list_messages(ctx: Context, req: Request) -> Any:
    conversation = find_conversation(ctx, req)
    messages = data.messages_of(ctx.store, conversation)
    before, after = to_int(req.arg("before")), to_int(req.arg("after"))
    if after is not None:
        chosen = [m for m in messages if m["id"] > after][:100]
    elif before is not None:
        chosen = [m for m in messages if m["id"] < before][-data.MESSAGES_PER_PAGE :]
    else:
        chosen = messages[-data.MESSAGES_PER_PAGE :]
    contact = ctx.store.get(APP, "contact", conversation["contact_id"])
    meta: dict[str, Any] = {
        "labels": conversation["labels"],
        "additional_attributes": conversation["additional_attributes"],
        "contact": data.contact_push(contact) if contact else None,
        # This view sends the raw datetimes (ISO strings), unlike the conversation view.
        "agent_last_seen_at": data.iso(conversation["agent_last_seen_at"]),
        "assignee_last_seen_at": data.iso(conversation["assignee_last_seen_at"]),
    }
    if conversation.get("assignee_id"):
        user = ctx.store.get(APP, "user", conversation["assignee_id"])
        if user:
            meta["assignee"] = data.user_push(user)
    return {"meta": meta, "payload": [data.message_view(ctx.store, m) for m in chosen]}


def add_message(
    ctx: Context, conversation: dict[str, Any], body: dict[str, Any], user_id: int
) -> dict[str, Any]:
    kind = str(body.get("message_type") or "outgoing")
    inbox = ctx.store.get(APP, "inbox", conversation["inbox_id"]) or {}
    if kind == "incoming" and inbox.get("channel_type") != "Channel::Api":
        raise AppHttpError(422, {"error": "Incoming messages are only allowed in Api inboxes"})
    if kind not in ("incoming", "outgoing", "template"):
        raise AppHttpError(422, {"error": f"'{kind}' is not a valid message_type"})
    stamp = data.now()
    private = body.get("private") in (True, "true", "1", 1)
    message = {
        "id": ctx.store.next_id(f"{APP}:message"),
        "content": body.get("content"),
        "account_id": conversation["account_id"],
        "inbox_id": conversation["inbox_id"],
        "conversation_id": conversation["id"],
        "message_type": data.MESSAGE_TYPES[kind],
        "content_type": str(body.get("content_type") or "text"),
        "status": "sent",
        "content_attributes": body.get("content_attributes") or {},
        "created_at": stamp,
        "private": private,
        "source_id": None,
        "sender_type": "Contact" if kind == "incoming" else "User",
        "sender_id": conversation["contact_id"] if kind == "incoming" else user_id,
    }
    key = data.conversation_key(conversation["account_id"], conversation["id"])
    ctx.store.put(APP, "message", message["id"], message, parent=key)
    conversation["last_activity_at"] = stamp
    conversation["updated_at"] = float(stamp)
    if kind == "outgoing" and not private:
        conversation["first_reply_created_at"] = conversation["first_reply_created_at"] or stamp
        conversation["waiting_since"] = None
    save(ctx, conversation)
    return message


def create_message(ctx: Context, req: Request) -> Any:
    body = req.body if isinstance(req.body, dict) else {}
    if not str(body.get("content") or "").strip():
        raise invalid(["Content can't be blank"], ["content"])
    with ctx.store.write():
        message = add_message(ctx, find_conversation(ctx, req), body, user_id(req))
    return data.message_view(ctx.store, message)


def delete_message(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        conversation = find_conversation(ctx, req)
        message = ctx.store.get(APP, "message", req.params["message_id"])
        if (
            message is None
            or message["conversation_id"] != conversation["id"]
            or (message["account_id"] != conversation["account_id"])
        ):
            raise missing()
        message["content"] = "This message was deleted"
        message["content_attributes"] = {**message["content_attributes"], "deleted": True}
        key = data.conversation_key(conversation["account_id"], conversation["id"])
        ctx.store.put(APP, "message", message["id"], message, parent=key)
    return data.message_view(ctx.store, message)


# --- filters (POST .../filter) ---------------------------------------------------------------

FILTER_OPERATORS: Final = (
    "equal_to", "not_equal_to", "contains", "does_not_contain", "is_present", "is_not_present",
)  # fmt: skip


def apply_filter(
    records: list[dict[str, Any]], req: Request, read: Callable[[dict[str, Any], str], Any],
    keys: tuple[str, ...],
) -> list[dict[str, Any]]:  # fmt: skip
    """Chatwoot's filter payload: conditions joined left to right by their query_operator."""
    body = req.body if isinstance(req.body, dict) else {}
    conditions = body.get("payload")
    if not isinstance(conditions, list) or not conditions:
        raise AppHttpError(422, {"error": "param is missing or the value is empty: payload"})
    tests = [_condition(c, keys) for c in conditions]
    result = []
    for record in records:
        keep = tests[0][1](read(record, tests[0][0]))
        for (key, test), condition in zip(tests[1:], conditions, strict=False):
            joiner = str(condition.get("query_operator") or "and").lower()
            value = test(read(record, key))
            keep = (keep or value) if joiner == "or" else (keep and value)
        if keep:
            result.append(record)
    return result


def _condition(condition: Any, keys: tuple[str, ...]) -> tuple[str, Callable[[Any], bool]]:
    if not isinstance(condition, dict):
        raise AppHttpError(422, {"error": "Each filter must be an object"})
    key = str(condition.get("attribute_key") or "")
    if key not in keys:
        raise AppHttpError(422, {"error": f"Invalid attribute key - [{key}]"})
    operator = str(condition.get("filter_operator") or "")
    if operator not in FILTER_OPERATORS:
        raise AppHttpError(
            422, {"error": f"Invalid operator. The allowed operators for {key} are "
                           f"[{','.join(FILTER_OPERATORS)}]."}
        )  # fmt: skip
    values = [str(v).lower() for v in condition.get("values") or []]

    def test(raw: Any) -> bool:
        texts = [str(v).lower() for v in raw] if isinstance(raw, list) else (
            [] if raw in (None, "") else [str(raw).lower()]
        )  # fmt: skip
        if operator == "is_present":
            return bool(texts)
        if operator == "is_not_present":
            return not texts
        if operator in ("equal_to", "not_equal_to"):
            hit = any(t in values for t in texts)
            return hit if operator == "equal_to" else not hit
        hit = any(v in t for t in texts for v in values)
        return hit if operator == "contains" else not hit

    return key, test
