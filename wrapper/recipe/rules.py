"""The rules one recipe value is checked by, shared by both ways a recipe is checked.

A recipe is built by the fast checks of `plain.py`, `parts.py` and `model.py`; anything they
cannot vouch for goes to the pydantic models of `spec.py`, which word every problem. Both call
the functions here, so the two cannot disagree on what a duration, a rate or a name is. Each
function raises ValueError with the words pydantic shows; nothing here imports pydantic.
"""

from __future__ import annotations

import re
from collections.abc import Set
from typing import TYPE_CHECKING, Any, Final, Literal

from wrapper.recipe.expr import (
    ExpressionError,
    compile_expression,
    compile_template,
    iter_templates,
)

FORMAT_VERSION: Final = 1
STEP_ID_PATTERN: Final = r"^[a-z][a-z0-9_]*$"
NAME_PATTERN: Final = r"^[a-z0-9][a-z0-9_-]*$"
DURATION: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_S: Final = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
RATE: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|m|h)\s*$")

InputType = Literal["string", "integer", "number", "boolean", "array", "object"]
InputFormat = Literal["email", "uri", "date", "date-time", "path"]
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
StepKindName = Literal["action", "request", "recipe", "set"]
Effect = Literal["read", "write"]
Backoff = Literal["fixed", "exponential"]

#: What a `set` step may have besides `set`: it makes no call, so nothing about calls.
SET_KEYS: Final = frozenset(
    {"id", "name", "set_", "if_", "skip_if", "foreach", "continue_on_error"}
)


def parse_duration(value: Any) -> float:
    """`0.5s`, `250ms`, `2m`, `1h` or a bare number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 500ms, 2s or 1m")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = DURATION.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a duration; write it as 500ms, 2s, 1.5m or 1h")
        seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    if seconds < 0:
        raise ValueError("must not be negative")
    return seconds


def rate_per_second(text: str) -> float:
    """`5/s` -> 5.0, `120/m` -> 2.0."""
    match = RATE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a rate")
    return float(match.group(1)) / {"s": 1.0, "m": 60.0, "h": 3600.0}[match.group(2)]


def check_expression(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a JMESPath expression (a string)")
    try:
        compile_expression(value)
    except ExpressionError as error:
        raise ValueError(str(error)) from None
    return value


def check_templates(value: Any) -> Any:
    for path, text in iter_templates(value):
        try:
            compile_template(text)
        except ExpressionError as error:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
            raise ValueError(f"{where.lstrip('.') or 'value'}: {error}") from None
    return value


def check_output_names(outputs: dict[str, str]) -> dict[str, str]:
    """A step's and a recipe's `outputs`: JMESPath reads each name (`steps.a.outputs.id`)."""
    for name in outputs:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise ValueError(f"output name {name!r} must be letters, digits and _")
    return outputs


def check_identifier_keys(value: dict[str, Any]) -> dict[str, Any]:
    """`inputs`, `connections` and `vars` are read by name in expressions."""
    for name in value:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise ValueError(f"name {name!r} must be letters, digits and _ (JMESPath reads it)")
    return value


def check_env_names(value: list[str]) -> list[str]:
    for name in value:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise ValueError(f"{name!r} is not an environment variable name")
    return value


def check_app(value: str) -> str:
    # `connection ensure` takes one app URL or domain (a known name is mapped to its URL).
    if not value.strip() or any(ch.isspace() for ch in value.strip()):
        raise ValueError(
            f"{value!r} is not an app name, domain or URL (e.g. chatwoot, chatwoot.com or "
            "https://www.chatwoot.com/)"
        )
    return value.strip()


def check_rate(value: str | None) -> str | None:
    if value is not None and not RATE.match(value):
        raise ValueError(f"{value!r} is not a rate; write it as 5/s, 100/m or 1000/h")
    if value is not None and rate_per_second(value) <= 0:
        raise ValueError("must be more than zero")
    return value


def check_pattern(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"is not a valid regular expression: {error}") from None
    return value


def check_timeout(value: float | None) -> float | None:
    if value is not None and value <= 0:
        raise ValueError("must be more than zero")
    return value


class InputMeaning:
    """What an input's fields add up to, for the plain `InputSpec` and its model alike."""

    __slots__ = ()
    if TYPE_CHECKING:
        required: bool | None
        secret: bool
        from_env: str | None

        def fields_given(self) -> Set[str]:
            """The fields the recipe gave (not left to their default)."""

    @property
    def has_default(self) -> bool:
        return "default" in self.fields_given()

    @property
    def is_required(self) -> bool:
        """Required unless it has a default or says `required: false`. A `from_env` input is
        required too: an unset variable must stop the run, not send an empty value."""
        if self.required is not None:
            return self.required
        return not self.has_default

    @property
    def is_secret(self) -> bool:
        """`from_env` values are treated as secrets too: environments carry tokens."""
        return self.secret or self.from_env is not None


class StepMeaning:
    """A step's kind, for the plain `Step` and its model alike."""

    __slots__ = ()
    if TYPE_CHECKING:
        action: str | None
        request: object | None
        set_: dict[str, str] | None

    @property
    def kind(self) -> StepKindName:
        if self.action is not None:
            return "action"
        if self.request is not None:
            return "request"
        if self.set_ is not None:
            return "set"
        return "recipe"
