"""The `mw` command line: a thin click layer over the core.

Subcommand modules are imported only when their command runs, so `mw --version` and `mw --help`
stay fast (DESIGN section 9); this module itself does not even import click (the group lives in
`app.py`). Commands are registered in `commands.py`.
"""

from __future__ import annotations

import sys

from wrapper import __version__
from wrapper.cli.commands import COMMANDS

TYPE_CHECKING = False  # `typing` costs start-up time; type checkers read this branch anyway
if TYPE_CHECKING:
    from typing import Any

__all__ = ["COMMANDS", "main"]


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
