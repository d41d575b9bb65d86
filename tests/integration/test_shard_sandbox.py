"""A sharded import against the sandbox: three `mw run --shard` processes, then one merge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from tests.helpers import run_mw

pytestmark = pytest.mark.integration


mw = partial(run_mw, timeout=300)


def test_three_shards_create_each_contact_once_and_merge_into_one_report(tmp_path):
    people = tmp_path / "people.csv"
    rows = [f"Person {n},shard-{n}@example.com" for n in range(11)]
    people.write_text("name,email\n" + "\n".join(rows) + "\n", encoding="utf-8")

    def shard_argv(i: int) -> list[str]:
        return [
            *[sys.executable, "-m", "wrapper", "--sandbox", "run", "chatwoot/import-contacts"],
            *["-i", f"contacts=@{people}", "--shard", f"{i}/3", "--report", f"shard-{i}.json"],
            "--quiet",
        ]

    # The three jobs of a CI matrix, at once.
    shards = [
        subprocess.Popen(
            shard_argv(i), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for i in (1, 2, 3)
    ]
    for shard in shards:
        _, err = shard.communicate(timeout=300)
        assert shard.returncode == 0, err
    merged = mw(
        "runs", "merge", "shard-1.json", "shard-2.json", "shard-3.json",
        "--report", "run.json", "--junit", "junit.xml", cwd=tmp_path,
    )  # fmt: skip
    assert merged.returncode == 0, merged.stderr
    report = json.loads((tmp_path / "run.json").read_text())
    find = next(s for s in report["steps"] if s["id"] == "find")
    assert [i["index"] for i in find["items"]] == list(range(11))
    assert [i["shard"] for i in find["items"]] == [1, 2, 3] * 3 + [1, 2]
    created = [i["outputs"]["email"] for s in report["steps"] if s["id"] == "create"
               for i in s["items"] if i["status"] == "ok"]  # fmt: skip
    assert sorted(created) == sorted(f"shard-{n}@example.com" for n in range(11))
    # The recipe's outputs are computed over all three shards' items, not one shard's.
    assert report["outputs"]["created_count"] == 11
    assert sorted(s["outputs"]["created_count"] for s in report["shards"]) == [3, 4, 4]
    assert merged.stderr == ""
    # Each job has its own journal.
    runs = {s["run_id"] for s in report["shards"]}
    assert len(runs) == 3
    for run_id in runs:
        assert (Path(os.environ["MW_STATE_DIR"]) / "runs" / run_id / "journal.jsonl").is_file()
    # Run again unsharded: every contact now exists, so nothing is created twice.
    again = mw(
        "run", "chatwoot/import-contacts", "-i", f"contacts=@{people}", "--json", cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["outputs"]["created_count"] == 0


def test_four_gitlab_jobs_with_shard_auto_share_the_rate_and_merge_from_their_folder(tmp_path):
    """What `parallel: 4` does: CI_NODE_INDEX 1..4, `--shard auto`, artifacts in one folder."""
    people = tmp_path / "people.csv"
    rows = [f"Auto {n},auto-{n}@example.com" for n in range(9)]
    people.write_text("name,email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    engine_vars = ("CIRCLE_NODE_INDEX", "BUILDKITE_PARALLEL_JOB", "JOB_COMPLETION_INDEX")
    base = {k: v for k, v in os.environ.items() if k not in engine_vars and k != "MW_SHARD"}

    def job(index: int) -> subprocess.Popen[str]:
        env = {**base, "CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": "4"}
        argv = [
            *[sys.executable, "-m", "wrapper", "--sandbox", "run", "chatwoot/import-contacts"],
            *["-i", f"contacts=@{people}", "--shard", "auto"],
            *["--report", f"reports/shard-{index}.json"],
        ]
        return subprocess.Popen(
            argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    jobs = [job(i) for i in (1, 2, 3, 4)]
    for index, process in enumerate(jobs, start=1):
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        lines = err.splitlines()
        assert lines[0] == (
            f"[shard] {index}/4 from GitLab CI (parallel:): CI_NODE_INDEX={index} CI_NODE_TOTAL=4"
        )
        assert lines[1] == "[rate] chatwoot: 10/s, shared by 4 shards: 2.5/s in this one"
    for index in (1, 2, 3, 4):
        shard = json.loads((tmp_path / f"reports/shard-{index}.json").read_text())["shard"]
        assert (shard["index"], shard["total"], shard["engine"], shard["rate_share"]) == (
            index, 4, "gitlab", 4,
        )  # fmt: skip
        assert shard["variables"] == {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": "4"}
    merged = mw("runs", "merge", "reports", "--report", "reports/run.json", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    report = json.loads((tmp_path / "reports/run.json").read_text())
    find = next(s for s in report["steps"] if s["id"] == "find")
    assert [i["shard"] for i in find["items"]] == [1, 2, 3, 4] * 2 + [1]
    assert report["outputs"]["created_count"] == 9
