"""What a recipe is, as the rest of mw reads it: a `Recipe` of `Step`s (format version 1).

These are plain frozen objects, built from a recipe file's parsed YAML by the fast checks of
`plain.py`, with the rules of the pydantic models of `spec.py` (DESIGN section 3): unknown keys
are errors and every expression is compiled while the recipe loads. A recipe they cannot vouch
for goes to those models, which accept it or word its problems. Cross-step rules that need the
whole recipe (references, cycles, JMESPath traps) live in `lint.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, get_args

from wrapper.recipe.parts import (
    Assertion,
    ConnectionSpec,
    Foreach,
    InputSpec,
    Paginate,
    RequestSpec,
    Retry,
)
from wrapper.recipe.plain import (
    Check,
    GiveUp,
    Plain,
    applied,
    expr,
    flag,
    list_of,
    mapping_of,
    matching,
    nested,
    one_of,
    optional,
    sized_text,
    templated,
    text,
)
from wrapper.recipe.rules import (
    FORMAT_VERSION,
    NAME_PATTERN,
    SET_KEYS,
    STEP_ID_PATTERN,
    Effect,
    StepKindName,
    StepMeaning,
    check_env_names,
    check_identifier_keys,
    check_output_names,
    check_templates,
    check_timeout,
    parse_duration,
    rate_per_second,
)

__all__ = [
    "FORMAT_VERSION",
    "NAME_PATTERN",
    "STEP_ID_PATTERN",
    "Assertion",
    "ConnectionSpec",
    "Foreach",
    "InputSpec",
    "Paginate",
    "Recipe",
    "RequestSpec",
    "Retry",
    "Step",
    "StepKindName",
    "parse_duration",
    "rate_per_second",
]


def _set_values(value: Any) -> dict[str, str]:
    named = check_output_names(mapping_of(expr)(value))
    if not named:
        raise GiveUp("an empty set")
    return named


class Step(StepMeaning, Plain):
    """One step: exactly one of `action`, `request`, `recipe` or `set`."""

    CHECKS: ClassVar[Mapping[str, Check]] = {
        "id": matching(STEP_ID_PATTERN[1:-1]),
        "name": optional(text),
        "action": optional(applied(check_templates, sized_text(1))),
        "request": optional(nested(RequestSpec)),
        "recipe": optional(sized_text(1)),
        "set_": optional(_set_values),
        "connection": optional(text),
        "input": templated,
        "effect": one_of(*get_args(Effect)),
        "idempotent": flag,
        "if_": optional(expr),
        "skip_if": optional(expr),
        "foreach": optional(nested(Foreach)),
        "paginate": optional(nested(Paginate)),
        "retry": optional(nested(Retry)),
        "timeout": optional(applied(check_timeout, parse_duration)),
        "continue_on_error": flag,
        "outputs": applied(check_output_names, mapping_of(expr)),
    }
    DEFAULTS: ClassVar[Mapping[str, Any]] = {name: None for name in CHECKS if name != "id"} | {
        "effect": "write",
        "idempotent": False,
        "continue_on_error": False,
        "outputs": {},
    }
    ALIASES: ClassVar[Mapping[str, str]] = {"set_": "set", "if_": "if"}
    __slots__ = tuple(CHECKS)
    id: str
    name: str | None
    action: str | None
    request: RequestSpec | None
    recipe: str | None
    set_: dict[str, str] | None
    connection: str | None
    input: Any
    effect: Effect
    idempotent: bool
    if_: str | None
    skip_if: str | None
    foreach: Foreach | None
    paginate: Paginate | None
    retry: Retry | None
    timeout: float | None
    continue_on_error: bool
    outputs: dict[str, str]

    @property
    def safe_to_repeat(self) -> bool:
        """A read or an idempotent write may run again after a crash or a timeout."""
        return self.effect == "read" or self.idempotent or self.kind == "set"

    @property
    def writes(self) -> bool:
        """Whether the step may change something in an app (`mw plan` does not run it)."""
        return self.effect == "write" and self.kind in ("action", "request")

    @classmethod
    def given_fields(cls, data: Any) -> dict[str, Any]:
        given = super().given_fields(data)
        # A set step changes nothing: `mw plan` runs it, reports show it as a read.
        if "set_" in given and "effect" not in given:
            given["effect"] = "read"
        return given

    def check_together(self) -> None:
        kinds = (self.action, self.request, self.recipe, self.set_)
        if sum(kind is not None for kind in kinds) != 1:
            raise GiveUp("not exactly one kind")
        if self.set_ is not None and (self.given - SET_KEYS != {"effect"} or self.effect != "read"):
            raise GiveUp("a set step with call keys")
        if self.recipe is not None and self.connection is not None:
            raise GiveUp("a recipe step with a connection")
        if self.paginate is not None and self.recipe is not None:
            raise GiveUp("a paginated recipe step")


def _one(value: Any) -> int:
    if type(value) is not int or value != FORMAT_VERSION:
        raise GiveUp("version")
    return value


_STEPS = list_of(nested(Step))


def _some_steps(value: Any) -> list[Step]:
    steps: list[Step] = _STEPS(value)
    if not steps:
        raise GiveUp("no steps")
    return steps


class Recipe(Plain):
    """A whole recipe file."""

    CHECKS: ClassVar[Mapping[str, Check]] = {
        "version": _one,
        "name": matching(NAME_PATTERN[1:-1]),
        "description": optional(text),
        "inputs": applied(check_identifier_keys, mapping_of(nested(InputSpec))),
        "connections": applied(check_identifier_keys, mapping_of(nested(ConnectionSpec))),
        "env": applied(check_env_names, list_of(text)),
        "vars": applied(check_identifier_keys, mapping_of(expr)),
        "steps": _some_steps,
        "finally_": _STEPS,
        "outputs": applied(check_output_names, mapping_of(expr)),
        "assert_": list_of(nested(Assertion)),
    }
    DEFAULTS: ClassVar[Mapping[str, Any]] = {
        "description": None,
        "inputs": {},
        "connections": {},
        "env": [],
        "vars": {},
        "finally_": [],
        "outputs": {},
        "assert_": [],
    }
    ALIASES: ClassVar[Mapping[str, str]] = {"finally_": "finally", "assert_": "assert"}
    __slots__ = tuple(CHECKS)
    version: int
    name: str
    description: str | None
    inputs: dict[str, InputSpec]
    connections: dict[str, ConnectionSpec]
    env: list[str]
    vars: dict[str, str]
    steps: list[Step]
    finally_: list[Step]
    outputs: dict[str, str]
    assert_: list[Assertion]

    def check_together(self) -> None:
        ids = [step.id for step in self.all_steps()]
        if len(set(ids)) != len(ids):
            raise GiveUp("a step id used twice")

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
