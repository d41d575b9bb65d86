"""`mw run` and `mw plan`: resolve inputs, run the engine, render progress and reports."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

import click

from wrapper.cli.complete import complete_recipe
from wrapper.cli.context import AppContext
from wrapper.cli.handler import CommandFailed
from wrapper.cli.page import completed, html_option, refused_report, write_page
from wrapper.cli.render import file_option, parse_pairs
from wrapper.errors import EXIT_INTERRUPTED, UsageError, WrapperError
from wrapper.records import events as ev

if TYPE_CHECKING:
    from wrapper.recipe.loader import LoadedRecipe
    from wrapper.recipe.shard import Shard
    from wrapper.run.resume import ResumePlan
    from wrapper.run.runlock import RunLock

RUN_EPILOG = """\b
Examples:
  mw --sandbox run chatwoot/welcome-contact -i email=ada@example.com
  mw run recipe.yaml --inputs inputs.yaml --connection chatwoot=conn_123
  mw run recipe.yaml -i labels='["vip","new"]' -i contacts=@contacts.csv --json
  mw run recipe.yaml --events - --quiet | jq -c 'select(.event=="step_finish")'
  mw run recipe.yaml --report run.json --junit junit.xml --html run.html
  mw run recipe.yaml --shard 2/4 --report shard-2.json   # then: mw runs merge shard-*.json

\b
Exit codes: 0 ok · 1 a step failed · 2 invalid recipe or inputs (nothing ran) ·
3 an assert failed · 4 environment (membrane missing, not logged in, connection
needs a person) · 130 interrupted.
"""

PLAN_EPILOG = """\b
Read steps run for real; write steps are not run and their command is printed
(secrets masked). Outputs of a write not run read <unknown: steps.x.outputs.y>.

\b
Examples:
  mw --sandbox plan chatwoot/welcome-contact -i email=ada@example.com
  mw plan recipe.yaml --inputs inputs.yaml --json
