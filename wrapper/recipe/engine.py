"""Run a loaded recipe: connections, steps, foreach, retry, pagination, outputs, assertions.

Every membrane call goes through `Engine.call`, which emits `call_start` before and
`call_finish` after it; that is where a journal records what may have been applied and where a
per-connection rate limit waits (the `before_call` hook). Steps and foreach items run on worker
threads while the main thread only waits, so Ctrl-C (or SIGTERM turned into KeyboardInterrupt)
stops new calls, lets calls in flight finish and report, and ends the run as interrupted.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
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
    StepFailedError,
    WrapperError,
)
from wrapper.recipe import events as ev
from wrapper.recipe.expr import ExpressionError, evaluate
from wrapper.recipe.inputs import masked_inputs, resolve_inputs, secret_values
from wrapper.recipe.loader import LoadedRecipe, load_recipe, resolve_recipe_ref
from wrapper.recipe.model import Retry, Step
from wrapper.recipe.retry import NO_RETRY, RetryPolicy, error_info, http_status_of, may_retry
from wrapper.recipe.secrets import Masker
from wrapper.recipe.steps import ClientLike, Cursor, Outcome, Unit, step_kind

T = TypeVar("T")
MAX_DEPTH: Final = 16
#: Connections are ensured before any step, so a rate limit or a blip there gets its own retry.
ENSURE_RETRY: Final = Retry(attempts=4, backoff="exponential", initial=0.5, max=5.0)
_WAKE_S: Final = 0.25
OK: Final = "ok"
FAILED: Final = "failed"
SKIPPED: Final = "skipped"
PLANNED: Final = "planned"
CANCELLED: Final = "cancelled"
INTERRUPTED: Final = "interrupted"


def new_run_id() -> str:
    """Sortable by start time, unique without coordination: `20261122T054501-3f9c2a`."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def truthy(value: Any) -> bool:
    """JMESPath truthiness: false, null and empty strings, lists and objects are false."""
    return value not in (None, False, "", [], {})


@dataclass
class RunOptions:
    """How to run: plan or not, connection overrides, and injected time and randomness."""

    run_id: str | None = None
    plan: bool = False
    connections: Mapping[str, str] = field(default_factory=dict)
    environ: Mapping[str, str] | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] | None = None
    random: Callable[[], float] = random.random
    connection_wait_s: float = 120.0
    #: Called before every membrane call with the unit and the connection name (rate limits).
    before_call: Callable[[Unit | None, str | None], None] | None = None


@dataclass
class RunResult:
    run_id: str
    status: str
    exit_code: int
    outputs: dict[str, Any]
    error: WrapperError | None = None
    assertions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _UnitResult:
    status: str
    attempts: int = 0
    outputs: Any = None
    error: WrapperError | None = None
    http_status: int | None = None
    command: list[str] | None = None
    duration_s: float = 0.0

    def as_item(self, item: Any, mask: Callable[[Any], Any]) -> dict[str, Any]:
        return {
            "item": item,
            "status": self.status,
            "attempts": self.attempts,
            "outputs": self.outputs,
            "error": mask(error_info(self.error)) if self.error else None,
        }


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
        self.emitter = ev.Emitter(sinks, self.masker.mask_value)
        self._client = client
        self.stop = threading.Event()
        self._calls = itertools.count(1)
        self._calls_lock = threading.Lock()
        self._ensured: dict[str, str] = {}
        self._recipes: dict[str, LoadedRecipe] = {}
        self._recipes_lock = threading.Lock()
        self._ensure_lock = threading.Lock()
        self._top = _RecipeRun(self, loaded, dict(inputs), prefix="", depth=0)

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
        if self.options.before_call is not None:
            self.options.before_call(unit, connection)
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
                **where,
            )
        )
        started = self.options.clock()
        try:
            value = invoke()
        except WrapperError as error:
            self.masker.mask_error(error)
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
            command = [*self._client.command, "connection", "ensure", app, "--json"]
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
                    # Ensuring is safe to repeat; only what a person must fix stops it at once.
                    if not error.retryable or attempt >= policy.attempts:
                        raise
                    self.sleep(policy.delay_s(attempt, error))
                    attempt += 1
            self._ensured[app] = str(connection.id)
            return self._ensured[app]

    def run(self) -> RunResult:
        """Run the recipe to the end; failures are in the result, never raised."""
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
            )
        )
        error: WrapperError | None = None
        outputs: dict[str, Any] = {}
        assertions: list[dict[str, Any]] = []
        try:
            try:
                top.connect()
                error = top.run_block(loaded.recipe.steps, "steps")
            except WrapperError as failure:
                if isinstance(failure, Interrupted):
                    raise
                error = self.masker.mask_error(failure)
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


