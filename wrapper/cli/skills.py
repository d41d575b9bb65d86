"""`mw skills list|install|uninstall|validate|from-recipe`: Claude Code skills for mw."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar

import click

from wrapper.cli.complete import complete_recipe, complete_skill
from wrapper.cli.render import echo_listing, echo_table, json_option
from wrapper.errors import SkillError, UsageError
from wrapper.paths import project_skills_dir
from wrapper.skills import (
    RECORD_FILE,
    bundled_names,
    bundled_skills_dir,
    default_scopes,
    install_skills,
    list_skills,
    skill_from_recipe,
    uninstall_skills,
    validate_skill,
)

F = TypeVar("F", bound=Callable[..., Any])

EPILOG: Final = f"""\b
Examples:
  mw skills list
  mw skills install --all                    # into ~/.claude/skills (your own skills)
  mw skills install chatwoot mw --scope project
  mw skills validate
  mw skills from-recipe chatwoot/welcome-contact

mw records what it installed in {RECORD_FILE} inside the target folder; uninstall removes
only what that record lists.
"""


@click.group(epilog=EPILOG)
def skills() -> None:
    """List, install and validate Claude Code skills."""


def _not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    # `--dest ""` (an unset variable in a script) would otherwise mean the working directory.
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("is empty; give a folder (. for this one)")
    return Path(value)


def _target_options(func: F) -> F:
    func = click.option(
        "--dest",
        callback=_not_empty,
        metavar="DIR",
        help="A skills folder of your choice instead of a scope.",
    )(func)
    return click.option(
        "--scope",
        type=click.Choice(["user", "project"]),
        help="user: ~/.claude/skills (default); project: .claude/skills in this folder.",
    )(func)


def _target(scope: str | None, dest: Path | None) -> Path:
    if scope and dest:
        raise UsageError("--scope and --dest cannot be used together; pick one")
    return dest if dest is not None else default_scopes()[scope or "user"]


@skills.command(
    "list",
    epilog="""\b
Examples:
  mw skills list
  mw skills list --json

INSTALLED shows where mw installed each skill (user, project); a `*` marks a copy that was
edited since.
""",
)
@json_option
def list_(as_json: bool) -> None:
    """List the bundled skills and where mw installed them."""
    found = list_skills()
    if as_json:
        echo_listing(
            {
                "skills": [
                    {
                        "name": s.name,
                        "description": s.description,
                        "path": str(s.path),
                        "bundled": s.bundled,
                        "installed": [
                            {"scope": c.scope, "path": str(c.path), "modified": c.modified}
                            for c in s.installed
                        ],
                    }
                    for s in found
                ]
            }
        )
        return
    rows = [
        (
            s.name if s.bundled else f"{s.name} (generated)",
            ", ".join(c.scope + ("*" if c.modified else "") for c in s.installed) or "-",
            s.description,
        )
        for s in found
    ]
    echo_table(("name", "installed", "description"), rows, empty="No skills found.")


@skills.command(
    "install",
    epilog="""\b
Examples:
  mw skills install --all
  mw skills install chatwoot chatra --scope project
  mw skills install mw --dest ./my-skills --force

Each skill is copied to a temporary folder beside the target, validated, then renamed into
place, so a failure never leaves a half-written skill. An existing folder is replaced only
with --force. Claude Code sees a new skills folder after a restart.
""",
)
@click.argument("names", nargs=-1, metavar="NAME...", shell_complete=complete_skill)
@click.option("--all", "all_", is_flag=True, help="Install every bundled skill.")
@_target_options
@click.option("--force", is_flag=True, help="Replace skills that are already there.")
def install(
    names: tuple[str, ...], all_: bool, scope: str | None, dest: Path | None, force: bool
) -> None:
    """Install bundled skills into a Claude Code skills folder."""
    if all_ and names:
        raise UsageError("give skill names or --all, not both")
    if not all_ and not names:
        raise UsageError(
            "name the skills to install, or pass --all",
            advice=f"Bundled skills: {', '.join(bundled_names())}.",
        )
    target = _target(scope, dest)
    for done in install_skills(None if all_ else list(names), target, force=force):
        verb = "Replaced" if done.replaced else "Installed"
        click.echo(f"{verb} {done.name} in {done.path}")


@skills.command(
    "uninstall",
    epilog="""\b
Examples:
  mw skills uninstall chatwoot
  mw skills uninstall mw chatra --scope project

Removes only skills that mw's install record lists for that folder; a copy edited since it
was installed is kept unless --force is given.
""",
)
@click.argument("names", nargs=-1, required=True, metavar="NAME...", shell_complete=complete_skill)
@_target_options
@click.option("--force", is_flag=True, help="Remove copies that were edited since install.")
def uninstall(names: tuple[str, ...], scope: str | None, dest: Path | None, force: bool) -> None:
    """Remove skills that mw installed."""
    for path in uninstall_skills(list(names), _target(scope, dest), force=force):
        click.echo(f"Removed {path}")


@skills.command(
    "validate",
    epilog="""\b
Examples:
  mw skills validate                       # every bundled skill
  mw skills validate ./my-skill .claude/skills/*

Checks SKILL.md: frontmatter opened and closed by `---`, a YAML mapping with only the six
portable keys (name, description, license, compatibility, metadata, allowed-tools), the name
rules and that name equals the folder name, the length limits, metadata values as strings, a
body under 500 lines, and that links and symlinks stay inside the skill. Prints one line per
problem, `path: message`; exits 0 when all are valid, 2 otherwise.
""",
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH...]")
def validate(paths: tuple[Path, ...]) -> None:
    """Check skill folders against the Agent Skills rules."""
    folders = list(paths) or [bundled_skills_dir() / n for n in bundled_names()]
    failed = 0
    count = 0
    for folder in folders:
        problems = validate_skill(folder)
        shown = str(folder) if paths else _shown(folder)
        for problem in problems:
            click.echo(f"{shown}: {problem}")
            count += 1
        if problems:
            failed += 1
        else:
            click.echo(f"{shown}: valid")
    if failed:
        raise SkillError(
            f"{count} problem{'s' * (count != 1)} in {failed} of {len(folders)} "
            f"skill{'s' * (len(folders) != 1)}"
        )


@skills.command(
    "from-recipe",
    epilog=f"""\b
Examples:
  mw skills from-recipe chatwoot/welcome-contact
  mw skills from-recipe my-recipe.yaml --name weekly-report --dest ~/.claude/skills

Writes <DIR>/<NAME>/SKILL.md (default DIR: {project_skills_dir()}, NAME from the recipe's
name): the recipe's inputs, connections, steps and outputs, the exact `mw plan` and `mw run`
commands with `--events -`, and the exit codes. The skill is recorded like an installed one.
""",
)
@click.argument(
    "recipe", type=click.Path(dir_okay=False, path_type=Path), shell_complete=complete_recipe
)
@click.option(
    "--dest",
    callback=_not_empty,
    metavar="DIR",
    help=f"The skills folder to write into (default: {project_skills_dir()}).",
)
@click.option("--name", help="The skill's name (default: from the recipe's name).")
@click.option("--force", is_flag=True, help="Replace a skill of that name.")
def from_recipe(recipe: Path, dest: Path | None, name: str | None, force: bool) -> None:
    """Write a skill that runs one recipe with mw."""
    target = dest if dest is not None else project_skills_dir()
    folder = skill_from_recipe(recipe, target, name=name, force=force)
    click.echo(f"Wrote {folder / 'SKILL.md'}")


def _shown(path: Path) -> str:
    """Bundled paths under the working directory are shown relative to it, others in full."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