"""


def _options(func: Any) -> Any:
    options = [
        click.argument("recipe", metavar="RECIPE", shell_complete=complete_recipe),
        click.option(
            "-i",
            "--input",
            "given",
            multiple=True,
            metavar="NAME=VALUE",
            help="An input value, parsed by its type (JSON for lists and objects); "
            "NAME=@FILE reads a file (.json, .yaml, .csv for a list of rows).",
        ),
        click.option(
            "--inputs",
            "inputs_file",
            type=click.Path(dir_okay=False, path_type=Path),
            metavar="FILE",
            help="A YAML or JSON file of input values (-i wins over it).",
        ),
        click.option(
            "--connection",
            "connections",
            multiple=True,
            metavar="NAME=ID",
            help="Use this connection id instead of ensuring the recipe's connection NAME.",
        ),
        click.option(
            "--json", "as_json", is_flag=True, help="Print the final report as JSON on stdout."
        ),
        file_option(
            "--report", "report_path", "Write the JSON report (schema: `mw schema report`)."
        ),
        file_option(
            "--junit", "junit_path", "Write JUnit XML: a testcase per step or per foreach item."
        ),
        html_option,
        click.option(
            "--events",
            "events_to",
            metavar="-|FILE",
            help="Stream NDJSON events (run, step, item, call start/finish) to stdout or FILE.",
        ),
        click.option("--run-id", "run_id", metavar="ID", help="Name the run (default: generated)."),
        click.option(
            "--shard",
            "shard_spec",
            metavar="I/N",
            help="Run only shard I of N of the largest foreach (a CI matrix job each); "
            "`auto` reads the CI engine's variables (`auto/N` for a Kubernetes Indexed Job); "
            "default: $MW_SHARD. Join the shards' --report files with `mw runs merge`.",
        ),
        click.option(
            "--rate-share",
            "rate_share",
            metavar="auto|K",
            help="With --shard: divide each connection's rate_limit by K in this job "
            "(default auto: by N, shards sharing one account); 1 when each shard has its "
            "own credentials.",
        ),
        click.option(
            "--shard-step",
            "shard_step",
            metavar="ID",
            help="With --shard: the top-level foreach step to split (default: the largest "
            "foreach over inputs, or the only one).",
        ),
        click.option("--quiet", "-q", "quiet", is_flag=True, help="Print only the result."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


WAIT_LOCK_HELP = (
    "When another mw runs or resumes this run id, wait for it to end instead of failing."
)


@click.command(epilog=RUN_EPILOG)
@_options
@click.option("--wait-lock", "wait_lock", is_flag=True, help=WAIT_LOCK_HELP)
@click.pass_obj
def run(obj: AppContext, /, **kwargs: Any) -> None:
    """Run a recipe: every step for real, then outputs and assertions."""
    _execute(obj, plan=False, **kwargs)


@click.command(epilog=PLAN_EPILOG)
@_options
@click.pass_obj
def plan(obj: AppContext, /, **kwargs: Any) -> None:
    """Show what a recipe would do: reads run, writes are printed, not run."""
    _execute(obj, plan=True, **kwargs)


def _execute(
    obj: AppContext,
    *,
    plan: bool,
    recipe: str,
    given: tuple[str, ...],
    inputs_file: Path | None,
    connections: tuple[str, ...],
    as_json: bool,
    report_path: Path | None,
    junit_path: Path | None,
    html_path: Path | None,
    events_to: str | None,
    run_id: str | None,
    quiet: bool,
    shard_spec: str | None,
    shard_step: str | None,
    rate_share: str | None,
    wait_lock: bool = False,
) -> None:
    quiet = quiet or obj.quiet
    from wrapper.records.journal import RUN_ID

    if run_id is not None and not RUN_ID.fullmatch(run_id):
        # The id names the run's folder under the state directory: no separators, no dot-dot.
        raise UsageError(
            f"--run-id {run_id!r}: use letters, digits, '.', '_' and '-' (up to 100), "
            "starting with a letter or digit"
        )
    lock = None
    if run_id is not None and not plan:
        # A chosen id is claimed before anything else, so a second `mw run` of it stops at once
        # naming the first; a generated id is new, and is locked when the run begins.
        lock = take_lock(run_id, create=True, wait=wait_lock, quiet=quiet)
    try:
        if lock is not None:
            _claim(lock, quiet=quiet)
        if as_json and events_to == "-":
            raise UsageError("--json and --events - both want stdout; send events to a file")
        shard_name = "--shard"
        if shard_spec is None and os.environ.get("MW_SHARD", "").strip():
            shard_spec, shard_name = os.environ["MW_SHARD"], "MW_SHARD"
        for option, value in (("--shard-step", shard_step), ("--rate-share", rate_share)):
            if value is not None and shard_spec is None:
                raise UsageError(f"{option} needs --shard I/N")
        share = None
        if shard_spec is not None:
            from wrapper.recipe.shard import parse_rate_share, resolve_spec

            # A typo, or `auto` without its variables, fails before the recipe is even read.
            resolve_spec(shard_spec, os.environ, shard_name)
            share = parse_rate_share(rate_share) if rate_share is not None else None
        from wrapper.records.report import check_outputs

        check_outputs(report_path, junit_path, html_path)
        with _failure_recorded(obj, recipe, junit_path, html_path):
            loaded, inputs, overrides, shard = _prepare(
                recipe, given, inputs_file, connections, shard_spec, shard_step, quiet
            )
            if shard is not None:
                shard = _shard_options(shard, shard_name, share, loaded, quiet=quiet)
        run_loaded(
            obj,
            loaded,
            inputs,
            overrides,
            plan=plan,
            run_id=run_id,
            as_json=as_json,
            report_path=report_path,
            junit_path=junit_path,
            html_path=html_path,
            events_to=events_to,
            quiet=quiet,
            shard=shard,
            lock=lock,
        )
    finally:
        if lock is not None:
            lock.release()


def take_lock(run_id: str, *, create: bool, wait: bool, quiet: bool) -> RunLock:
    """The run's lock; while waiting for it (`--wait-lock`), say whom we wait for."""
    from wrapper.run.runlock import lock_run

    def waiting(holder: int | None) -> None:
        if not quiet:
            who = f"pid {holder}" if holder else "another mw"
            click.echo(f"waiting for run {run_id}: it is in use by {who}", err=True)

    return lock_run(run_id, create=create, wait=wait, on_wait=waiting)


