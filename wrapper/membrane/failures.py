"""Turning what a failed `membrane` call left behind into one of `wrapper.errors`.

The CLI's failure output is not documented, so every plausible shape is handled: a JSON error
body on stdout or stderr (possibly after an `Error:` prefix), plain text, nothing at all,
truncated JSON or an HTML page, and the `{"error", "message"}` of the other program that is
also called `membrane`. Membrane's error bodies may carry the app's own answer
(`data.response.data`, or the `{status, headers, body}` of a proxied call): its message is shown
beside Membrane's, since it is usually the one that says what to fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Final

from wrapper.errors import (
    AccessDeniedError,
    BadRequestError,
    EnvironmentProblem,
    InputTooLargeError,
    InvalidOutputError,
    MembraneError,
    NotFoundError,
    NotLoggedInError,
    RateLimitedError,
    ServerError,
    WrapperError,
    WrongMembraneError,
)
from wrapper.membrane import runner
from wrapper.membrane.models import LoginStatus, login_status_of
from wrapper.membrane.runner import RunResult

# Linux refuses one argv string of MAX_ARG_STRLEN (131072) bytes or more, counting its NUL.
MAX_ARG_BYTES: Final = 128 * 1024 - 1
EXCERPT_CHARS: Final = 160
#: Hints and error lines are looked for in this much of a stream's start and of its end only:
#: a program printing megabytes must not cost seconds of regular expressions.
SCAN_CHARS: Final = 64 * 1024
#: A stream longer than this is not parsed whole as an error body (its lines still are).
_BODY_CHARS: Final = 1024 * 1024
_LOGIN_HINT: Final = re.compile(
    r"not authenticated|not logged in|membrane login|log ?in first|unauthori[sz]ed", re.I
)
_RATE_HINT: Final = re.compile(r"rate.?limit|too many requests", re.I)
_RECONNECT_KEYS: Final = frozenset({"access_token_expired", "connection_is_defunct"})
_RECONNECT_ADVICE: Final = (
    "The connection's access to the app has expired; reconnect it "
    "(`mw connections ensure APP`) and try again."
)

_KILLED_ADVICE: Final = (
    "It was killed, possibly after applying a change; check the app before running it again."
)

Mask = Callable[[str], str]

# Membrane's `ErrorType` and error keys (SDK 0.28.3), to tell its bodies from an app's.
ERROR_TYPES: Final = frozenset(
    {
        "bad_request",
        "connection",
        "configuration",
        "dependency_error",
        "flow_run",
        "flow_instance_setup",
        "concurrency",
        "internal",
        "action_run",
        "action_instance_setup",
        "unit_run",
        "custom_code",
        "insufficient_credit",
        "openrouter_not_configured",
    }
)
ERROR_KEYS: Final = frozenset(
    {
        "not_found",
        "not_authenticated",
        "access_denied",
        "already_exists",
        "rate_limit_exceeded",
        "connection_is_defunct",
        "access_token_expired",
        "lock_timeout",
    }
)
_CODE: Final = re.compile(r"[a-z][a-z0-9]*(?:[_.-][a-z0-9]+)*")


def check_arg_sizes(argv: Sequence[str], label: str) -> None:
    """Fail before starting a process whose arguments the OS would refuse."""
    for arg in argv:
        size = len(arg.encode("utf-8"))
        if size > MAX_ARG_BYTES:
            raise InputTooLargeError(
                f"{label}: an argument of {size} bytes is over the {MAX_ARG_BYTES}-byte limit "
                "the operating system puts on one command-line argument"
            )


def scan_window(text: str) -> str:
    """The part of a stream worth reading for hints: all of it, or its first and last
    `SCAN_CHARS` characters."""
    if len(text) <= 2 * SCAN_CHARS:
        return text
    return text[:SCAN_CHARS] + "\n" + text[-SCAN_CHARS:]


def excerpt(text: str, mask: Mask | None = None, limit: int = EXCERPT_CHARS) -> str:
    """The start of `text` on one line, masked, for error messages."""
    flat = " ".join(text.lstrip()[: limit * 8].split())
    if mask:
        flat = mask(flat)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def parse_json(text: str) -> tuple[bool, Any]:
    """(True, value) when `text` is exactly one JSON document, else (False, None)."""
    stripped = text.strip()
    if not stripped:
        return False, None
    try:
        return True, json.loads(stripped)
    except (ValueError, RecursionError):  # nested past what any real answer holds
        return False, None


def error_body(result: RunResult) -> tuple[dict[str, Any], str] | None:
    """The JSON error body from stdout or stderr (whole stream or one `Error: {...}` line),
    with the stream it came from. Lines are looked for only in each stream's scan window."""
    for name, stream in (("stdout", result.stdout), ("stderr", result.stderr)):
        if len(stream) > _BODY_CHARS:
            continue
        ok, value = parse_json(stream)
        if ok and _is_error_body(value):
            return dict(value), name
    for name, stream in (("stderr", result.stderr), ("stdout", result.stdout)):
        for line in scan_window(stream).splitlines():
            ok, value = parse_json(re.sub(r"^\s*Error:\s*", "", line))
            if ok and _is_error_body(value):
                return dict(value), name
    return None


