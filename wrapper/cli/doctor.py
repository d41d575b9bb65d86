"""`mw doctor`: is the membrane CLI installed, which one and which generation, logged in?

`mw doctor --probe` goes further: read-only calls that check each assumption mw makes about the
CLI's answers (`wrapper.membrane.probe`), optionally recorded as a redacted transcript.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import click

from wrapper.cli.context import AppContext
from wrapper.cli.render import echo_json, json_option
from wrapper.errors import (
    EXIT_ENVIRONMENT,
    EnvironmentProblem,
    MembraneNotFoundError,
    NotLoggedInError,
    UsageError,
    WrapperError,
    WrongMembraneError,
)
from wrapper.membrane import dialect as dialects
from wrapper.membrane.client import MembraneClient

if TYPE_CHECKING:
    from wrapper.membrane.probe import ProbeResult

OK: Final = "ok"
WARN: Final = "warn"
FAIL: Final = "FAIL"
SKIP: Final = "skip"

_Failed = Callable[[str, WrapperError], None]

EPILOG: Final = """\b
Examples:
  mw doctor
  MW_MEMBRANE='npx -y @membranehq/cli@latest' mw doctor
  mw doctor --json
  mw doctor --probe --record probe.json
  mw doctor --probe <conn> --path /api/v1/accounts/3/contacts

Exits 0 when everything is fine, 4 when a check fails: membrane is missing, is another
program, does not answer as the Membrane CLI does, or is not logged in.

