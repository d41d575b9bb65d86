"""Which generation a `membrane` is: detection from `--help` and its caches."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import MEMBRANE_DATA as DATA
from wrapper.errors import InvalidOutputError, UsageError, WrongMembraneError
from wrapper.membrane import dialect


def help_text(name: str) -> str:
    return (DATA / name).read_text()


@pytest.fixture(autouse=True)
def fresh_memory():
    dialect.clear_memory_cache()
    yield
    dialect.clear_memory_cache()


@pytest.fixture
def binary(tmp_path: Path) -> Path:
    path = tmp_path / "bin" / "membrane"
    path.parent.mkdir()
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("help-current.txt", "current"),
        ("help-older.txt", "older"),
        ("help-newest.txt", "newest"),
        ("help-sandbox.txt", "current"),
        ("help-commander-groups.txt", "current"),
        ("help-minimist-current.txt", "current"),
        ("help-minimist-newest.txt", "newest"),
    ],
)
def test_dialect_from_help(fixture, expected):
    assert dialect.dialect_from_help(help_text(fixture)) == expected


def test_other_program_is_rejected():
    with pytest.raises(WrongMembraneError) as info:
        dialect.dialect_from_help(help_text("help-other-program.txt"), ["membrane"])
    assert str(info.value) == (
        "`membrane` is a different program called membrane (its help lists catalog, "
        "check-update, connect complete, hook), not the Membrane CLI"
    )
    assert info.value.exit_code == 4


def test_unrelated_help_is_rejected():
    with pytest.raises(WrongMembraneError, match="lists none of the Membrane CLI's commands"):
        dialect.dialect_from_help("usage: membrane FILE\n\nA membrane simulator.\n")


def register_groups(fake_process, binary, connection: str, action: str) -> None:
    """A grouped top-level help makes detection read the groups' own help."""
    fake_process.register([str(binary), "connection", "--help"], stdout=help_text(connection))
    fake_process.register([str(binary), "action", "--help"], stdout=help_text(action))


def test_detect_probes_once_and_caches_on_disk(fake_process, binary):
    fake_process.register([str(binary), "--help"], stdout=help_text("help-newest.txt"))
    register_groups(fake_process, binary, "help-connection-current.txt", "help-action-newest.txt")
    assert dialect.detect([str(binary)]) == "newest"
    assert dialect.detect([str(binary)]) == "newest"
    assert fake_process.call_count([str(binary), "--help"]) == 1
    cache = json.loads((Path(os.environ["MW_CACHE_DIR"]) / "dialect.json").read_text())
    assert list(cache.values()) == ["newest"]
    # A new process reads the disk cache instead of probing again.
    dialect.clear_memory_cache()
    assert dialect.detect([str(binary)]) == "newest"
    assert fake_process.call_count([str(binary), "--help"]) == 1


def test_detect_probes_again_when_the_binary_changes(fake_process, binary):
    fake_process.register([str(binary), "--help"], stdout=help_text("help-older.txt"))
    register_groups(fake_process, binary, "help-connection-older.txt", "help-action-current.txt")
    fake_process.register([str(binary), "--help"], stdout=help_text("help-current.txt"))
    assert dialect.detect([str(binary)]) == "older"
    dialect.clear_memory_cache()
    stat = binary.stat()
    os.utime(binary, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert dialect.detect([str(binary)]) == "current"


@pytest.mark.parametrize(
    ("top", "connection", "action", "expected"),
    [
        # Only groups at the top: the groups' help decides.
        ("help-grouped.txt", "help-connection-current.txt", "help-action-current.txt", "current"),
        ("help-newest.txt", "help-connection-current.txt", "help-action-newest.txt", "newest"),
        ("help-newest.txt", "help-connection-current.txt", "help-action-current.txt", "current"),
        ("help-older.txt", "help-connection-older.txt", "help-action-current.txt", "older"),
        ("help-older.txt", "help-connection-current.txt", "help-action-current.txt", "current"),
    ],
)
def test_grouped_help_reads_the_groups_help(
    fake_process, binary, top, connection, action, expected
):
    fake_process.register([str(binary), "--help"], stdout=help_text(top))
    register_groups(fake_process, binary, connection, action)
    assert dialect.detect([str(binary)]) == expected
    assert fake_process.call_count([str(binary), "action", "--help"]) == 1


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        ("help-current.txt", "current"),
        ("help-sandbox.txt", "current"),
        ("help-minimist-current.txt", "current"),
        ("help-minimist-newest.txt", "newest"),
    ],
)
def test_help_that_lists_subcommands_needs_no_second_probe(fake_process, binary, top, expected):
    fake_process.register([str(binary), "--help"], stdout=help_text(top))
    assert dialect.detect([str(binary)]) == expected
    assert len(fake_process.calls) == 1


def test_a_group_help_that_fails_leaves_the_top_level_guess(fake_process, binary):
    fake_process.register([str(binary), "--help"], stdout=help_text("help-grouped.txt"))
    fake_process.register([str(binary), "connection", "--help"], stderr="boom", returncode=1)
    fake_process.register([str(binary), "action", "--help"], stderr="boom", returncode=1)
    assert dialect.detect([str(binary)]) == "current"


def test_env_overrides_detection(fake_process, monkeypatch, binary):
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "Older")
    assert dialect.detect([str(binary)]) == "older"
    assert fake_process.call_count([str(binary), "--help"]) == 0


def test_env_with_unknown_dialect_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "ancient")
    with pytest.raises(UsageError) as info:
        dialect.detect(["membrane"])
    assert str(info.value) == "unknown membrane dialect 'ancient'"
    assert info.value.advice == (
        "Use one of: current, older, newest (in MW_MEMBRANE_DIALECT or the client)."
    )


def test_unreadable_cache_is_ignored(fake_process, binary):
    cache = Path(os.environ["MW_CACHE_DIR"])
    cache.mkdir(parents=True)
    (cache / "dialect.json").write_text("{not json")
    fake_process.register([str(binary), "--help"], stdout=help_text("help-current.txt"))
    assert dialect.detect([str(binary)]) == "current"


def test_a_failing_help_is_reported_as_such(fake_process, binary):
    fake_process.register(
        [str(binary), "--help"], stderr="npm error 404 Not Found - @membranehq/cli", returncode=1
    )
    with pytest.raises(InvalidOutputError) as info:
        dialect.detect([str(binary)])
    assert str(info.value) == (
        f"`{binary} --help` failed with exit code 1: npm error 404 Not Found - @membranehq/cli"
    )
    # Nothing is cached, so a repaired install is probed again.
    assert not (Path(os.environ["MW_CACHE_DIR"]) / "dialect.json").exists()
