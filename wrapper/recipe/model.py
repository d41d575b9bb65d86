"""The strict schema of recipe format version 1 (DESIGN section 3).

Recipes are written by people, so every model forbids unknown keys (a typo fails loudly), and
every expression is compiled while the recipe loads, so a bad one fails before any call.
Cross-step rules that need the whole recipe (references, cycles, JMESPath traps) live in
`lint.py`; this module holds what one key's value can be checked for on its own.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from wrapper.recipe.expr import (
    ExpressionError,
    compile_expression,
    compile_template,
    iter_templates,
)
from wrapper.recipe.values import default_problem, schema_problem

FORMAT_VERSION: Final = 1
STEP_ID_PATTERN: Final = r"^[a-z][a-z0-9_]*$"
NAME_PATTERN: Final = r"^[a-z0-9][a-z0-9_-]*$"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_S: Final = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|m|h)\s*$")


def parse_duration(value: Any) -> float:
    """`0.5s`, `250ms`, `2m`, `1h` or a bare number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 500ms, 2s or 1m")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a duration; write it as 500ms, 2s, 1.5m or 1h")
        seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    if seconds < 0:
        raise ValueError("must not be negative")
    return seconds


def _check_expression(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a JMESPath expression (a string)")
    try:
        compile_expression(value)
    except ExpressionError as error:
        raise ValueError(str(error)) from None
    return value


def _check_templates(value: Any) -> Any:
    for path, text in iter_templates(value):
        try:
            compile_template(text)
        except ExpressionError as error:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
            raise ValueError(f"{where.lstrip('.') or 'value'}: {error}") from None
    return value


def _check_output_names(outputs: dict[str, str]) -> dict[str, str]:
    """A step's and a recipe's `outputs`: JMESPath reads each name (`steps.a.outputs.id`)."""
    for name in outputs:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise ValueError(f"output name {name!r} must be letters, digits and _")
    return outputs


Expr = Annotated[
    str,
    BeforeValidator(_check_expression),
    WithJsonSchema({"type": "string", "description": "A JMESPath expression (bare, no ${ })."}),
]
Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": _DURATION.pattern},
            ],
            "description": "Seconds, or a duration such as 500ms, 2s, 1.5m or 1h.",
        }
    ),
]
Templated = Annotated[Any, BeforeValidator(_check_templates)]
#: A string field rendered as a template at run time (`action: "get-${inputs.kind}"`).
TemplatedText = Annotated[str, BeforeValidator(_check_templates)]


