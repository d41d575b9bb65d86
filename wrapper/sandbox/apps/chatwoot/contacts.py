"""Chatwoot's contact routes (`/api/v1/accounts/{account_id}/...`).

Bodies follow the server's jbuilder views and controllers rather than the swagger where the two
disagree: `payload` envelopes, 15 contacts and 25 conversations a page, integer `message_type`,
per-account display ids, labels that replace, unique contact e-mail.
"""

from __future__ import annotations

import re
from typing import Any, Final

from wrapper.sandbox.apps import Context, Request, Route, route
from wrapper.sandbox.apps.chatwoot import data, http
from wrapper.sandbox.apps.chatwoot.data import APP
from wrapper.sandbox.wire import AppHttpError

#: Compiled on first use (re caches patterns), so reads skip the cost.
EMAIL: Final = r"\A[^@\s]+@[^@\s]+\Z"
E164: Final = r"\+[1-9]\d{1,14}\Z"
PREFIX: Final = http.PREFIX


# --- contacts --------------------------------------------------------------------------------


def _contact(ctx: Context, req: Request, key: str = "id") -> dict[str, Any]:
    contact = ctx.store.get(APP, "contact", req.params[key])
    if contact is None or str(contact["account_id"]) != req.params["account_id"]:
        raise http.missing()
    return contact


def _resolved(ctx: Context, req: Request) -> list[dict[str, Any]]:
    contacts = ctx.store.all(APP, "contact", req.params["account_id"])
    return [c for c in contacts if c["email"] or c["phone_number"] or c["identifier"]]