def _claim(lock: RunLock, *, quiet: bool) -> None:
    from wrapper.run.runlock import claim_new_run

    if claim_new_run(lock) and not quiet:
        click.echo(
            f"note: run {lock.run_id} never started (it was stopped while writing its first "
            "journal record); starting it afresh under the same id",
            err=True,
        )


@contextmanager
def _failure_recorded(
    obj: AppContext, recipe: str, junit_path: Path | None, html_path: Path | None = None
) -> Iterator[None]:
    """A run refused before its first step (lint, inputs) still leaves a red JUnit file, HTML
    page and job summary, so CI shows the failure where it looks for it."""
    try:
        yield
    except WrapperError as error:
        from wrapper.records.report import junit_xml, write_text

        report = refused_report(recipe, error)
        if junit_path is not None:
            write_text(junit_path, junit_xml(report) + "\n")
        write_page(report, html_path)
        github = obj.github()
        if github is not None:
            # The handler annotates the error itself, at each problem's line.
            github.replay(report, annotate=False)
        raise


def _prepare(
    recipe: str,
    given: tuple[str, ...],
    inputs_file: Path | None,
    connections: tuple[str, ...],
    shard_spec: str | None,
    shard_step: str | None,
    quiet: bool,
) -> tuple[LoadedRecipe, dict[str, Any], dict[str, str], Shard | None]:
    """The recipe loaded and linted, its inputs resolved, overrides and the shard checked."""
    from wrapper.recipe.inputs import load_inputs_file, resolve_inputs
    from wrapper.recipe.lint import check_recipe
    from wrapper.recipe.loader import load_recipe, recipe_argument

    loaded = load_recipe(recipe_argument(recipe))
    # What `mw lint` calls an error stops the run before any call: a reference to a later step,
    # a sub-recipe cycle, `index` outside a foreach. Warnings are lint's to show.
    check_recipe(loaded)
    specs = loaded.recipe.inputs
    values = load_inputs_file(inputs_file) if inputs_file else {}
    inputs = resolve_inputs(
        specs, given=parse_pairs(given, "-i"), values=values, environ=os.environ
    )
    overrides = parse_pairs(connections, "--connection")
    unknown = [name for name in overrides if name not in loaded.recipe.connections]
    if unknown:
        declared = ", ".join(loaded.recipe.connections) or "none"
        raise UsageError(
            f"--connection {unknown[0]}: the recipe declares no such connection "
            f"(it declares: {declared})"
        )
    shard = None
    if shard_spec is not None:
        from wrapper.recipe.shard import choose_step, outside_writes

        shard = choose_step(loaded.recipe, inputs, os.environ, shard_spec, shard_step)
        writes = outside_writes(loaded.recipe, shard)
        if writes and not quiet:
            click.echo(
                f"warning: write step{'s' if len(writes) > 1 else ''} {', '.join(writes)} "
                f"run{'' if len(writes) > 1 else 's'} in every shard (only {shard.step_id!r} "
                "is split)",
                err=True,
            )
    return loaded, inputs, overrides, shard


def _shard_options(
    shard: Shard, name: str, share: int | None, loaded: LoadedRecipe, *, quiet: bool
) -> Shard:
    """The shard with its rate share; says what chose it and each connection's rate here."""
    from dataclasses import replace

    from wrapper.run.ratelimit import rate_notes

    shard = replace(shard, rate_share=share)
    source = shard.chosen_by() or (name if name != "--shard" else None)
    if not quiet and source:
        click.echo(f"[shard] {shard.label} from {source}", err=True)
    for note in [] if quiet else rate_notes(loaded.recipe.connections, shard):
        click.echo(f"[rate] {note}", err=True)
    return shard


