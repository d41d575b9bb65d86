"""Chatwoot's demo world: three accounts, their agents, inboxes, teams, labels, canned
responses, contacts, and conversations with messages; fixed ids, names from the seed.
"""

from __future__ import annotations

from random import Random
from typing import Any, Final

from wrapper.sandbox.apps.chatwoot.data import (
    APP,
    EPOCH,
    MESSAGE_TYPES,
    PRIORITIES,
    conversation_key,
    iso_text,
    seeded_uuid,
)
from wrapper.sandbox.store import Store

FIRST: Final = (
    "Ava",
    "Liam",
    "Noah",
    "Emma",
    "Olivia",
    "Mia",
    "Lucas",
    "Sofia",
    "Ethan",
    "Zoe",
    "Mateo",
    "Chloe",
    "Leo",
    "Nora",
    "Hugo",
    "Ines",
    "Omar",
    "Yuki",
    "Priya",
    "Jonas",
    "Elena",
    "Tariq",
    "Maya",
    "Felix",
    "Ana",
    "Ravi",
    "Lena",
    "Diego",
    "Sara",
    "Ibrahim",
)
LAST: Final = (
    "Garcia",
    "Smith",
    "Müller",
    "Rossi",
    "Dubois",
    "Novak",
    "Silva",
    "Tanaka",
    "Kowalski",
    "Jensen",
    "Okafor",
    "Haddad",
    "Patel",
    "Costa",
    "Nguyen",
    "Berg",
)
TOPICS: Final = (
    ("I was charged twice this month", "billing"),
    ("The widget does not load on Safari", "bug"),
    ("Can you add dark mode?", "feature-request"),
    ("How do I export my data?", None),
    ("Our team needs 20 more seats", "vip"),
    ("Password reset e-mail never arrives", "bug"),
    ("Do you offer a nonprofit discount?", "billing"),
    ("Integration with Slack stopped working", "bug"),
)
REPLIES: Final = (
    "Thanks for reaching out! Let me check that for you.",
    "I have forwarded this to our engineers.",
    "Could you share a screenshot?",
    "This is fixed now, please try again.",
)


ACCOUNTS: Final[tuple[dict[str, Any], ...]] = (
    {
        "id": 1,
        "name": "Acme Support",
        "members": {"1": "administrator", "2": "agent", "3": "agent", "4": "agent"},
    },
    {"id": 2, "name": "Globex Help", "members": {"1": "administrator", "5": "agent"}},
    {"id": 3, "name": "Initech", "members": {"6": "administrator"}},
)
USERS: Final = (
    (1, "Alice Admin", "alice@acme.test", "available"),
    (2, "Bob Agent", "bob@acme.test", "available"),
    (3, "Carol Agent", "carol@acme.test", "busy"),
    (4, "Dan Agent", "dan@acme.test", "offline"),
    (5, "Erin Agent", "erin@globex.test", "available"),
    (6, "Frank Owner", "frank@initech.test", "offline"),
)
INBOXES: Final = (
    (1, 1, "Website", "Channel::WebWidget"),
    (2, 1, "Support Email", "Channel::Email"),
    (3, 1, "API", "Channel::Api"),
    (4, 2, "Globex Website", "Channel::WebWidget"),
    (5, 3, "Initech Email", "Channel::Email"),
)
TEAMS: Final = (
    (1, 1, "Sales", [1, 2]),
    (2, 1, "Support", [2, 3]),
    (3, 1, "Billing", [4]),
    (4, 2, "Globex Team", [1, 5]),
)
LABELS: Final = (
    (1, 1, "billing", "#1f93ff"),
    (2, 1, "bug", "#ff4d4f"),
    (3, 1, "feature-request", "#52c41a"),
    (4, 1, "vip", "#faad14"),
    (5, 1, "urgent", "#f5222d"),
    (6, 2, "billing", "#1f93ff"),
)
CANNED: Final = (
    (1, 1, "hello", "Hello! Thanks for contacting Acme Support. How can we help?"),
    (2, 1, "thanks", "Thank you for your patience."),
    (3, 1, "refund", "We have issued a refund; it will reach your account in 5-7 days."),
    (4, 1, "closing", "I'm closing this conversation now. Reply any time to reopen it."),
    (5, 2, "hello", "Hi from Globex! What can we do for you?"),
)
#: Contacts per account: resolved ones (with e-mail or phone) and anonymous widget visitors.
CONTACTS: Final = {1: (40, 2), 2: (5, 1), 3: (2, 0)}
CONVERSATIONS: Final = {1: 60, 2: 4, 3: 1}


