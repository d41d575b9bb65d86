"""The action keys Membrane publishes for Chaport and Chatra, for sandbox and recipe tests."""

from __future__ import annotations

# The "Popular actions" tables of Membrane's application skills (reference/membrane-cli.md §5).
CHAPORT_KEYS = {
    "list-visitors", "list-operators", "list-webhooks", "list-chat-events", "get-visitor",
    "get-operator", "get-webhook", "get-chat", "get-visitor-last-chat", "create-operator",
    "create-webhook", "update-visitor", "update-operator", "update-webhook", "update-message",
    "update-operator-status", "update-visitor-last-chat", "send-message", "delete-visitor",
    "delete-operator",
}  # fmt: skip
CHATRA_KEYS = {
    "update-client", "get-client", "delete-pushed-message", "edit-pushed-message",
    "get-pushed-message", "send-pushed-message", "delete-agent-message", "edit-agent-message",
    "get-message", "send-agent-message",
}  # fmt: skip
