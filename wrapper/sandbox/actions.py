"""Actions of a connection: listing ranked by intent, building, and running with validation."""

from __future__ import annotations

import re
from typing import Any

from wrapper.sandbox import apps
from wrapper.sandbox.connections import hex_id, iso_now, new_hex_id
from wrapper.sandbox.store import Store
from wrapper.sandbox.wire import AppHttpError, SandboxError, from_http, not_found

ILLUSTRATIVE = (
    "(Illustrative: Membrane publishes no {app} action keys; this one exists only in the "
    "sandbox. On a real connection, find actions with `action list --intent`, or use `request`.)"
)

#: Patterns are compiled on first use (re caches them): most calls never rank an intent.
_WORD = r"[a-z0-9]+"
#: Words people use for the same thing as an action's own words.
_SYNONYMS = {
    "note": "private",
    "notes": "private",
    "reply": "message",
    "send": "create",
    "add": "create",
    "new": "create",
    "find": "search",
    "lookup": "search",
    "show": "get",
    "fetch": "get",
    "remove": "delete",
    "edit": "update",
    "change": "update",
    "set": "update",
    "assign": "assignment",
    "tag": "label",
    "tags": "label",
    "customer": "contact",
    "customers": "contact",
    "client": "client",
    "user": "agent",
    "users": "agent",
    "chats": "chat",
    "conversation": "conversation",
}


def _words(text: str) -> set[str]:
    result: set[str] = set()
    for word in re.findall(_WORD, text.lower()):
        result.add(word)
        if len(word) > 3 and word.endswith("s"):
            result.add(word[:-1])
        if word in _SYNONYMS:
            result.add(_SYNONYMS[word])
    return result


def score(action: apps.Action, intent: str) -> int:
    """Words of the intent found in the key weigh 3, in the name 2, in the description 1."""
    wanted = _words(intent)
    key_words, name_words = _words(action.key), _words(action.name)
    description_words = _words(action.description)
    total = 0
    for word in wanted:
        if word in key_words:
            total += 3
        elif word in name_words:
            total += 2
        elif word in description_words:
            total += 1
    return total


def _extra_words(key: str, intent: str) -> int:
    """Words of a key the intent did not ask for: among equal scores, the closer key wins."""
    return len(set(re.findall(_WORD, key.lower())) - _words(intent))


def describe(
    action: apps.Action, connection: dict[str, Any], key: str | None = None
) -> dict[str, Any]:
    """The action object as `membrane action list/get` prints it.

    An action of an app whose keys Membrane does not publish (Chatwoot) says so twice: in its
    description and in `"illustrative": true`, so nobody copies its key to a real connection.
    """
    shown_key = key or action.key
    described = {
        "id": hex_id("action", connection["id"], shown_key),
        "key": shown_key,
        "name": action.name,
        "description": action.description,
        "type": action.type,
        "state": "READY",
        "connectionId": connection["id"],
        "integrationKey": connection["key"],
        "inputSchema": action.input_schema,
        "outputSchema": action.output_schema,
        "createdAt": connection["createdAt"],
        "updatedAt": connection["createdAt"],
    }
    app = apps.load(connection["key"])
    if app.illustrative_actions:
        described["description"] = f"{action.description} {ILLUSTRATIVE.format(app=app.name)}"
        described["illustrative"] = True
    return described


def list_actions(
    store: Store,
    connections: list[dict[str, Any]],
    intent: str | None,
    window: tuple[int, int],
) -> dict[str, Any]:
    """One page of the connections' actions, best match first when there is an intent."""
    from wrapper.sandbox import paging

    entries: list[tuple[apps.Action, str, dict[str, Any]]] = []
    for connection in connections:
        app = apps.load(connection["key"])
        entries += [(action, action.key, connection) for action in app.actions.values()]
        entries += [
            (app.actions[c["base"]], c["key"], connection) for c in _custom(store, connection)
        ]
    if intent:
        scores = [score(action, intent) for action, _key, _connection in entries]
        order = sorted(
            (index for index, points in enumerate(scores) if points > 0),
            # Best score first; among equals the key with fewer unasked-for words, then by key.
            key=lambda i: (-scores[i], _extra_words(entries[i][1], intent), entries[i][1], i),
        )
        entries = [entries[index] for index in order]
    shown = paging.page(entries, *window)
    shown["items"] = [describe(a, c, k) for a, k, c in shown["items"]]
    return shown


