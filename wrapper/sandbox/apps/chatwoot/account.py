"""Chatwoot's account-wide routes: labels, inboxes, agents, teams and canned responses."""

from __future__ import annotations

import re
import time
from typing import Any, Final

from wrapper.sandbox.apps import Context, Request, Route, route
from wrapper.sandbox.apps.chatwoot import data, http
from wrapper.sandbox.apps.chatwoot.data import APP
from wrapper.sandbox.wire import AppHttpError

PREFIX: Final = http.PREFIX


def _params(req: Request, wrapper: str) -> dict[str, Any]:
    """Rails' `params.require(:label)`, which also accepts the unwrapped JSON body."""
    body = req.body if isinstance(req.body, dict) else {}
    inner = body.get(wrapper)
    if isinstance(inner, dict):
        return inner
    if body:
        return body
    raise AppHttpError(422, {"error": f"param is missing or the value is empty: {wrapper}"})


def _owned(ctx: Context, req: Request, kind: str, key: str = "id") -> dict[str, Any]:
    record = ctx.store.get(APP, kind, req.params[key])
    if record is None or str(record["account_id"]) != req.params["account_id"]:
        raise http.missing()
    return record


# --- labels ------------------------------------------------------------------------------------


def list_labels(ctx: Context, req: Request) -> Any:
    labels = ctx.store.all(APP, "label", req.params["account_id"])
    return {"payload": [data.label_view(label) for label in labels]}


def get_label(ctx: Context, req: Request) -> Any:
    return data.label_view(_owned(ctx, req, "label"))


def _label_fields(ctx: Context, req: Request, label: dict[str, Any]) -> None:
    fields = _params(req, "label")
    for name in ("title", "description", "color", "show_on_sidebar"):
        if name in fields:
            label[name] = fields[name]
    title = str(label.get("title") or "").strip().lower()
    label["title"] = title
    if not title:
        raise http.invalid(["Title must not be blank"], ["title"])
    if not re.match(http.LABEL_TITLE, title):
        raise http.invalid(["Title is invalid"], ["title"])
    for other in ctx.store.all(APP, "label", label["account_id"]):
        if other["title"] == title and other["id"] != label.get("id"):
            raise http.invalid(["Title has already been taken"], ["title"])


def create_label(ctx: Context, req: Request) -> Any:
    http.admin_only(ctx, req)
    account_id = int(req.params["account_id"])
    label: dict[str, Any] = {
        "id": None,
        "account_id": account_id,
        "title": "",
        "description": None,
        "color": "#1f93ff",
        "show_on_sidebar": True,
    }
    with ctx.store.write():
        _label_fields(ctx, req, label)
        label["id"] = ctx.store.next_id(f"{APP}:label")
        ctx.store.put(APP, "label", label["id"], label, parent=account_id)
    return data.label_view(label)


def update_label(ctx: Context, req: Request) -> Any:
    http.admin_only(ctx, req)
    with ctx.store.write():
        label = _owned(ctx, req, "label")
        _label_fields(ctx, req, label)
        ctx.store.put(APP, "label", label["id"], label, parent=label["account_id"])
    return data.label_view(label)


def delete_label(ctx: Context, req: Request) -> Any:
    http.admin_only(ctx, req)
    with ctx.store.write():
        label = _owned(ctx, req, "label")
        ctx.store.delete(APP, "label", label["id"])
    return ""


# --- inboxes, agents, teams --------------------------------------------------------------------


def list_inboxes(ctx: Context, req: Request) -> Any:
    inboxes = ctx.store.all(APP, "inbox", req.params["account_id"])
    return {"payload": [data.inbox_view(inbox) for inbox in inboxes]}


def get_inbox(ctx: Context, req: Request) -> Any:
    return data.inbox_view(_owned(ctx, req, "inbox"))


def list_agents(ctx: Context, req: Request) -> Any:
    account = http.find_account(ctx, req)
    users = [ctx.store.get(APP, "user", uid) for uid in account["members"]]
    return [data.agent_view(user, account) for user in users if user is not None]


