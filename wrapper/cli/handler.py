"""The one place where errors become `Error: ...` lines and exit codes.

Commands never print an error: they raise it (a `WrapperError`, or `CommandFailed` when a run
has finished and earned its own exit code), and `handle_errors` prints it, hands it to the
GitHub reporter when there is one, and exits.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import click

from wrapper.errors import EXIT_BROKEN_PIPE, EXIT_FAILED, EXIT_INTERRUPTED, WrapperError

if TYPE_CHECKING:
    from wrapper.cli.github import GitHubReporter


class CommandFailed(Exception):
    """A command that did its work and ends with `error` and `exit_code` (a run's exit code
    comes from the error's cause, not its class); `reported`: the GitHub reporter has already
    annotated it."""

    def __init__(self, error: WrapperError, exit_code: int, *, reported: bool = False) -> None:
        super().__init__(error.message)
        self.error = error
        self.exit_code = exit_code
        self.reported = reported


def format_error(error: WrapperError) -> str:
    """`Error: message` plus the advice line, as users see it on stderr."""
    lines = [f"Error: {error.message}"]
    if error.advice:
        lines.append(f"  {error.advice}")
    return "\n".join(lines)


def _no_reporter() -> GitHubReporter | None:
    return None


@contextmanager
def handle_errors(
    *, debug: bool, github: Callable[[], GitHubReporter | None] = _no_reporter
) -> Iterator[None]:
    """Turn any `WrapperError` into a message and its exit code; never a traceback unless debug.

    `github` gives the process's GitHub reporter (None outside GitHub Actions), which annotates
    the error. Unexpected exceptions are bugs: they keep their traceback under `--debug`, and
    otherwise print one line that says how to see it. A reader of stdout that left (`| head`)
    is none.
    """
    try:
        yield
        sys.stdout.flush()  # a reader that left shows here, not in the interpreter's last flush
    except CommandFailed as failed:
        _report(failed.error, None if failed.reported else github())
        sys.exit(failed.exit_code)
    except WrapperError as error:
        if debug:
            _print_traceback()
        _report(error, github())
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


def _report(error: WrapperError, github: GitHubReporter | None) -> None:
    click.echo(format_error(error), err=True)
    if github is not None:
        github.error(error)


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
