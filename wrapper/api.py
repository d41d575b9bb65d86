"""The library under `mw`: run, plan, resume, load and lint recipes from Python.

Each call does what the command of the same name does, and returns a result object instead of
printing: `mw run` is `run_recipe` plus rendering. Problems found before anything ran (a recipe
that does not load, an input that does not fit, a run id in use) raise one `WrapperError`
(`wrapper.errors`); what happens during a run is in the result, never raised.

Heavy modules (pydantic, the engine) are imported by the calls that need them, so importing
this module, or `wrapper`, costs next to nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from wrapper.errors import UsageError, WrapperError
from wrapper.results import LintResult, RunResult

if TYPE_CHECKING:
    from wrapper.recipe.loader import LoadedRecipe
    from wrapper.records.events import EventSink
    from wrapper.records.report import Report
    from wrapper.run.prepare import Prepared
    from wrapper.run.runlock import RunLock
    from wrapper.run.steps import ClientLike
    from wrapper.secrets import Masker

    #: Event sinks, or a function of the loaded recipe giving them (called as the run starts).
    Events: TypeAlias = Iterable[EventSink] | Callable[[LoadedRecipe], Iterable[EventSink]]

__all__ = [
    "LintResult",
    "RunResult",
    "lint_recipe",
    "load_recipe",
    "plan_recipe",
    "resume_run",
    "run_recipe",
]

#: Told each line a person should read: a warning, a note, "waiting for run ...".
Notify = Callable[[str], None]


def load_recipe(recipe: str | Path) -> LoadedRecipe:
    """Load and validate a recipe file, or a shipped recipe by name (`chatwoot/find-contact`).

    Raises `RecipeError` naming `file:line:col` when it does not load.
    """
    from wrapper.recipe.loader import load_recipe as load
    from wrapper.recipe.loader import recipe_argument

    return load(recipe_argument(recipe))


def lint_recipe(*recipes: str | Path, strict: bool = False) -> LintResult:
    """Check recipe files (a folder: every .yaml below it) without running them."""
    from wrapper.recipe.lint import expand_paths, lint_paths

    files = expand_paths(recipes)
    return LintResult([str(f) for f in files], lint_paths(files), strict)


def run_recipe(
    recipe: str | Path,
    inputs: Mapping[str, Any] | None = None,
    *,
    text_inputs: Mapping[str, str] | None = None,
    inputs_file: Path | None = None,
    connections: Mapping[str, str] | None = None,
    membrane: ClientLike | Sequence[str] | None = None,
    sandbox: bool = False,
    run_id: str | None = None,
    wait_lock: bool = False,
    shard: str | None = None,
    shard_step: str | None = None,
    rate_share: int | str | None = None,
    shard_from: str = "--shard",
    events: Events = (),
    report_path: Path | None = None,
    junit_path: Path | None = None,
    html_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    notify: Notify | None = None,
    on_refused: Callable[[Report], None] | None = None,
) -> RunResult:
    """Run a recipe: every step for real, then its outputs and assertions (`mw run`).

    `inputs` are values by name (a list stays a list); `text_inputs` are parsed by each
    input's type as `-i NAME=VALUE` is (`@file.csv` reads a file); `inputs_file` is a YAML or
    JSON file of values. `connections` maps a connection's name to an id to use instead of
    ensuring it. `shard`, `shard_step` and `rate_share` split a foreach over CI jobs as
    `--shard`, `--shard-step` and `--rate-share` do (`shard_from` names where the shard spec
    came from in messages, e.g. `MW_SHARD`). The run is journaled under `run_id` (default:
    generated) and can be resumed with `resume_run`. `events` receive every event
    (`handle(event)`), after the report and journal; `events` may also be a function of the
    loaded recipe giving the sinks, called when the run starts, after every check passed.
    `html_path` gets the run as one offline HTML page. A run refused before its first step
    writes a not-started JUnit file to `junit_path` (and its page to `html_path`) and hands
    its report to `on_refused(report)` before the error is raised.
    """
    return _start(
        recipe,
        inputs,
        plan=False,
        text_inputs=text_inputs,
        inputs_file=inputs_file,
        connections=connections,
        membrane=membrane,
        sandbox=sandbox,
        run_id=run_id,
        wait_lock=wait_lock,
        shard=shard,
        shard_step=shard_step,
        rate_share=rate_share,
        shard_from=shard_from,
        events=events,
        report_path=report_path,
        junit_path=junit_path,
        html_path=html_path,
        environ=environ,
        notify=notify,
        on_refused=on_refused,
    )


def plan_recipe(
    recipe: str | Path,
    inputs: Mapping[str, Any] | None = None,
    *,
    text_inputs: Mapping[str, str] | None = None,
    inputs_file: Path | None = None,
    connections: Mapping[str, str] | None = None,
    membrane: ClientLike | Sequence[str] | None = None,
    sandbox: bool = False,
    run_id: str | None = None,
    shard: str | None = None,
    shard_step: str | None = None,
    rate_share: int | str | None = None,
    shard_from: str = "--shard",
    events: Events = (),
    report_path: Path | None = None,
    junit_path: Path | None = None,
    html_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    notify: Notify | None = None,
    on_refused: Callable[[Report], None] | None = None,
) -> RunResult:
    """Show what a recipe would do (`mw plan`): reads run, writes are not run and their
    command is in the report; outputs that depend on a write read `<unknown: ...>`. A plan
    keeps no journal and takes no lock. Arguments as for `run_recipe`."""
    return _start(
        recipe,
        inputs,
        plan=True,
        text_inputs=text_inputs,
        inputs_file=inputs_file,
        connections=connections,
        membrane=membrane,
        sandbox=sandbox,
        run_id=run_id,
        wait_lock=False,
        shard=shard,
        shard_step=shard_step,
        rate_share=rate_share,
        shard_from=shard_from,
        events=events,
        report_path=report_path,
        junit_path=junit_path,
        html_path=html_path,
        environ=environ,
        notify=notify,
        on_refused=on_refused,
    )


def resume_run(
    run_id: str,
    *,
    secrets: Mapping[str, str] | None = None,
    force: bool = False,
    uncertain: str | None = None,
    membrane: ClientLike | Sequence[str] | None = None,
    sandbox: bool = False,
    wait_lock: bool = False,
    events: Events = (),
    report_path: Path | None = None,
    junit_path: Path | None = None,
    html_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    notify: Notify | None = None,
    ask_secret: Callable[[str], str] | None = None,
) -> RunResult:
    """Continue a stopped run from its journal (`mw resume`): what finished is not run again.

    Secret inputs are never journaled: give them again in `secrets` (or answer
    `ask_secret(name)`). `uncertain` decides a write that was in flight at the stop: "retry"
    runs it again, "skip" treats it as done; without it the resume refuses to guess. `force`
    resumes even though the recipe file changed since the run started. The report covers the
    whole run, with the times at which earlier sessions ran their part.
    """
    from wrapper.records.report import check_outputs
    from wrapper.run.prepare import prepare_resume

    check_outputs(report_path, junit_path, html_path)
    env = os.environ if environ is None else environ
    # Locked before the journal is read: what it says stays true until this session ends.
    with _lock(run_id, create=False, wait=wait_lock, notify=notify) as lock:
        prepared = prepare_resume(
            run_id,
            secrets=secrets,
            force=force,
            uncertain=uncertain,
            environ=env,
            ask_secret=ask_secret,
        )
        return _session(
            prepared,
            run_id=run_id,
            plan=False,
            lock=lock,
            membrane=membrane,
            sandbox=sandbox,
            events=events,
            report_path=report_path,
            junit_path=junit_path,
            html_path=html_path,
            environ=env,
            notify=notify,
        )


def _start(
    recipe: str | Path,
    inputs: Mapping[str, Any] | None,
    *,
    plan: bool,
    text_inputs: Mapping[str, str] | None,
    inputs_file: Path | None,
    connections: Mapping[str, str] | None,
    membrane: ClientLike | Sequence[str] | None,
    sandbox: bool,
    run_id: str | None,
    wait_lock: bool,
    shard: str | None,
    shard_step: str | None,
    rate_share: int | str | None,
    shard_from: str,
    events: Events,
    report_path: Path | None,
    junit_path: Path | None,
    html_path: Path | None,
    environ: Mapping[str, str] | None,
    notify: Notify | None,
    on_refused: Callable[[Report], None] | None,
) -> RunResult:
    from wrapper.records.journal import RUN_ID
    from wrapper.records.report import check_outputs
    from wrapper.run.prepare import check_shard_options, prepare_run
    from wrapper.run.session import refused_report

    if run_id is not None and not RUN_ID.fullmatch(run_id):
        # The id names the run's folder under the state directory: no separators, no dot-dot.
        raise UsageError(
            f"--run-id {run_id!r}: use letters, digits, '.', '_' and '-' (up to 100), "
            "starting with a letter or digit"
        )
    env = os.environ if environ is None else environ
    lock = None
    if run_id is not None and not plan:
        # A chosen id is claimed before anything else, so a second run of it stops at once
        # naming the first; a generated id is new, and is locked when the run begins.
        lock = _lock(run_id, create=True, wait=wait_lock, notify=notify)
    try:
        if lock is not None:
            _claim(lock, notify)
        share = check_shard_options(
            shard, shard_step, None if rate_share is None else str(rate_share), env, shard_from
        )
        check_outputs(report_path, junit_path, html_path)
        try:
            prepared = prepare_run(
                recipe,
                inputs=inputs,
                text_inputs=text_inputs,
                inputs_file=inputs_file,
                connections=connections,
                environ=env,
                shard=shard,
                shard_step=shard_step,
                rate_share=share,
                shard_from=shard_from,
                notify=notify,
            )
        except WrapperError as error:
            refused = refused_report(str(recipe), error, junit_path=junit_path, html_path=html_path)
            if on_refused is not None:
                on_refused(refused)
            raise
        return _session(
            prepared,
            run_id=run_id,
            plan=plan,
            lock=lock,
            membrane=membrane,
            sandbox=sandbox,
            events=events,
            report_path=report_path,
            junit_path=junit_path,
            html_path=html_path,
            environ=env,
            notify=notify,
        )
    finally:
        if lock is not None:
            lock.release()


def _session(
    prepared: Prepared,
    *,
    run_id: str | None,
    plan: bool,
    lock: RunLock | None,
    membrane: ClientLike | Sequence[str] | None,
    sandbox: bool,
    events: Events,
    report_path: Path | None,
    junit_path: Path | None,
    html_path: Path | None,
    environ: Mapping[str, str],
    notify: Notify | None,
) -> RunResult:
    """One run's session, under its lock (taken here for a new run id)."""
    from wrapper.run.engine import new_run_id
    from wrapper.run.session import SessionSpec, run_session

    run_id = run_id or new_run_id()
    own = None
    if not plan and lock is None:
        own = lock = _lock(run_id, create=True, wait=False, notify=notify)
        _claim(lock, notify)
    try:
        spec = SessionSpec(
            loaded=prepared.loaded,
            inputs=prepared.inputs,
            run_id=run_id,
            plan=plan,
            connections=prepared.connections,
            environ=environ,
            resume=prepared.resume,
            shard=prepared.shard,
            sinks=list(events(prepared.loaded) if callable(events) else events),
            report_path=report_path,
            junit_path=junit_path,
            html_path=html_path,
        )
        done = run_session(spec, _client_factory(membrane, sandbox))
    finally:
        if own is not None:
            own.release()
    result = done.result
    return RunResult(
        run_id=result.run_id,
        status=result.status,
        exit_code=result.exit_code,
        outputs=done.masker.mask_value(result.outputs),
        report=done.report,
        recipe=prepared.loaded,
        plan=plan,
        error=done.masker.mask_error(result.error) if result.error else None,
        assertions=result.assertions,
        report_path=report_path,
        junit_path=junit_path,
        html_path=html_path,
    )


