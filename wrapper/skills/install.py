"""Install and uninstall skill folders atomically, and record what mw put where.

A skill is copied into a temporary folder inside the destination (the same filesystem), checked
there, then renamed into place; any failure removes the partial copy and leaves an existing copy
untouched. Each destination keeps a record, `.mw-skills.json`, of what mw installed, so
`uninstall` removes only those and `list` never guesses. The check for an existing copy, the
rename and the record update happen under one lock on the destination folder itself, and
the rename itself never replaces a folder unless `--force` asked for it, so two installs at once
cannot both win.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from wrapper import __version__
from wrapper.errors import SkillError
from wrapper.paths import bundled_dir, project_skills_dir, user_skills_dir
from wrapper.skills.copy import copy_skill
from wrapper.skills.validate import SKILL_FILE, read_frontmatter, validate_skill

RECORD_FILE: Final = ".mw-skills.json"
RECORD_VERSION: Final = 1


@dataclass(frozen=True)
class Installed:
    """One skill put in place by `install_skills` or `skill_from_recipe`."""

    name: str
    path: Path
    source: str
    sha256: str
    version: str | None
    replaced: bool


@dataclass(frozen=True)
class InstalledCopy:
    """Where a copy recorded by mw lives, and whether it was edited since."""

    scope: str
    path: Path
    modified: bool


@dataclass(frozen=True)
class SkillInfo:
    """A skill as `mw skills list` shows it."""

    name: str
    description: str
    path: Path
    bundled: bool
    installed: tuple[InstalledCopy, ...]


def bundled_skills_dir() -> Path:
    return bundled_dir("skills")


def default_scopes() -> dict[str, Path]:
    """Claude Code's two skill folders: personal (`~/.claude/skills`) and project."""
    return {"user": user_skills_dir(), "project": project_skills_dir()}


def read_record(dest: Path) -> dict[str, dict[str, Any]]:
    """What mw installed in `dest`: skill name -> entry (sha256, version, source, time)."""
    path = dest / RECORD_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise SkillError(
            f"the install record {path} cannot be read: {error}",
            advice="Remove it; mw then treats the folders there as not installed by mw.",
        ) from None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, int) or not isinstance(data.get("skills"), dict):
        raise SkillError(f"the install record {path} is not an mw skills record")
    if version > RECORD_VERSION:
        raise SkillError(
            f"the install record {path} was written by a newer mw (record version {version})",
            advice="Upgrade mw: pip install -U membrane-wrapper",
        )
    skills: dict[str, dict[str, Any]] = data["skills"]
    for name, entry in skills.items():
        check_name(name)
        if not isinstance(entry, dict):
            raise SkillError(f"the install record {path} has a broken entry for {name!r}")
    return skills


def _write_record(dest: Path, skills: Mapping[str, Mapping[str, Any]]) -> None:
    data = {"format": "mw-skills-record", "version": RECORD_VERSION, "skills": dict(skills)}
    fd, temp = tempfile.mkstemp(prefix=".mw-skills.", suffix=".tmp", dir=dest)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
        Path(temp).replace(dest / RECORD_FILE)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def tree_sha256(folder: Path) -> str:
    """A hash of every entry's relative path and content, to tell edited copies apart.

    Symlinks count by where they point and are not followed, so a link loop someone added to
    an installed copy cannot make this walk forever.
    """
    digest = hashlib.sha256()
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted([*dirs, *files]):
            path = Path(current) / name
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            if path.is_symlink():
                digest.update(b"link:" + str(path.readlink()).encode())
            elif path.is_file():
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


# --- install / uninstall ---------------------------------------------------------------------


def check_name(name: str) -> str:
    """A skill name is one folder name: refuse anything that could land outside the target."""
    separators = {"/", "\\", os.sep, os.altsep or "/"}
    if not name or name in (".", "..") or any(s in name for s in separators) or "\0" in name:
        raise SkillError(
            f"refusing skill name {name!r}: a name is one folder name, with no path "
            "separators and no '..'"
        )
    return name


def bundled_names(source: Path | None = None) -> list[str]:
    folder = source or bundled_skills_dir()
    if not folder.is_dir():
        raise SkillError(
            f"the bundled skills folder {folder} does not exist",
            advice="Reinstall mw: pip install --force-reinstall membrane-wrapper",
        )
    return sorted(p.name for p in folder.iterdir() if (p / SKILL_FILE).is_file())


def install_skills(
    names: Sequence[str] | None, dest: Path, *, force: bool = False, source: Path | None = None
) -> list[Installed]:
    """Install bundled skills (all when `names` is None) into `dest`, each atomically.

    Every name, source and conflict is checked before anything is copied, so a mistake in
    the third name does not leave the first two installed.
    """
    folder = source or bundled_skills_dir()
    available = bundled_names(folder)
    wanted = available if names is None else list(dict.fromkeys(check_name(n) for n in names))
    if not wanted:
        raise SkillError("no skills named", advice="Name skills to install, or pass --all.")
    for name in wanted:
        if name not in available:
            raise SkillError(
                f"no bundled skill named {name!r} (bundled: {', '.join(available) or 'none'})"
            )
        problems = validate_skill(folder / name)
        if problems:
            raise SkillError(f"skill {name!r} is not valid: {'; '.join(problems)}")
        _refuse_existing(dest / name, force)
    return [
        place_skill(dest, name, f"bundled:{name}", _copier(folder / name), force=force)
        for name in wanted
    ]


def _refuse_existing(target: Path, force: bool) -> None:
    if (target.exists() or target.is_symlink()) and not force:
        raise SkillError(f"{target} already exists; pass --force to replace it")


