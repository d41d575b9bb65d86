"""When to try a failed call again, and how long to wait first.

`attempts` counts total tries. Without `when`, only retryable errors are tried again (rate
limits, timeouts, transient server errors). A write whose call ended in doubt (it timed out, was
killed, or its answer was lost or unreadable) may already have been applied, so it is never
repeated unless the step is `idempotent` (or a read), whatever `when` says; a rate-limited call
applied nothing, so writes retry on it. A retry-after hint wins over a shorter computed delay.
No wait is longer than `MAX_WAIT_S` or the step's `timeout`: a hint asking for more ends the
step at once instead. Clock, sleep and randomness are injected so tests need no real time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from wrapper.errors import (
    AccessDeniedError,
    BadRequestError,
    EnvironmentProblem,
    InvalidOutputError,
    MembraneError,
    MembraneTimeoutError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UsageError,
    WrapperError,
)
from wrapper.frozen import Frozen
from wrapper.recipe.model import Retry, Step

NO_RETRY: Final = Retry(attempts=1)
#: The longest mw ever waits before another try (docs/running.md, "How steps run").
MAX_WAIT_S: Final = 900.0
_TYPES: Final[tuple[tuple[type[BaseException], str], ...]] = (
    (RateLimitedError, "rate_limit"),
    (MembraneTimeoutError, "timeout"),
    (ServerError, "internal"),
    (NotFoundError, "not_found"),
    (AccessDeniedError, "access_denied"),
    (BadRequestError, "bad_request"),
    (InvalidOutputError, "invalid_output"),
    (EnvironmentProblem, "environment"),
)


def error_info(error: BaseException) -> dict[str, Any]:
    """What `retry.when`, events and reports see of an error: type, key, message, status..."""
    # mw's kind of failure comes first: Membrane files a 429 or a 404 under type `bad_request`
    # (the key says `rate_limit_exceeded`, `not_found`), so its own type would never match
    # `when: "error.type == 'rate_limit'"`. Its type stays for failures mw has no kind for.
    error_type = next((name for cls, name in _TYPES if isinstance(error, cls)), None)
    key: str | None = None
    if isinstance(error, MembraneError):
        key = error.error_key
        error_type = error_type or error.error_type
    if error_type is None:
        error_type = _snake(type(error).__name__.removesuffix("Error")) or "error"
    return {
        "type": error_type,
        "key": key,
        "message": str(error),
        "status": http_status_of(error),
        "retryable": bool(getattr(error, "retryable", False)),
        "class": type(error).__name__,
    }


def http_status_of(error: BaseException) -> int | None:
    """The HTTP status a failed call carried (`data.status`), else 429 for rate limits."""
    if isinstance(error, MembraneError):
        data = error.data
        for source in (data if isinstance(data, dict) else {}, error.body or {}):
            for name in ("status", "statusCode"):
                value = source.get(name)
                if isinstance(value, int) and not isinstance(value, bool):
                    return value
    if isinstance(error, RateLimitedError):
        return 429
    return None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def is_uncertain(error: BaseException) -> bool:
    """Whether a failed call may have been applied: it timed out, was killed, or its answer was
    lost or unreadable. An answer that says no (a 429, a validation error, a 5xx body) is not."""
    if isinstance(error, (MembraneTimeoutError, InvalidOutputError)):
        return True
    # A bare MembraneError with no error body is a process that failed with plain text.
    return type(error) is MembraneError and error.body is None


def retry_after_s(error: BaseException) -> float | None:
    """The error's retry-after hint in seconds, or None when it has none that makes sense
    (negative or not a number); an endless hint stays `inf` for the caller to refuse."""
    hint = getattr(error, "retry_after_s", None)
    if not isinstance(hint, (int, float)) or isinstance(hint, bool):
        return None
    if math.isnan(hint) or hint < 0:
        return None
    return float(hint)


def wait_limit_s(step: Step) -> float:
    """The longest wait between two tries of `step`: `MAX_WAIT_S`, or its `timeout` if less."""
    return min(MAX_WAIT_S, step.timeout) if step.timeout is not None else MAX_WAIT_S


class RetryPolicy(Frozen):
    """A step's retry settings plus the injected randomness used for jitter."""

    __slots__ = ("retry", "random", "limit_s")  # noqa: RUF023  # the order of __init__'s arguments
    retry: Retry
    random: Callable[[], float]
    limit_s: float

    def __init__(
        self, retry: Retry, random: Callable[[], float], limit_s: float = MAX_WAIT_S
    ) -> None:
        object.__setattr__(self, "retry", retry)
        object.__setattr__(self, "random", random)
        object.__setattr__(self, "limit_s", limit_s)

    @property
    def attempts(self) -> int:
        return self.retry.attempts

    def delay_s(self, failed_attempt: int, error: BaseException) -> float:
        """Seconds to wait after the `failed_attempt`-th try (1-based) failed."""
        spec = self.retry
        # The exponent is bounded so the product stays a finite float whatever `initial` is.
        growth = 1 if spec.backoff == "fixed" else 2 ** min(failed_attempt - 1, 64)
        base = min(spec.initial * growth, spec.max, self.limit_s)
        if spec.jitter:
            # Equal jitter: never less than half the delay, so a crowd of items spreads out
            # without any of them hammering the far side straight away.
            base = base / 2 + base / 2 * self.random()
        hint = retry_after_s(error)
        if hint is not None and hint > base:
            return min(hint, self.limit_s)
        return base

    def refused_wait(self, error: BaseException) -> str | None:
        """Why the wait `error` asks for is not waited (too long), or None when it is fine."""
        hint = retry_after_s(error)
        if hint is None or hint <= self.limit_s:
            return None
        asked = "forever" if math.isinf(hint) else f"{hint:g} s"
        if self.limit_s < MAX_WAIT_S:
            bound = f"the step's timeout of {self.limit_s:g} s"
        else:
            bound = f"the longest wait mw allows ({MAX_WAIT_S:g} s)"
        return (
            f"The app asked to wait {asked} before another try, longer than {bound}; "
            "try again later."
        )


def may_retry(
    step: Step,
    error: BaseException,
    attempt: int,
    policy: RetryPolicy,
    when: Callable[[Mapping[str, Any]], Any] | None,
) -> bool:
    """Whether the try numbered `attempt` (1-based) that raised `error` may be repeated."""
    if attempt >= policy.attempts:
        return False
    if not isinstance(error, WrapperError) or isinstance(error, (EnvironmentProblem, UsageError)):
        # Recipe mistakes and problems a person must fix do not go away by trying again.
        return False
    if is_uncertain(error) and not step.safe_to_repeat:
        return False
    if policy.refused_wait(error) is not None:
        return False
    if when is not None:
        return bool(when(error_info(error)))
    return error.retryable
