"""`--shard auto`: each engine's variables map to the shard mw runs, and gaps are named."""

from __future__ import annotations

import json

import pytest

from tests.recipe.test_shard import mw, register, write_recipe
from wrapper.errors import UsageError
from wrapper.recipe.shard_auto import ENGINES, ShardSpec, resolve_spec

ENGINE_VARIABLES = sorted(
    {name for e in ENGINES for name in (e.index, e.total) if name} | {"MW_SHARD_TOTAL"}
)


@pytest.fixture(autouse=True)
def no_engine(monkeypatch):
    """The machine running the tests may itself be a CI job: its variables are not ours."""
    for name in ENGINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "current")


# --- every engine's variables, and the shard they mean ------------------------------------------


@pytest.mark.parametrize(
    ("spec", "environ", "expected"),
    [
        # GitLab counts from 1 (`parallel: 4` runs CI_NODE_INDEX 1..4).
        ("auto", {"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4"}, (1, 4, "gitlab")),
        ("auto", {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"}, (2, 4, "gitlab")),
        ("auto", {"CI_NODE_INDEX": "4", "CI_NODE_TOTAL": "4"}, (4, 4, "gitlab")),
        # CircleCI counts from 0 (`parallelism: 4` runs CIRCLE_NODE_INDEX 0..3).
        ("auto", {"CIRCLE_NODE_INDEX": "0", "CIRCLE_NODE_TOTAL": "4"}, (1, 4, "circleci")),
        ("auto", {"CIRCLE_NODE_INDEX": "3", "CIRCLE_NODE_TOTAL": "4"}, (4, 4, "circleci")),
        # Buildkite counts from 0 (`parallelism: 3` runs BUILDKITE_PARALLEL_JOB 0..2).
        (
            "auto",
            {"BUILDKITE_PARALLEL_JOB": "0", "BUILDKITE_PARALLEL_JOB_COUNT": "3"},
            (1, 3, "buildkite"),
        ),
        (
            "auto",
            {"BUILDKITE_PARALLEL_JOB": "2", "BUILDKITE_PARALLEL_JOB_COUNT": "3"},
            (3, 3, "buildkite"),
        ),
        # A Kubernetes Indexed Job counts from 0 and sets no total.
        ("auto/4", {"JOB_COMPLETION_INDEX": "0"}, (1, 4, "kubernetes")),
        ("auto/4", {"JOB_COMPLETION_INDEX": "1"}, (2, 4, "kubernetes")),
        ("auto", {"JOB_COMPLETION_INDEX": "3", "MW_SHARD_TOTAL": "4"}, (4, 4, "kubernetes")),
        # Written by hand, or through MW_SHARD: what it says, whatever is set.
        ("2/4", {"CI_NODE_INDEX": "3", "CI_NODE_TOTAL": "4"}, (2, 4, None)),
        (" AUTO / 4 ", {"JOB_COMPLETION_INDEX": "1"}, (2, 4, "kubernetes")),
        # GitLab sets CI_NODE_TOTAL=1 in jobs without `parallel:`; a total agreeing is fine.
        ("auto/4", {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"}, (2, 4, "gitlab")),
    ],
)
def test_each_engines_variables_choose_the_shard(spec, environ, expected):
    chosen = resolve_spec(spec, environ)
    assert (chosen.index, chosen.total, chosen.engine) == expected


def test_the_variables_read_are_kept_to_say_what_chose_the_shard():
    gitlab = resolve_spec("auto", {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4", "CI": "true"})
    assert dict(gitlab.variables) == {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"}
    assert gitlab.describe() == "GitLab CI (parallel:): CI_NODE_INDEX=2 CI_NODE_TOTAL=4"
    k8s = resolve_spec("auto", {"JOB_COMPLETION_INDEX": "1", "MW_SHARD_TOTAL": "4"})
    assert dict(k8s.variables) == {"JOB_COMPLETION_INDEX": "1", "MW_SHARD_TOTAL": "4"}
    assert k8s.describe() == ("a Kubernetes Indexed Job: JOB_COMPLETION_INDEX=1 MW_SHARD_TOTAL=4")
    assert resolve_spec("2/4", {}) == ShardSpec(2, 4)


LOOKED = (
    "looked for CI_NODE_INDEX/CI_NODE_TOTAL (GitLab CI (parallel:)); "
    "CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL (CircleCI (parallelism:)); "
    "BUILDKITE_PARALLEL_JOB/BUILDKITE_PARALLEL_JOB_COUNT (Buildkite (parallelism:)); "
    "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)"
)


@pytest.mark.parametrize(
    ("spec", "environ", "message"),
    [
        ("auto", {}, f"--shard auto: no shard variables are set ({LOOKED})"),
        (
            "auto",
            {"GITHUB_ACTIONS": "true"},
            "--shard auto: GitHub Actions sets no shard variables; a matrix job passes its "
            "shard itself: --shard ${{ matrix.shard }}/N",
        ),
        (
            "auto",
            {"CI_NODE_TOTAL": "1"},
            "--shard auto: CI_NODE_TOTAL is set but CI_NODE_INDEX is not: the job does not "
            "run in parallel (GitLab CI (parallel:))",
        ),
        (
            "auto",
            {"JOB_COMPLETION_INDEX": "1"},
            "--shard auto: JOB_COMPLETION_INDEX=1 (a Kubernetes Indexed Job) says which shard "
            "this is but not how many there are; pass --shard auto/N (N = the Job's "
            "completions) or set MW_SHARD_TOTAL",
        ),
        (
            "auto",
            {"CI_NODE_INDEX": "2"},
            "--shard auto: CI_NODE_INDEX is set but CI_NODE_TOTAL is not (GitLab CI (parallel:))",
        ),
        (
            "auto",
            {"CI_NODE_INDEX": "two", "CI_NODE_TOTAL": "4"},
            "--shard auto: CI_NODE_INDEX='two' is not a whole number",
        ),
        (
            "auto",
            {"CIRCLE_NODE_INDEX": "4", "CIRCLE_NODE_TOTAL": "4"},
            "--shard auto: CIRCLE_NODE_INDEX=4 is not a shard of 4 (CircleCI (parallelism:) "
            "counts from 0; mw runs 1 to 10000 shards)",
        ),
        (
            "auto",
            {"CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "4"},
            "--shard auto: CI_NODE_INDEX=0 is not a shard of 4 (GitLab CI (parallel:) counts "
            "from 1; mw runs 1 to 10000 shards)",
        ),
        (
            "auto/4",
            {"JOB_COMPLETION_INDEX": "4"},
            "--shard auto/4: JOB_COMPLETION_INDEX=4 is not a shard of 4 (a Kubernetes Indexed "
            "Job counts from 0; mw runs 1 to 10000 shards)",
        ),
        (
            "auto/3",
            {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"},
            "--shard auto/3: auto/3 disagrees with CI_NODE_TOTAL=4 (GitLab CI (parallel:))",
        ),
        (
            "auto",
            {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4", "MW_SHARD_TOTAL": "3"},
            "--shard auto: MW_SHARD_TOTAL=3 disagrees with CI_NODE_TOTAL=4 (GitLab CI (parallel:))",
        ),
        (
            "auto",
            {"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "2", "JOB_COMPLETION_INDEX": "0"},
            "--shard auto: the variables of more than one engine are set: CI_NODE_INDEX "
            "(GitLab CI (parallel:)), JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)",
        ),
        (
            "auto/0",
            {"JOB_COMPLETION_INDEX": "0"},
            "--shard auto/0: the total must be between 1 and 10000, not 0",
        ),
        ("auto/", {}, "--shard 'auto/': write it as I/N, e.g. --shard 2/4 (shard 2 of 4), or auto"),
    ],
)
def test_what_auto_cannot_use_is_named(spec, environ, message):
    with pytest.raises(UsageError) as info:
        resolve_spec(spec, environ)
    assert str(info.value) == message


# --- through `mw run` -------------------------------------------------------------------------

IDS = "ids=[1,2,3,4,5,6,7,8]"


def run_share(fake_process, ids):
    """Fake the calls of the items in `ids` only: any other item's call fails the test."""
    for n in ids:
        register(fake_process, "get-contact", {"id": n}, {"email": f"{n}@x.io"})
        register(fake_process, "tag-contact", {"id": n}, {"ok": True})


def test_gitlab_variables_run_shard_2_of_4_and_the_report_says_so(
    tmp_path, fake_process, monkeypatch
):
    monkeypatch.setenv("CI_NODE_INDEX", "2")
    monkeypatch.setenv("CI_NODE_TOTAL", "4")
    run_share(fake_process, [2, 6])  # positions 1 and 5 of 8: shard 2 of 4
    report = tmp_path / "shard.json"
    result = mw(
        "run", write_recipe(tmp_path), "-i", IDS, "--connection", "c=conn1",
        "--shard", "auto", "--report", str(report),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "[shard] 2/4 from GitLab CI (parallel:): CI_NODE_INDEX=2 CI_NODE_TOTAL=4"
    assert "[shard] 2/4 of look: 2 of 8 items" in lines
    shard = json.loads(report.read_text())["shard"]
    assert (shard["index"], shard["total"], shard["selected"]) == (2, 4, 2)
    assert shard["engine"] == "gitlab"
    assert shard["variables"] == {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"}


def test_a_kubernetes_index_with_auto_4_runs_shard_2_of_4(tmp_path, fake_process, monkeypatch):
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "1")
    run_share(fake_process, [2, 6])
    report = tmp_path / "shard.json"
    result = mw(
        "run", write_recipe(tmp_path), "-i", IDS, "--connection", "c=conn1",
        "--shard", "auto/4", "--report", str(report),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    shard = json.loads(report.read_text())["shard"]
    assert (shard["index"], shard["total"], shard["engine"]) == (2, 4, "kubernetes")
    assert shard["variables"] == {"JOB_COMPLETION_INDEX": "1"}


def test_mw_shard_in_the_environment_stands_for_the_option(tmp_path, fake_process, monkeypatch):
    monkeypatch.setenv("MW_SHARD", "auto")
    monkeypatch.setenv("CIRCLE_NODE_INDEX", "3")
    monkeypatch.setenv("CIRCLE_NODE_TOTAL", "4")
    run_share(fake_process, [4, 8])
    result = mw("run", write_recipe(tmp_path), "-i", IDS, "--connection", "c=conn1")
    assert result.exit_code == 0, result.stderr
    assert "[shard] 4/4 of look: 2 of 8 items" in result.stderr.splitlines()
    # The option wins over the variable.
    run_share(fake_process, [1, 5])
    again = mw(
        "run", write_recipe(tmp_path), "-i", IDS, "--connection", "c=conn1", "--shard", "1/4"
    )
    assert again.exit_code == 0, again.stderr
    assert "[shard] 1/4 of look: 2 of 8 items" in again.stderr.splitlines()


def test_mw_shard_typos_are_named_as_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("MW_SHARD", "2-4")
    result = mw("run", write_recipe(tmp_path), "-i", IDS)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "Error: MW_SHARD '2-4': write it as I/N, e.g. --shard 2/4 (shard 2 of 4), or auto"
    )


def test_auto_without_variables_exits_2_before_any_call(tmp_path, fake_process):
    result = mw("run", write_recipe(tmp_path), "-i", IDS, "--shard", "auto")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"Error: --shard auto: no shard variables are set ({LOOKED})"
    )
    assert fake_process.calls == type(fake_process.calls)()
