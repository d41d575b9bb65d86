"""Copy a validated skill folder without ever following a link someone swaps in meanwhile.

Validation checks paths; a copy by path (`shutil.copytree`) would then follow whatever those
paths are by the time it reads them, so a file turned into a symlink between the two could copy
`~/.ssh/id_rsa` into the skill. Here every file and folder is opened relative to its parent's
descriptor with `O_NOFOLLOW`, and each symlink that was part of the skill is resolved by hand,
one component at a time, inside the skill; anything else fails the install.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import posixpath
import stat
from pathlib import Path
from typing import Final

from wrapper.errors import SkillError

IGNORED: Final = ("__pycache__", "*.pyc", ".DS_Store")
#: Folders deeper than this (through links to folders, say) end the copy: a loop, not a skill.
_MAX_DEPTH: Final = 32
#: Links to links, followed by hand, before the copy gives up.
_MAX_HOPS: Final = 16
_NOFOLLOW: Final = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_CHUNK_BYTES: Final = 1024 * 1024


def copy_skill(source: Path, target: Path) -> None:
    """Copy the skill folder `source` to the new folder `target`; links inside the skill are
    copied as the files or folders they point at."""
    root = os.open(source, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW)
    try:
        # An absolute link into the skill is read relative to it (validation allowed it).
        bases = {str(source.absolute()), str(source.resolve())}
        _Copy(root, bases).folder(root, "", target, 0)
    finally:
        os.close(root)


class _Copy:
    def __init__(self, root: int, bases: set[str]) -> None:
        self.root = root
        self.bases = bases

    def folder(self, folder: int, where: str, target: Path, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise SkillError(f"{where or '.'}: folders nest deeper than {_MAX_DEPTH} (a loop?)")
        target.mkdir()
        with os.scandir(folder) as entries:
            names = sorted(entry.name for entry in entries)
        for name in names:
            if any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED):
                continue
            shown = posixpath.join(where, name)
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                fd = self.open_link(where, os.readlink(name, dir_fd=folder), shown)
            else:
                fd = _open(folder, name, shown)
            try:
                self.copy_open(fd, shown, target / name, depth)
            finally:
                os.close(fd)

    def copy_open(self, fd: int, shown: str, target: Path, depth: int) -> None:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            self.folder(fd, shown, target, depth + 1)
        elif stat.S_ISREG(mode):
            with target.open("xb") as out:
                while chunk := os.read(fd, _CHUNK_BYTES):
                    out.write(chunk)
            target.chmod(stat.S_IMODE(mode) & 0o777)
        else:
            raise SkillError(f"{shown} is neither a file nor a folder")

    def open_link(self, where: str, link: str, shown: str) -> int:
        """Open what a symlink in the skill points at, walking its path inside the skill."""
        path = posixpath.join(where, link)
        for _ in range(_MAX_HOPS):
            parts = self.inside(path, shown)
            fd = os.dup(self.root)
            try:
                for index, part in enumerate(parts):
                    info = os.stat(part, dir_fd=fd, follow_symlinks=False)
                    if stat.S_ISLNK(info.st_mode):
                        here = posixpath.join(*parts[:index]) if index else ""
                        hop = posixpath.join(here, os.readlink(part, dir_fd=fd))
                        path = posixpath.join(hop, *parts[index + 1 :])
                        break
                    step = _open(fd, part, shown)
                    os.close(fd)
                    fd = step
                else:
                    return os.dup(fd)
            finally:
                os.close(fd)
        raise SkillError(f"symlink {shown} goes through more than {_MAX_HOPS} links")

    def inside(self, path: str, shown: str) -> list[str]:
        """The components of `path` below the skill's root; a path leaving it is refused."""
        if posixpath.isabs(path):
            base = next((b for b in self.bases if path.startswith(b + "/")), None)
            if base is None:
                raise SkillError(f"symlink {shown} points outside the skill; refusing to follow it")
            path = path[len(base) + 1 :]
        normal = posixpath.normpath(path)
        if normal == ".":
            return []
        parts = normal.split("/")
        if parts[0] == "..":
            raise SkillError(f"symlink {shown} points outside the skill; refusing to follow it")
        return parts


def _open(folder: int, name: str, shown: str) -> int:
    """Open `name` in `folder` as it is now; a symlink there (swapped in since) is refused."""
    try:
        # Non-blocking, so a FIFO swapped in cannot hang the install; files ignore the flag.
        return os.open(name, os.O_RDONLY | _NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError as error:
        # O_NOFOLLOW on a symlink fails with ELOOP (EMLINK on some BSDs).
        if error.errno in (errno.ELOOP, errno.EMLINK):
            raise SkillError(
                f"{shown} became a symlink during the install; refusing to follow it"
            ) from None
        raise
