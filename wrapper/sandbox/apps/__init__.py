"""The sandbox's apps, registered by key; each is imported only when it is used.

Every app is a package `apps/<key>/` whose `app` module defines `APP`; whatever else the app
needs (routes, schemas, demo world) sits beside it in that package.

An app is its REST routes (what `request` and `act --api` reach) plus its actions. Actions are
thin: each builds one call to the app's own routes, so an action's output has exactly the shape
of the matching REST response.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from wrapper.sandbox.store import Store
from wrapper.sandbox.wire import AppHttpError

if TYPE_CHECKING:
    from random import Random

APP_MODULES: Final[dict[str, str]] = {
    "chatwoot": "wrapper.sandbox.apps.chatwoot.app",
    "chaport": "wrapper.sandbox.apps.chaport.app",
    "chatra": "wrapper.sandbox.apps.chatra.app",
}


class Request:
    """One HTTP request to an app; `params` holds the path parameters once a route matched."""

    def __init__(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, list[str]] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.params: dict[str, str] = {}
        self.query = query or {}
        self.body = body
        self.headers = headers or {}

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def field(self, name: str, default: Any = None) -> Any:
        """A body field, falling back to the query string (Rails merges both into params)."""
        if isinstance(self.body, dict) and name in self.body:
            return self.body[name]
        values = self.query.get(name)
        return values[-1] if values else default


class Context(NamedTuple):
    """What a handler may use: the world, the connection, and the connection's app."""

    store: Store
    connection: dict[str, Any]
    app: App


Handler = Callable[[Context, Request], "tuple[int, Any] | Any"]


class Route(NamedTuple):
    method: str
    segments: tuple[str, ...]
    handler: Handler

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """Path parameters when the path fits this route's template, else None."""
        if len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self.segments, segments, strict=True):
            if want.startswith("{"):
                if not got:
                    return None
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params


def route(method: str, template: str, handler: Handler) -> Route:
    """`/contacts/{id}`: literal segments must match; `{name}` segments become parameters."""
    return Route(method, tuple(template.strip("/").split("/")), handler)


class Action(NamedTuple):
    key: str
    name: str
    description: str
    type: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    run: Callable[[Context, dict[str, Any]], Any]
    writes: bool = False


class App(NamedTuple):
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
    not_found_body: Any = None
    #: The actions are made up for the sandbox, not keys Membrane publishes for the app.
    illustrative_actions: bool = False


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
    segments = path.strip("/").split("/")
    for candidate in app.routes:
        if candidate.method != request.method:
            continue
        params = candidate.match(segments)
        if params is None:
            continue
        request.params = params
        if app.authorize is not None:
            app.authorize(ctx, request)
        result = candidate.handler(ctx, request)
        if isinstance(result, tuple):
            return int(result[0]), result[1]
        return 200, result
    # Rails and the other servers answer an unknown route (or method) with a plain 404.
    raise AppHttpError(404, app.not_found_body or {"error": "Not Found"})


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
