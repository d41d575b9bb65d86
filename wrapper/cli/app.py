"""The `mw` click group: global options, and subcommands loaded from `COMMANDS` when used."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import click

from wrapper import __version__
from wrapper.cli.commands import COMMANDS
from wrapper.cli.context import AppContext, github_reporter
from wrapper.cli.handler import exit_broken_pipe, handle_errors

if TYPE_CHECKING:
    from wrapper.cli.github import GitHubReporter


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module_name, attr = spec[0].split(":")
        module = __import__(module_name, fromlist=[attr])
        command: click.Command = getattr(module, attr)
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `mw --help` and `mw -v --version` print while parsing, before `invoke` handles errors;
        # click would exit 1 when the reader left, and 1 means a call failed.
        try:
            return super().parse_args(ctx, args)
        except BrokenPipeError:
            exit_broken_pipe()

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        with handle_errors(debug=debug, github=lambda: _github(ctx)):
            return super().invoke(ctx)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _github(ctx: click.Context) -> GitHubReporter | None:
    if isinstance(ctx.obj, AppContext):
        return ctx.obj.github()
    return github_reporter()  # an error before the options were read


EPILOG: Final = """\b
Examples:
  mw --sandbox connections ensure chatwoot
  mw --sandbox actions list --connection <id> --intent "list conversations"
  mw doctor
"""


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    epilog=EPILOG,
    # Subcommands' contexts inherit these, so `-h` works wherever `--help` does.
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="mw")
@click.option(
    "--membrane",
    "membrane",
    metavar="CMD",
    envvar="MW_MEMBRANE",
    help="The membrane command to run (may be several words, e.g. 'npx -y @membranehq/cli'). "
    "Env: MW_MEMBRANE. Default: `membrane` on PATH.",
)
@click.option(
    "--sandbox",
    is_flag=True,
    envvar="MW_SANDBOX",
    help="Talk to the offline sandbox instead of the real membrane. Env: MW_SANDBOX=1.",
)
@click.option("--verbose", "-v", is_flag=True, help="Show each membrane command (secrets masked).")
@click.option("--quiet", "-q", is_flag=True, help="Print only results and errors.")
@click.option("--debug", is_flag=True, envvar="MW_DEBUG", help="Show tracebacks on errors.")
@click.pass_context
def cli(
    ctx: click.Context,
    membrane: str | None,
    sandbox: bool,
    verbose: bool,
    quiet: bool,
    debug: bool,
) -> None:
    """mw runs Membrane actions and YAML recipes, safely and fast.

    It drives the `membrane` CLI (or its offline sandbox) for Chatwoot, Chaport, Chatra and
    any other app Membrane connects to.
    """
    ctx.obj = AppContext(
        membrane=membrane, sandbox=sandbox, verbose=verbose, quiet=quiet, debug=debug
    )
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
