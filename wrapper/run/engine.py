"""Run a loaded recipe: connections, steps, foreach, retry, pagination, outputs, assertions.

Every membrane call goes through `Engine.call`, which emits `call_start` before and
`call_finish` after it; that is where a journal records what may have been applied and where a
per-connection rate limit waits (the `before_call` hook). Steps and foreach items run on worker
threads while the main thread only waits, so Ctrl-C (or SIGTERM turned into KeyboardInterrupt)
stops new calls, lets calls in flight finish and report, and ends the run as interrupted.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar

from wrapper.errors import (
    EXIT_ASSERT,
    EXIT_ENVIRONMENT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    AssertionFailedError,
    EnvironmentProblem,
    Interrupted,
    InvalidOutputError,
    StepFailedError,
    WrapperError,
)
from wrapper.frozen import Frozen
from wrapper.recipe.inputs import masked_inputs, secret_values
from wrapper.recipe.loader import LoadedRecipe, load_recipe
from wrapper.recipe.model import Retry
from wrapper.records import events as ev
from wrapper.run.context import RunOptions as RunOptions  # re-exported: callers build it here
from wrapper.run.inputcheck import InputChecker
from wrapper.run.outcome import FAILED, INTERRUPTED, OK
from wrapper.run.retry import RetryPolicy, error_info
from wrapper.run.scope import RecipeScope
from wrapper.run.steps import ClientLike, Unit
from wrapper.secrets import Masker, tracking

T = TypeVar("T")
#: Connections are ensured before any step, so a rate limit or a blip there gets its own retry.
ENSURE_RETRY: Final = Retry(attempts=4, backoff="exponential", initial=0.5, max=5.0)


def new_run_id() -> str:
    """Sortable by start time, unique without coordination: `20261122T054501-3f9c2a`."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


class RunResult(Frozen):
    """How the engine ended a run: its status and exit code, outputs, error and assertions."""

    # The order of __init__'s arguments.
    __slots__ = ("run_id", "status", "exit_code", "outputs", "error", "assertions")  # noqa: RUF023
    run_id: str
    status: str
    exit_code: int
    outputs: dict[str, Any]
    error: WrapperError | None
    assertions: list[dict[str, Any]]

    def __init__(
        self,
        run_id: str,
        status: str,
        exit_code: int,
        outputs: dict[str, Any],
        error: WrapperError | None = None,
        assertions: list[dict[str, Any]] | None = None,
    ) -> None:
        object.__setattr__(self, "run_id", run_id)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "exit_code", exit_code)
        object.__setattr__(self, "outputs", outputs)
        object.__setattr__(self, "error", error)
        object.__setattr__(self, "assertions", [] if assertions is None else assertions)


