"""`mw skills ...` as users see it: output lines, `Error:` lines and exit codes."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from tests import helpers
from wrapper.skills import RECORD_FILE, read_record

BUNDLED = ["chaport", "chatra", "chatwoot", "mw"]


@pytest.fixture
def mw():
    return partial(helpers.mw, "skills", catch_exceptions=True)


@pytest.fixture
def home() -> Path:
    return Path.home()


def test_install_all_into_user_scope_by_default(mw, home):
    result = mw("install", "--all")
    assert result.exit_code == 0, result.output
    target = home / ".claude" / "skills"
    assert result.stdout.splitlines() == [f"Installed {n} in {target / n}" for n in BUNDLED]
    assert sorted(read_record(target)) == BUNDLED
    assert (target / "mw" / "SKILL.md").is_file()


def test_install_into_project_scope(mw, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = mw("install", "chatwoot", "--scope", "project")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Installed chatwoot in .claude/skills/chatwoot\n"
    assert sorted(read_record(tmp_path / ".claude" / "skills")) == ["chatwoot"]


def test_install_into_dest_then_force(mw, tmp_path):
    dest = tmp_path / "out"
    assert mw("install", "mw", "--dest", str(dest)).exit_code == 0
    again = mw("install", "mw", "--dest", str(dest))
    assert again.exit_code == 2
    assert again.stderr == f"Error: {dest / 'mw'} already exists; pass --force to replace it\n"
    forced = mw("install", "mw", "--dest", str(dest), "--force")
    assert forced.exit_code == 0
    assert forced.stdout == f"Replaced mw in {dest / 'mw'}\n"


@pytest.mark.parametrize("name", ["../evil", "/abs", "a/b"])
def test_traversal_names_are_refused(mw, tmp_path, name):
    result = mw("install", name, "--dest", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: refusing skill name {name!r}: a name is one folder name, with no path "
        "separators and no '..'\n"
    )
    assert not (tmp_path / "out").exists()


def test_install_usage_errors(mw, tmp_path):
    none = mw("install")
    assert none.exit_code == 2
    assert none.stderr == (
        "Error: name the skills to install, or pass --all\n"
        "  Bundled skills: chaport, chatra, chatwoot, mw.\n"
    )
    both = mw("install", "mw", "--all")
    assert both.exit_code == 2
    assert both.stderr == "Error: give skill names or --all, not both\n"
    clash = mw("install", "mw", "--scope", "user", "--dest", str(tmp_path))
    assert clash.exit_code == 2
    assert clash.stderr == "Error: --scope and --dest cannot be used together; pick one\n"
    unknown = mw("install", "nope", "--dest", str(tmp_path))
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        "Error: no bundled skill named 'nope' (bundled: chaport, chatra, chatwoot, mw)\n"
    )


def test_uninstall_only_what_mw_installed(mw, tmp_path):
    dest = tmp_path / "out"
    mw("install", "mw", "chatra", "--dest", str(dest))
    (dest / "mine").mkdir()
    refused = mw("uninstall", "mine", "--dest", str(dest))
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"Error: mw has no record of installing 'mine' in {dest}; nothing removed\n"
        "  `mw skills list` shows where mw installed each skill.\n"
    )
    done = mw("uninstall", "mw", "--dest", str(dest))
    assert done.exit_code == 0
    assert done.stdout == f"Removed {dest / 'mw'}\n"
    assert sorted(p.name for p in dest.iterdir()) == [RECORD_FILE, "chatra", "mine"]


def test_list_shows_scopes_and_json(mw, tmp_path, monkeypatch, home):
    monkeypatch.chdir(tmp_path)
    mw("install", "mw")
    mw("install", "mw", "chatwoot", "--scope", "project")
    table = mw("list")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["NAME", "INSTALLED", "DESCRIPTION"]
    assert [line.split("  ")[0] for line in lines[1:]] == BUNDLED
    assert "user, project" in lines[4]
    assert " - " in lines[1]
    listed = json.loads(mw("list", "--json").stdout)
    assert listed["version"] == 1
    data = listed["skills"]
    assert [s["name"] for s in data] == BUNDLED
    assert data[3]["installed"] == [
        {"scope": "user", "path": str(home / ".claude/skills/mw"), "modified": False},
        {"scope": "project", "path": ".claude/skills/mw", "modified": False},
    ]


def test_validate_bundled_skills_by_default(mw):
    result = mw("validate")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 4
    assert all(line.endswith(": valid") for line in result.stdout.splitlines())


def test_validate_prints_one_problem_per_line_and_exits_2(mw, tmp_path):
    bad = tmp_path / "Bad"
    bad.mkdir()
    (bad / "SKILL.md").write_text("---\nname: Bad\nextra: 1\n---\n# Bad\n")
    good = tmp_path / "good"
    good.mkdir()
    (good / "SKILL.md").write_text("---\nname: good\ndescription: Fine.\n---\n# Good\n")
    result = mw("validate", str(bad), str(good), str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{bad}: unexpected frontmatter keys: extra (allowed: allowed-tools, compatibility, "
        "description, license, metadata, name; put anything else under metadata)",
        f"{bad}: `name` 'Bad' must be lowercase",
        f"{bad}: `description` is missing",
        f"{good}: valid",
        f"{tmp_path / 'missing'}: no such folder",
    ]
    assert result.stderr == "Error: 4 problems in 2 of 3 skills\n"


def test_from_recipe_writes_into_project_skills_by_default(mw, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("flow.yaml").write_text(
        "version: 1\nname: nightly_report\ndescription: Count things.\n"
        "connections:\n  chatra: {app: chatra}\n"
        "steps:\n  - id: look\n    effect: read\n    action: get-client\n"
    )
    result = mw("from-recipe", "flow.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Wrote .claude/skills/nightly-report/SKILL.md\n"
    text = Path(".claude/skills/nightly-report/SKILL.md").read_text()
    assert "   mw run flow.yaml --events -" in text.splitlines()
    assert "This recipe takes no inputs." in text.splitlines()
    named = mw("from-recipe", "flow.yaml", "--name", "counts", "--dest", "out")
    assert named.exit_code == 0
    assert named.stdout == "Wrote out/counts/SKILL.md\n"
    again = mw("validate", ".claude/skills/nightly-report", "out/counts")
    assert again.exit_code == 0, again.output


def test_from_recipe_takes_a_shipped_recipe_and_runs_it_by_name(mw, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no recipes/ folder here
    result = mw("from-recipe", "chatwoot/welcome-contact", "--dest", "out")
    assert result.exit_code == 0, result.output
    text = Path("out/chatwoot-welcome-contact/SKILL.md").read_text()
    assert '  recipe-path: "chatwoot/welcome-contact"' in text.splitlines()
    assert "This skill runs one mw recipe, `chatwoot/welcome-contact` (shipped with mw)." in text
    assert any(
        line.strip().startswith("mw run chatwoot/welcome-contact") for line in text.splitlines()
    )


def test_from_recipe_with_a_broken_recipe_exits_2(mw, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = mw("from-recipe", "missing.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: missing.yaml: no such file\n")


@pytest.mark.parametrize(
    "args", [[], ["list"], ["install"], ["uninstall"], ["validate"], ["from-recipe"]]
)
def test_every_command_has_help_with_examples(mw, args):
    result = mw(*args, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout


def test_an_empty_dest_is_refused_not_taken_as_this_folder(mw, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for args in (
        ["install", "mw", "--dest", ""],
        ["from-recipe", "chatwoot/daily-summary", "--dest", " "],
    ):
        result = mw(*args)
        assert result.exit_code == 2
        assert (
            "Invalid value for '--dest': is empty; give a folder (. for this one)" in result.stderr
        )
    assert list(work.iterdir()) == []