def seed(store: Store, rng: Random) -> None:
    for account in ACCOUNTS:
        store.put(APP, "account", account["id"], dict(account))
    for uid, name, email, availability in USERS:
        user = {
            "id": uid,
            "name": name,
            "email": email,
            "availability_status": availability,
            "access_token": f"cw-sandbox-token-{uid}",
        }
        store.put(APP, "user", uid, user)
    for iid, account_id, name, channel in INBOXES:
        store.put(APP, "inbox", iid, _inbox(iid, account_id, name, channel), parent=account_id)
    for tid, account_id, name, members in TEAMS:
        team = {
            "id": tid,
            "account_id": account_id,
            "name": name,
            "member_ids": members,
            "description": f"The {name} team",
            "allow_auto_assign": True,
        }
        store.put(APP, "team", tid, team, parent=account_id)
    for lid, account_id, title, color in LABELS:
        label = {
            "id": lid,
            "account_id": account_id,
            "title": title,
            "color": color,
            "description": f"Conversations about {title.replace('-', ' ')}",
            "show_on_sidebar": True,
        }
        store.put(APP, "label", lid, label, parent=account_id)
    for cid, account_id, short_code, content in CANNED:
        stamp = iso_text(EPOCH - 86_400 * 30)
        canned = {
            "id": cid,
            "account_id": account_id,
            "short_code": short_code,
            "content": content,
            "created_at": stamp,
            "updated_at": stamp,
        }
        store.put(APP, "canned_response", cid, canned, parent=account_id)
    for name, last in (
        ("account", 3),
        ("user", 6),
        ("inbox", 5),
        ("team", 4),
        ("label", 6),
        ("canned_response", 5),
    ):
        store.set_counter(f"{APP}:{name}", last)
    _seed_people(store, rng)


