"""The state of one recipe inside a run: inputs, connections, step results, and how each step
runs (conditions, plan mode, outputs); sub-recipes get a scope of their own."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from wrapper.errors import (
    ExpressionFailedError,
    Interrupted,
    StepFailedError,
    WrapperError,
)
from wrapper.recipe.excerpt import excerpt
from wrapper.recipe.expr import ExpressionError, evaluate
from wrapper.recipe.loader import LoadedRecipe, Loc
from wrapper.recipe.model import Step
from wrapper.records import events as ev
from wrapper.run.assertions import check_assertions
from wrapper.run.calls import execute
from wrapper.run.context import EngineLike, ScopeLike
from wrapper.run.foreach import replay_item, run_foreach
from wrapper.run.outcome import (
    FAILED,
    OK,
    PLANNED,
    SKIPPED,
    UnitResult,
    as_items,
    as_wrapper,
    counts,
    is_unknown,
    truthy,
)
from wrapper.run.planned import plan_set, planned_read, unknown_value
from wrapper.run.pool import wait_all
from wrapper.run.retry import error_info, http_status_of
from wrapper.run.steps import ClientLike, Unit
from wrapper.run.steps.kinds import step_kind
from wrapper.run.subrecipe import check_deadline, run_subrecipe

T = TypeVar("T")


class RecipeScope:
    """The state of one recipe inside a run: its inputs, connections and step results."""

    def __init__(
        self,
        engine: EngineLike,
        loaded: LoadedRecipe,
        inputs: dict[str, Any],
        *,
        prefix: str,
        depth: int,
        deadline: float | None = None,
    ) -> None:
        self.engine = engine
        #: When a sub-recipe step's `timeout` runs out (engine clock); None: no limit.
        self.deadline = deadline
        self.loaded = loaded
        self.recipe = loaded.recipe
        self.inputs = inputs
        self.prefix = prefix
        self.depth = depth
        environ = engine.options.environ or {}
        self.env = {name: environ.get(name) for name in self.recipe.env}
        self.steps: dict[str, dict[str, Any]] = {}
        self.connections: dict[str, dict[str, Any]] = {}
        self.where: dict[str, Loc] = {}
        for block, steps in (("steps", self.recipe.steps), ("finally", self.recipe.finally_)):
            for i, step in enumerate(steps):
                self.where[step.id] = (block, i)

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
        if self.deadline is not None:
            check_deadline(self, unit)
        return self.engine.call(
            unit,
            operation=operation,
            target=target,
            command=command,
            invoke=invoke,
            connection=name,
        )

    def check_input(self, unit: Unit, key: str, value: Any) -> None:
        self.engine.inputs.check(
            unit.step_id, unit.connection_id, key, value, timeout_s=unit.timeout_s
        )

    def run_subrecipe(self, unit: Unit, ref: str, values: dict[str, Any]) -> Any:
        return run_subrecipe(self, unit, ref, values)

    def child(
        self, loaded: LoadedRecipe, inputs: dict[str, Any], *, prefix: str, deadline: float | None
    ) -> ScopeLike:
        """A sub-recipe's scope inside this one, sharing the run's engine."""
        return RecipeScope(
            self.engine, loaded, inputs, prefix=prefix, depth=self.depth + 1, deadline=deadline
        )

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
            values[name] = self.evaluate(source, ctx, ("vars", name))
        return ctx

    def evaluate(
        self, source: str, ctx: Mapping[str, Any], loc: Loc, *, unknown: bool = True
    ) -> Any:
        """An expression on the scope, its failure naming its line; in plan mode a value that
        depends on a write not run is unknown, not a guess (`unknown=False`: a condition,
        which plan decides as before)."""
        try:
            value = evaluate(source, ctx)
        except ExpressionError as error:
            raise self.failure(error, loc) from None
        if unknown and self.engine.options.plan:
            planned = planned_read(self, source)
            if planned is not None:
                return unknown_value(planned)
        return value

    def failure(self, error: ExpressionError, loc: Loc) -> ExpressionFailedError:
        """A run-time expression failure as users read it: file:line:col, the expression and
        the value it met, masked before it is cut."""
        where = self.loaded.location((*loc, *error.path))
        masker = self.engine.masker
        return ExpressionFailedError(f"{where}: {masker.mask(error.render(masker.mask_value))}")

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
            engine.announce(name, spec.app, conn_id, source)

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
                failure = StepFailedError(f"step {self.prefix + step.id!r} failed: {error}")
                failure.advice = error.advice
                failure.__cause__ = error
                first = first or failure
                if block != "finally":
                    return first
        return first

    def run_step(self, step: Step, block: str) -> UnitResult:
        engine = self.engine
        full_id = f"{self.prefix}{step.id}"
        resumed = engine.options.resume.step(full_id) if engine.options.resume else None
        if resumed is not None:
            # Finished before a crash: reuse what the journal recorded, run nothing.
            self.steps[step.id] = resumed
            self._replay(step, full_id, block, resumed)
            return UnitResult(
                resumed["status"],
                resumed["attempts"],
                resumed["outputs"],
                http_status=resumed["http_status"],
            )
        started = engine.options.clock()
        items: list[Any] | None = None
        ctx: dict[str, Any] = {}
        setup_error: WrapperError | None = None
        unknown_items: str | None = None
        try:
            ctx = self.context()
            if step.foreach is not None:
                loc = (*self.where[step.id], "foreach", "items")
                found = self.evaluate(step.foreach.items, ctx, loc)
                if engine.options.plan and is_unknown(found):
                    # The list comes from a write plan did not run: nothing to show per item.
                    unknown_items = str(found)
                else:
                    items = as_items(found, self.loaded.location(loc), self._shown)
        except WrapperError as error:
            setup_error = error
        selected = None if items is None else self._shard_indexes(full_id, items)
        self._step_start(step, full_id, block, None if selected is None else len(selected))
        shard = engine.options.shard
        if shard is not None and shard.step_id == full_id and items is not None:
            # Here, not at the top: only a sharded run needs the shard module.
            from wrapper.recipe.shard import items_digest

            engine.emit(
                ev.ShardSplit(
                    run_id=engine.run_id,
                    step_id=full_id,
                    index=shard.index,
                    total=shard.total,
                    items_total=len(items),
                    selected=len(selected or ()),
                    items_sha256=items_digest(engine.masker.mask_value(items)),
                )
            )
        if setup_error is not None:
            result = UnitResult(FAILED, error=engine.masker.mask_error(setup_error))
            self.record(step, result, None)
        elif unknown_items is not None:
            result = UnitResult(PLANNED, outputs=f"<unknown: steps.{step.id}.outputs>")
            self.record(step, result, None)
        elif items is not None and selected is not None:
            result = run_foreach(self, step, full_id, items, selected)
        else:
            outcome: list[UnitResult] = []

            def job() -> None:
                outcome.append(self.run_unit(step, full_id, ctx, None))

            wait_all(engine.stop, [job], 1)
            result = outcome[0]
            self.record(step, result, None)
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
                counts=counts(self.steps[step.id].get("items")),
            )
        )
        return result

    def _step_start(self, step: Step, full_id: str, block: str, items_total: int | None) -> None:
        engine = self.engine
        engine.emit(
            ev.StepStart(
                run_id=engine.run_id,
                step_id=full_id,
                name=step.name,
                kind=step.kind,
                effect=step.effect,
                block=block,
                parent=self.prefix.rstrip(".") or None,
                items_total=items_total,
            )
        )

    def _replay(self, step: Step, full_id: str, block: str, entry: dict[str, Any]) -> None:
        """Events for a step finished in an earlier session, so reports show the whole run."""
        engine = self.engine
        resume = engine.options.resume
        items = resume.items_of(full_id) if resume is not None and step.foreach else []
        self._step_start(step, full_id, block, len(items) if step.foreach else None)
        for index, unit in items:
            replay_item(
                engine,
                full_id,
                index,
                unit.item,
                unit.status,
                unit.attempts,
                unit.outputs,
                unit.error,
            )
        engine.emit(
            ev.StepFinish(
                run_id=engine.run_id,
                step_id=full_id,
                status=entry["status"],
                attempts=entry["attempts"],
                outputs=entry["outputs"],
                error=entry["error"],
                http_status=entry["http_status"],
                counts=counts(entry.get("items")),
                resumed=True,
            )
        )

    def _shard_indexes(self, full_id: str, items: list[Any]) -> list[int]:
        """The positions of `items` this run handles: all, or its shard's share."""
        shard = self.engine.options.shard
        if shard is not None and shard.step_id == full_id:
            return shard.indexes(len(items))
        return list(range(len(items)))

    def record(self, step: Step, result: UnitResult, items: list[dict[str, Any]] | None) -> None:
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

    def run_unit(
        self, step: Step, full_id: str, ctx: dict[str, Any], index: int | None
    ) -> UnitResult:
        """One execution of a step (or of one foreach item): conditions, plan, call, outputs."""
        started = self.engine.options.clock()
        result = self._unit_result(step, full_id, ctx, index)
        result.duration_s = round(self.engine.options.clock() - started, 4)
        return result

    def _unit_result(
        self, step: Step, full_id: str, ctx: dict[str, Any], index: int | None
    ) -> UnitResult:
        engine = self.engine
        tally = [0]
        loc = self.where[step.id]
        try:
            if_ = step.if_
            if if_ is not None and not truthy(self.evaluate(if_, ctx, (*loc, "if"), unknown=False)):
                return UnitResult(SKIPPED)
            skip = step.skip_if
            if skip is not None and truthy(
                self.evaluate(skip, ctx, (*loc, "skip_if"), unknown=False)
            ):
                return UnitResult(SKIPPED)
            if engine.options.plan and step.writes:
                unit = self.unit(step, full_id, ctx, index, attempt=1, page=1)
                command = [engine.masker.mask(a) for a in step_kind(step.kind).command(self, unit)]
                where = f"steps.{step.id}" if index is None else f"steps.{step.id}.items[{index}]"
                unknown = {n: f"<unknown: {where}.outputs.{n}>" for n in step.outputs}
                return UnitResult(PLANNED, outputs=unknown, command=command)
            outcome = execute(self, step, full_id, ctx, index, tally)
            outputs = {}
            for name, src in step.outputs.items():
                # Outputs read the call's result; `$` still reads this step's scope.
                try:
                    outputs[name] = evaluate(src, outcome.value, ctx)
                except ExpressionError as error:
                    raise error.at(("outputs", name)) from None
            if step.kind in ("recipe", "set") and not step.outputs:
                outputs = outcome.value
            if engine.options.plan and step.kind == "set":
                outputs = plan_set(self, step, outputs)
            return UnitResult(OK, tally[0], outputs, http_status=outcome.http_status)
        except Interrupted:
            raise
        except (ExpressionError, WrapperError) as error:
            if isinstance(error, ExpressionError):
                error = self.failure(error, loc)
            wrapped = engine.masker.mask_error(as_wrapper(error, full_id))
            return UnitResult(FAILED, tally[0], error=wrapped, http_status=http_status_of(error))

    def _shown(self, value: Any) -> str:
        """A value as a failure quotes it: masked, then cut."""
        return excerpt(self.engine.masker.mask_value(value))

    def unit(
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
        if step.kind in ("action", "request"):
            if name is None or name not in self.connections:
                raise StepFailedError(
                    f"step {full_id!r} has no connection"
                    + (f" ({name!r} is not available)" if name else "")
                )
            connection_id = str(self.connections[name]["id"])
        timeout = step.timeout
        if self.deadline is not None:
            # Inside a sub-recipe with a timeout, no call outlives it.
            left = max(0.001, self.deadline - self.engine.options.clock())
            timeout = left if timeout is None else min(timeout, left)
        return Unit(step, full_id, index, attempt, page, connection_id, ctx, timeout)

    # --- the end --------------------------------------------------------------------------------

    def outputs(self) -> tuple[dict[str, Any], WrapperError | None]:
        out: dict[str, Any] = {}
        try:
            ctx = self.context()
            for name, source in self.recipe.outputs.items():
                out[name] = self.evaluate(source, ctx, ("outputs", name))
        except WrapperError as error:
            return out, error
        return out, None

    def check_assertions(
        self, outputs: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], WrapperError | None]:
        return check_assertions(self, outputs)
