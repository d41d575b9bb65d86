"""Chaport's REST API v1 (base `https://app.chaport.com/api/v1`) and its demo world.

Every success body is `{"result": ...}`; visitor, operator, webhook and event ids are 24-hex
strings, chat ids integers, timestamps ISO-8601. Visitors come a page at a time (`?page=N`,
`links.next`), most recent chat first.
"""

from __future__ import annotations

import os
import time
from typing import Any, Final

from wrapper.sandbox.apps import Context, Request, Route, route
from wrapper.sandbox.wire import AppHttpError

APP: Final = "chaport"
VISITORS_PER_PAGE: Final = 20
TOKEN: Final = "chaport-sandbox-token"  # noqa: S105 (the fake token of the demo world)
STAGES: Final = ("initiated", "offline", "responded", "engaged", "closed")
OPERATOR_STATUSES: Final = ("online", "away", "offline")
EPOCH: Final = 1_767_603_600  # 2026-01-05 09:00:00 UTC


def iso(stamp: float) -> str:
    millis = round(stamp * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp)) + f".{millis:03d}Z"


def operator_id(n: int) -> str:
    return f"65a1c0dd{n:016x}"


def visitor_id(n: int) -> str:
    return f"65a1c0de{n:016x}"


def webhook_id(n: int) -> str:
    return f"65a1c0df{n:016x}"


def event_id(n: int) -> str:
    return f"65a1c0e0{n:016x}"


def _new_id() -> str:
    return os.urandom(12).hex()


def _error(status: int, code: str, message: str) -> AppHttpError:
    return AppHttpError(status, {"error": {"code": code, "message": message}})


def authorize(ctx: Context, req: Request) -> None:
    header = req.headers.get("authorization")
    if header is not None and header != f"Bearer {TOKEN}":
        raise _error(401, "unauthorized", "Invalid access token")


def _body(req: Request) -> dict[str, Any]:
    if req.body is None:
        return {}
    if not isinstance(req.body, dict):
        raise _error(400, "bad_request", "The request body must be a JSON object")
    return req.body


def _found(ctx: Context, kind: str, rid: str, label: str) -> dict[str, Any]:
    record = ctx.store.get(APP, kind, rid)
    if record is None:
        raise _error(404, "not_found", f"{label} not found")
    return record


# --- operators -------------------------------------------------------------------------------

OPERATOR_FIELDS: Final = ("email", "name", "language", "jobTitle", "role")


def me(ctx: Context, req: Request) -> Any:
    return {"result": _found(ctx, "operator", operator_id(1), "Operator")}


def list_operators(ctx: Context, req: Request) -> Any:
    return {"result": ctx.store.all(APP, "operator")}


def get_operator(ctx: Context, req: Request) -> Any:
    return {"result": _found(ctx, "operator", req.params["id"], "Operator")}


def create_operator(ctx: Context, req: Request) -> Any:
    body = _body(req)
    if not body.get("email"):
        raise _error(400, "bad_request", "email is required")
    with ctx.store.write():
        if any(o["email"] == body["email"] for o in ctx.store.all(APP, "operator")):
            raise _error(409, "conflict", "An operator with this email already exists")
        operator = new_operator(_new_id(), str(body.get("name") or ""), str(body["email"]))
        operator.update({k: body[k] for k in OPERATOR_FIELDS if k in body})
        ctx.store.put(APP, "operator", operator["id"], operator)
    return {"result": operator}


def update_operator(ctx: Context, req: Request) -> Any:
    body = _body(req)
    with ctx.store.write():
        operator = _found(ctx, "operator", req.params["id"], "Operator")
        operator.update({k: body[k] for k in OPERATOR_FIELDS if k in body})
        ctx.store.put(APP, "operator", operator["id"], operator)
    return {"result": operator}


