"""What the repository offers other tools: the pre-commit hook and the Docker image.

The hook is read the way pre-commit reads it, and its entry is run on a good and a bad recipe
exactly as pre-commit would run it (the entry's words, then the matching file names). The image
is built only where a Docker daemon answers and the base image can be pulled; elsewhere the test
says which of the two is missing.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOCKER_TIMEOUT_S = 1800
BASE_IMAGE = "python:3.12-slim"

GOOD = """\
version: 1
name: hello
steps:
  - id: greet
    set: {text: "'hello'"}
outputs: {text: steps.greet.outputs.text}
"""
BAD = """\
version: 1
name: hello
steps:
  - id: greet
    set: {text: "'hello'"}
    stpes: 1
"""


def _hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = hooks
    return hook


def test_the_hook_is_what_pre_commit_needs():
    hook = _hook()
    assert hook["id"] == "mw-lint"
    assert hook["language"] == "python"  # pre-commit pip-installs this repository
    assert hook["entry"] == "mw lint"
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert hook["types"] == ["yaml"]


@pytest.mark.parametrize(
    ("path", "checked"),
    [
        ("recipes/chatwoot/daily-summary.yaml", True),
        ("ops/recipes/nightly/export.yml", True),
        ("weekly-report.mw.yaml", True),
        ("jobs/weekly.mw.yml", True),
        ("config.yaml", False),
        (".github/workflows/ci.yml", False),
        ("docs/recipes.md", False),
        ("myrecipes/x.yaml", False),
    ],
)
def test_the_hook_checks_recipes_and_mw_yaml_files_only(path, checked):
    # pre-commit matches `files` with re.search on the path relative to the repository root.
    assert bool(re.search(_hook()["files"], path)) is checked


def test_the_hook_matches_every_shipped_recipe():
    pattern = _hook()["files"]
    shipped = [p.relative_to(ROOT).as_posix() for p in (ROOT / "recipes").rglob("*.yaml")]
    assert shipped
    assert [p for p in shipped if not re.search(pattern, p)] == []


def _run_entry(files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(_hook()["entry"])
    argv[0] = str(BIN / argv[0])  # the `mw` that pre-commit would install from this repository
    return subprocess.run(
        [*argv, *(str(f.relative_to(cwd)) for f in files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_the_hook_entry_passes_a_good_recipe_and_fails_a_bad_one(tmp_path):
    good = tmp_path / "recipes" / "good.yaml"
    good.parent.mkdir()
    good.write_text(GOOD)
    bad = tmp_path / "bad.mw.yaml"
    bad.write_text(BAD)

    passed = _run_entry([good], tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout == "1 recipe checked, no problems.\n"

    failed = _run_entry([good, bad], tmp_path)
    assert failed.returncode == 2
    lines = failed.stdout.splitlines()
    assert lines[-1] == "2 recipes checked: 1 error."
    assert lines[0] == "bad.mw.yaml:6:5: steps[0]: unknown key 'stpes'"


def _docker_or_skip() -> str:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed, so the Dockerfile is not built")
    info = subprocess.run(
        [docker, "info"], capture_output=True, text=True, check=False, timeout=120
    )
    if info.returncode != 0:
        why = (info.stderr.strip().splitlines() or ["no answer"])[-1]
        pytest.skip(f"docker is installed but its daemon does not answer ({why})")
    pulled = subprocess.run(
        [docker, "pull", "-q", BASE_IMAGE],
        capture_output=True,
        text=True,
        check=False,
        timeout=DOCKER_TIMEOUT_S,
    )
    if pulled.returncode != 0:
        why = (pulled.stderr.strip().splitlines() or ["no answer"])[-1]
        pytest.skip(f"the base image {BASE_IMAGE} cannot be pulled here ({why})")
    return docker


@pytest.mark.integration
def test_the_dockerfile_builds_an_image_that_runs_mw():
    docker = _docker_or_skip()
    tag = "mw-test-image:latest"
    built = subprocess.run(
        [docker, "build", "-q", "-t", tag, str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
        timeout=DOCKER_TIMEOUT_S,
    )
    assert built.returncode == 0, built.stderr
    try:
        from wrapper import __version__

        version = subprocess.run(
            [docker, "run", "--rm", tag, "--version"],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        assert version.stdout == f"mw, version {__version__}\n", version.stderr
        linted = subprocess.run(
            [docker, "run", "--rm", tag, "lint", "chatwoot/daily-summary"],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        assert linted.returncode == 0, linted.stdout + linted.stderr
    finally:
        subprocess.run([docker, "rmi", "-f", tag], capture_output=True, check=False, timeout=600)