def _client_factory(
    membrane: ClientLike | Sequence[str] | None, sandbox: bool
) -> Callable[[Masker], ClientLike]:
    def make(masker: Masker) -> ClientLike:
        if membrane is not None and hasattr(membrane, "run_action"):
            return membrane  # type: ignore[return-value]  # a client object, used as it is
        from wrapper.membrane.client import MembraneClient
        from wrapper.paths import sandbox_command

        if isinstance(membrane, str):
            command = [membrane]
        elif membrane is not None:
            command = [str(word) for word in membrane]
        else:
            command = sandbox_command() if sandbox else ["membrane"]
        return MembraneClient(command, mask=masker.mask)

    return make


def _lock(run_id: str, *, create: bool, wait: bool, notify: Notify | None) -> RunLock:
    """The run's lock; while waiting for it (`wait_lock`), say whom we wait for."""
    from wrapper.run.runlock import lock_run

    def waiting(holder: int | None) -> None:
        if notify is not None:
            who = f"pid {holder}" if holder else "another mw"
            notify(f"waiting for run {run_id}: it is in use by {who}")

    return lock_run(run_id, create=create, wait=wait, on_wait=waiting)


def _claim(lock: RunLock, notify: Notify | None) -> None:
    from wrapper.run.runlock import claim_new_run

    if claim_new_run(lock) and notify is not None:
        notify(
            f"note: run {lock.run_id} never started (it was stopped while writing its first "
            "journal record); starting it afresh under the same id"
        )
