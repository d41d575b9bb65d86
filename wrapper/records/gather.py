"""Which reports `mw runs merge` reads: files, folders (every `*.json` in them) and globs.

A folder is where CI artifact steps and shared volumes put a sharded run's reports, and it
often holds other JSON too: the merge's own earlier output, or an unrelated file. Those are
skipped with a note. A file named on the command line, or matched by a pattern, must be a
shard's report, as before. mw expands patterns itself, so a quoted glob works where no shell
expands it (a Kubernetes Job's args, a CI `script:` in exec form).
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wrapper.errors import UsageError
from wrapper.records.merge import read_json, read_report, to_report
from wrapper.records.report import Report

_MAGIC = frozenset("*?[")


@dataclass
class Gathered:
    """The reports found, in the order named, and a note for each file skipped."""

    reports: list[tuple[Path, Report]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def gather_reports(arguments: Sequence[str], *, exclude: Sequence[Path] = ()) -> Gathered:
    """The shard reports `arguments` name; `exclude` (the merge's own outputs) is left out."""
    found = Gathered()
    seen = {_key(path) for path in exclude}
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            _folder(path, found, seen)
        elif path.exists():
            _file(path, found, seen)
        elif _MAGIC & set(argument):
            # Path.glob takes no absolute pattern; a pattern may be one (/shared/shard-*.json).
            matches = sorted(glob.glob(argument, recursive=True))  # noqa: PTH207
            if not matches:
                raise UsageError(
                    f"{argument}: no file matches this pattern",
                    advice="Check the folder the shards' reports were collected into.",
                )
            for match in map(Path, matches):
                if match.is_dir():
                    _folder(match, found, seen)
                else:
                    _file(match, found, seen)
        else:
            raise UsageError(f"{argument}: no such file or folder")
    return found


def _file(path: Path, found: Gathered, seen: set[Path]) -> None:
    if _key(path) in seen:
        return
    seen.add(_key(path))
    found.reports.append((path, read_report(path)))


def _folder(folder: Path, found: Gathered, seen: set[Path]) -> None:
    files = sorted(p for p in folder.glob("*.json") if p.is_file())
    if not files:
        raise UsageError(
            f"{folder}: no .json files in this folder",
            advice="Pass the folder the shards' --report files were collected into.",
        )
    for path in files:
        if _key(path) in seen:
            continue
        seen.add(_key(path))
        data = read_json(path)
        if not isinstance(data, dict) or "schema_version" not in data:
            found.notes.append(f"skipped {path}: not an mw run report")
            continue
        report = to_report(path, data)
        if report.shards is not None:
            found.notes.append(f"skipped {path}: an earlier merge's report, not a shard's")
            continue
        found.reports.append((path, report))


def _key(path: Path) -> Path:
    return path.resolve()