def _is_error_body(value: Any) -> bool:
    return isinstance(value, dict) and any(
        k in value for k in ("message", "error", "errors", "key", "type")
    )


def is_membrane_error(value: Any) -> bool:
    """Membrane's own `{type, key, message, data}`: a known error type or key, and a message."""
    if not isinstance(value, dict) or not isinstance(value.get("message"), str):
        return False
    return value.get("type") in ERROR_TYPES or value.get("key") in ERROR_KEYS


def is_other_program(body: dict[str, Any], *, stream: str, returncode: int) -> bool:
    """The membrane.agency program's failure: exactly `{error: CODE, message}` on stdout, exit 1.

    An app's own body such as Chatwoot's `{"error": "Resource could not be found"}` has one key
    and is never taken for it.
    """
    if set(body) != {"error", "message"} or stream != "stdout" or returncode != 1:
        return False
    error, message = body["error"], body["message"]
    return isinstance(message, str) and isinstance(error, str) and bool(_CODE.fullmatch(error))


def app_message(body: Any) -> str | None:
    """What an app's own error body says: Chatwoot `{"error": ...}`, `{"message": ...}`,
    `{"errors": [...]}` or `{"errors": {field: [...]}}`, an `{"error": {"message"}}`, or text."""
    if isinstance(body, str):
        text = body.strip()
        return text if text and not text.startswith("<") else None
    if not isinstance(body, dict):
        return None
    for key in ("message", "error", "error_description", "description", "detail", "title"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, dict):
            inner = app_message(value)
            if inner:
                return inner
    errors = body.get("errors")
    if isinstance(errors, dict):
        errors = [
            f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in errors.items()
        ]
    if isinstance(errors, list):
        parts = [e if isinstance(e, str) else app_message(e) or "" for e in errors]
        joined = "; ".join(p for p in parts if p)
        return joined or None
    return None


def app_answer(data: Any) -> Any:
    """The app's own body inside a Membrane error's `data`, when it carries one."""
    if not isinstance(data, dict):
        return None
    response = data.get("response")
    if isinstance(response, dict):
        for key in ("data", "body"):
            if response.get(key) is not None:
                return response[key]
    if "body" in data and ("status" in data or "headers" in data):
        return data["body"]
    return None


def not_json(result: RunResult, label: str, command: list[str], mask: Mask | None) -> WrapperError:
    """A successful exit whose stdout is not the JSON expected."""
    text = result.stdout.strip()
    if not text:
        return InvalidOutputError(
            f"{label} printed nothing (exit code {result.returncode})",
            command=command,
            output=excerpt(result.stderr, mask),
            advice=_see_for_yourself(command),
        )
    kind = "truncated JSON" if text[0] in "[{" else "something that is not JSON"
    if text[0] == "<":
        kind = "an HTML page instead of JSON"
    shown = excerpt(text, mask)
    return InvalidOutputError(
        f"{label} printed {kind}: {shown}",
        command=command,
        output=shown,
        advice=_see_for_yourself(command),
    )


def _see_for_yourself(command: list[str]) -> str:
    return (
        f"Run `{runner.format_command(command)}` yourself to see what it prints; `mw doctor` "
        "checks the installation."
    )


def unexpected_shape(
    label: str, what: str, data: Any, command: list[str], mask: Mask | None
) -> InvalidOutputError:
    shown = excerpt(json.dumps(data, ensure_ascii=False), mask)
    return InvalidOutputError(
        f"{label} printed JSON that is not {what}: {shown}", command=command, output=shown
    )


def failure(result: RunResult, label: str, command: list[str], mask: Mask | None) -> WrapperError:
    """The error for a call that exited non-zero."""
    found = error_body(result)
    if found is not None:
        body, stream = found
        if is_other_program(body, stream=stream, returncode=result.returncode):
            return other_program(body, label, mask)
        return from_body(body, label, command, mask)
    text = scan_window(result.stderr.strip() or result.stdout.strip())
    if not text:
        killed = result.returncode in (-9, 137)
        return InvalidOutputError(
            f"{label} failed with exit code {result.returncode}"
            f"{' (killed)' if killed else ''} and printed nothing",
            command=command,
            advice=_KILLED_ADVICE if killed else _see_for_yourself(command),
        )
    line = excerpt(_first_meaningful_line(text), mask)
    shown = excerpt(text, mask)
    if _LOGIN_HINT.search(text):
        return NotLoggedInError(f"{label} failed: {line}")
    if _RATE_HINT.search(text):
        return RateLimitedError(f"{label} failed: {line}", command=command, output=shown)
    if text[0] in "<[{":
        return not_json(
            RunResult(result.argv, result.returncode, text, "", result.duration_s),
            label,
            command,
            mask,
        )
    return MembraneError(f"{label} failed: {line}", command=command, output=shown)


