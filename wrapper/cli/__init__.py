"""The `mw` command line: a thin click layer over the core.

Subcommand modules are imported only when their command runs, so `mw --version` and `mw --help`
stay fast (DESIGN section 9); this module itself does not even import click (the group lives in
`app.py`). Register a command in `COMMANDS` as `name: "module:attribute"`.
"""

from __future__ import annotations

import sys

from wrapper import __version__

TYPE_CHECKING = False  # `typing` costs start-up time; type checkers read this branch anyway
if TYPE_CHECKING:
    from typing import Any, Final

COMMANDS: Final[dict[str, tuple[str, str]]] = {
    # name: (module:attribute, one-line help shown by `mw --help` without importing the module)
    "doctor": ("wrapper.cli.doctor:doctor", "Check the membrane binary, its dialect and login."),
    "connections": ("wrapper.cli.connections:connections", "List or ensure Membrane connections."),
    "actions": ("wrapper.cli.actions:actions", "List, inspect and run actions of a connection."),
    "request": ("wrapper.cli.request:request", "Send an HTTP request through a connection."),
    "sandbox": ("wrapper.cli.sandbox:sandbox", "Inspect, reset or seed the offline sandbox."),
    "run": ("wrapper.cli.run:run", "Run a recipe."),
    "runs": ("wrapper.cli.runs:runs", "List journaled runs, or show one run's steps and items."),
    "resume": ("wrapper.cli.resume:resume", "Resume a stopped run from its journal."),
    "plan": ("wrapper.cli.run:plan", "Show what a recipe would do: reads run, writes are printed."),
    "lint": ("wrapper.cli.lint:lint", "Check recipes without running them."),
    "describe": ("wrapper.cli.describe:describe", "Show a recipe's inputs, steps and outputs."),
    "schema": ("wrapper.cli.schema:schema", "Print the JSON Schema of recipes or reports."),
    "skills": ("wrapper.cli.skills:skills", "List, install and validate Claude Code skills."),
}


def main(argv: list[str] | None = None) -> Any:
    """Console entry point; errors are handled inside the group (`LazyGroup.invoke`)."""
    args = argv if argv is not None else sys.argv[1:]
    if args == ["--version"]:
        # Nothing to parse: answer without importing click (about half of mw's start-up).
        try:
            sys.stdout.write(f"mw, version {__version__}\n")
            sys.stdout.flush()
        except BrokenPipeError:
            from wrapper.cli.handler import exit_broken_pipe

            exit_broken_pipe()
        return 0
    from wrapper.cli.app import cli

    return cli.main(args=args, prog_name="mw")


def __getattr__(name: str) -> Any:
    """`from wrapper.cli import cli` (and `LazyGroup`) load the click group on first use."""
    if name in ("cli", "LazyGroup"):
        from wrapper.cli import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
