"""`mw runs merge`: shard reports joined, and shards that do not belong together refused."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.recipe.test_shard import TWO_STAGES, loaded, register, run_shard
from wrapper.cli import cli
from wrapper.errors import UsageError
from wrapper.recipe.shard import Shard
from wrapper.records.junit import junit_xml
from wrapper.records.merge import merge_reports, read_report
from wrapper.records.report import write_report

IDS = [10, 20, 30, 40, 50]


def shard_reports(fake_process, tmp_path, total=2, ids=IDS, failing=(), text=TWO_STAGES):
    """Run every shard of TWO_STAGES; each writes its report to tmp_path/shard-I.json."""
    paths = []
    for index in range(1, total + 1):
        share = Shard(index, total, "look").indexes(len(ids))
        for contact in (ids[i] for i in share):
            register(fake_process, "get-contact", {"id": contact}, {"email": f"{contact}@x.io"})
            if contact in failing:
                body = {"type": "bad_request", "message": f"cannot tag {contact}"}
                fake_process.register(
                    [
                        "membrane", "action", "run", "tag-contact", "--connectionId=conn1",
                        "--input", json.dumps({"id": contact}, separators=(",", ":")), "--json",
                    ],
                    stderr=json.dumps(body),
                    returncode=1,
                )  # fmt: skip
            else:
                register(fake_process, "tag-contact", {"id": contact}, {"ok": True})
        _, _, report, _ = run_shard(Shard(index, total, "look"), ids, text, f"run-{index}")
        path = tmp_path / f"shard-{index}.json"
        write_report(report, path)
        paths.append(path)
    return paths


def merged(paths):
    return merge_reports([(p, read_report(p)) for p in paths])


def test_shards_merge_into_one_report_with_every_item_once_in_place(fake_process, tmp_path):
    paths = shard_reports(fake_process, tmp_path, total=2)
    report = merged(paths)
    assert report.status == "ok" and report.exit_code == 0
    assert report.run_id.startswith("merged-")
    assert report.shard is None
    steps = {s.id: s for s in report.steps}
    look = steps["look"]
    # The split step keeps each item's place in the whole list, and says which shard ran it.
    assert [(i.index, i.item, i.shard) for i in look.items or []] == [
        (0, 10, 1),
        (1, 20, 2),
        (2, 30, 1),
        (3, 40, 2),
        (4, 50, 1),
    ]
    assert look.outputs == [{"email": f"{n}@x.io"} for n in IDS]
    assert look.counts == {"ok": 5}
    # A foreach over the split's results was numbered per shard; merged, it is numbered anew.
    tag = steps["tag"]
    assert [(i.index, i.item["id"], i.shard) for i in tag.items or []] == [
        (0, 10, 1),
        (1, 30, 1),
        (2, 50, 1),
        (3, 20, 2),
        (4, 40, 2),
    ]
    assert tag.attempts == 5
    # Outputs every shard computed alike stay; the rest are per shard.
    assert report.outputs == {"ids": 5}
    assert [(s.index, s.run_id, s.outputs) for s in report.shards or []] == [
        (1, "run-1", {"tagged": 3, "ids": 5}),
        (2, "run-2", {"tagged": 2, "ids": 5}),
    ]


def test_a_failed_shard_fails_the_merge_with_its_error(fake_process, tmp_path):
    paths = shard_reports(fake_process, tmp_path, total=2, failing=(40,))
    report = merged(paths)
    assert (report.status, report.exit_code) == ("failed", 1)
    assert report.error is not None
    assert report.error.message == (
        "step 'tag' failed: item 1: membrane action run tag-contact failed: cannot tag 40"
    )
    tag = {s.id: s for s in report.steps}["tag"]
    assert tag.status == "failed"
    assert tag.counts == {"failed": 1, "ok": 4}


def test_mw_runs_merge_prints_a_summary_writes_junit_and_exits_with_the_run_code(
    fake_process, tmp_path
):
    paths = shard_reports(fake_process, tmp_path, total=2, failing=(40,))
    junit = tmp_path / "junit.xml"
    out = tmp_path / "run.json"
    recipe = tmp_path / "tag-all.yaml"
    recipe.write_text(TWO_STAGES)
    result = CliRunner().invoke(
        cli,
        [
            "runs", "merge", *map(str, paths), "--junit", str(junit), "--report", str(out),
            "--recipe", str(recipe),
        ],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        r"tag-all: 2 shards merged into merged-[0-9a-f]{12}: failed \(exit 1, \d+\.\d\ds\)",
        lines[0],
    )
    assert lines[1:] == [
        "  shard 1/2  run-1  ok",
        "  shard 2/2  run-2  failed",
        "  look: 5 items: 5 ok",
        "  tag: 5 items: 1 failed, 4 ok",
    ]
    assert result.stderr == (
        "Error: shard 2: step 'tag' failed: item 1: "
        "membrane action run tag-contact failed: cannot tag 40\n"
    )
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("10", "1")
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names[:5] == [f"look[{i}]" for i in range(5)]
    assert json.loads(out.read_text())["shards"][1]["status"] == "failed"
    # Computed over both shards' items, not kept from one of them.
    assert json.loads(out.read_text())["outputs"] == {"tagged": 4, "ids": 5}


def test_shards_that_saw_different_lists_are_refused(fake_process, tmp_path):
    paths = shard_reports(fake_process, tmp_path, total=2)
    data = json.loads(paths[1].read_text())
    data["shard"]["items_total"] = 4
    paths[1].write_text(json.dumps(data))
    with pytest.raises(UsageError) as info:
        merged(paths)
    assert str(info.value) == (
        f"{paths[1]}: the shards saw different lists for step 'look' (5 items in shard 1, 4 in "
        "shard 2); some items may have run twice and others not at all"
    )
    data["shard"]["items_total"] = 5
    data["shard"]["items_sha256"] = "0" * 64
    paths[1].write_text(json.dumps(data))
    with pytest.raises(UsageError) as info:
        merged(paths)
    assert "(5 items each, but not the same ones)" in str(info.value)


def test_missing_twice_given_and_foreign_shards_are_refused(fake_process, tmp_path):
    paths = shard_reports(fake_process, tmp_path, total=3)
    with pytest.raises(UsageError) as info:
        merged(paths[:2])
    assert str(info.value) == (
        "shard 3/3 missing: the merge needs a report from every shard (it has 1/3, 2/3)"
    )
    with pytest.raises(UsageError) as info:
        merged([paths[0], *paths])
    assert str(info.value) == (f"{paths[0]}: shard 1/3 is given twice (also {paths[0]}, run run-1)")
    data = json.loads(paths[2].read_text())
    data["recipe"]["sha256"] = "f" * 64
    paths[2].write_text(json.dumps(data))
    with pytest.raises(UsageError) as info:
        merged(paths)
    assert str(info.value).startswith(f"{paths[2]}: ran another version of the recipe than ")
    data["recipe"]["sha256"] = json.loads(paths[0].read_text())["recipe"]["sha256"]
    data["inputs"] = {"ids": [1]}
    paths[2].write_text(json.dumps(data))
    with pytest.raises(UsageError) as info:
        merged(paths)
    assert str(info.value) == f"{paths[2]}: its inputs differ from {paths[0]}'s"
    data["inputs"] = json.loads(paths[0].read_text())["inputs"]
    data["shard"]["total"] = 4
    paths[2].write_text(json.dumps(data))
    with pytest.raises(UsageError) as info:
        merged(paths)
    assert str(info.value) == (
        f"{paths[2]}: split step 'look' into 4 shards, but {paths[0]} split 'look' into 3"
    )
    data["shard"] = None
    paths[2].write_text(json.dumps(data))
    with pytest.raises(UsageError) as info:
        merged(paths)
    assert str(info.value) == f"{paths[2]}: run run-3 was not sharded (no --shard I/N)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"a": 1,\n  oops}',
            "{path}:2:3: not JSON (Expecting property name enclosed in double quotes)",
        ),
        ("[1, 2]", "{path}: not an mw run report (it has no schema_version)"),
        ('{"schema_version": 2}', "{path}: report schema_version 2 is not one this mw reads (1)"),
        (
            '{"schema_version": 1, "run_id": "r"}',
            "{path}: not a valid mw run report: recipe: Field required",
        ),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_report_is_named_with_the_reason(tmp_path, content, message):
    path = tmp_path / "r.json"
    path.write_text(content)
    with pytest.raises(UsageError) as info:
        read_report(path)
    assert str(info.value) == message.format(path=path)


def test_mw_runs_merge_of_a_missing_file_exits_2(tmp_path):
    missing = tmp_path / "nope.json"
    result = CliRunner().invoke(cli, ["runs", "merge", str(missing)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"Error: {missing}: no such file or folder"


def test_merged_summary_goes_to_the_github_step_summary(fake_process, tmp_path, monkeypatch):
    paths = shard_reports(fake_process, tmp_path, total=2)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = CliRunner().invoke(cli, ["runs", "merge", *map(str, paths)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    text = summary.read_text()
    assert text.startswith("### mw run `tag-all`, 2 shards merged: ok (exit 0, ")
    assert "\n| `look` | " in text and "| 5 ok |" in text


def test_a_shard_report_header_names_its_share(fake_process, tmp_path):
    from wrapper.cli.github import GitHubReporter

    paths = shard_reports(fake_process, tmp_path, total=2)
    first = read_report(Path(paths[0]))
    summary = tmp_path / "summary.md"
    GitHubReporter(summary=str(summary)).replay(first)
    assert summary.read_text().startswith("### mw run `tag-all`, shard 1/2 of `look`: ok (exit 0, ")


CREATE_ALL = """\
version: 1
name: import
inputs:
  emails: {type: array, items: {type: string}}
