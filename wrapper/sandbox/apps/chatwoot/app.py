"""Chatwoot in the sandbox: its REST routes and its actions.

Every action is one call to the matching REST route, so its output is exactly that route's body.
Inputs use Chatwoot's own snake_case names; `account_id` defaults to the demo account, 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from wrapper.sandbox.apps import App
from wrapper.sandbox.apps.chatwoot.account import ROUTES_ACCOUNT
from wrapper.sandbox.apps.chatwoot.actions import CORE_ACTIONS
from wrapper.sandbox.apps.chatwoot.contacts import ROUTES_CONTACTS
from wrapper.sandbox.apps.chatwoot.conversations import ROUTES_CONVERSATIONS
from wrapper.sandbox.apps.chatwoot.http import authorize
from wrapper.sandbox.apps.chatwoot.schemas import (
    AGENT,
    CANNED,
    INBOX,
    LABEL,
    TEAM,
    action,
    get,
    send,
)
from wrapper.sandbox.apps.schemas import (
    BOOLEAN,
    INTEGER,
    STRING,
    array,
    described,
    obj,
)

if TYPE_CHECKING:
    from random import Random

    from wrapper.sandbox.store import Store


def _seed(store: Store, rng: Random) -> None:
    """The demo world; its module is imported only when a world is seeded."""
    from wrapper.sandbox.apps.chatwoot.seed import seed

    seed(store, rng)


ACCOUNT_ACTIONS: Final = [
    action(
        "list-inboxes",
        "List Inboxes",
        "List the account's inboxes.",
        "list-data-records",
        {},
        (),
        obj({"payload": array(INBOX)}),
        get("/inboxes"),
    ),
    action(
        "get-inbox",
        "Get Inbox",
        "Retrieve an inbox by id.",
        "find-data-record-by-id",
        {"inbox_id": INTEGER},
        ("inbox_id",),
        INBOX,
        get("/inboxes/{inbox_id}"),
    ),
    action(
        "list-agents",
        "List Agents",
        "List the account's agents.",
        "list-data-records",
        {},
        (),
        array(AGENT),
        get("/agents"),
    ),
    action(
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
        send("POST", "/agents", "name", "email", "role", "availability_status"),
        writes=True,
    ),
    action(
        "list-teams",
        "List Teams",
        "List the account's teams.",
        "list-data-records",
        {},
        (),
        array(TEAM),
        get("/teams"),
    ),
    action(
        "get-team",
        "Get Team",
        "Retrieve a team by id.",
        "find-data-record-by-id",
        {"team_id": INTEGER},
        ("team_id",),
        TEAM,
        get("/teams/{team_id}"),
    ),
    action(
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
        send("POST", "/teams", "name", "description", "allow_auto_assign"),
        writes=True,
    ),
    action(
        "list-labels",
        "List Labels",
        "List the account's labels.",
        "list-data-records",
        {},
        (),
        obj({"payload": array(LABEL)}),
        get("/labels"),
    ),
    action(
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
        send("POST", "/labels", "title", "description", "color", "show_on_sidebar"),
        writes=True,
    ),
    action(
        "list-canned-responses",
        "List Canned Responses",
        "List canned responses, optionally those whose short code or content match.",
        "list-data-records",
        {"search": STRING},
        (),
        array(CANNED),
        get("/canned_responses", "search"),
    ),
    action(
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
        send("POST", "/canned_responses", "short_code", "content"),
        writes=True,
    ),
]


APP: Final = App(
    key="chatwoot",
    name="Chatwoot",
    domains=("chatwoot.com",),
    base_uri="https://app.chatwoot.com",
    logo_uri="https://static.sandbox.membrane.local/logos/chatwoot.png",
    routes=[*ROUTES_CONTACTS, *ROUTES_CONVERSATIONS, *ROUTES_ACCOUNT],
    actions={action.key: action for action in [*CORE_ACTIONS, *ACCOUNT_ACTIONS]},
    seed=_seed,
    authorize=authorize,
    not_found_body={"error": "Resource could not be found"},
    illustrative_actions=True,  # Membrane publishes no Chatwoot action keys
)
