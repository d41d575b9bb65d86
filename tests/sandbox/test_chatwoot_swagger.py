"""Chatwoot answers fit the swagger's component schemas wherever the spec and the code agree.

The swagger is OpenAPI 3.0: `nullable` instead of null types, and the server sends null for
every unset field, so each typed property here also admits null. Where the server's code and
the spec disagree, the code wins and the disagreeing keyword is dropped (listed in CODE_WINS).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

#: The component schemas these tests use, copied from Chatwoot's swagger/swagger.json
#: (chatwoot/chatwoot @ 38d6ee6d, MIT) with everything they reference.
SCHEMAS = Path(__file__).parent / "data" / "chatwoot-swagger-schemas.json"
A1 = "/api/v1/accounts/1"

#: (schema, property) -> why the server's answer differs from the spec.
CODE_WINS = {
    ("conversation", "status"): "the enum lacks snoozed",
    ("conversation", "timestamp"): "the server sends last_activity_at as an integer",
    ("conversation_status_toggle", "current_status"): "the enum lacks pending and snoozed",
    ("contact_detail", "type"): "agents send messages too: the server says user",
}


def _schemas() -> dict[str, Any]:
    return dict(json.loads(SCHEMAS.read_text()))


def _convert(node: Any, schemas: dict[str, Any], owner: str | None = None, depth: int = 0) -> Any:
    if depth > 12:
        return {}
    if isinstance(node, list):
        return [_convert(item, schemas, owner, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _convert(schemas[name], schemas, name, depth + 1)
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("nullable", "example", "format", "description", "title"):
            continue
        if key == "properties":
            result[key] = {
                name: _convert(prop, schemas, None, depth + 1)
                for name, prop in value.items()
                if (owner, name) not in CODE_WINS
            }
        else:
            result[key] = _convert(value, schemas, None, depth + 1)
    if isinstance(result.get("type"), str) and result["type"] != "null":
        result["type"] = [result["type"], "null"]
        if "enum" in result:
            result["enum"] = [*result["enum"], None]
    return result


@pytest.fixture(scope="module")
def schema_of() -> Any:
    schemas = _schemas()

    def get(name: str) -> dict[str, Any]:
        return dict(_convert(schemas[name], schemas, name))

    return get


def _body(rest: Any, path: str, method: str = "GET", body: Any = None) -> Any:
    result = rest("chatwoot", method, path, body)
    assert result.code == 0, result.out
    return result.json["body"]


@pytest.mark.parametrize(
    ("schema", "method", "path", "body", "pick"),
    [
        ("contacts_list_response", "GET", A1 + "/contacts?page=1", None, None),
        ("contact", "GET", A1 + "/contacts?page=2", None, None),
        ("contact_show_response", "GET", A1 + "/contacts/3", None, None),
        ("contact_conversations_response", "GET", A1 + "/contacts/1/conversations", None, None),
        ("contact_labels", "GET", A1 + "/contacts/1/labels", None, None),
        ("conversation_list", "GET", A1 + "/conversations?status=all", None, None),
        ("conversation_show", "GET", A1 + "/conversations/3", None, None),
        ("conversation_labels", "GET", A1 + "/conversations/1/labels", None, None),
        ("conversation_status_toggle", "POST", A1 + "/conversations/1/toggle_status",
         {"status": "resolved"}, None),
        ("conversation_messages", "GET", A1 + "/conversations/1/messages", None, None),
        ("message_detailed", "POST", A1 + "/conversations/1/messages", {"content": "hi"}, None),
        ("agent", "GET", A1 + "/agents", None, "each"),
        ("team", "GET", A1 + "/teams", None, "each"),
        ("canned_response", "GET", A1 + "/canned_responses", None, "each"),
        ("inbox", "GET", A1 + "/inboxes", None, "payload"),
    ],
)  # fmt: skip
def test_chatwoot_response_fits_swagger(
    rest, schema_of, schema: str, method: str, path: str, body: Any, pick: str | None
) -> None:
    answer = _body(rest, path, method, body)
    items = answer if pick == "each" else answer["payload"] if pick == "payload" else [answer]
    assert items
    validator = jsonschema.Draft7Validator(schema_of(schema))
    for item in items:
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(item)]
        assert errors == [], errors[:5]


def test_the_conversion_keeps_the_spec_strict(schema_of) -> None:
    """A wrong type still fails after the conversion, so the checks above are real."""
    validator = jsonschema.Draft7Validator(schema_of("conversation_show"))
    assert list(validator.iter_errors({"id": "seven", "labels": "vip"}))