def create_agent(ctx: Context, req: Request) -> Any:
    http.admin_only(ctx, req)
    body = req.body if isinstance(req.body, dict) else {}
    missing = [name for name in ("name", "email", "role") if not body.get(name)]
    if missing:
        raise AppHttpError(422, {"error": f"param is missing or the value is empty: {missing[0]}"})
    if body["role"] not in ("agent", "administrator"):
        raise http.invalid(["Role is not included in the list"], ["role"])
    with ctx.store.write():
        account = http.find_account(ctx, req)
        email = str(body["email"]).strip().lower()
        user = next((u for u in ctx.store.all(APP, "user") if u["email"] == email), None)
        if user is None:
            uid = ctx.store.next_id(f"{APP}:user")
            user = {
                "id": uid,
                "name": body["name"],
                "email": email,
                "availability_status": str(body.get("availability_status") or "offline"),
                "access_token": f"cw-sandbox-token-{uid}",
            }
            ctx.store.put(APP, "user", uid, user)
        elif str(user["id"]) in account["members"]:
            raise http.invalid(["User has already been taken"], ["user_id"])
        account["members"][str(user["id"])] = body["role"]
        ctx.store.put(APP, "account", account["id"], account)
    return data.agent_view(user, account)


def list_teams(ctx: Context, req: Request) -> Any:
    teams = ctx.store.all(APP, "team", req.params["account_id"])
    return [data.team_view(team, http.user_id(req)) for team in teams]


def get_team(ctx: Context, req: Request) -> Any:
    return data.team_view(_owned(ctx, req, "team"), http.user_id(req))


def create_team(ctx: Context, req: Request) -> Any:
    http.admin_only(ctx, req)
    fields = _params(req, "team")
    name = str(fields.get("name") or "").strip().lower()
    if not name:
        raise http.invalid(["Name can't be blank"], ["name"])
    account_id = int(req.params["account_id"])
    with ctx.store.write():
        if any(t["name"].lower() == name for t in ctx.store.all(APP, "team", account_id)):
            raise http.invalid(["Name has already been taken"], ["name"])
        team: dict[str, Any] = {
            "id": ctx.store.next_id(f"{APP}:team"),
            "account_id": account_id,
            "name": name,
            "description": fields.get("description"),
            "member_ids": [],
            "allow_auto_assign": bool(fields.get("allow_auto_assign", True)),
        }
        ctx.store.put(APP, "team", team["id"], team, parent=account_id)
    return data.team_view(team, http.user_id(req))


# --- canned responses --------------------------------------------------------------------------


def list_canned(ctx: Context, req: Request) -> Any:
    canned = ctx.store.all(APP, "canned_response", req.params["account_id"])
    search = (req.arg("search") or "").lower()
    if search:
        canned = [
            c for c in canned if search in c["short_code"].lower() or search in c["content"].lower()
        ]
    return canned


def create_canned(ctx: Context, req: Request) -> Any:
    fields = _params(req, "canned_response")
    short_code, content = fields.get("short_code"), fields.get("content")
    problems = [
        (f"{label} can't be blank", name)
        for name, label, value in (
            ("short_code", "Short code", short_code),
            ("content", "Content", content),
        )
        if not value
    ]
    if problems:
        raise http.invalid([p[0] for p in problems], [p[1] for p in problems])
    account_id = int(req.params["account_id"])
    with ctx.store.write():
        if any(
            c["short_code"] == short_code for c in ctx.store.all(APP, "canned_response", account_id)
        ):
            raise http.invalid(["Short code has already been taken"], ["short_code"])
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        canned = {
            "id": ctx.store.next_id(f"{APP}:canned_response"),
            "account_id": account_id,
            "short_code": short_code,
            "content": content,
            "created_at": stamp,
            "updated_at": stamp,
        }
        ctx.store.put(APP, "canned_response", canned["id"], canned, parent=account_id)
    return canned


def delete_canned(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        canned = _owned(ctx, req, "canned_response")
        ctx.store.delete(APP, "canned_response", canned["id"])
    return ""


ROUTES_ACCOUNT: Final[list[Route]] = [
    route("GET", PREFIX + "/labels", list_labels),
    route("POST", PREFIX + "/labels", create_label),
    route("GET", PREFIX + "/labels/{id}", get_label),
    route("PATCH", PREFIX + "/labels/{id}", update_label),
    route("DELETE", PREFIX + "/labels/{id}", delete_label),
    route("GET", PREFIX + "/inboxes", list_inboxes),
    route("GET", PREFIX + "/inboxes/{id}", get_inbox),
    route("GET", PREFIX + "/agents", list_agents),
    route("POST", PREFIX + "/agents", create_agent),
    route("GET", PREFIX + "/teams", list_teams),
    route("POST", PREFIX + "/teams", create_team),
    route("GET", PREFIX + "/teams/{id}", get_team),
    route("GET", PREFIX + "/canned_responses", list_canned),
    route("POST", PREFIX + "/canned_responses", create_canned),
    route("DELETE", PREFIX + "/canned_responses/{id}", delete_canned),
]