class Strict(BaseModel):
    """Base of every recipe model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


InputType = Literal["string", "integer", "number", "boolean", "array", "object"]


class InputSpec(Strict):
    """One recipe input: a JSON-Schema subset plus `secret`, `from_env` and `required`."""

    type: InputType = "string"
    description: str | None = None
    default: Any = None
    required: bool | None = None
    secret: bool = False
    from_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    format: Literal["email", "uri", "date", "date-time", "path"] | None = None
    enum: list[Any] | None = None
    items: dict[str, Any] | None = None
    properties: dict[str, Any] | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = Field(default=None, alias="minLength", ge=0)
    max_length: int | None = Field(default=None, alias="maxLength", ge=0)
    pattern: str | None = None
    min_items: int | None = Field(default=None, alias="minItems", ge=0)
    max_items: int | None = Field(default=None, alias="maxItems", ge=0)
    examples: list[Any] | None = None

    @property
    def has_default(self) -> bool:
        return "default" in self.model_fields_set

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

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"is not a valid regular expression: {error}") from None
        return value

    @model_validator(mode="after")
    def _default_fits(self) -> InputSpec:
        # A schema jsonschema cannot apply would crash the first run given a value; a default
        # that does not fit would fail every run that leaves the input out.
        problem = schema_problem(self)
        if problem is None and self.has_default:
            problem = default_problem(self)
        if problem is not None:
            raise ValueError(problem)
        return self


class ConnectionSpec(Strict):
    """A connection the recipe needs, ensured once per run."""

    app: str = Field(min_length=1)
    description: str | None = None
    rate_limit: str | None = None

    @field_validator("app")
    @classmethod
    def _app(cls, value: str) -> str:
        # `connection ensure` takes one app URL or domain (a known name is mapped to its URL).
        if not value.strip() or any(ch.isspace() for ch in value.strip()):
            raise ValueError(
                f"{value!r} is not an app name, domain or URL (e.g. chatwoot, chatwoot.com or "
                "https://www.chatwoot.com/)"
            )
        return value.strip()

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is not None and not _RATE.match(value):
            raise ValueError(f"{value!r} is not a rate; write it as 5/s, 100/m or 1000/h")
        if value is not None and rate_per_second(value) <= 0:
            raise ValueError("must be more than zero")
        return value


def rate_per_second(text: str) -> float:
    """`5/s` -> 5.0, `120/m` -> 2.0."""
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a rate")
    return float(match.group(1)) / {"s": 1.0, "m": 60.0, "h": 3600.0}[match.group(2)]


class Foreach(Strict):
    """Run the step once per item, at most `concurrency` at a time, results in item order."""

    items: Expr
    concurrency: int = Field(default=1, ge=1, le=256)
    fail_fast: bool = False


class Paginate(Strict):
    """Repeat the call, page after page, putting the page's cursor or number in `input[param]`.

    With `cursor`, each page says where the next one starts (null on the last). With
    `page_size`, pages are numbered from `start` and a page with fewer items is the last, the
    way Chatwoot and most REST APIs page.
    """

    cursor: Expr | None = None
    page_size: int | None = Field(default=None, ge=1)
    start: int = 1
    param: str = Field(min_length=1)
    items: Expr
    max_pages: int = Field(default=100, ge=1, le=100_000)

    @model_validator(mode="after")
    def _one_way(self) -> Paginate:
        ways = "cursor (each page names the next) or page_size (numbered pages)"
        if self.cursor is not None and self.page_size is not None:
            raise ValueError(f"give {ways}, not both")
        if self.cursor is None and self.page_size is None:
            raise ValueError(f"give {ways}")
        if "start" in self.model_fields_set and self.page_size is None:
            raise ValueError("start numbers pages; it goes with page_size, not cursor")
        return self


class Retry(Strict):
    """`attempts` counts total tries; without `when`, only retryable errors are tried again."""

    attempts: int = Field(default=3, ge=1, le=100)
    backoff: Literal["fixed", "exponential"] = "exponential"
    initial: Duration = 1.0
    max: Duration = 30.0
    jitter: bool = True
    when: Expr | None = None

    @model_validator(mode="after")
    def _max_not_below_initial(self) -> Retry:
        if self.max < self.initial:
            raise ValueError("retry.max must not be less than retry.initial")
        return self


HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class RequestSpec(Strict):
    """An HTTP call through the connection's proxy."""

    method: HttpMethod = "GET"
    path: Templated
    query: Templated = None
    headers: Templated = None
    body: Templated = None
    path_params: Templated = None

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


StepKindName = Literal["action", "request", "recipe", "set"]
#: What a `set` step may have besides `set`: it makes no call, so nothing about calls.
_SET_KEYS: Final = frozenset(
    {"id", "name", "set_", "if_", "skip_if", "foreach", "continue_on_error"}
)