def place_skill(
    dest: Path, name: str, origin: str, fill: Callable[[Path], None], *, force: bool
) -> Installed:
    """Build a skill with `fill(folder)` in a temporary folder, check it, rename it into place.

    The temporary folder sits inside `dest`, so the final rename never crosses filesystems;
    it is removed on every path out, taking any partial copy (or the replaced copy) with it.
    """
    target = dest / check_name(name)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        stage_root = Path(tempfile.mkdtemp(prefix=f".mw-tmp-{name}-", dir=dest))
    except OSError as error:
        raise SkillError(f"cannot write to {dest}: {_os_message(error)}") from None
    try:
        staged = stage_root / name
        fill(staged)
        problems = validate_skill(staged)
        if problems:
            raise SkillError(f"skill {name!r} is not valid: {'; '.join(problems)}")
        sha256 = tree_sha256(staged)
        version = _version(staged)
        with locked(dest):
            _refuse_existing(target, force)
            replaced = _swap(staged, target, stage_root / "replaced", force=force)
            record = read_record(dest)
            record[name] = {
                "sha256": sha256,
                "version": version,
                "source": origin,
                "installed_at": _now(),
                "mw_version": __version__,
            }
            _write_record(dest, record)
    except OSError as error:
        raise SkillError(f"cannot install {name} into {dest}: {_os_message(error)}") from None
    finally:
        shutil.rmtree(stage_root, ignore_errors=True)
    return Installed(name, target, origin, sha256, version, replaced)


@contextlib.contextmanager
def locked(dest: Path) -> Iterator[None]:
    """Hold the destination's lock: one mw at a time checks, renames and records there.

    The lock is on the folder itself (`flock` takes a folder's descriptor), which, unlike the
    record file, is never replaced, and leaves no lock file among the skills.
    """
    fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _os_message(error: OSError) -> str:
    """`copytree` gathers per-file failures in one `shutil.Error`; show the first one."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        first = error.args[0][0]
        return str(first[2]) if isinstance(first, tuple) and len(first) == 3 else str(first)
    return error.strerror or str(error)


def _version(skill_dir: Path) -> str | None:
    metadata = read_frontmatter(skill_dir).get("metadata")
    version = metadata.get("version") if isinstance(metadata, dict) else None
    return version if isinstance(version, str) else None


def _copier(source: Path) -> Callable[[Path], None]:
    def fill(staged: Path) -> None:
        # Links inside the skill are copied as what they point at, opened without following
        # anything swapped in since validation.
        copy_skill(source, staged)

    return fill


def _swap(staged: Path, target: Path, aside: Path, *, force: bool) -> bool:
    """Rename `staged` to `target`; an existing target is moved aside first and back on failure.

    Without `force` the rename never replaces: renaming a folder onto a folder that is not
    empty, or onto a file, fails, so a copy that appeared after the check is kept.
    """
    if not force or not (target.exists() or target.is_symlink()):
        try:
            staged.rename(target)
        except OSError as error:
            if error.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                raise SkillError(f"{target} already exists; pass --force to replace it") from None
            raise
        return False
    target.replace(aside)
    try:
        staged.replace(target)
    except OSError:
        aside.replace(target)
        raise
    return True


def uninstall_skills(names: Sequence[str], dest: Path, *, force: bool = False) -> list[Path]:
    """Remove skills that mw recorded installing in `dest`; never anything else."""
    record = read_record(dest)
    wanted = list(dict.fromkeys(check_name(n) for n in names))
    for name in wanted:
        if name not in record:
            raise SkillError(
                f"mw has no record of installing {name!r} in {dest}; nothing removed",
                advice="`mw skills list` shows where mw installed each skill.",
            )
        target = dest / name
        if not force and target.is_dir() and tree_sha256(target) != record[name].get("sha256"):
            raise SkillError(
                f"{target} was changed since mw installed it; pass --force to remove it"
            )
    removed = []
    with locked(dest):
        record = read_record(dest)
        for name in wanted:
            target = dest / name
            try:
                _remove(target, dest)
            except OSError as error:
                raise SkillError(f"cannot remove {target}: {_os_message(error)}") from None
            record.pop(name, None)
            _write_record(dest, record)
            removed.append(target)
    return removed


def _remove(target: Path, dest: Path) -> None:
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        # Renamed away first, so a failure half-way never leaves a half-deleted skill in place.
        doomed = Path(tempfile.mkdtemp(prefix=f".mw-rm-{target.name}-", dir=dest))
        target.replace(doomed / target.name)
        shutil.rmtree(doomed, ignore_errors=True)


def list_skills(
    scopes: Mapping[str, Path] | None = None, source: Path | None = None
) -> list[SkillInfo]:
    """The bundled skills, then other skills mw recorded, each with where mw installed it."""
    places = default_scopes() if scopes is None else scopes
    records = {scope: read_record(dest) for scope, dest in places.items()}
    folder = source or bundled_skills_dir()
    names = bundled_names(folder)
    extra = sorted({n for r in records.values() for n in r} - set(names))
    found = []
    for name in [*names, *extra]:
        copies = tuple(
            InstalledCopy(scope, dest / name, tree_sha256(dest / name) != entry.get("sha256"))
            for scope, dest in places.items()
            if (entry := records[scope].get(name)) is not None and (dest / name).is_dir()
        )
        if name not in names and not copies:
            continue
        path = folder / name if name in names else copies[0].path
        found.append(SkillInfo(name, _description(path), path, name in names, copies))
    return found


def _description(skill_dir: Path) -> str:
    try:
        value = read_frontmatter(skill_dir).get("description")
    except SkillError:
        return ""
    return value if isinstance(value, str) else ""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
