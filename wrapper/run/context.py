"""What the parts of a run see of each other: the run's options, the engine and a recipe's scope.

The engine creates scopes, and a scope hands itself to foreach, calls, assertions, plan and
sub-recipes; those helpers know the engine and the scope only through the protocols below, so
no module of `run/` imports one that imports it back.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from wrapper.errors import WrapperError
from wrapper.recipe.loader import LoadedRecipe, Loc
from wrapper.recipe.model import Recipe, Step
from wrapper.records import events as ev
from wrapper.run.inputcheck import InputChecker
from wrapper.run.outcome import UnitResult
from wrapper.run.steps import ClientLike, Runner, Unit
from wrapper.secrets import Masker

if TYPE_CHECKING:
    from wrapper.recipe.shard import Shard
    from wrapper.run.resume import ResumePlan

T = TypeVar("T")


class RunOptions:
    """How to run: plan or not, connection overrides, and injected time and randomness.

    A plain class, not a dataclass: a dataclass writes its methods with `exec` at every start.
    """

    __slots__ = (  # noqa: RUF023  # the order of __init__'s arguments
        "run_id",
        "plan",
        "connections",
        "environ",
        "clock",
        "sleep",
        "random",
        "connection_wait_s",
        "before_call",
        "on_call_error",
        "resume",
        "shard",
    )

    def __init__(
        self,
        run_id: str | None = None,
        plan: bool = False,
        connections: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        random: Callable[[], float] = random.random,
        connection_wait_s: float = 120.0,
        before_call: Callable[[Unit | None, str | None], None] | None = None,
        on_call_error: Callable[[Unit | None, str | None, BaseException], None] | None = None,
        resume: ResumePlan | None = None,
        shard: Shard | None = None,
    ) -> None:
        self.run_id = run_id
        self.plan = plan
        self.connections: Mapping[str, str] = {} if connections is None else connections
        self.environ = environ
        self.clock = clock
        self.sleep = sleep
        self.random = random
        self.connection_wait_s = connection_wait_s
        #: Called before every membrane call with the unit and the connection name (rate
        #: limits).
        self.before_call = before_call
        #: Called when a call fails (a retry-after hint pauses the connection's rate limit).
        self.on_call_error = on_call_error
        #: What a resumed run already finished (steps and foreach items skipped, outputs
        #: reused).
        self.resume = resume
        #: `--shard I/N`: run only this shard's items of one top-level foreach step.
        self.shard = shard


class EngineLike(Protocol):
    """The run as a whole: its options, masker and events, and the one door to membrane."""

    options: RunOptions
    run_id: str
    masker: Masker
    stop: threading.Event
    inputs: InputChecker

    @property
    def client(self) -> ClientLike: ...

    def emit(self, event: ev.Event) -> None: ...

    def sleep(self, seconds: float) -> None: ...

    def load(self, path: Path) -> LoadedRecipe: ...

    def call(
        self,
        unit: Unit | None,
        *,
        operation: str,
        target: str,
        command: list[str],
        invoke: Callable[[], T],
        connection: str | None = None,
    ) -> T: ...

    def ensure(self, app: str, unit_label: str) -> str: ...

    def announce(self, name: str, app: str, conn_id: str, source: str) -> None: ...


class ScopeLike(Runner, Protocol):
    """One recipe inside a run (the top one or a sub-recipe): its inputs and step results; step
    kinds see it as their `Runner`."""

    engine: EngineLike
    deadline: float | None
    loaded: LoadedRecipe
    recipe: Recipe
    inputs: dict[str, Any]
    prefix: str
    depth: int
    steps: dict[str, dict[str, Any]]

    def context(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]: ...

    def evaluate(
        self, source: str, ctx: Mapping[str, Any], loc: Loc, *, unknown: bool = True
    ) -> Any: ...

    def unit(
        self,
        step: Step,
        full_id: str,
        ctx: dict[str, Any],
        index: int | None,
        *,
        attempt: int,
        page: int,
    ) -> Unit: ...

    def run_unit(
        self, step: Step, full_id: str, ctx: dict[str, Any], index: int | None
    ) -> UnitResult: ...

    def record(
        self, step: Step, result: UnitResult, items: list[dict[str, Any]] | None
    ) -> None: ...

    def child(
        self, loaded: LoadedRecipe, inputs: dict[str, Any], *, prefix: str, deadline: float | None
    ) -> ScopeLike: ...

    def connect(self) -> None: ...

    def run_block(self, steps: Sequence[Step], block: str) -> WrapperError | None: ...

    def outputs(self) -> tuple[dict[str, Any], WrapperError | None]: ...

    def check_assertions(
        self, outputs: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], WrapperError | None]: ...
