"""`request` and `act --api`: an HTTP call to the app behind a connection, served locally.

Membrane's proxy returns "the same status code, headers, and body" the app gave, so `request`
prints every app answer, 4xx and 5xx included, and exits 0. Whether the real CLI prints the
`{status, headers, body}` envelope or the bare body is not documented, so
`MW_SANDBOX_REQUEST_OUTPUT=envelope|raw` (default envelope) chooses. `act --api` answers like an
action run: `{output, actionRunId}`, and an app error status is a Membrane error body.

The `app_rate_limit` fault makes the app itself answer 429, which the proxy passes through like
any other status. Only `request` meets it: for actions Membrane retries an app's 429 itself.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wrapper.sandbox import apps
from wrapper.sandbox.argv import Args
from wrapper.sandbox.connections import new_hex_id
from wrapper.sandbox.store import Store
from wrapper.sandbox.wire import AppHttpError, RawBody, SandboxError, from_http

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}
OUTPUTS = ("envelope", "raw")
#: Each app's own 429: Chatwoot's rack-attack answers plain text without Retry-After; Chaport's
#: and Chatra's are not documented, so they answer JSON with a Retry-After header.
THROTTLED: dict[str, tuple[dict[str, str], Any]] = {
    "chatwoot": ({"content-type": "text/plain"}, "Retry later\n"),
    "chaport": (
        {**JSON_HEADERS, "retry-after": "2"},
        {"error": {"code": "too_many_requests", "message": "Too many requests"}},
    ),
    "chatra": ({**JSON_HEADERS, "retry-after": "2"}, {"error": "Too many requests"}),
}


def output_mode() -> str:
    """`MW_SANDBOX_REQUEST_OUTPUT`: how `request` prints the app's answer."""
    raw = os.environ.get("MW_SANDBOX_REQUEST_OUTPUT", "").strip().lower() or "envelope"
    if raw not in OUTPUTS:
        raise SandboxError(
            f"MW_SANDBOX_REQUEST_OUTPUT={raw!r} is not one of {', '.join(OUTPUTS)}",
            type_="configuration",
        )
    return raw


def _split_path(raw: str) -> tuple[str, dict[str, list[str]]]:
    """A path or a full URL, with any query string taken apart."""
    parts = urlsplit(raw)
    path = parts.path if (parts.scheme or parts.netloc) else raw.split("?", 1)[0]
    query = parse_qs(parts.query, keep_blank_values=True)
    return path or "/", query


def send(
    store: Store,
    connection: dict[str, Any],
    method: str,
    raw_path: str,
    *,
    query: dict[str, list[str]] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    method = method.upper()
    if method not in METHODS:
        raise SandboxError(f"Unsupported method '{method}' (use one of {', '.join(METHODS)})")
    path, in_path = _split_path(raw_path)
    for name, values in (query or {}).items():
        in_path.setdefault(name, []).extend(values)
    app = apps.load(connection["key"])
    ctx = apps.Context(store=store, connection=connection, app=app)
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    request = apps.Request(method, path, query=in_path, body=body, headers=lowered)
    return apps.dispatch(ctx, request)


def answer(status: int, headers: dict[str, str], body: Any) -> Any:
    """What `request` prints for an app's answer, in the output mode the switch picks."""
    if output_mode() == "raw":
        return RawBody(body)
    return {"status": status, "headers": headers, "body": body}


def throttled(connection: dict[str, Any]) -> Any:
    """The app's 429 for a request it refused before doing anything."""
    headers, body = THROTTLED[connection["key"]]
    return answer(429, dict(headers), body)


def request_command(store: Store, connection: dict[str, Any], raw_path: str, args: Args) -> Any:
    output_mode()  # a bad switch is reported before the app is called
    path = raw_path
    for pair in args.values("pathParam"):
        name, _, value = pair.partition("=")
        path = path.replace("{" + name + "}", value).replace(":" + name, value)
    query: dict[str, list[str]] = {}
    for pair in args.values("query"):
        name, _, value = pair.partition("=")
        query.setdefault(name, []).append(value)
    headers: dict[str, str] = {}
    for line in args.values("header"):
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    body: Any = args.value("data")
    if body is not None and not args.flag("rawData"):
        with contextlib.suppress(json.JSONDecodeError):
            body = json.loads(body)
    try:
        status, payload = send(
            store,
            connection,
            args.value("method") or "GET",
            path,
            query=query,
            body=body,
            headers=headers,
        )
        answered = dict(JSON_HEADERS)
    except AppHttpError as error:
        status, payload, answered = error.status, error.body, dict(error.headers)
    return answer(status, answered, payload)


def act_api(store: Store, connection: dict[str, Any], api: Any) -> dict[str, Any]:
    if not isinstance(api, dict) or not isinstance(api.get("path") or api.get("url"), str):
        raise SandboxError('--api needs a JSON object like {"method": "GET", "path": "/..."}')
    query = {
        str(name): [_text(v) for v in (value if isinstance(value, list) else [value])]
        for name, value in (api.get("query") or {}).items()
    }
    try:
        _status, payload = send(
            store,
            connection,
            str(api.get("method") or "GET"),
            str(api.get("path") or api.get("url")),
            query=query,
            body=api.get("body", api.get("data")),
            headers={str(k): str(v) for k, v in (api.get("headers") or {}).items()},
        )
    except AppHttpError as error:
        raise from_http(error) from None
    return {"output": payload, "actionRunId": new_hex_id()}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
