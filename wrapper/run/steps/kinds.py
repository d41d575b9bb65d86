"""Every step kind by name: what runs a step, and the command `mw plan` shows for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, NamedTuple

from wrapper.run.steps import Cursor, Outcome, Runner, Unit, action, recipe, request
from wrapper.run.steps import set as set_


class StepKind(NamedTuple):
    execute: Callable[[Runner, Unit, Cursor], Outcome]
    command: Callable[[Runner, Unit], list[str]]


STEP_KINDS: Final[dict[str, StepKind]] = {
    "action": StepKind(action.execute, action.command),
    "request": StepKind(request.execute, request.command),
    "recipe": StepKind(recipe.execute, recipe.command),
    "set": StepKind(set_.execute, set_.command),
}


def step_kind(name: str) -> StepKind:
    return STEP_KINDS[name]