def _first_meaningful_line(text: str) -> str:
    """The line that says what went wrong: the first one, or a traceback's last."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[0].startswith("Traceback (most recent call last)"):
        return lines[-1]
    for line in text.splitlines():
        cleaned = re.sub(r"^\s*(Error:\s*)?", "", line).strip()
        if cleaned:
            return cleaned
    return text.strip()


def _status(body: dict[str, Any]) -> int | None:
    data = body.get("data")
    response = data.get("response") if isinstance(data, dict) else None
    sources = [d for d in (data, response) if isinstance(d, dict)]
    for source in (*sources, body):
        for name in ("status", "statusCode"):
            value = source.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None


def _retry_after(body: dict[str, Any]) -> float | None:
    data = body.get("data")
    if not isinstance(data, dict):
        return None
    value = data.get("retryAfter")
    headers = data.get("headers")
    if value is None and isinstance(headers, dict):
        value = {str(k).lower(): v for k, v in headers.items()}.get("retry-after")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def describe(body: dict[str, Any]) -> str:
    """The body's message, with per-field validation errors listed when not already in it, and
    the app's own message beside Membrane's."""
    message = _membrane_message(body)
    said = app_message(app_answer(body.get("data")))
    if said and said not in message:
        return f"{message.rstrip(' .:')} (the app said: {said})"
    return message


def _membrane_message(body: dict[str, Any]) -> str:
    message = str(
        _text(body.get("message"))
        or _text(body.get("error"))
        or body.get("key")
        or body.get("type")
        or app_message(body)
        or "unknown error"
    )
    data = body.get("data")
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return message
    details = []
    for item in errors:
        if isinstance(item, dict):
            field = item.get("field") or item.get("path") or item.get("instancePath")
            text = str(item.get("message") or "")
            details.append(f"{field}: {text}" if field else text)
        elif isinstance(item, str):
            details.append(item)
    missing = [d for d in details if d and d not in message]
    if not missing:
        return message
    return f"{message.rstrip(' .:')}: {'; '.join(missing)}"


def _text(value: Any) -> str | None:
    # A body from a broken or foreign program may carry any JSON in these fields.
    return value if isinstance(value, str) else None


def other_program(body: dict[str, Any], label: str, mask: Mask | None) -> WrongMembraneError:
    return WrongMembraneError(
        f"{label} was answered by a different program called membrane: "
        f"{excerpt(str(body['message']), mask)} ({body['error']})"
    )


def from_body(
    body: dict[str, Any], label: str, command: list[str], mask: Mask | None
) -> WrapperError:
    """Map a parsed error body (Membrane's, or an app's own) to its error class."""
    error_type, key, status = _text(body.get("type")), _text(body.get("key")), _status(body)
    message = f"{label} failed: {excerpt(describe(body), mask, limit=400)}"
    shown = excerpt(json.dumps(body, ensure_ascii=False), mask)
    common: dict[str, Any] = {"command": command, "body": body, "output": shown}
    if key == "not_authenticated" or error_type == "not_authenticated":
        return NotLoggedInError(message)
    if key == "rate_limit_exceeded" or status == 429:
        return RateLimitedError(message, retry_after_s=_retry_after(body), **common)
    if key in _RECONNECT_KEYS:
        return AccessDeniedError(message, advice=_RECONNECT_ADVICE, **common)
    if status == 401 or (not key and _LOGIN_HINT.search(str(body.get("message", "")))):
        return NotLoggedInError(message)
    if error_type in ("internal", "concurrency") or key == "lock_timeout":
        return ServerError(message, **common)
    if error_type == "configuration":
        # A setting to fix, not a blip: retrying cannot help.
        return EnvironmentProblem(
            message, advice="Fix the setting the message names, then run again."
        )
    if status is not None and status >= 500:
        return ServerError(message, **common)
    if key == "not_found" or status == 404:
        return NotFoundError(message, **common)
    if key == "access_denied" or status == 403:
        return AccessDeniedError(message, **common)
    if error_type == "bad_request" or (status is not None and 400 <= status < 500):
        return BadRequestError(message, **common)
    return MembraneError(message, **common)


def login_status(
    result: RunResult, label: str, command: list[str], mask: Mask | None
) -> LoginStatus:
    """Read `membrane status` of any shape: a clear logged-out signal, JSON, or text."""
    try:
        if result.returncode != 0:
            raise failure(result, label, command, mask)
        ok, value = parse_json(result.stdout)
        if ok and is_membrane_error(value):
            raise from_body(value, label, command, mask)
    except NotLoggedInError:
        return LoginStatus(logged_in=False)
    except MembraneError as error:
        # `status` asks Membrane only who we are: a 401 here can only mean the login.
        if re.search(r"\b401\b", error.message):
            return LoginStatus(logged_in=False)
        raise
    if ok:
        return login_status_of(value)
    text = result.stdout.strip() or result.stderr.strip()
    if not text:
        raise not_json(result, label, command, mask)
    return login_status_of(text)