class _RecipeRun:
    """The state of one recipe inside a run: its inputs, connections and step results."""

    def __init__(
        self,
        engine: Engine,
        loaded: LoadedRecipe,
        inputs: dict[str, Any],
        *,
        prefix: str,
        depth: int,
    ) -> None:
        self.engine = engine
        self.loaded = loaded
        self.recipe = loaded.recipe
        self.inputs = inputs
        self.prefix = prefix
        self.depth = depth
        environ = engine.options.environ or {}
        self.env = {name: environ.get(name) for name in self.recipe.env}
        self.steps: dict[str, dict[str, Any]] = {}
        self.connections: dict[str, dict[str, Any]] = {}

    # --- Runner protocol (what step kinds see) ----------------------------------------------

    @property
    def client(self) -> ClientLike:
        return self.engine.client

    @property
    def recipe_dir(self) -> Path:
        return self.loaded.path.parent

    def call(
        self,
        unit: Unit,
        *,
        operation: str,
        target: str,
        command: list[str],
        invoke: Callable[[], T],
    ) -> T:
        name = self.recipe.connection_for(unit.step)
        return self.engine.call(
            unit,
            operation=operation,
            target=target,
            command=command,
            invoke=invoke,
            connection=name,
        )

    def run_subrecipe(self, unit: Unit, ref: str, values: dict[str, Any]) -> Any:
        if self.depth + 1 >= MAX_DEPTH:
            raise StepFailedError(
                f"step {unit.step_id!r}: sub-recipes nest deeper than {MAX_DEPTH}"
            )
        loaded = self.engine.load(resolve_recipe_ref(ref, self.recipe_dir))
        inputs = resolve_inputs(
            loaded.recipe.inputs, values=values, environ=self.engine.options.environ
        )
        self.engine.masker.add(*secret_values(loaded.recipe.inputs, inputs))
        where = unit.step_id if unit.index is None else f"{unit.step_id}[{unit.index}]"
        child = _RecipeRun(self.engine, loaded, inputs, prefix=f"{where}.", depth=self.depth + 1)
        child.connect()
        error = child.run_block(loaded.recipe.steps, "steps")
        finally_error = child.run_block(loaded.recipe.finally_, "finally")
        error = error or finally_error
        outputs, output_error = child.outputs()
        error = error or output_error
        if error is None and not self.engine.options.plan:
            _, error = child.check_assertions(outputs)
        if error is not None:
            raise error
        return outputs

    # --- context ------------------------------------------------------------------------------

    def context(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The expression context; `vars` are evaluated in order, each seeing those before."""
        ctx: dict[str, Any] = {
            "inputs": self.inputs,
            "steps": self.steps,
            "connections": self.connections,
            "env": self.env,
            **(extra or {}),
        }
        values: dict[str, Any] = {}
        ctx["vars"] = values
        for name, source in self.recipe.vars.items():
            values[name] = evaluate(source, ctx)
        return ctx

    # --- connections --------------------------------------------------------------------------

    def connect(self) -> None:
        engine = self.engine
        plan = engine.options.plan
        needed = self._connections_read() if plan else set(self.recipe.connections)
        for name, spec in self.recipe.connections.items():
            given = engine.options.connections.get(name)
            if given:
                conn_id, source = given, "given"
            elif name not in needed:
                conn_id, source = f"<unknown: connections.{name}.id>", "planned"
            else:
                conn_id, source = engine.ensure(spec.app, name), "ensured"
            self.connections[name] = {"id": conn_id, "app": spec.app}
            engine.emit(
                ev.ConnectionReady(
                    run_id=engine.run_id, name=name, app=spec.app, id=conn_id, source=source
                )
            )

    def _connections_read(self) -> set[str]:
        """In plan mode only connections that reads use are ensured; writes do not run."""
        used: set[str] = set()
        for step in self.recipe.all_steps():
            name = self.recipe.connection_for(step)
            if name and step.effect == "read":
                used.add(name)
        return used

    # --- steps --------------------------------------------------------------------------------

    def run_block(self, steps: Sequence[Step], block: str) -> WrapperError | None:
        """Run steps in order; the first failure stops `steps` but every `finally` step runs."""
        first: WrapperError | None = None
        for step in steps:
            result = self.run_step(step, block)
            if result.status == FAILED and not step.continue_on_error:
                error = result.error or StepFailedError(f"step {step.id!r} failed")
                failure = StepFailedError(f"step {self.prefix}{step.id!r} failed: {error}")
                failure.advice = error.advice
                failure.__cause__ = error
                first = first or failure
                if block != "finally":
                    return first
        return first

    def run_step(self, step: Step, block: str) -> _UnitResult:
        engine = self.engine
        full_id = f"{self.prefix}{step.id}"
        started = engine.options.clock()
        items: list[Any] | None = None
        ctx: dict[str, Any] = {}
        setup_error: WrapperError | None = None
        unknown_items: str | None = None
        try:
            ctx = self.context()
            if step.foreach is not None:
                found = evaluate(step.foreach.items, ctx)
                if engine.options.plan and _is_unknown(found):
                    # The list comes from a write plan did not run: nothing to show per item.
                    unknown_items = str(found)
                else:
                    items = _as_items(found, full_id)
        except (ExpressionError, WrapperError) as error:
            setup_error = _as_wrapper(error, full_id)
        engine.emit(
            ev.StepStart(
                run_id=engine.run_id,
                step_id=full_id,
                name=step.name,
                kind=step.kind,
                effect=step.effect,
                block=block,
                parent=self.prefix.rstrip(".") or None,
                items_total=None if items is None else len(items),
            )
        )
        if setup_error is not None:
            result = _UnitResult(FAILED, error=engine.masker.mask_error(setup_error))
            self._record(step, result, None)
        elif unknown_items is not None:
            result = _UnitResult(PLANNED, outputs=f"<unknown: steps.{step.id}.outputs>")
            self._record(step, result, None)
        elif items is not None:
            result = self._run_foreach(step, full_id, items)
        else:
            outcome: list[_UnitResult] = []
            _wait_all(engine, [lambda: outcome.append(self.run_unit(step, full_id, ctx, None))], 1)
            result = outcome[0]
            self._record(step, result, None)
        result.duration_s = round(engine.options.clock() - started, 4)
        engine.emit(
            ev.StepFinish(
                run_id=engine.run_id,
                step_id=full_id,
                status=result.status,
                attempts=result.attempts,
                duration_s=result.duration_s,
                outputs=result.outputs,
                error=error_info(result.error) if result.error else None,
                http_status=result.http_status,
                command=result.command,
                counts=_counts(self.steps[step.id].get("items")),
            )
        )
        return result

    def _record(self, step: Step, result: _UnitResult, items: list[dict[str, Any]] | None) -> None:
        """What later expressions see as `steps.<id>`."""
        entry: dict[str, Any] = {
            "status": result.status,
            "outputs": result.outputs,
            "attempts": result.attempts,
            "error": error_info(result.error) if result.error else None,
            "http_status": result.http_status,
        }
        if items is not None:
            entry["items"] = items
        self.steps[step.id] = entry

    def _run_foreach(self, step: Step, full_id: str, items: list[Any]) -> _UnitResult:
        engine = self.engine
        assert step.foreach is not None
        fail_fast = step.foreach.fail_fast
        results: list[_UnitResult | None] = [None] * len(items)
        failed = threading.Event()

        def work(index: int) -> None:
            if engine.stop.is_set():
                return
            item = items[index]
            engine.emit(ev.ItemStart(run_id=engine.run_id, step_id=full_id, index=index, item=item))
            if fail_fast and failed.is_set():
                result = _UnitResult(
                    CANCELLED,
                    error=StepFailedError("not started: an earlier item failed (fail_fast)"),
                )
            else:
                try:
                    ctx = self.context({"item": item, "index": index})
                    result = self.run_unit(step, full_id, ctx, index)
                except Interrupted:
                    return
                except (ExpressionError, WrapperError) as error:
                    result = _UnitResult(FAILED, error=_as_wrapper(error, full_id))
            if result.status == FAILED:
                failed.set()
            results[index] = result
            engine.emit(
                ev.ItemFinish(
                    run_id=engine.run_id,
                    step_id=full_id,
                    index=index,
                    status=result.status,
                    attempts=result.attempts,
                    duration_s=result.duration_s,
                    outputs=result.outputs,
                    error=error_info(result.error) if result.error else None,
                    command=result.command,
                )
            )

        jobs = [(lambda i=i: work(i)) for i in range(len(items))]
        interrupted: BaseException | None = None
        try:
            _wait_all(engine, jobs, step.foreach.concurrency)
        except (KeyboardInterrupt, Interrupted) as stop:
            interrupted = stop
        finished = [
            r.as_item(items[i], lambda v: v) if r else _not_run(items[i])
            for i, r in enumerate(results)
        ]
        statuses = {r.status for r in results if r is not None}
        if FAILED in statuses:
            status = FAILED
        elif items and statuses == {SKIPPED}:
            status = SKIPPED
        elif PLANNED in statuses:
            status = PLANNED
        else:
            status = OK
        first_error = next((r.error for r in results if r and r.status == FAILED), None)
        if first_error is not None:
            index = next(i for i, r in enumerate(results) if r and r.status == FAILED)
            failed_count = sum(r["status"] == FAILED for r in finished)
            first_error = _item_error(first_error, index, failed_count)
        result = _UnitResult(
            status,
            attempts=sum(r.attempts for r in results if r is not None),
            outputs=[r["outputs"] for r in finished],
            error=first_error,
        )
        self._record(step, result, finished)
        if interrupted is not None or engine.stop.is_set():
            raise Interrupted("interrupted during a foreach")
        return result

    def run_unit(
        self, step: Step, full_id: str, ctx: dict[str, Any], index: int | None
    ) -> _UnitResult:
        """One execution of a step (or of one foreach item): conditions, plan, call, outputs."""
        started = self.engine.options.clock()
        result = self._unit_result(step, full_id, ctx, index)
        result.duration_s = round(self.engine.options.clock() - started, 4)
        return result

    def _unit_result(
        self, step: Step, full_id: str, ctx: dict[str, Any], index: int | None
    ) -> _UnitResult:
        engine = self.engine
        tally = [0]
        try:
            if step.if_ is not None and not truthy(evaluate(step.if_, ctx)):
                return _UnitResult(SKIPPED)
            if step.skip_if is not None and truthy(evaluate(step.skip_if, ctx)):
                return _UnitResult(SKIPPED)
            if engine.options.plan and step.kind != "recipe" and step.effect == "write":
                unit = self._unit(step, full_id, ctx, index, attempt=1, page=1)
                command = [engine.masker.mask(a) for a in step_kind(step.kind).command(self, unit)]
                where = f"steps.{step.id}" if index is None else f"steps.{step.id}.items[{index}]"
                unknown = {n: f"<unknown: {where}.outputs.{n}>" for n in step.outputs}
                return _UnitResult(PLANNED, outputs=unknown, command=command)
            outcome = self._execute(step, full_id, ctx, index, tally)
            outputs = {name: evaluate(src, outcome.value) for name, src in step.outputs.items()}
            if step.kind == "recipe" and not step.outputs:
                outputs = outcome.value
            return _UnitResult(OK, tally[0], outputs, http_status=outcome.http_status)
        except Interrupted:
            raise
        except (ExpressionError, WrapperError) as error:
            wrapped = engine.masker.mask_error(_as_wrapper(error, full_id))
            return _UnitResult(FAILED, tally[0], error=wrapped, http_status=http_status_of(error))

    def _unit(
        self,
        step: Step,
        full_id: str,
        ctx: dict[str, Any],
        index: int | None,
        *,
        attempt: int,
        page: int,
    ) -> Unit:
        name = self.recipe.connection_for(step)
        connection_id: str | None = None
        if step.kind != "recipe":
            if name is None or name not in self.connections:
                raise StepFailedError(
                    f"step {full_id!r} has no connection"
                    + (f" ({name!r} is not available)" if name else "")
                )
            connection_id = str(self.connections[name]["id"])
        return Unit(step, full_id, index, attempt, page, connection_id, ctx, step.timeout)

    def _execute(
        self, step: Step, full_id: str, ctx: dict[str, Any], index: int | None, tally: list[int]
    ) -> Outcome:
        if step.paginate is None:
            return self._attempts(step, full_id, ctx, index, None, 1, tally)
        spec = step.paginate
        collected: list[Any] = []
        cursor: Cursor = None
        last = Outcome(None)
        for page in range(1, spec.max_pages + 1):
            last = self._attempts(step, full_id, ctx, index, cursor, page, tally)
            found = evaluate(spec.items, last.value)
            if isinstance(found, list):
                collected.extend(found)
            elif found is not None:
                collected.append(found)
            next_cursor = evaluate(spec.cursor, last.value)
            if not truthy(next_cursor):
                break
            cursor = (spec.param, next_cursor)
        return Outcome(collected, last.http_status)

    def _attempts(
        self,
        step: Step,
        full_id: str,
        ctx: dict[str, Any],
        index: int | None,
        cursor: Cursor,
        page: int,
        tally: list[int],
    ) -> Outcome:
        engine = self.engine
        policy = RetryPolicy(step.retry or NO_RETRY, engine.options.random)
        when_source = step.retry.when if step.retry else None
        when = None
        if when_source is not None:

            def when(info: Mapping[str, Any], source: str = when_source) -> Any:
                return evaluate(source, {**ctx, "error": info})

        kind = step_kind(step.kind)
        attempt = 1
        while True:
            unit = self._unit(step, full_id, ctx, index, attempt=attempt, page=page)
            tally[0] += 1
            try:
                return kind.execute(self, unit, cursor)
            except Interrupted:
                raise
            except WrapperError as error:
                engine.masker.mask_error(error)
                if not may_retry(step, error, attempt, policy, when):
                    raise
                delay = policy.delay_s(attempt, error)
                engine.emit(
                    ev.RetryScheduled(
                        run_id=engine.run_id,
                        step_id=full_id,
                        index=index,
                        attempt=attempt,
                        attempts=policy.attempts,
                        delay_s=delay,
                        error=error_info(error),
                    )
                )
                engine.sleep(delay)
                attempt += 1

    # --- the end --------------------------------------------------------------------------------

    def outputs(self) -> tuple[dict[str, Any], WrapperError | None]:
        ctx = self.context()
        out: dict[str, Any] = {}
        for name, source in self.recipe.outputs.items():
            try:
                out[name] = evaluate(source, ctx)
            except ExpressionError as error:
                return out, StepFailedError(f"output {name!r}: {error}")
        return out, None

    def check_assertions(
        self, outputs: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], WrapperError | None]:
        ctx = self.context({"outputs": outputs})
        results: list[dict[str, Any]] = []
        first: WrapperError | None = None
        for check in self.recipe.assert_:
            try:
                held = truthy(evaluate(check.that, ctx))
            except ExpressionError as error:
                held = False
                first = first or AssertionFailedError(f"assertion {check.that!r}: {error}")
            results.append({"that": check.that, "message": check.message, "ok": held})
            if not held and first is None:
                text = check.message or f"assertion failed: {check.that}"
                first = AssertionFailedError(
                    text if check.message is None else f"assertion failed: {text}",
                    advice=f"The recipe asserts `{check.that}`; see the report for the values.",
                )
        return results, first


def _wait_all(engine: Engine, jobs: Sequence[Callable[[], None]], workers: int) -> None:
    """Run jobs on at most `workers` threads; the caller's thread only waits.

    On Ctrl-C the stop flag is set, jobs not started never start, and jobs in flight finish
    (their calls report) before KeyboardInterrupt goes on up.
    """
    if not jobs:
        return
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs))))
    active = [0]
    idle = threading.Condition()

    def tracked(job: Callable[[], None]) -> None:
        with idle:
            active[0] += 1
        try:
            job()
        finally:
            with idle:
                active[0] -= 1
                idle.notify_all()

    try:
        pending = {pool.submit(tracked, job) for job in jobs}
        while pending:
            # Wake up now and then: a signal handler only runs when the main thread does.
            done, pending = wait(pending, timeout=_WAKE_S, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()
    except KeyboardInterrupt:
        engine.stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        # A Ctrl-C inside `submit` can leave a started worker unknown to the pool: wait for
        # every job that began, so its call reports before the run does.
        with idle:
            while active[0]:
                idle.wait(_WAKE_S)


def _is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("<unknown: ")


def _as_items(value: Any, step_id: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    kind = "a mapping" if isinstance(value, dict) else type(value).__name__
    raise StepFailedError(f"step {step_id!r}: foreach.items must give a list, not {kind}")


def _as_wrapper(error: BaseException, step_id: str) -> WrapperError:
    if isinstance(error, WrapperError):
        return error
    return StepFailedError(f"step {step_id!r}: {error}")


def _item_error(error: WrapperError, index: int, failed: int) -> WrapperError:
    others = f" ({failed - 1} more item{'s' if failed != 2 else ''} failed)" if failed > 1 else ""
    wrapped = StepFailedError(f"item {index}: {error}{others}", advice=error.advice)
    wrapped.__cause__ = error
    return wrapped


def _not_run(item: Any) -> dict[str, Any]:
    return {"item": item, "status": INTERRUPTED, "attempts": 0, "outputs": None, "error": None}


def _counts(items: list[dict[str, Any]] | None) -> dict[str, int] | None:
    if items is None:
        return None
    counts: dict[str, int] = {}
    for item in items:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    return counts