def _sorted_contacts(contacts: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
    sort = sort or "-last_activity_at"
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    if field in ("company", "city", "country"):
        attribute = "company_name" if field == "company" else field
        return sorted(
            contacts,
            key=lambda c: str(c["additional_attributes"].get(attribute) or ""),
            reverse=descending,
        )
    if field not in ("name", "email", "phone_number", "last_activity_at", "created_at"):
        field = "last_activity_at"
    present = [c for c in contacts if c.get(field) is not None]
    absent = [c for c in contacts if c.get(field) is None]
    present.sort(key=lambda c: (c[field], c["id"]), reverse=descending)
    return present + absent  # NULLS LAST either way


def _contact_page(ctx: Context, req: Request, contacts: list[dict[str, Any]]) -> dict[str, Any]:
    page = http.page(req)
    ordered = _sorted_contacts(contacts, req.arg("sort"))
    chunk = ordered[(page - 1) * data.CONTACTS_PER_PAGE : page * data.CONTACTS_PER_PAGE]
    with_inboxes = req.arg("include_contact_inboxes", "true") != "false"
    return {
        # The server echoes the page parameter as given (a string), or 1 without one.
        "meta": {"count": len(contacts), "current_page": req.arg("page") or 1},
        "payload": [data.contact_view(ctx.store, c, inboxes=with_inboxes) for c in chunk],
    }


def list_contacts(ctx: Context, req: Request) -> Any:
    return _contact_page(ctx, req, _resolved(ctx, req))


def search_contacts(ctx: Context, req: Request) -> Any:
    query = (req.arg("q") or "").strip().lower()
    if not query:
        raise AppHttpError(422, {"error": "Specify search string with parameter q"})

    def hit(c: dict[str, Any]) -> bool:
        fields = (
            c["name"],
            c["email"],
            c["phone_number"],
            c["additional_attributes"].get("company_name"),
        )
        return any(query in str(f or "").lower() for f in fields) or query in str(
            c["identifier"] or ""
        )

    return _contact_page(ctx, req, [c for c in _resolved(ctx, req) if hit(c)])


CONTACT_FILTER_KEYS: Final = (
    "name", "email", "phone_number", "identifier", "country_code", "city", "company",
    "created_at", "last_activity_at", "blocked", "labels",
)  # fmt: skip


def _contact_attribute(contact: dict[str, Any], key: str) -> Any:
    if key in ("country_code", "city"):
        return contact["additional_attributes"].get(key)
    if key == "company":
        return contact["additional_attributes"].get("company_name")
    return contact.get(key)


def filter_contacts(ctx: Context, req: Request) -> Any:
    found = http.apply_filter(_resolved(ctx, req), req, _contact_attribute, CONTACT_FILTER_KEYS)
    return _contact_page(ctx, req, found)


def get_contact(ctx: Context, req: Request) -> Any:
    return {"payload": data.contact_view(ctx.store, _contact(ctx, req))}


def _contact_fields(ctx: Context, req: Request, contact: dict[str, Any]) -> None:
    """Apply request fields and validate like the model (e-mail unique per account)."""
    body = req.body if isinstance(req.body, dict) else {}
    for name in ("name", "email", "phone_number", "identifier", "blocked"):
        if name in body:
            contact[name] = body[name]
    for name in ("additional_attributes", "custom_attributes"):
        if isinstance(body.get(name), dict):
            contact[name] = {**contact[name], **body[name]}  # merged, as the server does
    if isinstance(contact.get("email"), str):
        contact["email"] = contact["email"].strip().lower() or None
    messages, attributes = [], []
    email = contact.get("email")
    if email:
        if not re.match(EMAIL, email):
            messages.append("Email Invalid email")
            attributes.append("email")
        elif any(
            other["email"] == email and other["id"] != contact.get("id")
            for other in ctx.store.all(APP, "contact", req.params["account_id"])
        ):
            messages.append("Email has already been taken")
            attributes.append("email")
    phone = contact.get("phone_number")
    if phone and not re.match(E164, str(phone)):
        messages.append("Phone number should be in e164 format")
        attributes.append("phone_number")
    identifier = contact.get("identifier")
    if identifier and any(
        other["identifier"] == identifier and other["id"] != contact.get("id")
        for other in ctx.store.all(APP, "contact", req.params["account_id"])
    ):
        messages.append("Identifier has already been taken")
        attributes.append("identifier")
    if messages:
        raise http.invalid(messages, attributes)


def create_contact(ctx: Context, req: Request) -> Any:
    body = req.body if isinstance(req.body, dict) else {}
    account_id = int(req.params["account_id"])
    stamp = data.now()
    contact: dict[str, Any] = {
        "id": None,
        "account_id": account_id,
        "name": "",
        "email": None,
        "phone_number": None,
        "identifier": None,
        "blocked": False,
        "availability_status": "offline",
        "additional_attributes": {},
        "custom_attributes": {},
        "last_activity_at": None,
        "created_at": stamp,
        "contact_inboxes": [],
        "labels": [],
    }
    with ctx.store.write():
        _contact_fields(ctx, req, contact)
        inbox = None
        if body.get("inbox_id") is not None:
            inbox = ctx.store.get(APP, "inbox", body["inbox_id"])
            if inbox is None or inbox["account_id"] != account_id:
                raise http.missing()
        contact["id"] = ctx.store.next_id(f"{APP}:contact")
        source_id = data.new_uuid() if inbox else None
        if inbox is not None:
            contact["contact_inboxes"] = [{"inbox_id": inbox["id"], "source_id": source_id}]
        ctx.store.put(APP, "contact", contact["id"], contact, parent=account_id)
    return {
        "payload": {
            "contact": data.contact_view(ctx.store, contact),
            "contact_inbox": {
                "inbox": data.inbox_slim(inbox) if inbox else None,
                "source_id": source_id,
            },
        }
    }


def update_contact(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        contact = _contact(ctx, req)
        _contact_fields(ctx, req, contact)
        ctx.store.put(APP, "contact", contact["id"], contact, parent=contact["account_id"])
    return {"payload": data.contact_view(ctx.store, contact)}


def delete_contact(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        contact = _contact(ctx, req)
        if contact["availability_status"] == "online":
            name = str(contact["name"]).capitalize()
            raise AppHttpError(422, {"message": f"{name} is Online, please try again later"})
        for conversation in http.conversations(ctx, req):
            if conversation["contact_id"] == contact["id"]:
                key = data.conversation_key(conversation["account_id"], conversation["id"])
                for message in ctx.store.all(APP, "message", key):
                    ctx.store.delete(APP, "message", message["id"])
                ctx.store.delete(APP, "conversation", key)
        ctx.store.delete(APP, "contact", contact["id"])
    return ""


def contact_conversations(ctx: Context, req: Request) -> Any:
    contact = _contact(ctx, req)
    mine = [c for c in http.conversations(ctx, req) if c["contact_id"] == contact["id"]]
    mine.sort(key=lambda c: -c["last_activity_at"])
    return {"payload": [data.conversation_view(ctx.store, c) for c in mine]}


def contact_labels(ctx: Context, req: Request) -> Any:
    return {"payload": list(_contact(ctx, req)["labels"])}


def set_contact_labels(ctx: Context, req: Request) -> Any:
    with ctx.store.write():
        contact = _contact(ctx, req)
        contact["labels"] = http.label_list(req.field("labels"))
        ctx.store.put(APP, "contact", contact["id"], contact, parent=contact["account_id"])
    return {"payload": contact["labels"]}


ROUTES_CONTACTS: Final[list[Route]] = [
    route("GET", PREFIX + "/contacts/search", search_contacts),
    route("POST", PREFIX + "/contacts/filter", filter_contacts),
    route("GET", PREFIX + "/contacts", list_contacts),
    route("POST", PREFIX + "/contacts", create_contact),
    route("GET", PREFIX + "/contacts/{id}", get_contact),
    route("PUT", PREFIX + "/contacts/{id}", update_contact),
    route("PATCH", PREFIX + "/contacts/{id}", update_contact),
    route("DELETE", PREFIX + "/contacts/{id}", delete_contact),
    route("GET", PREFIX + "/contacts/{id}/conversations", contact_conversations),
    route("GET", PREFIX + "/contacts/{id}/labels", contact_labels),
    route("POST", PREFIX + "/contacts/{id}/labels", set_contact_labels),
]