def _seed_people(store: Store, rng: Random) -> None:
    contact_rows: list[tuple[Any, Any, dict[str, Any]]] = []
    conversation_rows: list[tuple[Any, Any, dict[str, Any]]] = []
    message_rows: list[tuple[Any, Any, dict[str, Any]]] = []
    contact_id = conversation_id = message_id = 0
    for account in ACCOUNTS:
        account_id = int(account["id"])
        inboxes = [i for i in INBOXES if i[1] == account_id]
        agents = [int(u) for u in account["members"]]
        first_contact = contact_id + 1
        resolved, anonymous = CONTACTS[account_id]
        for n in range(resolved + anonymous):
            contact_id += 1
            contact = _contact(rng, contact_id, account_id, n, anonymous=n >= resolved)
            inbox = inboxes[n % len(inboxes)]
            contact["contact_inboxes"] = [{"inbox_id": inbox[0], "source_id": seeded_uuid(rng)}]
            contact_rows.append((contact_id, account_id, contact))
        for display_id in range(1, CONVERSATIONS[account_id] + 1):
            conversation_id += 1
            owner = contact_rows[first_contact - 1 + (display_id - 1) % resolved][2]
            inbox_id = owner["contact_inboxes"][0]["inbox_id"]
            started = EPOCH - 3_600 * (CONVERSATIONS[account_id] - display_id + 1) * 5
            topic, label = TOPICS[rng.randrange(len(TOPICS))]
            status = _status(display_id)
            assignee = None if display_id % 3 == 0 else agents[(display_id // 2) % len(agents)]
            key = conversation_key(account_id, display_id)
            count = 25 if (account_id, display_id) == (1, 1) else 3 + rng.randrange(3)
            thread = []
            for m in range(count):
                message_id += 1
                incoming = m % 2 == 0
                thread.append(
                    _message(
                        message_id,
                        account_id,
                        display_id,
                        inbox_id,
                        started + 600 * m,
                        content=topic
                        if m == 0
                        else (
                            f"Follow-up {m}: any news?" if incoming else REPLIES[m % len(REPLIES)]
                        ),
                        incoming=incoming,
                        sender_id=owner["id"] if incoming else (assignee or 1),
                    )
                )
            message_rows.extend((m["id"], key, m) for m in thread)
            conversation_rows.append(
                (
                    key,
                    account_id,
                    {
                        "id": display_id,
                        "account_id": account_id,
                        "uuid": seeded_uuid(rng),
                        "inbox_id": inbox_id,
                        "status": status,
                        "priority": None if display_id % 4 else PRIORITIES[display_id % 3],
                        "labels": [label] if label else [],
                        "muted": False,
                        "snoozed_until": EPOCH + 86_400 if status == "snoozed" else None,
                        "unread_count": 1 if status == "open" else 0,
                        "additional_attributes": {},
                        "custom_attributes": {},
                        "agent_last_seen_at": thread[-1]["created_at"],
                        "assignee_last_seen_at": thread[-1]["created_at"] if assignee else None,
                        "contact_last_seen_at": thread[0]["created_at"],
                        "created_at": started,
                        "updated_at": float(thread[-1]["created_at"]),
                        "last_activity_at": thread[-1]["created_at"],
                        "first_reply_created_at": thread[1]["created_at"]
                        if len(thread) > 1
                        else None,
                        "waiting_since": None if status != "open" else thread[-1]["created_at"],
                        "sla_policy_id": None,
                        "contact_id": owner["id"],
                        "assignee_id": assignee,
                        "team_id": 1 + display_id % 3
                        if account_id == 1 and display_id % 2
                        else None,
                        "_db_id": conversation_id,
                    },
                )
            )
            store.set_counter(f"{APP}:display:{account_id}", display_id)
    store.put_many(APP, "contact", contact_rows)
    store.put_many(APP, "conversation", conversation_rows)
    store.put_many(APP, "message", message_rows)
    store.set_counter(f"{APP}:contact", contact_id)
    store.set_counter(f"{APP}:conversation", conversation_id)
    store.set_counter(f"{APP}:message", message_id)


def _status(display_id: int) -> str:
    if display_id % 4 == 0:
        return "resolved"
    if display_id % 6 == 1 and display_id > 1:
        return "pending"
    if display_id % 10 == 3:
        return "snoozed"
    return "open"


def _contact(rng: Random, cid: int, account_id: int, n: int, *, anonymous: bool) -> dict[str, Any]:
    first, last = FIRST[rng.randrange(len(FIRST))], LAST[rng.randrange(len(LAST))]
    created = EPOCH - 86_400 * (60 - n)
    contact: dict[str, Any] = {
        "id": cid,
        "account_id": account_id,
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{_ascii(last).lower()}{cid}@example.com",
        "phone_number": f"+1555{cid:07d}" if n % 3 else None,
        "identifier": f"user-{cid}" if n % 5 == 0 else None,
        "blocked": False,
        "availability_status": "online" if n == 1 else "offline",
        "additional_attributes": {
            "company_name": ["Acme", "Globex", "Initech", "Umbrella"][n % 4],
            "city": ["Lisbon", "Berlin", "Austin", "Osaka"][n % 4],
        },
        "custom_attributes": {"plan": ["free", "pro", "enterprise"][n % 3]} if n % 2 else {},
        "last_activity_at": created + 3_600 * n,
        "created_at": created,
        "labels": [],
    }
    if anonymous:
        contact.update(
            name=f"Visitor {cid}",
            email=None,
            phone_number=None,
            identifier=None,
            additional_attributes={},
            custom_attributes={},
            last_activity_at=None,
        )
    return contact


def _message(
    mid: int,
    account_id: int,
    display_id: int,
    inbox_id: int,
    at: int,
    *,
    content: str,
    incoming: bool,
    sender_id: int,
) -> dict[str, Any]:
    return {
        "id": mid,
        "content": content,
        "account_id": account_id,
        "inbox_id": inbox_id,
        "conversation_id": display_id,
        "message_type": MESSAGE_TYPES["incoming" if incoming else "outgoing"],
        "content_type": "text",
        "status": "sent",
        "content_attributes": {},
        "created_at": at,
        "private": False,
        "source_id": None,
        "sender_type": "Contact" if incoming else "User",
        "sender_id": sender_id,
    }


def _inbox(iid: int, account_id: int, name: str, channel: str) -> dict[str, Any]:
    widget = channel == "Channel::WebWidget"
    return {
        "id": iid,
        "account_id": account_id,
        "name": name,
        "channel_id": iid,
        "channel_type": channel,
        "greeting_enabled": False,
        "greeting_message": None,
        "working_hours_enabled": False,
        "enable_email_collect": True,
        "csat_survey_enabled": False,
        "enable_auto_assignment": True,
        "auto_assignment_config": {},
        "out_of_office_message": None,
        "working_hours": [],
        "timezone": "UTC",
        "callback_webhook_url": None,
        "allow_messages_after_resolved": True,
        "lock_to_single_conversation": False,
        "sender_name_type": "friendly",
        "business_name": None,
        "website_url": "https://acme.test" if widget else None,
        "website_token": f"wt{iid:022d}" if widget else None,
        "widget_color": "#1f93ff" if widget else None,
    }


def _ascii(text: str) -> str:
    return text.replace("ü", "ue")
