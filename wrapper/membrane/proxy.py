"""What a proxied `request` printed, turned into the app's answer or the error it stands for.

The proxy passes the app's status, headers and body through (membrane-cli.md 7.6), but whether
the CLI prints them as a `{status, headers, body}` envelope or prints the raw body, and which
exit code it gives an app 4xx, is not documented (7.14, 7.17): every combination is read here.
"""

from __future__ import annotations

import json
from typing import Any, Final

from wrapper.errors import MembraneError, NotFoundError, WrapperError
from wrapper.membrane import failures, runner
from wrapper.membrane.models import ProxyResponse, proxy_response_of

_HTTP_ERROR_KEYS: Final = {
    401: "access_token_expired",
    403: "access_denied",
    404: "not_found",
    429: "rate_limit_exceeded",
}


#: A 404 from the app names a path or record, not a Membrane connection or action.
APP_NOT_FOUND_ADVICE: Final = (
    "The app has no such record or route: check the path and the ids in it against the app's API."
)


def app_advice(error: WrapperError) -> WrapperError:
    """Advice about the app, for an error that carries the app's answer."""
    if isinstance(error, NotFoundError) and (
        failures.app_answer(error.data) is not None or _has_status(error.data)
    ):
        error.advice = APP_NOT_FOUND_ADVICE
    return error


def _has_status(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("status"), int)


def answer_after_failure(result: runner.RunResult) -> tuple[Any] | None:
    """The app's own JSON after a non-zero exit, if that is what was printed.

    Membrane's own error bodies, and output that is not JSON, are left to `failures.failure`.
    """
    for stream in (result.stdout, result.stderr):
        ok, value = failures.parse_json(stream)
        if ok and not failures.is_membrane_error(value):
            return (value,)
    return None


def response_or_error(
    value: Any, exit_code: int, label: str, command: list[str], mask: failures.Mask | None
) -> ProxyResponse | WrapperError:
    """The response, or the error for an app status >= 400 or an app body after a failed exit."""
    response = proxy_response_of(value)
    if response.status is not None and response.status >= 400:
        # Shaped like the CLI's own error body for HTTP failures, so both map alike.
        error_body = {
            "type": "internal" if response.status >= 500 else "bad_request",
            "key": _HTTP_ERROR_KEYS.get(response.status),
            "message": f"HTTP {response.status}",
            "data": response.to_wire(),
        }
        return app_advice(failures.from_body(error_body, label, command, mask))
    if exit_code == 0:
        return response
    # A non-zero exit with the app's own body: an app error whose status is unknown.
    said = failures.app_message(response.body)
    detail = f": the app said: {failures.excerpt(said, mask, 400)}" if said else ""
    return MembraneError(
        f"{label} failed (exit code {exit_code}){detail}",
        command=command,
        body={"message": said or "", "data": {"body": response.body}},
        output=failures.excerpt(json.dumps(response.body, ensure_ascii=False), mask),
        advice="The app refused the request (membrane did not report the HTTP status); "
        "check the path, method and body against the app's API.",
    )
