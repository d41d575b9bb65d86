"""The sandbox's apps, registered by key; each module is imported only when its app is used.

An app is its REST routes (what `request` and `act --api` reach) plus its actions. Actions are
thin: each builds one call to the app's own routes, so an action's output has exactly the shape
of the matching REST response.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any, Final

from wrapper.sandbox.store import Store
from wrapper.sandbox.wire import AppHttpError

APP_MODULES: Final[dict[str, str]] = {
    "chatwoot": "wrapper.sandbox.apps.chatwoot",
    "chaport": "wrapper.sandbox.apps.chaport",
    "chatra": "wrapper.sandbox.apps.chatra",
}


@dataclass
class Request:
    """One HTTP request to an app, after the route matched."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def field(self, name: str, default: Any = None) -> Any:
        """A body field, falling back to the query string (Rails merges both into params)."""
        if isinstance(self.body, dict) and name in self.body:
            return self.body[name]
        values = self.query.get(name)
        return values[-1] if values else default


@dataclass
class Context:
    """What a handler may use: the world, the connection, and the connection's app."""

    store: Store
    connection: dict[str, Any]
    app: App


Handler = Callable[[Context, Request], "tuple[int, Any] | Any"]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, template: str, handler: Handler) -> Route:
    """`/contacts/{id}` becomes a pattern whose groups are the path parameters."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.rstrip("/"))
    return Route(method, re.compile(f"^{regex}/?$"), handler)


@dataclass(frozen=True)
class Action:
    key: str
    name: str
    description: str
    type: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    run: Callable[[Context, dict[str, Any]], Any]
    writes: bool = False


@dataclass
class App:
    key: str
    name: str
    domains: tuple[str, ...]
    base_uri: str
    logo_uri: str
    routes: list[Route]
    actions: dict[str, Action]
    seed: Callable[[Store, Random], None]
    #: Path prefixes users may include although they are part of the base URL.
    strip_prefixes: tuple[str, ...] = ()
    #: Authorisation check run before every route: raises AppHttpError (401) or returns None.
    authorize: Callable[[Context, Request], None] | None = None
    not_found_body: Any = field(default_factory=lambda: {"error": "Not Found"})


def load(key: str) -> App:
    module = importlib.import_module(APP_MODULES[key])
    app: App = module.APP
    return app


def dispatch(ctx: Context, request: Request) -> tuple[int, Any]:
    """Find the route for a request and run it; unknown paths answer the app's 404."""
    app = ctx.app
    path = request.path.split("?", 1)[0]
    for prefix in app.strip_prefixes:
        if path.startswith(prefix + "/"):
            path = path[len(prefix) :]
    path = path.rstrip("/") or "/"
    method_seen = False
    for candidate in app.routes:
        match = candidate.pattern.match(path)
        if match is None:
            continue
        method_seen = True
        if candidate.method != request.method:
            continue
        request.params = dict(match.groupdict())
        if app.authorize is not None:
            app.authorize(ctx, request)
        result = candidate.handler(ctx, request)
        if isinstance(result, tuple):
            return int(result[0]), result[1]
        return 200, result
    if method_seen:
        raise AppHttpError(404, app.not_found_body)
    raise AppHttpError(404, app.not_found_body)


def call(
    ctx: Context,
    method: str,
    path: str,
    *,
    query: dict[str, Any] | None = None,
    body: Any = None,
) -> Any:
    """Run one route from an action; an error status raises `AppHttpError`."""
    normalized: dict[str, list[str]] = {}
    for name, value in (query or {}).items():
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        normalized[name] = [_text(item) for item in items]
    status, payload = dispatch(ctx, Request(method, path, query=normalized, body=body))
    if status >= 400:
        raise AppHttpError(status, payload)
    return payload


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def pick(source: dict[str, Any], *names: str) -> dict[str, Any]:
    """The named fields that are present in an action input, for a request body."""
    return {name: source[name] for name in names if name in source}
