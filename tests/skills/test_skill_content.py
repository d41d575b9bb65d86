"""What the shipped skills teach, and the plugin that carries them.

The recipe-writing reference is checked against the real loader and linter, block by block;
the descriptions against the spec's advice (third person, precise triggers); the plugin against
Claude Code itself when its CLI is installed (`claude plugin validate --strict`, then a real
install into a throw-away home, whose plugin cache must hold only the skills).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from wrapper import __version__
from wrapper.recipe.keydocs import KEY_DOCS
from wrapper.recipe.lint import lint_paths
from wrapper.skills import bundled_names

ROOT = Path(__file__).resolve().parents[2]
SKILLS = ROOT / "skills"
REFERENCE = SKILLS / "mw" / "references" / "recipe-format.md"
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.DOTALL | re.MULTILINE)
APPS = {"chatwoot": "Chatwoot", "chaport": "Chaport", "chatra": "Chatra"}
CLAUDE_TIMEOUT_S = 300


def _frontmatter(name: str) -> dict:
    text = (SKILLS / name / "SKILL.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def _blocks() -> list[str]:
    return YAML_BLOCK.findall(REFERENCE.read_text(encoding="utf-8"))


# --- references/recipe-format.md --------------------------------------------------------------


def test_the_reference_has_complete_recipes_to_check():
    assert len(_blocks()) >= 10


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_every_example_in_the_reference_lints_clean(tmp_path, index):
    recipe = tmp_path / f"example-{index}.mw.yaml"
    recipe.write_text(_blocks()[index], encoding="utf-8")
    assert [p.render() for p in lint_paths([recipe])] == []


def test_the_reference_shows_every_recipe_key_in_an_example():
    written = "\n".join(_blocks())
    missing = sorted(
        f"{model}.{key}"
        for model, keys in KEY_DOCS.items()
        for key in keys
        if not re.search(rf"(^|[\s{{,]){re.escape(key)}:", written, re.MULTILINE)
    )
    assert missing == []


@pytest.mark.parametrize(
    "heading",
    [
        "## Expressions: bare JMESPath, templates with `${...}`, and the `$.` rule",
        "### `set`: values with no call",
        "### `foreach`: one call per item, instead of a shell loop",
        "### `retry`",
        "### `paginate`: every page of a list",
        "## `finally`, `outputs` and `assert`",
    ],
)
def test_the_reference_teaches_each_topic(heading):
    assert heading in REFERENCE.read_text(encoding="utf-8").splitlines()


def test_the_mw_skill_points_at_the_reference():
    body = (SKILLS / "mw" / "SKILL.md").read_text(encoding="utf-8")
    assert "](references/recipe-format.md)" in body


# --- descriptions and the install line ---------------------------------------------------------


@pytest.mark.parametrize("name", [*sorted(APPS), "mw"])
def test_descriptions_are_third_person_with_precise_triggers(name):
    description = _frontmatter(name)["description"]
    first = description.split()[0]
    assert first in ("Runs", "Reads"), f"{name}: starts with {first!r}, not a third-person verb"
    _, _, when = description.partition(" Use when ")
    assert when, f"{name}: no 'Use when' triggers"
    if name in APPS:
        app = APPS[name]
        # The app's name goes with every object, so "conversations" alone never triggers it.
        assert when.startswith(f"the user mentions {app}"), when
        assert when.count(app) >= 3, when
    assert len(description) <= 1024


def test_every_skill_says_how_to_install_mw_the_same_way():
    line = "Needs mw, installed from a clone (pip install ./membrane-wrapper) or a wheel "
    line += "(pip install membrane_wrapper-*.whl)"
    for name in bundled_names():
        assert _frontmatter(name)["compatibility"].startswith(line), name
    everything = "\n".join(p.read_text() for p in SKILLS.rglob("*.md"))
    assert "pip install membrane-wrapper" not in everything  # not on a package index


def install_lines() -> list[str]:
    """The `pip install` lines of the mw skill's install block (test_wheel runs them)."""
    body = (SKILLS / "mw" / "SKILL.md").read_text(encoding="utf-8")
    block = body.split("## Install and check\n", 1)[1].split("```bash\n", 1)[1].split("```")[0]
    return [line.split("#")[0].strip() for line in block.splitlines() if "pip install" in line]


def test_the_install_block_names_a_clone_and_a_wheel():
    assert install_lines() == [
        "pip install ./membrane-wrapper",
        "pip install membrane_wrapper-*.whl",
    ]


# --- the plugin -------------------------------------------------------------------------------


def _plugin() -> dict:
    return json.loads((SKILLS / ".claude-plugin" / "plugin.json").read_text())


def test_the_plugin_is_versioned_with_mw_and_lists_its_schema():
    plugin = _plugin()
    assert plugin["$schema"] == "https://json.schemastore.org/claude-code-plugin-manifest.json"
    assert plugin["name"] == "mw-skills"
    assert plugin["version"] == __version__  # a release, not every commit, updates users
    assert plugin["skills"] == "./"
    assert plugin["license"] == "MIT"


def test_the_plugin_folder_holds_only_skills():
    entries = sorted(p.name for p in SKILLS.iterdir())
    assert entries == sorted([".claude-plugin", *bundled_names()])


def _claude_or_skip() -> str:
    claude = shutil.which("claude")
    if claude is None:
        pytest.skip(
            "the Claude Code CLI (claude) is not installed; .ci/run installs it with "
            "`npm install -g @anthropic-ai/claude-code` where npm is available"
        )
    return claude


@pytest.fixture
def claude_env(tmp_path) -> dict[str, str]:
    home = tmp_path / "claude-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE", "ANTHROPIC"))}
    # No update checks or telemetry: the test talks to nothing beyond this machine.
    quiet = {"DISABLE_AUTOUPDATER": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
    return {**env, **quiet, "HOME": str(home)}


def _claude(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [_claude_or_skip(), *argv],
        env=env,
        cwd=env["HOME"],
        capture_output=True,
        text=True,
        check=False,
        timeout=CLAUDE_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.integration
@pytest.mark.parametrize("target", [ROOT, SKILLS], ids=["marketplace", "plugin"])
def test_claude_plugin_validate_strict_passes(claude_env, target):
    result = _claude("plugin", "validate", "--strict", str(target), env=claude_env)
    assert "Validation passed" in result.stdout


@pytest.mark.integration
def test_claude_installs_the_plugin_with_only_the_skills_in_its_cache(claude_env):
    _claude("plugin", "marketplace", "add", str(ROOT), env=claude_env)
    _claude("plugin", "install", "mw-skills@membrane-wrapper", env=claude_env)
    details = _claude("plugin", "details", "mw-skills@membrane-wrapper", env=claude_env).stdout
    assert re.search(rf"Skills \(4\)\s+{', '.join(bundled_names())}", details), details
    listed = json.loads(_claude("plugin", "list", "--json", env=claude_env).stdout)
    [installed] = [p for p in listed if p["id"] == "mw-skills@membrane-wrapper"]
    assert installed["version"] == __version__
    cache = Path(installed["installPath"])
    assert sorted(p.name for p in cache.iterdir()) == sorted([".claude-plugin", *bundled_names()])