def _custom(store: Store, connection: dict[str, Any]) -> list[dict[str, Any]]:
    return store.all("membrane", "action", connection["id"])


def find_anywhere(
    store: Store, connections: list[dict[str, Any]], key_or_id: str
) -> tuple[apps.Action, str, dict[str, Any]]:
    """`action get` without a connection: the first connection that has the key or id."""
    for connection in connections:
        try:
            action, key = find(store, connection, key_or_id)
        except SandboxError:
            continue
        return action, key, connection
    raise not_found(f"Action '{key_or_id}' not found")


def find(store: Store, connection: dict[str, Any], key_or_id: str) -> tuple[apps.Action, str]:
    app = apps.load(connection["key"])
    for key, action in app.actions.items():
        if key_or_id in (key, hex_id("action", connection["id"], key)):
            return action, key
    for custom in _custom(store, connection):
        if key_or_id in (custom["key"], custom["id"]):
            return app.actions[custom["base"]], custom["key"]
    raise not_found(f"Action '{key_or_id}' not found for connection '{connection['id']}'")


def create(store: Store, connection: dict[str, Any], intent: str) -> dict[str, Any]:
    """Build an action from an intent: the best-matching operation, under a key of its own."""
    app = apps.load(connection["key"])
    ranked = sorted(app.actions.values(), key=lambda a: (-score(a, intent), a.key))
    if not ranked or score(ranked[0], intent) == 0:
        raise SandboxError(
            f"Could not build an action for '{intent}': no {app.name} operation matches it."
        )
    slug = "-".join(re.findall(_WORD, intent.lower()))[:60] or ranked[0].key
    record = {"id": hex_id("action", connection["id"], slug), "key": slug, "base": ranked[0].key}
    record["createdAt"] = iso_now()
    store.put("membrane", "action", record["id"], record, parent=connection["id"])
    described = describe(ranked[0], connection, slug)
    described["name"] = intent
    return described


def validate(schema: dict[str, Any], data: Any) -> None:
    """Raise the bad_request body naming each failing field (one entry per field)."""
    from wrapper.sandbox import quickcheck

    if quickcheck.fits(schema, data):
        return
    import jsonschema  # only for input that may not fit: it is the sandbox's slowest import

    checker = jsonschema.FormatChecker()
    for name, check in quickcheck.FORMATS.items():
        # The same checks as the fast path, whatever optional format packages are installed.
        checker.checks(name)(check)
    validator = jsonschema.Draft7Validator(schema, format_checker=checker)
    problems: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        for field in _fields(error):
            problems.setdefault(field, error.message)
    if problems:
        errors = [{"field": f, "message": m} for f, m in sorted(problems.items())]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise SandboxError(f"Invalid input: {summary}", data={"errors": errors})


def _fields(error: Any) -> list[str]:
    base = ".".join(str(part) for part in error.path)
    prefix = base + "." if base else ""
    if error.validator == "required":
        found = re.match(r"'(.+?)' is a required property", error.message)
        return [prefix + (found.group(1) if found else "?")]
    return [base or "input"]


def known_only(schema: dict[str, Any], data: Any) -> Any:
    """The input without the properties its schema does not declare, at every depth.

    Membrane validates input against the inputSchema and silently ignores extra properties, so
    a misspelt optional field is dropped rather than refused (mw warns about it beforehand).
    """
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        return [known_only(schema["items"], item) for item in data]
    properties = schema.get("properties")
    if not isinstance(data, dict) or not isinstance(properties, dict):
        return data
    if schema.get("additionalProperties", False) is not False:
        return data  # a map with free keys (`additionalProperties: {...}`) keeps them all
    return {
        name: known_only(properties[name], value)
        for name, value in data.items()
        if name in properties
    }


def run(store: Store, connection: dict[str, Any], key_or_id: str, data: Any) -> dict[str, Any]:
    action, _key = find(store, connection, key_or_id)
    if data is None:
        data = {}
    data = known_only(action.input_schema, data)
    validate(action.input_schema, data)
    ctx = apps.Context(store=store, connection=connection, app=apps.load(connection["key"]))
    try:
        output = action.run(ctx, data)
    except AppHttpError as error:
        raise from_http(error) from None
    return {"output": output, "actionRunId": new_hex_id()}