def delete_operator(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        _found(ctx, "operator", req.params["id"], "Operator")
        ctx.store.delete(APP, "operator", req.params["id"])
    return {"result": {"id": req.params["id"], "deleted": True}}


def set_operator_status(ctx: Context, req: Request) -> Any:
    body = _body(req)
    status = body.get("status")
    if status not in OPERATOR_STATUSES:
        raise _error(400, "bad_request", "status must be one of online, away, offline")
    if ("ttl" in body) == ("validUntil" in body):
        raise _error(400, "bad_request", "Pass exactly one of ttl or validUntil")
    valid_until = body.get("validUntil") or iso(time.time() + float(body["ttl"]))
    with ctx.store.write():
        operator = _found(ctx, "operator", req.params["id"], "Operator")
        operator["lastStatus"] = operator["realStatus"] = status
        ctx.store.put(APP, "operator", operator["id"], operator)
    return {"result": {"id": operator["id"], "status": status, "validUntil": valid_until}}


# --- visitors and chats --------------------------------------------------------------------------

VISITOR_FIELDS: Final = ("name", "email", "phone", "notes", "custom", "emailMarketingConsent")


def list_visitors(ctx: Context, req: Request) -> Any:
    try:
        page = max(int(req.arg("page") or "1"), 1)
    except ValueError:
        raise _error(400, "bad_request", "page must be a positive integer") from None
    visitors = sorted(
        ctx.store.all(APP, "visitor"), key=lambda v: v.get("lastChatAt") or "", reverse=True
    )
    chunk = visitors[(page - 1) * VISITORS_PER_PAGE : page * VISITORS_PER_PAGE]
    links = {}
    if page * VISITORS_PER_PAGE < len(visitors):
        links["next"] = f"/api/v1/visitors?page={page + 1}"
    return {"result": chunk, "links": links}


def get_visitor(ctx: Context, req: Request) -> Any:
    return {"result": _found(ctx, "visitor", req.params["id"], "Visitor")}


def update_visitor(ctx: Context, req: Request) -> Any:
    body = _body(req)
    with ctx.store.write():
        visitor = _found(ctx, "visitor", req.params["id"], "Visitor")
        for name in VISITOR_FIELDS:  # partial: only the fields passed change
            if name in body:
                visitor[name] = body[name]
        if isinstance(body.get("custom"), dict):
            visitor["custom"] = body["custom"]
        ctx.store.put(APP, "visitor", visitor["id"], visitor)
    return {"result": visitor}


def delete_visitor(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        _found(ctx, "visitor", req.params["id"], "Visitor")
        for chat in ctx.store.all(APP, "chat", req.params["id"]):
            for event in ctx.store.all(APP, "event", chat["id"]):
                ctx.store.delete(APP, "event", event["id"])
            ctx.store.delete(APP, "chat", chat["id"])
        ctx.store.delete(APP, "visitor", req.params["id"])
    return {"result": {"id": req.params["id"], "deleted": True}}


def _chats(ctx: Context, visitor: str) -> list[dict[str, Any]]:
    return ctx.store.all(APP, "chat", visitor)


def _chat_view(ctx: Context, chat: dict[str, Any], transcript: bool) -> dict[str, Any]:
    view = dict(chat)
    if transcript:
        view["events"] = ctx.store.all(APP, "event", chat["id"])
    return view


def _transcript(req: Request) -> bool:
    return (req.arg("transcript") or "").lower() in ("true", "1")


def last_chat(ctx: Context, req: Request) -> Any:
    _found(ctx, "visitor", req.params["id"], "Visitor")
    chats = _chats(ctx, req.params["id"])
    if not chats:
        raise _error(404, "not_found", "Chat not found")
    older = [f"/api/v1/visitors/{req.params['id']}/chats/{c['id']}" for c in chats[:-1]]
    return {"result": _chat_view(ctx, chats[-1], _transcript(req)), "links": {"more": older}}


def update_last_chat(ctx: Context, req: Request) -> Any:
    body = _body(req)
    with ctx.store.write():
        _found(ctx, "visitor", req.params["id"], "Visitor")
        chats = _chats(ctx, req.params["id"])
        if not chats:
            raise _error(404, "not_found", "Chat not found")
        chat = chats[-1]
        if "stage" in body and body["stage"] not in STAGES:
            raise _error(400, "bad_request", f"stage must be one of {', '.join(STAGES)}")
        for name in ("stage", "missed", "rating", "operators"):
            if name in body:
                chat[name] = body[name]
        ctx.store.put(APP, "chat", chat["id"], chat, parent=chat["visitorId"])
    return {"result": chat}


def _chat(ctx: Context, req: Request) -> dict[str, Any]:
    chat = ctx.store.get(APP, "chat", req.params["chat"])
    if chat is None or chat["visitorId"] != req.params["id"]:
        raise _error(404, "not_found", "Chat not found")
    return chat


def get_chat(ctx: Context, req: Request) -> Any:
    return {"result": _chat_view(ctx, _chat(ctx, req), _transcript(req))}


def list_events(ctx: Context, req: Request) -> Any:
    return {"result": ctx.store.all(APP, "event", _chat(ctx, req)["id"])}


def _event(ctx: Context, req: Request) -> dict[str, Any]:
    chat = _chat(ctx, req)
    event = ctx.store.get(APP, "event", req.params["event"])
    if event is None or event["chatId"] != chat["id"]:
        raise _error(404, "not_found", "Event not found")
    return event


def get_event(ctx: Context, req: Request) -> Any:
    return {"result": _event(ctx, req)}


def update_event(ctx: Context, req: Request) -> Any:
    body = _body(req)
    params: dict[str, Any] = body["params"] if isinstance(body.get("params"), dict) else body
    with ctx.store.write():
        event = _event(ctx, req)
        if not str(event["type"]).endswith("-message"):
            raise _error(400, "bad_request", "Only message events can be updated")
        if "text" in params:
            event["params"]["text"] = params["text"]
        event["updatedAt"] = iso(time.time())
        ctx.store.put(APP, "event", event["id"], event, parent=event["chatId"])
    return {"result": event}


def send_message(ctx: Context, req: Request) -> Any:
    body = _body(req)
    chat_event: dict[str, Any] = body.get("chatEvent") or {}
    if not isinstance(chat_event, dict):
        chat_event = {}
    params: dict[str, Any] = chat_event.get("params") or {}
    if not isinstance(params, dict):
        params = {}
    if not body.get("visitorId") or not params.get("text"):
        raise _error(400, "bad_request", "visitorId and chatEvent.params.text are required")
    with ctx.store.write():
        visitor = _found(ctx, "visitor", str(body["visitorId"]), "Visitor")
        operator = str(params.get("operatorId") or operator_id(1))
        _found(ctx, "operator", operator, "Operator")
        chats = _chats(ctx, visitor["id"])
        chat = chats[-1] if chats and chats[-1]["stage"] != "closed" else None
        now = time.time()
        if chat is None:  # no open chat: sending starts a new one
            chat = new_chat(ctx.store.next_id(f"{APP}:chat"), visitor["id"], now, "responded")
        chat["operators"] = sorted({*chat["operators"], operator})
        chat["stage"] = "responded" if chat["stage"] in ("initiated", "offline") else chat["stage"]
        ctx.store.put(APP, "chat", chat["id"], chat, parent=visitor["id"])
        event = {
            "id": _new_id(),
            "chatId": chat["id"],
            "type": str(chat_event.get("type") or "operator-message"),
            "params": {"text": params["text"], "operatorId": operator},
            "timestamp": iso(now),
        }
        ctx.store.put(APP, "event", event["id"], event, parent=chat["id"])
        visitor["lastChatAt"] = iso(now)
        ctx.store.put(APP, "visitor", visitor["id"], visitor)
    return {"result": {**event, "visitorId": visitor["id"]}}


# --- webhooks ----------------------------------------------------------------------------------

WEBHOOK_EVENTS: Final = ("chat.started", "chat.finished", "chat.message", "visitor.updated")


def list_webhooks(ctx: Context, req: Request) -> Any:
    return {"result": ctx.store.all(APP, "webhook")}


def get_webhook(ctx: Context, req: Request) -> Any:
    return {"result": _found(ctx, "webhook", req.params["id"], "Subscription")}


def _webhook_fields(body: dict[str, Any], webhook: dict[str, Any]) -> None:
    for name in ("targetUrl", "event", "essential"):
        if name in body:
            webhook[name] = body[name]
    if not str(webhook.get("targetUrl") or "").startswith(("http://", "https://")):
        raise _error(400, "bad_request", "targetUrl must be an http(s) URL")
    if webhook.get("event") not in WEBHOOK_EVENTS:
        raise _error(400, "bad_request", f"event must be one of {', '.join(WEBHOOK_EVENTS)}")


def create_webhook(ctx: Context, req: Request) -> Any:
    webhook: dict[str, Any] = {"id": _new_id(), "essential": False, "createdAt": iso(time.time())}
    _webhook_fields(_body(req), webhook)
    ctx.store.put(APP, "webhook", webhook["id"], webhook)
    return {"result": webhook}


def update_webhook(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        webhook = _found(ctx, "webhook", req.params["id"], "Subscription")
        _webhook_fields(_body(req), webhook)
        ctx.store.put(APP, "webhook", webhook["id"], webhook)
    return {"result": webhook}


def delete_webhook(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        _found(ctx, "webhook", req.params["id"], "Subscription")
        ctx.store.delete(APP, "webhook", req.params["id"])
    return {"result": {"id": req.params["id"], "deleted": True}}


V: Final = "/visitors/{id}"
ROUTES: Final[list[Route]] = [
    route("GET", "/me.json", me),
    route("GET", "/me", me),
    route("GET", "/operators", list_operators),
    route("POST", "/operators", create_operator),
    route("GET", "/operators/{id}", get_operator),
    route("PUT", "/operators/{id}", update_operator),
    route("DELETE", "/operators/{id}", delete_operator),
    route("POST", "/operators/{id}/status", set_operator_status),
    route("GET", "/visitors", list_visitors),
    route("GET", V, get_visitor),
    route("PUT", V, update_visitor),
    route("DELETE", V, delete_visitor),
    route("GET", V + "/chats", last_chat),
    route("PUT", V + "/chats", update_last_chat),
    route("GET", V + "/chats/{chat}", get_chat),
    route("GET", V + "/chats/{chat}/events", list_events),
    route("GET", V + "/chats/{chat}/events/{event}", get_event),
    route("PUT", V + "/chats/{chat}/events/{event}", update_event),
    route("POST", "/messages", send_message),
    route("GET", "/events/subscriptions", list_webhooks),
    route("POST", "/events/subscriptions", create_webhook),
    route("GET", "/events/subscriptions/{id}", get_webhook),
    route("PUT", "/events/subscriptions/{id}", update_webhook),
    route("DELETE", "/events/subscriptions/{id}", delete_webhook),
]


def new_operator(oid: str, name: str, email: str) -> dict[str, Any]:
    return {
        "id": oid, "email": email, "name": name, "language": "en", "jobTitle": "Support",
        "role": "operator", "lastLoginAt": iso(EPOCH - 7_200), "lastActivityAt": iso(EPOCH),
        "image": None, "lastStatus": "offline", "realStatus": "offline",
    }  # fmt: skip


def new_chat(cid: int, visitor: str, at: float, stage: str) -> dict[str, Any]:
    return {
        "id": cid, "visitorId": visitor, "stage": stage, "operators": [], "team": None,
        "rating": None, "missed": stage == "offline", "startPage": "https://shop.test/",
        "startedAt": iso(at),
    }  # fmt: skip
