"""The parts of a recipe below a step: inputs, connections, foreach, paginate, retry, request
and assertions, as plain objects (see `plain.py`) with the rules of their `spec.py` models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final, get_args

from wrapper.recipe.plain import (
    Check,
    GiveUp,
    Plain,
    any_value,
    applied,
    expr,
    flag,
    list_of,
    mapping_of,
    matching,
    number,
    one_of,
    optional,
    sized_text,
    templated,
    text,
    whole,
)
from wrapper.recipe.rules import (
    Backoff,
    HttpMethod,
    InputFormat,
    InputMeaning,
    InputType,
    check_app,
    check_pattern,
    check_rate,
    parse_duration,
)
from wrapper.recipe.values import default_problem, schema_problem

_SIZE: Final = optional(whole(0))
_HTTP_METHODS: Final = one_of(*get_args(HttpMethod))


class InputSpec(InputMeaning, Plain):
    """One recipe input: a JSON-Schema subset plus `secret`, `from_env` and `required`."""

    CHECKS: ClassVar[Mapping[str, Check]] = {
        "type": one_of(*get_args(InputType)),
        "description": optional(text),
        "default": any_value,
        "required": optional(flag),
        "secret": flag,
        "from_env": optional(matching(r"[A-Za-z_][A-Za-z0-9_]*")),
        "format": optional(one_of(*get_args(InputFormat))),
        "enum": optional(list_of(any_value)),
        "items": optional(mapping_of(any_value)),
        "properties": optional(mapping_of(any_value)),
        "minimum": optional(number),
        "maximum": optional(number),
        "min_length": _SIZE,
        "max_length": _SIZE,
        "pattern": optional(applied(check_pattern, text)),
        "min_items": _SIZE,
        "max_items": _SIZE,
        "examples": optional(list_of(any_value)),
    }
    DEFAULTS: ClassVar[Mapping[str, Any]] = {name: None for name in CHECKS} | {
        "type": "string",
        "secret": False,
    }
    ALIASES: ClassVar[Mapping[str, str]] = {
        "min_length": "minLength",
        "max_length": "maxLength",
        "min_items": "minItems",
        "max_items": "maxItems",
    }
    __slots__ = tuple(CHECKS)
    type: InputType
    description: str | None
    default: Any
    required: bool | None
    secret: bool
    from_env: str | None
    format: InputFormat | None
    enum: list[Any] | None
    items: dict[str, Any] | None
    properties: dict[str, Any] | None
    minimum: float | None
    maximum: float | None
    min_length: int | None
    max_length: int | None
    pattern: str | None
    min_items: int | None
    max_items: int | None
    examples: list[Any] | None

    def check_together(self) -> None:
        problem = schema_problem(self)
        if problem is None and self.has_default:
            problem = default_problem(self)
        if problem is not None:
            raise GiveUp(problem)


class ConnectionSpec(Plain):
    """A connection the recipe needs, ensured once per run."""

    CHECKS: ClassVar[Mapping[str, Check]] = {
        "app": applied(check_app, sized_text(1)),
        "description": optional(text),
        "rate_limit": optional(applied(check_rate, text)),
    }
    DEFAULTS: ClassVar[Mapping[str, Any]] = {"description": None, "rate_limit": None}
    __slots__ = tuple(CHECKS)
    app: str
    description: str | None
    rate_limit: str | None


class Foreach(Plain):
    """Run the step once per item, at most `concurrency` at a time, results in item order."""

    CHECKS: ClassVar[Mapping[str, Check]] = {
        "items": expr,
        "concurrency": whole(1, 256),
        "fail_fast": flag,
    }
    DEFAULTS: ClassVar[Mapping[str, Any]] = {"concurrency": 1, "fail_fast": False}
    __slots__ = tuple(CHECKS)
    items: str
    concurrency: int
    fail_fast: bool


class Paginate(Plain):
    """Repeat the call, page after page, putting the page's cursor or number in `input[param]`.

    With `cursor`, each page says where the next one starts (null on the last). With
    `page_size`, pages are numbered from `start` and a page with fewer items is the last, the
    way Chatwoot and most REST APIs page.
    """

    CHECKS: ClassVar[Mapping[str, Check]] = {
        "cursor": optional(expr),
        "page_size": optional(whole(1)),
        "start": whole(),
        "param": sized_text(1),
        "items": expr,
        "max_pages": whole(1, 100_000),
    }
    DEFAULTS: ClassVar[Mapping[str, Any]] = {
        "cursor": None,
        "page_size": None,
        "start": 1,
        "max_pages": 100,
    }
    __slots__ = tuple(CHECKS)
    cursor: str | None
    page_size: int | None
    start: int
    param: str
    items: str
    max_pages: int

    def check_together(self) -> None:
        if (self.cursor is None) == (self.page_size is None):
            raise GiveUp("cursor or page_size")
        if "start" in self.given and self.page_size is None:
            raise GiveUp("start without page_size")


class Retry(Plain):
    """`attempts` counts total tries; without `when`, only retryable errors are tried again."""

    CHECKS: ClassVar[Mapping[str, Check]] = {
        "attempts": whole(1, 100),
        "backoff": one_of(*get_args(Backoff)),
        "initial": parse_duration,
        "max": parse_duration,
        "jitter": flag,
        "when": optional(expr),
    }
    DEFAULTS: ClassVar[Mapping[str, Any]] = {
        "attempts": 3,
        "backoff": "exponential",
        "initial": 1.0,
        "max": 30.0,
        "jitter": True,
        "when": None,
    }
    __slots__ = tuple(CHECKS)
    attempts: int
    backoff: Backoff
    initial: float
    max: float
    jitter: bool
    when: str | None

    def check_together(self) -> None:
        if self.max < self.initial:
            raise GiveUp("max below initial")


class RequestSpec(Plain):
    """An HTTP call through the connection's proxy."""

    CHECKS: ClassVar[Mapping[str, Check]] = {
        "method": lambda value: _HTTP_METHODS(text(value).upper()),
        "path": templated,
        "query": templated,
        "headers": templated,
        "body": templated,
        "path_params": templated,
    }
    DEFAULTS: ClassVar[Mapping[str, Any]] = {
        "method": "GET",
        "query": None,
        "headers": None,
        "body": None,
        "path_params": None,
    }
    __slots__ = tuple(CHECKS)
    method: HttpMethod
    path: Any
    query: Any
    headers: Any
    body: Any
    path_params: Any


class Assertion(Plain):
    """A condition checked after the outputs are computed; failing exits 3."""

    CHECKS: ClassVar[Mapping[str, Check]] = {"that": expr, "message": optional(text)}
    DEFAULTS: ClassVar[Mapping[str, Any]] = {"message": None}
    __slots__ = tuple(CHECKS)
    that: str
    message: str | None