def run_loaded(
    obj: AppContext,
    loaded: LoadedRecipe,
    inputs: dict[str, Any],
    overrides: dict[str, str],
    *,
    plan: bool,
    run_id: str | None,
    as_json: bool,
    report_path: Path | None,
    junit_path: Path | None,
    events_to: str | None,
    quiet: bool,
    html_path: Path | None = None,
    resume: ResumePlan | None = None,
    shard: Shard | None = None,
    lock: RunLock | None = None,
) -> None:
    """Run (or resume) a loaded recipe with resolved inputs, render it and exit.

    A run (not a plan) holds its run's lock for the whole session: `lock` when the caller took
    it, else one taken here for a new run id.
    """
    from wrapper.membrane.client import MembraneClient
    from wrapper.recipe.inputs import secret_values
    from wrapper.records.journal import Journal
    from wrapper.records.report import EventWriter, ReportBuilder, write_junit, write_report
    from wrapper.run.engine import Engine, RunOptions, new_run_id
    from wrapper.run.ratelimit import RateLimiter
    from wrapper.secrets import Masker

    run_id = run_id or new_run_id()
    if not plan and lock is None:
        lock = take_lock(run_id, create=True, wait=False, quiet=quiet)
        _claim(lock, quiet=quiet)
    try:
        specs = loaded.recipe.inputs
        masker = Masker(secret_values(specs, inputs))
        if obj.verbose:
            from wrapper.cli.render import enable_verbose_logging

            enable_verbose_logging()
        client = MembraneClient(obj.membrane_command(), mask=masker.mask)
        builder = ReportBuilder()
        with ExitStack() as stack:
            sinks: list[ev.EventSink] = [builder]
            if not plan:
                journal = Journal(run_id)
                stack.callback(journal.close)
                if resume is not None:
                    journal.write(resume.record())
                sinks.append(journal)
            if events_to:
                sinks.append(EventWriter(stack.enter_context(_open_events(events_to))))
            if not quiet:
                sinks.append(_view(stack))
            github = obj.github()
            if github is not None:
                sinks.append(github.run_sink(loaded))
            share = shard.rate_divisor if shard is not None else 1
            limiter = RateLimiter(loaded.recipe.connections, share=share)
            engine = Engine(
                loaded,
                inputs,
                client,
                masker=masker,
                sinks=sinks,
                options=RunOptions(
                    run_id=run_id,
                    plan=plan,
                    connections=overrides,
                    environ=os.environ,
                    resume=resume,
                    shard=shard,
                    before_call=limiter.before_call,
                    on_call_error=limiter.after_error,
                ),
            )
            with _sigterm_as_interrupt():
                result = engine.run()
        report = completed(builder.report(), resume)
        if report_path:
            write_report(report, report_path)
        if junit_path:
            write_junit(report, junit_path)
        write_page(report, html_path, recipe=loaded.recipe, mask=masker.mask)
        if as_json:
            click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        elif events_to != "-":
            _print_outputs(masker.mask_value(result.outputs))
        if result.error is not None:
            if result.exit_code == EXIT_INTERRUPTED and not plan:
                result.error.advice = f"The journal is kept; continue with: mw resume {run_id}"
            raise CommandFailed(
                masker.mask_error(result.error), result.exit_code, reported=github is not None
            )
        sys.exit(result.exit_code)
    finally:
        if lock is not None:
            lock.release()


def _print_outputs(outputs: dict[str, Any]) -> None:
    for name, value in outputs.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        click.echo(f"{name}: {shown}")


@contextmanager
def _open_events(target: str) -> Iterator[IO[str]]:
    if target == "-":
        yield sys.stdout
        return
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("w", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--events: cannot write {path}: {error.strerror or error}") from None
    with handle:
        yield handle


def _view(stack: ExitStack) -> ev.EventSink:
    stream = sys.stderr
    if stream.isatty() and os.environ.get("TERM") != "dumb":
        from wrapper.cli.console import LiveView

        live = LiveView(stream)
        stack.callback(live.close)
        return live
    from wrapper.cli.console import PlainView

    return PlainView(stream)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (CI cancelling a job) stops the run the way Ctrl-C does."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
