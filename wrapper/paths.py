"""Every place `mw` reads or writes, each with its environment override."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final, Literal

#: What mw writes to `.gitignore` in a state folder it creates: runs, journals and the
#: sandbox's world are never meant for version control.
STATE_GITIGNORE: Final = "# Created by mw: its runs and sandbox stay out of version control.\n*\n"


def state_dir() -> Path:
    """Run journals and reports: `MW_STATE_DIR`, default `.mw/` in the working directory."""
    return Path(os.environ.get("MW_STATE_DIR") or ".mw")


def make_dir(path: Path) -> None:
    """`mkdir -p path`; when that creates the state folder, a `.gitignore` goes in it first
    thing, so `.mw/` never shows as untracked in the user's repository."""
    state = state_dir()
    fresh = not state.exists()
    path.mkdir(parents=True, exist_ok=True)
    if fresh and state.is_dir():
        try:
            # "x": of two processes creating the folder at once, one writes and both are fine.
            with (state / ".gitignore").open("x", encoding="utf-8") as handle:
                handle.write(STATE_GITIGNORE)
        except OSError:
            pass  # a read-only or odd folder: the run matters more than the ignore file


def runs_dir() -> Path:
    return state_dir() / "runs"


def sandbox_dir() -> Path:
    """The sandbox's SQLite world: `MW_SANDBOX_DIR`, default `.mw/sandbox/`."""
    return Path(os.environ.get("MW_SANDBOX_DIR") or state_dir() / "sandbox")


def cache_dir() -> Path:
    """Per-user cache (dialect probes): `MW_CACHE_DIR`, else XDG_CACHE_HOME/mw, else ~/.cache/mw."""
    explicit = os.environ.get("MW_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mw"


def user_skills_dir() -> Path:
    """Claude Code's personal skills folder."""
    return Path.home() / ".claude" / "skills"


def project_skills_dir() -> Path:
    """Claude Code's project skills folder, relative to the working directory."""
    return Path(".claude") / "skills"


def bundled_dir(kind: Literal["skills", "recipes", "schema"]) -> Path:
    """The skills, recipes or JSON schemas shipped with mw; the one place that says where.

    A wheel carries them in `wrapper/_bundled/<kind>` (setup.py copies them there at build
    time); a checkout or an editable install reads the repository's own `<kind>/` folder.
    The path is returned even when it does not exist; callers say what is missing.
    """
    package = Path(__file__).resolve().parent
    inside = package / "_bundled" / kind
    # Only a checkout has pyproject.toml beside the package; in site-packages a folder named
    # `recipes` or `skills` next to `wrapper` would belong to some other distribution.
    if inside.is_dir() or not (package.parent / "pyproject.toml").is_file():
        return inside
    return package.parent / kind


def sandbox_command() -> list[str]:
    """The argv prefix that starts the offline sandbox in this very environment."""
    beside = Path(sys.executable).parent / "membrane-sandbox"
    if beside.exists():
        return [str(beside)]
    import shutil  # with its archive modules, a cost paid only when the sandbox is elsewhere

    found = shutil.which("membrane-sandbox")
    if found:
        return [found]
    return [sys.executable, "-m", "wrapper.sandbox"]
