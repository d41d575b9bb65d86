"""`mw run` and `mw plan`: resolve inputs, run the engine, render progress and reports."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

import click

from wrapper.cli.complete import complete_recipe
from wrapper.cli.context import AppContext
from wrapper.cli.handler import CommandFailed
from wrapper.cli.page import html_option
from wrapper.cli.render import file_option, parse_pairs
from wrapper.errors import EXIT_INTERRUPTED, UsageError
from wrapper.records import events as ev

if TYPE_CHECKING:
    from wrapper import api
    from wrapper.recipe.loader import LoadedRecipe
    from wrapper.records.report import Report

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
    from wrapper import api

    quiet = quiet or obj.quiet
    if as_json and events_to == "-":
        raise UsageError("--json and --events - both want stdout; send events to a file")
    shard_from = "--shard"
    if shard_spec is None and os.environ.get("MW_SHARD", "").strip():
        shard_spec, shard_from = os.environ["MW_SHARD"], "MW_SHARD"
    start = api.plan_recipe if plan else partial(api.run_recipe, wait_lock=wait_lock)
    with ExitStack() as stack:
        result = start(
            recipe,
            text_inputs=parse_pairs(given, "-i"),
            inputs_file=inputs_file,
            connections=parse_pairs(connections, "--connection"),
            membrane=membrane_argv(obj),
            run_id=run_id,
            shard=shard_spec,
            shard_step=shard_step,
            rate_share=rate_share,
            shard_from=shard_from,
            events=partial(event_sinks, stack, obj, events_to, quiet),
            report_path=report_path,
            junit_path=junit_path,
            html_path=html_path,
            environ=os.environ,
            notify=None if quiet else echo_notice,
            on_refused=partial(_summarise_refused, obj),
        )
    render_result(obj, result, as_json=as_json, events_to=events_to)


def membrane_argv(obj: AppContext) -> list[str]:
    """The membrane argv from the global options (and `-v` turns logging on first)."""
    if obj.verbose:
        from wrapper.cli.render import enable_verbose_logging

        enable_verbose_logging()
    return obj.membrane_command()


def echo_notice(line: str) -> None:
    click.echo(line, err=True)


def _summarise_refused(obj: AppContext, report: Report) -> None:
    github = obj.github()
    if github is not None:
        # The handler annotates the error itself, at each problem's line.
        github.replay(report, annotate=False)


def event_sinks(
    stack: ExitStack, obj: AppContext, events_to: str | None, quiet: bool, loaded: LoadedRecipe
) -> list[ev.EventSink]:
    """Where a run's events go besides its report and journal: --events, the progress view,
    the GitHub reporter.

    The API calls this when the run starts, so a run refused before that (a bad input)
    leaves no events file and draws nothing. SIGTERM (CI cancelling a job) stops the run the
    way Ctrl-C does while the stack is open.
    """
    from wrapper.records.report import EventWriter

    stack.enter_context(_sigterm_as_interrupt())
    sinks: list[ev.EventSink] = []
    if events_to:
        sinks.append(EventWriter(stack.enter_context(_open_events(events_to))))
    if not quiet:
        sinks.append(_view(stack))
    github = obj.github()
    if github is not None:
        sinks.append(github.run_sink(loaded))
    return sinks


def render_result(
    obj: AppContext, result: api.RunResult, *, as_json: bool, events_to: str | None
) -> None:
    """Print a run's outcome as `mw run` does, then exit with its code (the handler prints
    the error)."""
    if as_json:
        click.echo("".join(result.report.json_chunks()))
    elif events_to != "-":
        _print_outputs(result.outputs)
    if result.error is not None:
        if result.exit_code == EXIT_INTERRUPTED and not result.plan:
            advice = f"The journal is kept; continue with: mw resume {result.run_id}"
            result.error.advice = advice
        github = obj.github()
        raise CommandFailed(result.error, result.exit_code, reported=github is not None)
    sys.exit(result.exit_code)


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
