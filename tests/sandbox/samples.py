"""One valid input per action key, against the seeded demo world (shared by several tests)."""

from __future__ import annotations

from typing import Any

VISITOR = "65a1c0de0000000000000001"
OPERATOR = "65a1c0dd0000000000000002"
WEBHOOK = "65a1c0df0000000000000001"
EVENT = "65a1c0e00000000000000001"
CLIENT = "demoClient0000001"
AGENT_MESSAGE = "demoMessage000002"
PUSHED = "demoPushed0000001"

CHAPORT: dict[str, dict[str, Any]] = {
    "list-visitors": {"page": 1},
    "list-operators": {},
    "list-webhooks": {},
    "list-chat-events": {"visitorId": VISITOR, "chatId": 1001},
    "get-visitor": {"visitorId": VISITOR},
    "get-operator": {"operatorId": OPERATOR},
    "get-webhook": {"webhookId": WEBHOOK},
    "get-chat": {"visitorId": VISITOR, "chatId": 1001, "transcript": True},
    "get-visitor-last-chat": {"visitorId": VISITOR},
    "create-operator": {"email": "new.operator@chaport.test", "name": "New Operator"},
    "create-webhook": {"targetUrl": "https://hooks.example.org/new", "event": "chat.finished"},
    "update-visitor": {"visitorId": VISITOR, "notes": "VIP", "custom": {"tier": "gold"}},
    "update-operator": {"operatorId": OPERATOR, "jobTitle": "Lead"},
    "update-webhook": {"webhookId": WEBHOOK, "essential": True},
    "update-message": {"visitorId": VISITOR, "chatId": 1001, "eventId": EVENT, "text": "Edited"},
    "update-operator-status": {"operatorId": OPERATOR, "status": "away", "ttl": 600},
    "update-visitor-last-chat": {"visitorId": VISITOR, "stage": "closed", "rating": 5},
    "send-message": {"visitorId": VISITOR, "text": "Hello from the sandbox"},
    "delete-visitor": {"visitorId": VISITOR},
    "delete-operator": {"operatorId": OPERATOR},
}

CHATRA: dict[str, dict[str, Any]] = {
    "update-client": {"clientId": CLIENT, "name": "Jo", "notes": None},
    "get-client": {"clientId": CLIENT},
    "delete-pushed-message": {"messageId": PUSHED},
    "edit-pushed-message": {"messageId": PUSHED, "text": "Welcome back, again!"},
    "get-pushed-message": {"messageId": PUSHED},
    "send-pushed-message": {"clientId": CLIENT, "text": "A nudge"},
    "delete-agent-message": {"messageId": AGENT_MESSAGE},
    "edit-agent-message": {"messageId": AGENT_MESSAGE, "text": "Sure, what exactly?"},
    "get-message": {"messageId": AGENT_MESSAGE},
    "send-agent-message": {"clientId": CLIENT, "text": "Hi!", "agentId": "demoAgent00000002"},
}

CHATWOOT: dict[str, dict[str, Any]] = {
    "search-contacts": {"q": "example.com"},
    "list-contacts": {"page": 2},
    "get-contact": {"contact_id": 1},
    "create-contact": {"name": "Ada Lovelace", "email": "ada@example.com", "inbox_id": 1},
    "update-contact": {"contact_id": 1, "custom_attributes": {"plan": "pro"}},
    "delete-contact": {"contact_id": 1},
    "list-contact-conversations": {"contact_id": 1},
    "list-contact-labels": {"contact_id": 1},
    "set-contact-labels": {"contact_id": 1, "labels": ["vip"]},
    "list-conversations": {"status": "all", "page": 1},
    "get-conversation-counts": {"status": "open"},
    "get-conversation": {"conversation_id": 1},
    "create-conversation": {"inbox_id": 1, "contact_id": 1, "message": {"content": "Hi!"}},
    "toggle-conversation-status": {"conversation_id": 1, "status": "resolved"},
    "update-conversation-priority": {"conversation_id": 1, "priority": "high"},
    "set-conversation-custom-attributes": {"conversation_id": 1, "custom_attributes": {"sla": 4}},
    "assign-conversation": {"conversation_id": 1, "assignee_id": 2},
    "list-conversation-labels": {"conversation_id": 1},
    "add-conversation-labels": {"conversation_id": 1, "labels": ["vip", "bug"]},
    "list-messages": {"conversation_id": 1},
    "create-message": {"conversation_id": 1, "content": "We are on it."},
    "create-private-note": {"conversation_id": 1, "content": "Customer is on the pro plan."},
    "delete-message": {"conversation_id": 1, "message_id": 1},
    "list-inboxes": {},
    "get-inbox": {"inbox_id": 1},
    "list-agents": {},
    "create-agent": {"name": "Zed Agent", "email": "zed@acme.test", "role": "agent"},
    "list-teams": {},
    "get-team": {"team_id": 1},
    "create-team": {"name": "Escalations"},
    "list-labels": {},
    "create-label": {"title": "refund", "color": "#aabbcc"},
    "list-canned-responses": {"search": "thank"},
    "create-canned-response": {"short_code": "bye", "content": "Goodbye!"},
}

SAMPLES = {"chatwoot": CHATWOOT, "chaport": CHAPORT, "chatra": CHATRA}
