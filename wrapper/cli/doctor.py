"""`mw doctor`: is the membrane CLI installed, which one and which generation, logged in?"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Final

import click

from wrapper.cli.context import AppContext
from wrapper.cli.render import echo_json, json_option
from wrapper.errors import (
    EXIT_ENVIRONMENT,
    EnvironmentProblem,
    MembraneNotFoundError,
    NotLoggedInError,
    WrapperError,
    WrongMembraneError,
)
from wrapper.membrane import dialect as dialects
from wrapper.membrane.client import MembraneClient

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

Exits 0 when everything is fine, 4 when a check fails: membrane is missing, is another
program, does not answer as the Membrane CLI does, or is not logged in.
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
@json_option
@click.pass_obj
def doctor(app: AppContext, as_json: bool) -> None:
    """Check the membrane binary, its version, dialect and login, and say how to fix each."""
    command = app.membrane_command()
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
