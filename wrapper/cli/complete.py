"""Shell completion of the values `mw` takes: recipe files and names, skill names, run ids.

click calls these with what the user has typed so far (`_MW_COMPLETE=bash_complete` etc.);
each returns candidates and never raises, since a completion error would print a traceback
into the user's prompt. Imports are deferred: this module loads with every command module.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import click
    from click.shell_completion import CompletionItem

RECIPE_SUFFIXES: Final = (".yaml", ".yml")


def _items(values: list[str], incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(v) for v in values if v.startswith(incomplete)]


def _yaml_files_and_folders(incomplete: str) -> list[str]:
    """Entries of the folder being typed: sub-folders (with `/`) and YAML files."""
    head, slash, prefix = incomplete.rpartition("/")
    try:
        entries = sorted(os.scandir(Path(head + slash) if slash else Path()), key=_name)
    except OSError:
        return []
    found = []
    for entry in entries:
        # Hidden entries only when asked for, as shells do.
        if not entry.name.startswith(prefix) or (entry.name.startswith(".") and not prefix):
            continue
        try:
            if entry.is_dir():
                found.append(f"{head}{slash}{entry.name}/")
            elif entry.name.endswith(RECIPE_SUFFIXES):
                found.append(f"{head}{slash}{entry.name}")
        except OSError:
            continue
    return found


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def shipped_recipe_names() -> list[str]:
    """`chatwoot/daily-summary` for every recipe shipped with mw."""
    from wrapper.paths import bundled_dir

    root = bundled_dir("recipes")
    if not root.is_dir():
        return []
    names = []
    for path in root.rglob("*"):
        if path.suffix in RECIPE_SUFFIXES and path.is_file():
            names.append(path.relative_to(root).with_suffix("").as_posix())
    return sorted(names)


def complete_recipe(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """A RECIPE: shipped recipe names and the YAML files and folders below what is typed.

    When no shipped name fits, the shell completes paths itself: it knows how to descend into
    folders without a space after the `/`, which a plain list of words cannot ask for.
    """
    from click.shell_completion import CompletionItem

    names = [n for n in shipped_recipe_names() if n.startswith(incomplete)]
    if not names:
        return [CompletionItem(incomplete, type="file")]
    files = _yaml_files_and_folders(incomplete)
    shipped = [CompletionItem(n, help="shipped with mw") for n in names if n not in files]
    return _items(files, incomplete) + shipped


def complete_skill(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """A skill NAME: the skills shipped with mw."""
    from wrapper.errors import SkillError
    from wrapper.skills import bundled_names

    try:
        names = bundled_names()
    except (SkillError, OSError):  # no bundled folder: offer nothing rather than a traceback
        return []
    return _items(names, incomplete)


def complete_run_id(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """A run ID: the runs journaled in the state folder, newest last."""
    from wrapper.paths import runs_dir
    from wrapper.records.journal import JOURNAL_NAME

    try:
        ids = sorted(p.name for p in runs_dir().iterdir() if (p / JOURNAL_NAME).is_file())
    except OSError:
        return []
    return _items(ids, incomplete)
