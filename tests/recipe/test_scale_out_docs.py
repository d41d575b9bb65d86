"""docs/scale-out.md's examples: each parses, holds what it claims, and maps every index its
engine sets to exactly one shard."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from wrapper.recipe.lint import check_recipe
from wrapper.recipe.loader import load_recipe_text
from wrapper.recipe.shard_auto import resolve_spec

PAGE = Path(__file__).resolve().parents[2] / "docs" / "scale-out.md"
EXAMPLE = re.compile(r"^<!-- example: ([a-z-]+) -->\n```yaml\n(.*?)^```$", re.M | re.S)


def examples() -> dict[str, list[dict]]:
    found = EXAMPLE.findall(PAGE.read_text(encoding="utf-8"))
    return {name: list(yaml.safe_load_all(body)) for name, body in found}


def shard_argument(command: str) -> str:
    words = shlex.split(command)
    assert words[:2] == ["mw", "run"], command
    return words[words.index("--shard") + 1]


def shards_of(spec: str, environs: list[dict[str, str]]) -> list[tuple[int, int]]:
    return sorted((s.index, s.total) for s in (resolve_spec(spec, env) for env in environs))


def shards_of_written(specs: list[str]) -> list[tuple[int, int]]:
    return sorted((s.index, s.total) for s in (resolve_spec(spec, {}) for spec in specs))


def every_shard_once(total: int) -> list[tuple[int, int]]:
    return [(i, total) for i in range(1, total + 1)]


def test_the_page_has_every_engines_example():
    assert set(examples()) == {
        "github", "gitlab", "circleci", "buildkite", "kubernetes", "kubernetes-merge"
    }  # fmt: skip


def test_github_matrix_jobs_each_pass_their_own_shard_and_a_merge_job_joins_them():
    (workflow,) = examples()["github"]
    shard, merge = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    values = shard["strategy"]["matrix"]["shard"]
    assert shard["strategy"]["fail-fast"] is False
    (command,) = [s["run"] for s in shard["steps"] if "mw run" in s.get("run", "")]
    assert shard["env"] == {"SHARD": "${{ matrix.shard }}", "TOTAL": "${{ strategy.job-total }}"}
    # What each matrix job's shell sees: its own value, and the matrix's size as the total.
    spec = shard_argument(command)
    written = [spec.replace("$SHARD", str(v)).replace("$TOTAL", str(len(values))) for v in values]
    assert shards_of_written(written) == every_shard_once(4)
    assert merge["needs"] == "shard" and merge["if"] == "always()"
    runs = [s.get("run", "") for s in merge["steps"]]
    assert "mw runs merge reports/ --report run.json --junit junit.xml" in runs
    download = next(s for s in merge["steps"] if s.get("uses", "").startswith("actions/download"))
    assert download["with"] == {"pattern": "shard-*", "merge-multiple": True, "path": "reports/"}


def test_gitlab_parallel_4_maps_ci_node_index_1_to_4_onto_every_shard():
    (pipeline,) = examples()["gitlab"]
    job = pipeline["import-contacts"]
    assert job["parallel"] == 4
    (command,) = job["script"]
    assert '--report "reports/shard-$CI_NODE_INDEX.json"' in command
    environs = [{"CI_NODE_INDEX": str(i), "CI_NODE_TOTAL": "4"} for i in range(1, 5)]
    assert shards_of(shard_argument(command), environs) == every_shard_once(4)
    merge = pipeline["merge-reports"]
    assert merge["needs"] == ["import-contacts"] and merge["when"] == "always"
    assert merge["script"] == ["mw runs merge reports/ --report run.json --junit junit.xml"]
    assert merge["artifacts"]["reports"] == {"junit": "junit.xml"}


def test_circleci_parallelism_4_maps_circle_node_index_0_to_3_onto_every_shard():
    (config,) = examples()["circleci"]
    job = config["jobs"]["import-contacts"]
    assert job["parallelism"] == 4
    runs = [step["run"] for step in job["steps"] if isinstance(step, dict) and "run" in step]
    (command,) = [run for run in runs if run.startswith("mw run ")]
    environs = [{"CIRCLE_NODE_INDEX": str(i), "CIRCLE_NODE_TOTAL": "4"} for i in range(4)]
    assert shards_of(shard_argument(command), environs) == every_shard_once(4)
    assert config["workflows"]["import"]["jobs"][1] == {
        "merge-reports": {"requires": ["import-contacts"]}
    }


def test_buildkite_parallelism_4_maps_parallel_job_0_to_3_onto_every_shard():
    (pipeline,) = examples()["buildkite"]
    step = pipeline["steps"][0]
    assert step["parallelism"] == 4
    # `$$` reaches the job's shell as `$`: the variable is read when the job runs.
    assert "$$BUILDKITE_PARALLEL_JOB" in step["command"]
    environs = [
        {"BUILDKITE_PARALLEL_JOB": str(i), "BUILDKITE_PARALLEL_JOB_COUNT": "4"} for i in range(4)
    ]
    assert shards_of(shard_argument(step["command"]), environs) == every_shard_once(4)
    assert pipeline["steps"][1] == {"wait": None, "continue_on_failure": True}
    assert pipeline["steps"][2]["command"][-1].startswith("mw runs merge reports/ ")


def kubernetes() -> dict[str, dict]:
    return {doc["kind"]: doc for doc in examples()["kubernetes"]}


def test_the_kubernetes_job_is_indexed_with_completions_equal_to_parallelism_and_shards():
    job = kubernetes()["Job"]["spec"]
    assert job["completionMode"] == "Indexed"
    assert job["completions"] == job["parallelism"] == 4
    (container,) = job["template"]["spec"]["containers"]
    assert container["command"] == ["mw"]
    args = container["args"]
    assert args[:2] == ["run", "/recipe/recipe.yaml"]
    spec = args[args.index("--shard") + 1]
    assert spec == f"auto/{job['completions']}"
    assert args[args.index("--report") + 1] == "/reports/shard-$(JOB_COMPLETION_INDEX).json"
    # Kubernetes gives pods JOB_COMPLETION_INDEX 0 .. completions-1.
    environs = [{"JOB_COMPLETION_INDEX": str(i)} for i in range(job["completions"])]
    assert shards_of(spec, environs) == every_shard_once(4)
    (index_env,) = container["env"]
    assert index_env["name"] == "JOB_COMPLETION_INDEX"
    assert index_env["valueFrom"]["fieldRef"]["fieldPath"] == (
        "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    )


def test_the_kubernetes_pods_share_the_recipe_and_a_reports_volume_with_the_merge_job():
    docs = kubernetes()
    config, claim = docs["ConfigMap"], docs["PersistentVolumeClaim"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    pods = docs["Job"]["spec"]["template"]["spec"]
    (merge_job,) = examples()["kubernetes-merge"]
    merge_pods = merge_job["spec"]["template"]["spec"]
    for spec in (pods, merge_pods):
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes["recipe"]["configMap"]["name"] == config["metadata"]["name"]
        assert volumes["reports"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
        mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
        assert (mounts["recipe"], mounts["reports"]) == ("/recipe", "/reports")
    (merger,) = merge_pods["containers"]
    assert merger["args"][:3] == ["runs", "merge", "/reports"]
    # The merged report goes to a subfolder, which the folder merge does not read.
    assert merger["args"][merger["args"].index("--report") + 1].startswith("/reports/merged/")


def test_the_configmaps_recipe_loads_lints_and_has_a_foreach_to_split():
    data = kubernetes()["ConfigMap"]["data"]
    loaded = load_recipe_text(data["recipe.yaml"], "recipe.yaml")
    check_recipe(loaded)
    assert [s.id for s in loaded.recipe.steps if s.foreach is not None] == ["find", "create"]
    assert loaded.recipe.connections["chatwoot"].rate_limit == "10/s"
    assert data["people.csv"].splitlines()[0] == "name,email"


@pytest.mark.parametrize("name", ["github", "gitlab", "circleci", "buildkite"])
def test_ci_examples_run_the_shipped_recipe(name):
    text = str(examples()[name])
    assert "recipes/chatwoot/import-contacts.yaml" in text
    assert (PAGE.parents[1] / "recipes/chatwoot/import-contacts.yaml").exists()