class Engine:
    """Runs one recipe (and its sub-recipes) against a client; see `run`."""

    def __init__(
        self,
        loaded: LoadedRecipe,
        inputs: Mapping[str, Any],
        client: ClientLike,
        *,
        masker: Masker | None = None,
        sinks: Sequence[ev.EventSink] = (),
        options: RunOptions | None = None,
    ) -> None:
        self.options = options or RunOptions()
        self.run_id = self.options.run_id or new_run_id()
        self.masker = masker or Masker()
        self.masker.add(*secret_values(loaded.recipe.inputs, inputs))
        self.emitter = ev.Emitter(sinks, self.masker.mask_value, lambda: self.masker.active)
        self._client = client
        self.stop = threading.Event()
        self._calls = itertools.count(1)
        self._calls_lock = threading.Lock()
        self._ensured: dict[str, str] = {}
        self._recipes: dict[str, LoadedRecipe] = {}
        self._recipes_lock = threading.Lock()
        self._ensure_lock = threading.Lock()
        self._announced: set[tuple[str, str]] = set()
        self.inputs = InputChecker(client, self.run_id, self.emit)
        self._top = RecipeScope(self, loaded, dict(inputs), prefix="", depth=0)

    @property
    def client(self) -> ClientLike:
        return self._client

    def load(self, path: Path) -> LoadedRecipe:
        """A sub-recipe, read and validated once per run however many items use it."""
        key = str(path.resolve())
        with self._recipes_lock:
            cached = self._recipes.get(key)
        if cached is None:
            cached = load_recipe(path)
            with self._recipes_lock:
                cached = self._recipes.setdefault(key, cached)
        return cached

    def emit(self, event: ev.Event) -> None:
        self.emitter.emit(event)

    def sleep(self, seconds: float) -> None:
        """Wait between retries; Ctrl-C ends the wait at once."""
        if self.options.sleep is not None:
            self.options.sleep(seconds)
        else:
            self.stop.wait(seconds)
        if self.stop.is_set():
            raise Interrupted("interrupted while waiting to retry")

    def call(
        self,
        unit: Unit | None,
        *,
        operation: str,
        target: str,
        command: list[str],
        invoke: Callable[[], T],
        connection: str | None = None,
    ) -> T:
        """The one chokepoint of every membrane call: events before and after, rate limits."""
        if self.stop.is_set():
            raise Interrupted("interrupted before a call")
        waited_s = 0.0
        if self.options.before_call is not None:
            began = self.options.clock()
            self.options.before_call(unit, connection)
            waited_s = round(self.options.clock() - began, 4)
        with self._calls_lock:
            call_id = next(self._calls)
        where: dict[str, Any] = {
            "step_id": unit.step_id if unit else "",
            "index": unit.index if unit else None,
            "attempt": unit.attempt if unit else 1,
            "page": unit.page if unit else 1,
        }
        self.emit(
            ev.CallStart(
                run_id=self.run_id,
                call_id=call_id,
                operation=operation,
                target=target,
                command=command,
                safe_to_repeat=unit.step.safe_to_repeat if unit else True,
                # Under a millisecond is the bucket's own bookkeeping, not a wait worth a bar.
                waited_s=waited_s if waited_s >= 0.001 else 0.0,
                **where,
            )
        )
        started = self.options.clock()
        try:
            value = invoke()
        except WrapperError as error:
            self.masker.mask_error(error)
            if self.options.on_call_error is not None:
                self.options.on_call_error(unit, connection, error)
            self.emit(
                ev.CallFinish(
                    run_id=self.run_id,
                    call_id=call_id,
                    status=FAILED,
                    duration_s=round(self.options.clock() - started, 4),
                    error=error_info(error),
                    **where,
                )
            )
            raise
        self.emit(
            ev.CallFinish(
                run_id=self.run_id,
                call_id=call_id,
                duration_s=round(self.options.clock() - started, 4),
                **where,
            )
        )
        return value

    def ensure(self, app: str, unit_label: str) -> str:
        """A connection id for `app`, ensured at most once per run (sub-recipes share it)."""
        with self._ensure_lock:
            if app in self._ensured:
                return self._ensured[app]
            warning = self._client.ensure_warning(app)
            if warning is not None:
                self.emit(
                    ev.RunWarning(run_id=self.run_id, message=f"connection {unit_label}: {warning}")
                )
            command = self._client.ensure_command(app)
            policy = RetryPolicy(ENSURE_RETRY, self.options.random)
            attempt = 1
            while True:
                try:
                    connection = self.call(
                        None,
                        operation="ensure",
                        target=app,
                        command=command,
                        invoke=lambda: self._client.ensure_connection(
                            app, wait_timeout_s=self.options.connection_wait_s
                        ),
                        connection=unit_label,
                    )
                    break
                except WrapperError as error:
                    # Ensuring is safe to repeat, so an uncertain answer (killed, garbage) is
                    # tried again too; only what a person must fix stops it at once.
                    uncertain = isinstance(error, InvalidOutputError)
                    if not (error.retryable or uncertain) or attempt >= policy.attempts:
                        raise
                    self.sleep(policy.delay_s(attempt, error))
                    attempt += 1
            self._ensured[app] = str(connection.id)
            return self._ensured[app]

    def announce(self, name: str, app: str, conn_id: str, source: str) -> None:
        """`connection_ready`, once per connection and id however many sub-recipes use it."""
        with self._ensure_lock:
            if (name, conn_id) in self._announced:
                return
            self._announced.add((name, conn_id))
        self.emit(
            ev.ConnectionReady(run_id=self.run_id, name=name, app=app, id=conn_id, source=source)
        )

    def run(self) -> RunResult:
        """Run the recipe to the end; failures are in the result, never raised."""
        # Values derived from a secret while the run lasts become secrets of its masker.
        with tracking(self.masker):
            return self._run()

    def _run(self) -> RunResult:
        top = self._top
        loaded = top.loaded
        started = self.options.clock()
        self.emit(
            ev.RunStart(
                run_id=self.run_id,
                recipe=loaded.recipe.name,
                path=str(loaded.path),
                sha256=loaded.sha256,
                plan=self.options.plan,
                inputs=masked_inputs(loaded.recipe.inputs, top.inputs),
                shard=self.options.shard.to_json() if self.options.shard else None,
            )
        )
        error: WrapperError | None = None
        outputs: dict[str, Any] = {}
        assertions: list[dict[str, Any]] = []
        connected = False
        try:
            try:
                top.connect()
                connected = True
                error = top.run_block(loaded.recipe.steps, "steps")
            except WrapperError as failure:
                if isinstance(failure, Interrupted):
                    raise
                error = self.masker.mask_error(failure)
            if connected:
                # Without its connections no step ran: nothing to clean up, no outputs to give.
                finally_error = top.run_block(loaded.recipe.finally_, "finally")
                error = error or finally_error
                outputs, output_error = top.outputs()
                error = error or output_error
            if error is None and not self.options.plan:
                assertions, error = top.check_assertions(outputs)
        except (KeyboardInterrupt, Interrupted):
            self.stop.set()
            error = Interrupted(
                "interrupted; calls in flight were allowed to finish",
                advice=f"Run id {self.run_id}: see its report, then run the recipe again.",
            )
        status, exit_code = _verdict(error)
        result = RunResult(self.run_id, status, exit_code, outputs, error, assertions)
        self.emit(
            ev.RunFinish(
                run_id=self.run_id,
                status=status,
                exit_code=exit_code,
                duration_s=round(self.options.clock() - started, 4),
                outputs=outputs,
                assertions=assertions,
                error=error_info(error) if error else None,
            )
        )
        return result


def _verdict(error: WrapperError | None) -> tuple[str, int]:
    if error is None:
        return OK, EXIT_OK
    if isinstance(error, Interrupted):
        return INTERRUPTED, EXIT_INTERRUPTED
    if isinstance(error, AssertionFailedError):
        return FAILED, EXIT_ASSERT
    cause: BaseException | None = error
    while isinstance(cause, StepFailedError) and cause.__cause__ is not None:
        cause = cause.__cause__
    if isinstance(cause, EnvironmentProblem):
        return FAILED, EXIT_ENVIRONMENT
    return FAILED, error.exit_code if error.exit_code != EXIT_OK else EXIT_FAILED
