"""Global options of `mw`, and the membrane client built from them (once per process)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from wrapper.ci import on_github_actions
from wrapper.errors import UsageError

if TYPE_CHECKING:
    from wrapper.cli.github import GitHubReporter
    from wrapper.membrane.client import MembraneClient


def github_reporter(environ: Mapping[str, str] | None = None) -> GitHubReporter | None:
    """The reporter when running under GitHub Actions (the runner sets GITHUB_ACTIONS=true).

    Its module (~4 ms with the summary writer) is imported only there."""
    env = os.environ if environ is None else environ
    if not on_github_actions(env):
        return None
    from wrapper.cli.github import GitHubReporter

    return GitHubReporter(
        workspace=env.get("GITHUB_WORKSPACE") or None,
        summary=env.get("GITHUB_STEP_SUMMARY") or None,
    )


class AppContext:
    """What the global options said; subcommands read it through `click.pass_obj`."""

    # A plain class, not a dataclass: generating a dataclass's methods costs every start.
    __slots__ = ("_client", "_github", "debug", "membrane", "quiet", "sandbox", "verbose")

    def __init__(
        self,
        membrane: str | None = None,
        sandbox: bool = False,
        verbose: bool = False,
        quiet: bool = False,
        debug: bool = False,
    ) -> None:
        self.membrane = membrane
        self.sandbox = sandbox
        self.verbose = verbose
        self.quiet = quiet
        self.debug = debug
        self._client: MembraneClient | None = None
        self._github: list[GitHubReporter | None] = []

    def membrane_command(self) -> list[str]:
        """`--sandbox` wins, then `--membrane`/MW_MEMBRANE (split like a shell), then `membrane`."""
        if self.sandbox or os.environ.get("MW_SANDBOX", "") not in ("", "0", "false"):
            from wrapper.paths import sandbox_command  # pathlib: not for `mw --help`

            return sandbox_command()
        if self.membrane:
            import shlex

            try:
                words = shlex.split(self.membrane)
            except ValueError as error:  # an unclosed quote
                raise UsageError(
                    f"--membrane / MW_MEMBRANE {self.membrane!r}: {error}",
                    advice="Quote it as a shell would, e.g. MW_MEMBRANE='npx -y @membranehq/cli'.",
                ) from None
            if not words:
                raise UsageError("--membrane / MW_MEMBRANE is empty; unset it to use `membrane`")
            return words
        return ["membrane"]

    def client(self) -> MembraneClient:
        if self._client is None:
            from wrapper.membrane.client import MembraneClient

            if self.verbose:
                from wrapper.cli.render import enable_verbose_logging

                enable_verbose_logging()
            self._client = MembraneClient(self.membrane_command())
        return self._client

    def github(self) -> GitHubReporter | None:
        """The process's one GitHub reporter (None outside GitHub Actions): its annotation cap
        counts every annotation this `mw` prints."""
        if not self._github:
            self._github.append(github_reporter())
        return self._github[0]