connections:
  c: {app: chatwoot}
steps:
  - id: create
    foreach: {items: "inputs.emails", concurrency: 2}
    action: create-contact
    input: {email: "${item}"}
    outputs: {id: id}
outputs:
  created_count: "length(steps.create.items[?status == 'ok'])"
  first_id: "steps.create.outputs[0].id"
assert:
  - that: "outputs.created_count == length(inputs.emails)"
    message: every contact is created
"""


def _run_import(shard, emails):
    from wrapper.membrane.client import MembraneClient
    from wrapper.records.report import ReportBuilder
    from wrapper.run.engine import Engine, RunOptions

    builder = ReportBuilder()
    Engine(
        loaded(CREATE_ALL),
        {"emails": emails},
        MembraneClient(["membrane"], dialect="current"),
        sinks=[builder],
        options=RunOptions(run_id=f"run-{shard.index}", connections={"c": "conn1"}, shard=shard),
    ).run()
    return builder.report()


def test_four_shards_of_ten_writes_merge_to_a_count_of_forty(fake_process, tmp_path):
    emails = [f"c{i}@x.io" for i in range(40)]
    found = []
    for index in range(1, 5):
        for i in Shard(index, 4, "create").indexes(len(emails)):
            register(fake_process, "create-contact", {"email": emails[i]}, {"id": 1000 + i})
        report = _run_import(Shard(index, 4, "create"), emails)
        # Each shard counts its own share, and its assertion about the whole list fails.
        assert report.outputs["created_count"] == 10
        assert report.exit_code == 3
        found.append((tmp_path / f"shard-{index}.json", report))
    merged_report = merge_reports(found, recipe=loaded(CREATE_ALL))
    assert merged_report.outputs == {"created_count": 40, "first_id": 1000}
    assert [a.ok for a in merged_report.assertions] == [True]
    assert (merged_report.status, merged_report.exit_code, merged_report.error) == ("ok", 0, None)
    assert [s.outputs["created_count"] for s in merged_report.shards] == [10, 10, 10, 10]
    steps = {s.id: s for s in merged_report.steps}
    assert [item.index for item in steps["create"].items] == list(range(40))
    # The merged JUnit is green: the whole run's assertion held.
    suite = ET.fromstring(junit_xml(merged_report).split("\n", 1)[1]).find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("41", "0")


def test_merge_without_the_recipe_file_keeps_common_outputs_and_says_so(fake_process, tmp_path):
    paths = shard_reports(fake_process, tmp_path, total=2)
    result = CliRunner().invoke(cli, ["runs", "merge", *map(str, paths), "--json"])
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: outputs are not computed again over every shard: r.yaml does not load "
        "(r.yaml: no such file); only outputs every shard computed alike are kept "
        "(pass --recipe FILE)\n"
    )
    assert json.loads(result.stdout)["outputs"] == {"ids": 5}
    other = tmp_path / "other.yaml"
    other.write_text(TWO_STAGES + "# changed\n")
    refused = CliRunner().invoke(cli, ["runs", "merge", *map(str, paths), "--recipe", str(other)])
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[0] == (
        f"Error: --recipe: {other} is not the file the shards ran (its sha256 differs)"
    )
