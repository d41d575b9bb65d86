"""Every command and subcommand of `mw` shows an example in its `--help` (DESIGN section 4)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from wrapper.cli import COMMANDS, cli


def _all_paths() -> list[tuple[str, ...]]:
    """`()` for `mw` itself, then every command and every subcommand of a group, recursively."""
    paths: list[tuple[str, ...]] = [()]

    def walk(path: tuple[str, ...], command: click.Command) -> None:
        paths.append(path)
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, f"mw {' '.join(path)} lists {name!r} but cannot load it"
                walk((*path, name), sub)

    root = click.Context(cli)
    for name in sorted(COMMANDS):
        command = cli.get_command(root, name)
        assert command is not None, f"COMMANDS[{name!r}] does not load"
        walk((name,), command)
    return paths


PATHS = _all_paths()


def test_every_registered_command_is_walked():
    assert {path[0] for path in PATHS if path} == set(COMMANDS)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "mw " + " ".join(p) if p else "mw")
def test_help_shows_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    heading = next(
        (i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:")), None
    )
    assert heading is not None, f"`mw {' '.join(path)} --help` has no Example(s): section"
    examples = [line.strip() for line in lines[heading + 1 :] if line.strip()]
    assert examples and examples[0].startswith("mw "), (
        f"`mw {' '.join(path)} --help`: the Examples section starts with {examples[:1]}"
    )


def test_mw_without_arguments_shows_help():
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")
    assert "Examples:" in result.output
