"""The one place where errors become `Error: ...` lines and exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from wrapper.errors import EXIT_BROKEN_PIPE, EXIT_FAILED, EXIT_INTERRUPTED, WrapperError


def format_error(error: WrapperError) -> str:
    """`Error: message` plus the advice line, as users see it on stderr."""
    lines = [f"Error: {error.message}"]
    if error.advice:
        lines.append(f"  {error.advice}")
    return "\n".join(lines)


@contextmanager
def handle_errors(*, debug: bool) -> Iterator[None]:
    """Turn any `WrapperError` into a message and its exit code; never a traceback unless debug.

    Unexpected exceptions are bugs: they keep their traceback under `--debug`, and otherwise
    print one line that says how to see it. A reader of stdout that left (`| head`) is none.
    """
    try:
        yield
        sys.stdout.flush()  # a reader that left shows here, not in the interpreter's last flush
    except WrapperError as error:
        if debug:
            _print_traceback()
        click.echo(format_error(error), err=True)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            from wrapper.cli.github import annotate_error

            annotate_error(error)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        exit_broken_pipe()
    except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
        raise
    except Exception as error:  # the last line of defence before the user
        if debug:
            _print_traceback()
        else:
            click.echo(
                f"Error: unexpected {type(error).__name__}: {error}\n"
                "  This is a bug in mw; run again with --debug for the traceback and report it.",
                err=True,
            )
        sys.exit(EXIT_FAILED)


def exit_broken_pipe() -> NoReturn:
    """The reader of stdout left (`mw ... | head -1`): stop quietly with 141, as Unix tools do."""
    silence_stdout()
    sys.exit(EXIT_BROKEN_PIPE)


def silence_stdout() -> None:
    """Point stdout at os.devnull, so what is still buffered cannot fail a second time when
    the interpreter flushes it on the way out ("Exception ignored ... BrokenPipeError")."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test runner's buffer): no last flush can fail
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _print_traceback() -> None:
    import traceback  # only under --debug: every start-up would pay for it otherwise

    traceback.print_exc(file=sys.stderr)
