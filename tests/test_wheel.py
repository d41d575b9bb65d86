"""A plain (non-editable) install carries the shipped skills and recipes.

Builds the wheel from a copy of the working tree, installs it into a fresh virtual
environment, and runs the installed `mw` from an unrelated folder, so nothing can be found
through the checkout. The new environment borrows the test environment's dependencies through
a `.pth` line instead of downloading them again; `wrapper` itself comes only from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.integration

SKIPPED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".ci-venv",
    "build",
    "dist",
    "*.egg-info",
    ".mw",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    ".claude",
)
BUILD_TIMEOUT_S = 600


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, check=False, timeout=BUILD_TIMEOUT_S, **kwargs
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=SKIPPED)
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "-q",
            "-w",
            str(work / "dist"),
        ]
    )
    assert built.returncode == 0, built.stderr
    [found] = (work / "dist").glob("membrane_wrapper-*.whl")
    return found


def install_into_new_venv(env_dir: Path, target: str, cwd: Path | None = None) -> Path:
    """A fresh virtual environment with `target` (a wheel or a source folder) installed by pip;
    dependencies come from the test environment through a `.pth` line."""
    made = run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    assert made.returncode == 0, made.stderr
    python = env_dir / "bin" / "python"
    installed = run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            target,
        ],
        cwd=cwd,
    )
    assert installed.returncode == 0, installed.stderr
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib.stdout.strip()) / "_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    return env_dir


@pytest.fixture(scope="module")
def venv(wheel) -> Path:
    return install_into_new_venv(wheel.parent.parent / "venv", str(wheel))


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {**clean, "HOME": str(home)}


def test_the_installed_package_reads_its_own_bundled_copies(venv, env, tmp_path):
    probe = run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import json, wrapper, wrapper.paths as p; print(json.dumps([wrapper.__file__, "
            "str(p.bundled_dir('skills')), str(p.bundled_dir('recipes'))]))",
        ],
        cwd=tmp_path,
        env=env,
    )
    assert probe.returncode == 0, probe.stderr
    package, skills, recipes = json.loads(probe.stdout)
    assert Path(package).is_relative_to(venv)
    assert Path(skills) == Path(package).parent / "_bundled" / "skills"
    shipped = sorted(p.relative_to(ROOT / "recipes") for p in (ROOT / "recipes").rglob("*.y*ml"))
    if shipped:
        assert Path(recipes) == Path(package).parent / "_bundled" / "recipes"
        assert sorted(p.relative_to(recipes) for p in Path(recipes).rglob("*.y*ml")) == shipped


def test_mw_skills_list_and_validate_from_the_installed_copy(venv, env, tmp_path):
    mw = str(venv / "bin" / "mw")
    listed = run([mw, "skills", "list", "--json"], cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    skills = json.loads(listed.stdout)["skills"]
    assert [s["name"] for s in skills] == ["chaport", "chatra", "chatwoot", "mw"]
    assert all(Path(s["path"]).is_relative_to(venv) for s in skills)
    validated = run([mw, "skills", "validate"], cwd=tmp_path, env=env)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert len(validated.stdout.splitlines()) == 4
    installed = run([mw, "skills", "install", "--all"], cwd=tmp_path, env=env)
    assert installed.returncode == 0, installed.stderr
    assert sorted(p.name for p in (Path(env["HOME"]) / ".claude" / "skills").iterdir()) == [
        ".mw-skills.json",
        "chaport",
        "chatra",
        "chatwoot",
        "mw",
    ]


def test_the_wheel_carries_licence_types_and_schemas(wheel):
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        headers = archive.read(metadata).decode().split("\n\n", 1)[0].splitlines()
        bundled_schema = archive.read("wrapper/_bundled/schema/recipe.schema.json")
    dist_info = metadata.rsplit("/", 1)[0]
    assert f"{dist_info}/licenses/LICENSE" in names
    assert "wrapper/py.typed" in names
    assert bundled_schema == (ROOT / "schema" / "recipe.schema.json").read_bytes()
    assert "License-Expression: MIT" in headers
    assert "License-File: LICENSE" in headers
    assert not any(h.startswith("Classifier: License ::") for h in headers)  # PEP 639 forbids both
    assert "Classifier: Typing :: Typed" in headers
    assert "Classifier: Programming Language :: Python :: 3.10" in headers
    assert any(h.startswith("Project-URL: ") for h in headers)


def test_the_installed_mw_points_vscode_at_its_own_schema(venv, env, tmp_path):
    shown = run([str(venv / "bin" / "mw"), "schema", "recipe", "--vscode"], cwd=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    [(path, globs)] = json.loads(shown.stdout)["yaml.schemas"].items()
    assert Path(path).is_relative_to(venv)
    assert (
        json.loads(Path(path).read_text())["$schema"] == "http://json-schema.org/draft-07/schema#"
    )
    assert globs == ["recipes/**/*.yaml", "*.mw.yaml"]


def _documented_install_lines() -> list[str]:
    body = (ROOT / "skills" / "mw" / "SKILL.md").read_text(encoding="utf-8")
    block = body.split("## Install and check\n", 1)[1].split("```bash\n", 1)[1].split("```")[0]
    return [line.split("#")[0].strip() for line in block.splitlines() if "pip install" in line]


def test_the_install_lines_the_skills_give_work_from_a_clone_and_a_wheel(wheel, env, tmp_path):
    import glob
    import shlex

    from wrapper import __version__

    # The folder a clone makes, and a wheel built from it, side by side.
    shutil.copytree(ROOT, tmp_path / "membrane-wrapper", ignore=SKIPPED)
    shutil.copy(wheel, tmp_path)
    lines = _documented_install_lines()
    assert len(lines) == 2
    for number, line in enumerate(lines):
        words = shlex.split(line)
        assert words[:2] == ["pip", "install"], line
        [target] = glob.glob(words[2], root_dir=tmp_path)  # as the shell would expand it
        env_dir = install_into_new_venv(tmp_path / f"venv-{number}", target, cwd=tmp_path)
        shown = run([str(env_dir / "bin" / "mw"), "--version"], cwd=tmp_path, env=env)
        assert shown.stdout == f"mw, version {__version__}\n", line
        where = run(
            [str(env_dir / "bin" / "python"), "-c", "import wrapper; print(wrapper.__file__)"],
            cwd=tmp_path,
            env=env,
        )
        assert Path(where.stdout.strip()).is_relative_to(env_dir), line
