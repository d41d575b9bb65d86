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


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("mw sk", "1", ["plain,skills"]),
        ("mw skills in", "2", ["plain,install"]),
        ("mw run --jun", "2", ["plain,--junit"]),
    ],
)
def test_shell_completion_as_docs_ci_documents_it(words, cword, expected):
    env = {"_MW_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    result = CliRunner().invoke(cli, [], prog_name="mw", env=env)
    assert result.exit_code == 0
    assert result.output.splitlines() == expected


def test_completion_scripts_for_each_shell():
    for shell, first in (("bash", "_mw_completion() {"), ("zsh", "#compdef mw")):
        result = CliRunner().invoke(
            cli, [], prog_name="mw", env={"_MW_COMPLETE": f"{shell}_source"}
        )
        assert result.exit_code == 0
        assert first in result.output


def test_version_answers_without_click_exactly_as_click_would(capsys):
    import subprocess
    import sys

    from wrapper import __version__
    from wrapper.cli import main

    assert main(["--version"]) == 0
    fast = capsys.readouterr().out
    assert fast == CliRunner().invoke(cli, ["--version"]).output == f"mw, version {__version__}\n"
    code = "import sys, wrapper.cli; wrapper.cli.main(['--version']); print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout.splitlines()[1]
    assert "'click'" not in loaded and "'wrapper.cli.app'" not in loaded


def test_help_examples_name_shipped_recipes_so_they_work_anywhere():
    """Examples must not assume the repository checkout as the working directory."""
    import re

    texts = []
    for path in (["run"], ["plan"], ["lint"], ["describe"], ["skills", "from-recipe"]):
        result = CliRunner().invoke(cli, [*path, "--help"])
        texts.append(result.stdout)
    assert not any(re.search(r"\brecipes/chatwoot/", text) for text in texts)
    assert all("chatwoot/welcome-contact" in text for text in texts)


def test_run_and_plan_help_import_no_pydantic_and_no_engine():
    import subprocess
    import sys

    for command in ("run", "plan"):
        code = (
            "import sys, wrapper.cli\n"
            f"try: wrapper.cli.main(['{command}', '--help'])\n"
            "except SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'wrapper.run'))))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "Usage: mw" in out.stdout
        assert out.stdout.splitlines()[-1] == "[]"