class Step(Strict):
    """One step: exactly one of `action`, `request`, `recipe` or `set`."""

    id: str = Field(pattern=STEP_ID_PATTERN)
    name: str | None = None
    action: TemplatedText | None = Field(default=None, min_length=1)
    request: RequestSpec | None = None
    recipe: str | None = Field(default=None, min_length=1)
    set_: dict[str, Expr] | None = Field(
        default=None,
        alias="set",
        min_length=1,
        description="Named values computed with no call, read as steps.ID.outputs.NAME.",
    )
    connection: str | None = None
    input: Templated = None
    effect: Literal["read", "write"] = "write"
    idempotent: bool = False
    if_: Expr | None = Field(default=None, alias="if")
    skip_if: Expr | None = None
    foreach: Foreach | None = None
    paginate: Paginate | None = None
    retry: Retry | None = None
    timeout: Duration | None = None
    continue_on_error: bool = False
    outputs: dict[str, Expr] = Field(default_factory=dict)

    @property
    def kind(self) -> StepKindName:
        if self.action is not None:
            return "action"
        if self.request is not None:
            return "request"
        if self.set_ is not None:
            return "set"
        return "recipe"

    @property
    def safe_to_repeat(self) -> bool:
        """A read or an idempotent write may run again after a crash or a timeout."""
        return self.effect == "read" or self.idempotent or self.kind == "set"

    @property
    def writes(self) -> bool:
        """Whether the step may change something in an app (`mw plan` does not run it)."""
        return self.effect == "write" and self.kind in ("action", "request")

    @model_validator(mode="before")
    @classmethod
    def _set_reads(cls, data: Any) -> Any:
        # A set step changes nothing: `mw plan` runs it, reports show it as a read.
        if isinstance(data, dict) and "set" in data and "effect" not in data:
            return {**data, "effect": "read"}
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        kinds = ("action", "request", "recipe", "set_")
        given = [k.rstrip("_") for k in kinds if getattr(self, k) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(
                f"a step needs exactly one of action, request, recipe, set (found {found})"
            )
        if self.set_ is not None:
            extra = sorted(self.model_fields_set - _SET_KEYS - {"effect"})
            if self.effect != "read":
                extra.append("effect")
            if extra:
                shown = ", ".join(type(self).model_fields[k].alias or k for k in extra)
                raise ValueError(
                    f"a set step makes no call, so it takes no {shown} "
                    "(only id, name, set, if, skip_if, foreach, continue_on_error)"
                )
        if self.recipe is not None and self.connection is not None:
            raise ValueError("a recipe step takes no connection; the sub-recipe declares its own")
        if self.paginate is not None and self.kind == "recipe":
            raise ValueError("paginate applies to action and request steps only")
        return self

    @field_validator("timeout")
    @classmethod
    def _positive_timeout(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError("must be more than zero")
        return value

    @field_validator("outputs", "set_")
    @classmethod
    def _output_names(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_output_names(value)


class Assertion(Strict):
    """A condition checked after the outputs are computed; failing exits 3."""

    that: Expr
    message: str | None = None


class Recipe(Strict):
    """A whole recipe file."""

    version: Literal[1]
    name: str = Field(pattern=NAME_PATTERN)
    description: str | None = None
    inputs: dict[str, InputSpec] = Field(default_factory=dict)
    connections: dict[str, ConnectionSpec] = Field(default_factory=dict)
    env: list[str] = Field(default_factory=list)
    vars: dict[str, Expr] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1)
    finally_: list[Step] = Field(default_factory=list, alias="finally")
    outputs: dict[str, Expr] = Field(default_factory=dict)
    assert_: list[Assertion] = Field(default_factory=list, alias="assert")

    @field_validator("inputs", "connections", "vars")
    @classmethod
    def _identifier_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                raise ValueError(f"name {name!r} must be letters, digits and _ (JMESPath reads it)")
        return value

    @field_validator("outputs")
    @classmethod
    def _output_names(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_output_names(value)

    @field_validator("env")
    @classmethod
    def _env_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                raise ValueError(f"{name!r} is not an environment variable name")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Recipe:
        seen: set[str] = set()
        for step in [*self.steps, *self.finally_]:
            if step.id in seen:
                raise ValueError(f"step id {step.id!r} is used twice")
            seen.add(step.id)
        return self

    def all_steps(self) -> list[Step]:
        return [*self.steps, *self.finally_]

    def step(self, step_id: str) -> Step:
        for step in self.all_steps():
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def connection_for(self, step: Step) -> str | None:
        """The step's connection; with exactly one declared, `connection:` may be left out."""
        if step.connection is not None:
            return step.connection
        if step.kind in ("action", "request") and len(self.connections) == 1:
            return next(iter(self.connections))
        return None
