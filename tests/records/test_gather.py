"""`mw runs merge DIR|GLOB...`: folders and patterns name the shards' reports."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from tests.records.test_merge import shard_reports
from wrapper.cli import cli
from wrapper.errors import UsageError
from wrapper.records.gather import gather_reports


def merge(*args):
    return CliRunner().invoke(cli, ["runs", "merge", *map(str, args)], catch_exceptions=False)


def error_line(result):
    """The `Error:` line (the reports name a recipe file these tests do not keep: a warning
    says so first)."""
    return next(line for line in result.stderr.splitlines() if line.startswith("Error: "))


@pytest.fixture
def four(fake_process, tmp_path):
    """Four shards' reports, collected into tmp_path/out/ as an artifact step would."""
    out = tmp_path / "out"
    out.mkdir()
    for path in shard_reports(fake_process, tmp_path, total=4, ids=[1, 2, 3, 4, 5, 6, 7]):
        shutil.move(path, out / path.name)
    return out


def test_a_folder_merges_every_report_in_it(four, tmp_path):
    result = merge(four, "--report", tmp_path / "run.json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("tag-all: 4 shards merged into merged-")
    report = json.loads((tmp_path / "run.json").read_text())
    look = next(s for s in report["steps"] if s["id"] == "look")
    assert [i["index"] for i in look["items"]] == list(range(7))
    assert [i["shard"] for i in look["items"]] == [1, 2, 3, 4, 1, 2, 3]


def test_a_folder_skips_other_json_and_earlier_merges_with_a_note(four):
    (four / "notes.json").write_text('{"hello": "world"}')
    (four / "junit.xml").write_text("<testsuites/>")
    first = merge(four, "--report", four / "run.json")
    assert first.exit_code == 0, first.stderr
    skipped = f"note: skipped {four / 'notes.json'}: not an mw run report"
    assert [line for line in first.stderr.splitlines() if line.startswith("note:")] == [skipped]
    # Merged again into another file: the first merge's output is in the folder now.
    again = merge(four, "--report", four / "again.json")
    assert again.exit_code == 0, again.stderr
    assert f"note: skipped {four / 'run.json'}: an earlier merge's report, not a shard's" in (
        again.stderr.splitlines()
    )
    # The merge's own --report, already there from last time, is not read at all.
    third = merge(four, "--report", four / "run.json")
    assert third.exit_code == 0, third.stderr
    assert "run.json" not in third.stderr
    assert f"note: skipped {four / 'again.json'}: an earlier merge's report, not a shard's" in (
        third.stderr.splitlines()
    )


def test_a_pattern_is_expanded_by_mw_when_no_shell_did(four, tmp_path):
    result = merge(f"{tmp_path}/**/shard-*.json", "--json")
    assert result.exit_code == 0, result.stderr
    assert [s["index"] for s in json.loads(result.stdout)["shards"]] == [1, 2, 3, 4]


def test_a_missing_shard_is_named_by_index(four):
    (four / "shard-3.json").unlink()
    result = merge(four)
    assert result.exit_code == 2
    assert error_line(result) == (
        "Error: shard 3/4 missing: the merge needs a report from every shard (it has 1/4, 2/4, 4/4)"
    )


def test_a_report_named_twice_through_a_folder_and_a_file_counts_once(four):
    gathered = gather_reports([str(four), str(four / "shard-2.json")])
    assert [path.name for path, _ in gathered.reports] == [f"shard-{i}.json" for i in (1, 2, 3, 4)]
    assert gathered.notes == []


def test_mixed_runs_in_a_folder_are_refused_as_when_named(four, fake_process, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (path,) = shard_reports(fake_process, other, total=1, ids=[9])
    shutil.copy(path, four / "stray.json")
    result = merge(four)
    assert result.exit_code == 2
    assert error_line(result) == (
        f"Error: {four / 'stray.json'}: split step 'look' into 1 shards, but "
        f"{four / 'shard-1.json'} split 'look' into 4"
    )


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("{tmp}/empty", "{tmp}/empty: no .json files in this folder"),
        ("{tmp}/nothing-*.json", "{tmp}/nothing-*.json: no file matches this pattern"),
        ("{tmp}/absent.json", "{tmp}/absent.json: no such file or folder"),
    ],
)
def test_what_names_no_report_says_so(tmp_path, argument, message):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError) as info:
        gather_reports([argument.format(tmp=tmp_path)])
    assert str(info.value) == message.format(tmp=tmp_path)


def test_a_broken_report_in_a_folder_fails_the_merge(four):
    (four / "shard-2.json").write_text('{"schema_version": 1,')
    result = merge(four)
    assert result.exit_code == 2
    assert error_line(result).startswith(f"Error: {four / 'shard-2.json'}:1:")
