"""Error bodies as `membrane` prints them, and the HTTP-status mapping of proxied requests."""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """A failure answered with a Membrane error body and exit code 1."""

    def __init__(
        self,
        message: str,
        *,
        type_: str | None = "bad_request",
        key: str | None = None,
        data: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.body: dict[str, Any] = {}
        if type_ is not None:
            self.body["type"] = type_
        if key is not None:
            self.body["key"] = key
        self.body["message"] = message
        if data is not None:
            self.body["data"] = data


class RawBody:
    """An app's body printed as it came, not wrapped in JSON by the sandbox (`request` raw mode)."""

    def __init__(self, body: Any) -> None:
        self.body = body


class AppHttpError(Exception):
    """An app route answered with an HTTP error status and the app's own body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {"content-type": "application/json; charset=utf-8"}


def not_authenticated() -> SandboxError:
    return SandboxError(
        "Not authenticated. Run `membrane login` to log in.", key="not_authenticated"
    )


def not_found(message: str) -> SandboxError:
    return SandboxError(message, key="not_found")


def rate_limited(retry_after: float) -> SandboxError:
    return SandboxError(
        "Rate limit exceeded", key="rate_limit_exceeded", data={"retryAfter": retry_after}
    )


_STATUS_TYPES: dict[int, tuple[str, str | None]] = {
    401: ("connection", "access_token_expired"),
    403: ("bad_request", "access_denied"),
    404: ("bad_request", "not_found"),
    429: ("bad_request", "rate_limit_exceeded"),
}


def from_http(error: AppHttpError) -> SandboxError:
    """What `membrane` answers when the app behind a request or action says status >= 400."""
    type_, key = _STATUS_TYPES.get(error.status, ("bad_request", None))
    if error.status >= 500:
        type_, key = "internal", None
    detail = _short(error.body)
    message = f"Request failed with status code {error.status}" + (f": {detail}" if detail else "")
    data = {"status": error.status, "headers": error.headers, "body": error.body}
    return SandboxError(message, type_=type_, key=key, data=data)


def _short(body: Any) -> str:
    if isinstance(body, dict):
        for name in ("error", "message", "description"):
            if isinstance(body.get(name), str):
                return str(body[name])
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], str):
            return errors[0]
    if isinstance(body, str):
        return body.strip()[:200]
    return ""
