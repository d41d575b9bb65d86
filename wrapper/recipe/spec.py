"""The strict schema of recipe format version 1 (DESIGN section 3), as pydantic models.

Recipes are written by people, so every model forbids unknown keys (a typo fails loudly), and
every expression is compiled while the recipe loads, so a bad one fails before any call.
Cross-step rules that need the whole recipe (references, cycles, JMESPath traps) live in
`lint.py`; this module holds what one key's value can be checked for on its own.

These models are the recipe format's reference: they generate `schema/recipe.schema.json` and
word every problem a recipe has (`messages.py`). A valid recipe never reaches them: the plain
objects of `model.py` check it faster, with the same rules (`rules.py`), and hand anything they
cannot vouch for to these models, whose result is then turned into plain objects. Importing
pydantic and building these classes costs more than the rest of a run's start.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from wrapper.recipe.rules import (
    DURATION,
    NAME_PATTERN,
    SET_KEYS,
    STEP_ID_PATTERN,
    HttpMethod,
    InputMeaning,
    InputType,
    StepMeaning,
    check_app,
    check_env_names,
    check_expression,
    check_identifier_keys,
    check_output_names,
    check_pattern,
    check_rate,
    check_templates,
    check_timeout,
    parse_duration,
)
from wrapper.recipe.values import default_problem, schema_problem

Expr = Annotated[
    str,
    BeforeValidator(check_expression),
    WithJsonSchema({"type": "string", "description": "A JMESPath expression (bare, no ${ })."}),
]
Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": DURATION.pattern},
            ],
            "description": "Seconds, or a duration such as 500ms, 2s, 1.5m or 1h.",
        }
    ),
]
Templated = Annotated[Any, BeforeValidator(check_templates)]
#: A string field rendered as a template at run time (`action: "get-${inputs.kind}"`).
TemplatedText = Annotated[str, BeforeValidator(check_templates)]


class Strict(BaseModel):
    """Base of every recipe model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    def to_dict(self, *, by_alias: bool = False, exclude_none: bool = False) -> dict[str, Any]:
        """As the plain objects' `to_dict`: `values.py` reads an input through either."""
        return self.model_dump(by_alias=by_alias, exclude_none=exclude_none)

    def fields_given(self) -> Set[str]:
        return self.model_fields_set


class InputSpec(InputMeaning, Strict):
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

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        return check_pattern(value)

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
        return check_app(value)

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        return check_rate(value)


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


class Step(StepMeaning, Strict):
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
            extra = sorted(self.model_fields_set - SET_KEYS - {"effect"})
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
        return check_timeout(value)

    @field_validator("outputs", "set_")
    @classmethod
    def _output_names(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else check_output_names(value)


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
        return check_identifier_keys(value)

    @field_validator("outputs")
    @classmethod
    def _output_names(cls, value: dict[str, str]) -> dict[str, str]:
        return check_output_names(value)

    @field_validator("env")
    @classmethod
    def _env_names(cls, value: list[str]) -> list[str]:
        return check_env_names(value)

    @model_validator(mode="after")
    def _unique_ids(self) -> Recipe:
        seen: set[str] = set()
        for step in [*self.steps, *self.finally_]:
            if step.id in seen:
                raise ValueError(f"step id {step.id!r} is used twice")
            seen.add(step.id)
        return self