--probe makes read-only calls only (help texts, --version, status, connection list, one
action list page, one action get, a GET that succeeds and one that answers 404) on
CONNECTION or the first READY one, and checks the shape of each answer. --record FILE
writes what the calls printed, with secrets, tokens and e-mail addresses removed.
"""


@dataclass
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""


def _source(app: AppContext) -> str:
    if app.sandbox or os.environ.get("MW_SANDBOX", "") not in ("", "0", "false"):
        return "the offline sandbox (--sandbox)"
    if app.membrane:
        return "--membrane / MW_MEMBRANE"
    return "PATH"


@click.command(epilog=EPILOG)
@click.argument("connection", required=False, metavar="[CONNECTION]")
@click.option("--probe", is_flag=True, help="Also check each assumption mw makes (read-only).")
@click.option(
    "--record",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="With --probe: write a redacted transcript of the calls as JSON.",
)
@click.option("--path", "ok_path", metavar="PATH", help="With --probe: a GET that succeeds.")
@click.option("--missing-path", metavar="PATH", help="With --probe: a GET that answers 404.")
@json_option
@click.pass_obj
def doctor(
    app: AppContext,
    connection: str | None,
    probe: bool,
    record: Path | None,
    ok_path: str | None,
    missing_path: str | None,
    as_json: bool,
) -> None:
    """Check the membrane binary, its version, dialect and login, and say how to fix each."""
    if not probe and (connection or record or ok_path or missing_path):
        raise UsageError(
            "CONNECTION, --record, --path and --missing-path need --probe",
            advice="Run `mw doctor --probe ...`.",
        )
    command = app.membrane_command()
    if probe:
        _probe(app, command, connection, record, ok_path, missing_path, as_json)
        return
    checks, problem = run_checks(command, app.client(), _source(app))
    if as_json:
        echo_json({"ok": problem is None, "checks": [asdict(c) for c in checks]})
    else:
        for check in checks:
            click.echo(f"{check.name:<10} {check.status:<5} {check.detail}")
            if check.fix and check.status in (FAIL, WARN):
                click.echo(f"{'':<16} fix: {check.fix}")
    if problem is not None:
        if problem.exit_code != EXIT_ENVIRONMENT:
            # Whatever failed, what doctor found is the machine's set-up: one documented code.
            raise EnvironmentProblem(problem.message, advice=problem.advice) from problem
        raise problem


def _probe(
    app: AppContext,
    command: list[str],
    connection: str | None,
    record: Path | None,
    ok_path: str | None,
    missing_path: str | None,
    as_json: bool,
) -> None:
    from wrapper import __version__
    from wrapper.membrane import transcript
    from wrapper.membrane.probe import ProbeOptions, run_probe

    binary = dialects.resolve_binary(command)
    if binary is None:
        raise MembraneNotFoundError(
            f"membrane not found: `{command[0]}` (from {_source(app)}) is not an installed program"
        )
    options = ProbeOptions(connection_id=connection, ok_path=ok_path, missing_path=missing_path)
    result = run_probe(app.client(), options)
    if record is not None:
        written = transcript.build(
            command, result.calls, result.checks_json(), mw_version=__version__
        )
        transcript.write(written, record)
    if as_json:
        echo_json(
            {
                "ok": not result.failures,
                "membrane": binary,
                "dialect": result.dialect,
                "connection": result.connection_id,
                "checks": result.checks_json(),
                "calls": len(result.calls),
            }
        )
    else:
        _print_probe(binary, result)
    if record is not None:
        click.echo(
            f"Wrote the transcript of {len(result.calls)} calls to {record} "
            "(secrets, tokens and e-mail addresses removed).",
            err=True,
        )
    if result.failures:
        first = result.failures[0]
        more = len(result.failures) - 1
        raise EnvironmentProblem(
            f"the probe found that {first.name} does not hold: {first.detail}"
            + (f" (and {more} more)" if more else ""),
            advice=first.fix or "See the checks above.",
        )


def _print_probe(binary: str, result: ProbeResult) -> None:
    click.echo(f"{'membrane':<12} {OK:<5} {binary}")
    for check in result.checks:
        click.echo(f"{check.name:<12} {check.status:<5} {check.detail}")
        if check.fix and check.status in (FAIL, WARN):
            click.echo(f"{'':<18} fix: {check.fix}")


def run_checks(
    command: list[str], client: MembraneClient, source: str
) -> tuple[list[Check], WrapperError | None]:
    """Every check in order; the first failure is returned as the error to exit with."""
    checks: list[Check] = []
    binary = dialects.resolve_binary(command)
    shown = " ".join(command)
    if binary is None:
        error = MembraneNotFoundError(
            f"membrane not found: `{command[0]}` (from {source}) is not an installed program"
        )
        checks.append(Check("membrane", FAIL, f"`{shown}` not found", error.advice))
        checks += [Check(name, SKIP, "needs membrane") for name in ("version", "dialect", "login")]
        return checks, error
    extra = f" (run as `{shown}`)" if len(command) > 1 else ""
    checks.append(Check("membrane", OK, f"{binary}{extra}, from {source}"))
    problem: WrapperError | None = None

    def failed(name: str, error: WrapperError) -> None:
        nonlocal problem
        checks.append(Check(name, FAIL, error.message, error.advice))
        problem = problem or error

    try:
        checks.append(Check("version", OK, client.version()))
    except WrapperError as error:
        error.advice = (
            f"Run `{shown} --version` yourself to see what it says; reinstall the Membrane CLI "
            "(npm install -g @membranehq/cli) if it does not answer."
        )
        failed("version", error)
    try:
        how = "forced by MW_MEMBRANE_DIALECT" if dialects.forced_dialect() else "from --help"
        checks.append(Check("dialect", OK, f"{client.dialect} ({how})"))
    except WrapperError as error:
        failed("dialect", error)
    if problem is None:
        _check_login(client, checks, failed)
    else:
        checks.append(Check("login", SKIP, "needs a working membrane"))
    checks += _collision_warning(binary)
    return checks, problem


def _check_login(client: MembraneClient, checks: list[Check], failed: _Failed) -> None:
    try:
        status = client.status()
    except WrapperError as error:
        failed("login", error)
        return
    if status.logged_in is False:
        failed("login", NotLoggedInError("membrane is not logged in"))
        return
    if status.logged_in is None:
        # `status` output has no documented shape: without a clear signal, mw goes on.
        checks.append(
            Check(
                "login",
                WARN,
                "unknown: `membrane status` did not say; calls will tell",
                "Run `membrane status` to see it yourself.",
            )
        )
        return
    where = [
        f"{label} {value}"
        for label, value in (
            ("workspace", status.workspace_key),
            ("tenant", status.tenant_key),
            ("api", status.api_uri),
        )
        if value
    ]
    checks.append(Check("login", OK, "logged in" + (f" ({', '.join(where)})" if where else "")))


def _collision_warning(chosen: str) -> list[Check]:
    """Warn when the `membrane` on PATH is the other program, even if we use another one."""
    on_path = shutil.which("membrane")
    if on_path is None or os.path.realpath(on_path) == chosen:
        return []
    try:
        MembraneClient([on_path]).dialect  # noqa: B018 - reading it runs the probe
    except WrongMembraneError:
        return [
            Check(
                "PATH",
                WARN,
                f"the `membrane` on PATH ({on_path}) is a different program of the same name",
                "Keep MW_MEMBRANE pointing at the Membrane CLI, or remove the other program "
                "from PATH.",
            )
        ]
    except WrapperError:
        return []
    return []
