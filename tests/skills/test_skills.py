"""Skills core: every validation rule with its message, atomic recorded installs, from-recipe."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wrapper.errors import RecipeError, SkillError
from wrapper.skills import (
    RECORD_FILE,
    bundled_names,
    install_skills,
    list_skills,
    read_record,
    skill_from_recipe,
    uninstall_skills,
    validate_skill,
)
from wrapper.skills.install import tree_sha256

GOOD_FRONTMATTER = "name: demo\ndescription: A demo skill. Use when testing.\n"
REF_REASON = "skills-ref (the reference validator) needs Python 3.11+"


def write_skill(
    root: Path, name: str = "demo", frontmatter: str = GOOD_FRONTMATTER, body: str = "# Demo\n"
) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(f"---\n{frontmatter}---\n{body}", encoding="utf-8")
    return folder


def reference_problems(folder: Path) -> list[str]:
    """What the reference validator (skills-ref) says about the folder."""
    from skills_ref import validate

    return list(validate(folder))


def reference_cli() -> list[str]:
    """The reference validator's command: `skills-ref` in its repository, `agentskills` on PyPI."""
    bindir = Path(sys.executable).parent
    for name in ("skills-ref", "agentskills"):
        if (bindir / name).exists():
            return [str(bindir / name)]
    pytest.fail(f"skills-ref is not installed beside {sys.executable}; pip install -e '.[test]'")


needs_reference = pytest.mark.skipif(sys.version_info < (3, 11), reason=REF_REASON)


# --- validation --------------------------------------------------------------------------------

LONG_NAME = "a" * 65
FIELD_CASES = [
    ("name: demo\ndescription: ok\n", []),
    (
        "name: demo\ndescription: ok\nlicense: MIT\ncompatibility: Needs mw.\n"
        "allowed-tools: Bash(mw:*) Read\nmetadata:\n  author: me\n  version: '1.0'\n",
        [],
    ),
    (
        "name: demo\ndescription: ok\nhomepage: x\nrepository: y\n",
        [
            "unexpected frontmatter keys: homepage, repository (allowed: allowed-tools, "
            "compatibility, description, license, metadata, name; put anything else under "
            "metadata)"
        ],
    ),
    # Claude Code reads allowed-tools as a string (space or comma separated) or as a list.
    ("name: demo\ndescription: ok\nallowed-tools:\n  - Bash(mw:*)\n  - Read\n", []),
    ("name: demo\ndescription: ok\nallowed-tools: Bash(mw:*), Read\n", []),
    (
        "name: demo\ndescription: ok\nallowed-tools:\n  - Read\n  - ''\n",
        ["`allowed-tools[1]` must be a tool pattern such as Bash(mw:*) or Read"],
    ),
    ("description: ok\n", ["`name` is missing"]),
    ("name: 12\ndescription: ok\n", ["`name` must be a string"]),
    ("name: ''\ndescription: ok\n", ["`name` must not be empty"]),
    (
        "name: Demo\ndescription: ok\n",
        ["`name` 'Demo' must be lowercase", "`name` 'Demo' must equal the folder name 'demo'"],
    ),
    (
        "name: de_mo\ndescription: ok\n",
        [
            "`name` 'de_mo' may hold only letters, digits and hyphens",
            "`name` 'de_mo' must equal the folder name 'demo'",
        ],
    ),
    (
        "name: -demo\ndescription: ok\n",
        [
            "`name` '-demo' must not start or end with a hyphen",
            "`name` '-demo' must equal the folder name 'demo'",
        ],
    ),
    (
        "name: de--mo\ndescription: ok\n",
        [
            "`name` 'de--mo' must not contain two hyphens in a row",
            "`name` 'de--mo' must equal the folder name 'demo'",
        ],
    ),
    (
        f"name: {LONG_NAME}\ndescription: ok\n",
        [
            "`name` is longer than 64 characters (65)",
            f"`name` '{LONG_NAME}' must equal the folder name 'demo'",
        ],
    ),
    ("name: other\ndescription: ok\n", ["`name` 'other' must equal the folder name 'demo'"]),
    ("name: demo\n", ["`description` is missing"]),
    ("name: demo\ndescription: '  '\n", ["`description` must not be empty"]),
    ("name: demo\ndescription: yes\n", ["`description` must be a string"]),
    (
        f"name: demo\ndescription: {'d' * 1025}\n",
        ["`description` is longer than 1024 characters (1025)"],
    ),
    (f"name: demo\ndescription: {'d' * 1024}\n", []),
    (
        f"name: demo\ndescription: ok\ncompatibility: {'c' * 501}\n",
        ["`compatibility` is longer than 500 characters (501)"],
    ),
    ("name: demo\ndescription: ok\nlicense: 3\n", ["`license` must be a string"]),
    (
        "name: demo\ndescription: ok\nmetadata: flat\n",
        ["`metadata` must be a mapping of strings to strings"],
    ),
    (
        "name: demo\ndescription: ok\nmetadata:\n  version: 1.0\n",
        ['`metadata.version` must be a string (quote it: version: "1.0")'],
    ),
]


@pytest.mark.parametrize(("frontmatter", "expected"), FIELD_CASES)
def test_frontmatter_fields(tmp_path, frontmatter, expected):
    assert validate_skill(write_skill(tmp_path, frontmatter=frontmatter)) == expected


# Rules skills-ref does not have: it reads every scalar as a string (so `name: 12` or
# `metadata: {version: 1.0}` pass there) and does not look at license or metadata's shape.
ONLY_OURS = (
    "name: 12",
    "description: yes",
    "license: 3",
    "metadata: flat",
    "version: 1.0",
    "  - ''",
)


@needs_reference
@pytest.mark.parametrize(
    ("frontmatter", "expected"),
    [case for case in FIELD_CASES if not any(rule in case[0] for rule in ONLY_OURS)],
)
def test_reference_validator_agrees_on_fields(tmp_path, frontmatter, expected):
    """Where skills-ref has the rule, it accepts and refuses the same frontmatter we do."""
    folder = write_skill(tmp_path, frontmatter=frontmatter)
    assert bool(reference_problems(folder)) == bool(expected)


YAML_CASES = [
    ("name: demo\ndescription: ok\nmetadata: {a: b}\n", "line 4: flow style"),
    ("name: demo\ndescription: ok\nmetadata:\n  tags: [a, b]\n", "line 5: flow style"),
    ("name: &n demo\ndescription: ok\n", "line 2: YAML anchors and aliases"),
    ("name: !!str demo\ndescription: ok\n", "line 2: YAML tags"),
    ("name: demo\nname: demo\ndescription: ok\n", "line 3: key 'name' appears twice"),
]


@pytest.mark.parametrize(("frontmatter", "start"), YAML_CASES)
def test_yaml_the_reference_validator_rejects_is_refused(tmp_path, frontmatter, start):
    problems = validate_skill(write_skill(tmp_path, frontmatter=frontmatter))
    assert len(problems) == 1
    assert problems[0].startswith(start)
    if sys.version_info >= (3, 11):
        assert reference_problems(tmp_path / "demo")


def test_yaml_messages_in_full(tmp_path):
    flow = write_skill(tmp_path, "a", "name: a\ndescription: ok\nmetadata: {x: y}\n")
    assert validate_skill(flow) == [
        "line 4: flow style ({...} or [...]) is not portable frontmatter; write it in block style"
    ]
    anchor = write_skill(tmp_path, "b", "name: &x b\ndescription: ok\n")
    assert validate_skill(anchor) == [
        "line 2: YAML anchors and aliases are not portable frontmatter"
    ]
    tag = write_skill(tmp_path, "c", "name: !!str c\ndescription: ok\n")
    assert validate_skill(tag) == ["line 2: YAML tags are not portable frontmatter"]
    broken = write_skill(tmp_path, "d", "name: d\ndescription: 'open\n")
    assert validate_skill(broken) == [
        "the frontmatter is not valid YAML (line 3): found unexpected end of stream"
    ]
    dashes = write_skill(tmp_path, "f", "name: f\ndescription: before --- after\n")
    assert validate_skill(dashes) == [
        "the frontmatter holds `---` inside a value; other parsers end it there"
    ]
    if sys.version_info >= (3, 11):
        from skills_ref import read_properties

        assert read_properties(dashes).description == "before", "skills-ref cuts it there"
    listed = write_skill(tmp_path, "e", "- name\n- e\n")
    assert validate_skill(listed) == ["the frontmatter must be a YAML mapping of keys to values"]


def test_file_level_problems(tmp_path):
    assert validate_skill(tmp_path / "nope") == ["no such folder"]
    (tmp_path / "file.txt").write_text("x")
    assert validate_skill(tmp_path / "file.txt") == [
        "not a folder; a skill is a folder holding SKILL.md"
    ]
    (tmp_path / "empty").mkdir()
    assert validate_skill(tmp_path / "empty") == ["SKILL.md is missing"]
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "SKILL.md").write_text("# no frontmatter\n")
    assert validate_skill(plain) == [
        "SKILL.md must start with a `---` line that opens the YAML frontmatter"
    ]
    (plain / "SKILL.md").write_text("---\nname: plain\ndescription: ok\n# body\n")
    assert validate_skill(plain) == ["the frontmatter is not closed by a `---` line"]
    (plain / "SKILL.md").write_bytes(b"---\nname: plain\ndescription: \xff\n---\n")
    assert validate_skill(plain) == ["SKILL.md is not UTF-8 text"]


def test_a_skill_md_path_validates_its_folder(tmp_path):
    folder = write_skill(tmp_path)
    assert validate_skill(folder / "SKILL.md") == []


def test_body_must_stay_under_500_lines(tmp_path):
    fits = write_skill(tmp_path, "fits", "name: fits\ndescription: ok\n", "line\n" * 499)
    assert validate_skill(fits) == []
    long = write_skill(tmp_path, "long", "name: long\ndescription: ok\n", "line\n" * 500)
    assert validate_skill(long) == [
        "the body has 500 lines; keep it under 500 and move details to files in references/"
    ]


def test_links_must_point_at_files_inside_the_skill(tmp_path):
    body = textwrap.dedent(
        """\
        # Demo
        See [the API](references/api.md), [a section](#usage), [site](https://example.com)
        and [mail](mailto:a@b.c); ![diagram](assets/flow%20chart.png "Flow").
        [missing](references/missing.md) and [escape](../other/SKILL.md)
        [absolute](/etc/passwd)
        ```markdown
        [in a code block](nowhere.md)
        ```
        Inline `[code](nowhere.md)` is fine.
        [def]: references/gone.md
        """
    )
    folder = write_skill(tmp_path, body=body)
    (folder / "references").mkdir()
    (folder / "references" / "api.md").write_text("# API\n")
    (folder / "assets").mkdir()
    (folder / "assets" / "flow chart.png").write_bytes(b"png")
    assert validate_skill(folder) == [
        "line 8: link 'references/missing.md' points at a file that does not exist",
        "line 8: link '../other/SKILL.md' points outside the skill",
        "line 9: link '/etc/passwd' is absolute; use a relative path",
        "line 14: link 'references/gone.md' points at a file that does not exist",
    ]


def test_symlinks_must_stay_inside_the_skill(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("token")
    folder = write_skill(tmp_path / "skills")
    (folder / "inside.md").write_text("ok")
    (folder / "alias.md").symlink_to("inside.md")
    (folder / "leak.txt").symlink_to(outside)
    (folder / "dangling").symlink_to(folder / "gone")
    (folder / "sub").mkdir()
    (folder / "sub" / "loop").symlink_to(folder)
    assert validate_skill(folder) == [
        "symlink dangling is broken",
        f"symlink leak.txt points outside the skill (to {outside})",
        "symlink sub/loop points at a folder that contains it",
    ]


# --- install ----------------------------------------------------------------------------------


def test_install_all_into_dest_records_what_it_installed(tmp_path):
    dest = tmp_path / "out"
    done = install_skills(None, dest)
    names = bundled_names()
    assert [d.name for d in done] == names == ["chaport", "chatra", "chatwoot", "mw"]
    data = json.loads((dest / RECORD_FILE).read_text())
    assert data["format"] == "mw-skills-record"
    assert data["version"] == 1
    assert sorted(data["skills"]) == names
    for item in done:
        entry = data["skills"][item.name]
        assert item.path == dest / item.name
        assert validate_skill(item.path) == []
        assert entry["sha256"] == item.sha256 == tree_sha256(item.path)
        assert entry["source"] == f"bundled:{item.name}"
        assert entry["version"] == item.version
        assert entry["installed_at"].endswith("Z")
    assert sorted(p.name for p in dest.iterdir()) == [RECORD_FILE, *names]


def test_existing_folder_needs_force(tmp_path):
    dest = tmp_path / "out"
    install_skills(["mw"], dest)
    (dest / "mw" / "SKILL.md").write_text("edited")
    with pytest.raises(SkillError) as caught:
        install_skills(["chatwoot", "mw"], dest)
    assert caught.value.message == f"{dest / 'mw'} already exists; pass --force to replace it"
    assert not (dest / "chatwoot").exists(), "nothing is installed when one name fails"
    [again] = install_skills(["mw"], dest, force=True)
    assert again.replaced
    assert validate_skill(dest / "mw") == []
    assert list(dest.glob(".mw-tmp-*")) == []


def source_with(tmp_path: Path, *names: str) -> Path:
    source = tmp_path / "src"
    for name in names:
        write_skill(source, name, f"name: {name}\ndescription: ok\n")
        (source / name / "notes.md").write_text("notes")
    return source


def test_a_copy_failing_midway_leaves_nothing_and_keeps_the_old_copy(tmp_path, monkeypatch):
    source = source_with(tmp_path, "demo")
    dest = tmp_path / "out"
    install_skills(["demo"], dest, source=source)
    before = tree_sha256(dest / "demo")
    record = (dest / RECORD_FILE).read_text()
    (source / "demo" / "notes.md").write_text("new notes")
    from wrapper.skills import copy as copy_module

    real_copy = copy_module._Copy.copy_open
    copied: list[str] = []

    def failing_copy(self, fd, shown, target, depth):
        copied.append(shown)
        if len(copied) == 2:
            raise OSError(28, "No space left on device")
        return real_copy(self, fd, shown, target, depth)

    monkeypatch.setattr(copy_module._Copy, "copy_open", failing_copy)
    with pytest.raises(SkillError) as caught:
        install_skills(["demo"], dest, source=source, force=True)
    assert caught.value.message == (f"cannot install demo into {dest}: No space left on device")
    assert tree_sha256(dest / "demo") == before
    assert (dest / RECORD_FILE).read_text() == record
    assert sorted(p.name for p in dest.iterdir()) == [RECORD_FILE, "demo"]


def test_a_rename_failing_puts_the_old_copy_back(tmp_path, monkeypatch):
    source = source_with(tmp_path, "demo")
    dest = tmp_path / "out"
    install_skills(["demo"], dest, source=source)
    before = tree_sha256(dest / "demo")
    real_replace = Path.replace

    def replace(self, target):
        if self.parent.name.startswith(".mw-tmp-") and self.name == "demo":
            raise OSError(18, "Invalid cross-device link")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    with pytest.raises(SkillError) as caught:
        install_skills(["demo"], dest, source=source, force=True)
    assert caught.value.message == f"cannot install demo into {dest}: Invalid cross-device link"
    assert tree_sha256(dest / "demo") == before
    assert sorted(p.name for p in dest.iterdir()) == [RECORD_FILE, "demo"]


def test_a_copy_that_does_not_validate_is_not_installed(tmp_path, monkeypatch):
    source = source_with(tmp_path, "demo")
    dest = tmp_path / "out"
    from wrapper.skills import install as install_module

    results = iter([[], ["SKILL.md is missing"]])
    monkeypatch.setattr(install_module, "validate_skill", lambda path: next(results))
    with pytest.raises(SkillError) as caught:
        install_skills(["demo"], dest, source=source)
    assert caught.value.message == "skill 'demo' is not valid: SKILL.md is missing"
    assert list(dest.iterdir()) == []


@pytest.mark.parametrize("name", ["../evil", "/abs", "a/b", "..", ".", "a\\b", ""])
def test_names_that_escape_the_target_are_refused(tmp_path, name):
    dest = tmp_path / "out"
    message = (
        f"refusing skill name {name!r}: a name is one folder name, with no path separators "
        "and no '..'"
    )
    with pytest.raises(SkillError) as caught:
        install_skills([name], dest)
    assert caught.value.message == message
    with pytest.raises(SkillError) as caught:
        uninstall_skills([name], dest)
    assert caught.value.message == message
    assert not dest.exists()
    assert not (tmp_path / "evil").exists()


def test_a_symlink_escaping_the_skill_is_refused(tmp_path):
    source = source_with(tmp_path, "demo")
    outside = tmp_path / "id_rsa"
    outside.write_text("private")
    (source / "demo" / "key").symlink_to(outside)
    dest = tmp_path / "out"
    with pytest.raises(SkillError) as caught:
        install_skills(["demo"], dest, source=source)
    assert caught.value.message == (
        f"skill 'demo' is not valid: symlink key points outside the skill (to {outside})"
    )
    assert not dest.exists()


def test_a_symlink_inside_the_skill_is_copied_as_a_file(tmp_path):
    source = source_with(tmp_path, "demo")
    (source / "demo" / "alias.md").symlink_to("notes.md")
    [done] = install_skills(["demo"], tmp_path / "out", source=source)
    copied = done.path / "alias.md"
    assert not copied.is_symlink()
    assert copied.read_text() == "notes"


def test_unknown_and_missing_names(tmp_path):
    with pytest.raises(SkillError) as caught:
        install_skills(["nope"], tmp_path)
    assert caught.value.message == (
        "no bundled skill named 'nope' (bundled: chaport, chatra, chatwoot, mw)"
    )
    with pytest.raises(SkillError) as caught:
        install_skills([], tmp_path)
    assert caught.value.message == "no skills named"
    with pytest.raises(SkillError) as caught:
        bundled_names(tmp_path / "none")
    assert caught.value.message == f"the bundled skills folder {tmp_path / 'none'} does not exist"


def test_uninstall_removes_only_recorded_skills(tmp_path):
    dest = tmp_path / "out"
    install_skills(["mw", "chatra"], dest)
    write_skill(dest, "mine", "name: mine\ndescription: ok\n")
    with pytest.raises(SkillError) as caught:
        uninstall_skills(["mw", "mine"], dest)
    assert caught.value.message == (
        f"mw has no record of installing 'mine' in {dest}; nothing removed"
    )
    assert (dest / "mw").is_dir()
    assert uninstall_skills(["mw"], dest) == [dest / "mw"]
    assert not (dest / "mw").exists()
    assert (dest / "mine").is_dir()
    assert sorted(read_record(dest)) == ["chatra"]


def test_uninstall_keeps_an_edited_copy_unless_forced(tmp_path):
    dest = tmp_path / "out"
    install_skills(["chatra"], dest)
    (dest / "chatra" / "extra.md").write_text("my notes")
    with pytest.raises(SkillError) as caught:
        uninstall_skills(["chatra"], dest)
    assert caught.value.message == (
        f"{dest / 'chatra'} was changed since mw installed it; pass --force to remove it"
    )
    assert uninstall_skills(["chatra"], dest, force=True) == [dest / "chatra"]
    assert read_record(dest) == {}


def test_a_recorded_skill_already_deleted_by_hand_is_dropped_from_the_record(tmp_path):
    dest = tmp_path / "out"
    install_skills(["mw"], dest)
    shutil.rmtree(dest / "mw")
    assert uninstall_skills(["mw"], dest) == [dest / "mw"]
    assert read_record(dest) == {}


def test_records_mw_cannot_read_are_reported(tmp_path):
    (tmp_path / RECORD_FILE).write_text("{not json")
    with pytest.raises(SkillError) as caught:
        read_record(tmp_path)
    assert caught.value.message.startswith(f"the install record {tmp_path / RECORD_FILE} cannot")
    (tmp_path / RECORD_FILE).write_text(json.dumps({"version": 9, "skills": {}}))
    with pytest.raises(SkillError) as caught:
        read_record(tmp_path)
    assert caught.value.message == (
        f"the install record {tmp_path / RECORD_FILE} was written by a newer mw (record version 9)"
    )
    (tmp_path / RECORD_FILE).write_text(json.dumps({"version": 1, "skills": {"../x": {}}}))
    with pytest.raises(SkillError) as caught:
        read_record(tmp_path)
    assert caught.value.message.startswith("refusing skill name '../x'")


def test_list_shows_where_each_skill_is_installed(tmp_path):
    user, project = tmp_path / "user", tmp_path / "project"
    install_skills(["mw"], user)
    install_skills(["mw", "chatwoot"], project)
    (project / "chatwoot" / "SKILL.md").write_text(
        (project / "chatwoot" / "SKILL.md").read_text() + "\nMy note.\n"
    )
    found = {s.name: s for s in list_skills({"user": user, "project": project})}
    assert sorted(found) == ["chaport", "chatra", "chatwoot", "mw"]
    assert [(c.scope, c.modified) for c in found["mw"].installed] == [
        ("user", False),
        ("project", False),
    ]
    assert [(c.scope, c.modified) for c in found["chatwoot"].installed] == [("project", True)]
    assert found["chaport"].installed == ()
    assert found["mw"].description.startswith("Runs Membrane actions")
    assert all(s.bundled for s in found.values())


# --- from-recipe ------------------------------------------------------------------------------

RECIPE = """\
version: 1
name: demo_welcome
description: Greet a new contact | politely.
inputs:
  email: {type: string, format: email, description: Customer e-mail}
  name: {type: string, default: New customer}
  token: {type: string, secret: true, from_env: DEMO_TOKEN, description: API token}
  labels: {type: array, items: {type: string}, default: [new-lead]}
connections:
  chatwoot: {app: chatwoot}
env: [SUPPORT_SIGNATURE]
steps:
  - id: find
    effect: read
    action: search-contacts
    input: {q: "${inputs.email}"}
    outputs: {contact_id: "payload[0].id"}
  - id: greet
    name: Say hello
    action: create-message
    input: {contact_id: "${steps.find.outputs.contact_id}", content: "Hi ${inputs.name}"}
  - id: tag
    effect: write
    idempotent: true
    foreach: {items: "inputs.labels"}
    action: add-label
    input: {label: "${item}"}
finally:
  - id: close
    action: close-session
outputs:
  contact_id: "steps.find.outputs.contact_id || `null`"
"""


@pytest.fixture
def recipe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "recipes" / "demo.yaml"
    path.parent.mkdir()
    path.write_text(RECIPE)
    return path


def test_from_recipe_writes_a_skill_that_runs_it(tmp_path, recipe):
    dest = tmp_path / "skills"
    folder = skill_from_recipe(recipe, dest)
    assert folder == dest / "demo-welcome"
    assert validate_skill(folder) == []
    text = (folder / "SKILL.md").read_text()
    assert text.startswith('---\nname: demo-welcome\ndescription: "Greet a new contact |')
    assert '  recipe-path: "recipes/demo.yaml"\n' in text
    for line in [
        "| `email` | string | yes |  | Customer e-mail; format email |",
        '| `name` | string | no | `"New customer"` |  |',
        "| `token` | string | yes |  | API token; **secret** from the environment variable "
        "`DEMO_TOKEN` |",
        '| `labels` | array | no | `["new-lead"]` |  |',
        "| `chatwoot` | chatwoot |",
        "   mw plan recipes/demo.yaml -i email=<string> --events -",
        "   mw run recipes/demo.yaml -i email=<string> --events -",
        "| `find` | read | action `search-contacts` |  |",
        "| `greet` | write | action `create-message` | Say hello |",
        "| `tag` | write | action `add-label`, once per item |  |",
        "| `close` | write | action `close-session` (always runs, at the end) |  |",
        "The recipe also reads these environment variables: `SUPPORT_SIGNATURE`.",
        "1. Preview. Read steps run for real; write steps are only printed (this recipe has 3 "
        "write steps):",
        "| `contact_id` | `` steps.find.outputs.contact_id \\|\\| `null` `` |",
        "| 0 | the run finished and every assert held | report the outputs |",
        "| 2 | invalid usage, recipe or inputs; nothing ran | fix the command or inputs |",
        "| 4 | membrane missing, not logged in, or a connection needs a person | show the user "
        "the printed advice or link; do not retry blindly |",
    ]:
        assert line in text.splitlines(), line
    assert read_record(dest)["demo-welcome"]["source"] == f"recipe:{recipe.resolve()}"


@needs_reference
def test_from_recipe_output_passes_the_reference_validator(tmp_path, recipe):
    folder = skill_from_recipe(recipe, tmp_path / "skills", name="greeter")
    assert reference_problems(folder) == []
    done = subprocess.run(
        [*reference_cli(), "validate", str(folder)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Valid skill: {folder}"


def test_from_recipe_refuses_bad_names_and_existing_skills(tmp_path, recipe):
    dest = tmp_path / "skills"
    with pytest.raises(SkillError) as caught:
        skill_from_recipe(recipe, dest, name="../up")
    assert caught.value.message.startswith("refusing skill name '../up'")
    with pytest.raises(SkillError) as caught:
        skill_from_recipe(recipe, dest, name="Bad_Name")
    assert caught.value.message == (
        "skill 'Bad_Name' is not valid: `name` 'Bad_Name' must be lowercase; "
        "`name` 'Bad_Name' may hold only letters, digits and hyphens"
    )
    skill_from_recipe(recipe, dest)
    with pytest.raises(SkillError) as caught:
        skill_from_recipe(recipe, dest)
    assert caught.value.message == (
        f"{dest / 'demo-welcome'} already exists; pass --force to replace it"
    )
    assert skill_from_recipe(recipe, dest, force=True) == dest / "demo-welcome"
    assert sorted(p.name for p in dest.iterdir()) == [RECORD_FILE, "demo-welcome"]


def test_from_recipe_reports_a_broken_recipe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RecipeError) as caught:
        skill_from_recipe(tmp_path / "missing.yaml", tmp_path / "skills")
    assert caught.value.message == f"{tmp_path / 'missing.yaml'}: no such file"
    assert not (tmp_path / "skills").exists()


def test_from_recipe_names_a_recipe_outside_the_project_by_its_full_path(tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere" / "demo.yaml"
    outside.parent.mkdir()
    outside.write_text(RECIPE)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    folder = skill_from_recipe(outside, Path(".claude/skills"))
    text = (folder / "SKILL.md").read_text()
    assert f"   mw run {outside} -i email=<string> --events -" in text.splitlines()


# --- bundled skills ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["chatwoot", "chaport", "chatra", "mw"])
def test_bundled_skill_validates(name):
    from wrapper.skills import bundled_skills_dir

    assert validate_skill(bundled_skills_dir() / name) == []


@needs_reference
@pytest.mark.parametrize("name", ["chatwoot", "chaport", "chatra", "mw"])
def test_bundled_skill_passes_skills_ref_validate(name):
    from wrapper.skills import bundled_skills_dir

    folder = bundled_skills_dir() / name
    done = subprocess.run(
        [*reference_cli(), "validate", str(folder)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_a_link_loop_added_to_an_installed_copy_counts_as_an_edit(tmp_path):
    dest = tmp_path / "out"
    install_skills(["mw"], dest)
    (dest / "mw" / "loop").symlink_to(dest / "mw")
    [copy] = next(s for s in list_skills({"user": dest}) if s.name == "mw").installed
    assert copy.modified


def test_from_recipe_shows_a_set_step_as_making_no_call(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "count.yaml"
    path.write_text(
        "version: 1\nname: count\ndescription: Count.\n"
        "steps:\n  - id: pick\n    set: {n: '`1`', twice: 'mul(`1`, `2`)'}\n"
    )
    folder = skill_from_recipe(path, tmp_path / "skills")
    text = (folder / "SKILL.md").read_text()
    assert "| `pick` | read | none: sets `n`, `twice` |  |" in text.splitlines()


# --- races: concurrent installs and symlinks swapped in after validation --------------------

RACER = """\
import sys, time
from pathlib import Path
from wrapper.errors import SkillError
from wrapper.skills import install

real_swap = install._swap


def slow_swap(*args, **kwargs):
    # Widen the gap between the check for an existing copy and the rename, where two
    # unlocked installs used to both pass the check and the later one replaced the earlier.
    time.sleep(0.5)
    return real_swap(*args, **kwargs)


install._swap = slow_swap
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.01)
try:
    install.install_skills(["demo"], Path(sys.argv[1]), source=Path(sys.argv[2]))
except SkillError as error:
    print(error.message)
    sys.exit(2)
print("installed")
"""


def test_two_installs_at_once_without_force_never_replace_each_other(tmp_path):
    source = source_with(tmp_path, "demo")
    dest = tmp_path / "out"
    dest.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    for round_ in range(3):
        go = tmp_path / f"go-{round_}"
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", RACER, str(dest), str(source), str(go)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        go.touch()
        results = sorted((r.wait(timeout=120), r.stdout.read().strip()) for r in racers)
        for racer in racers:
            racer.stdout.close()
            racer.stderr.close()
        assert results == [
            (0, "installed"),
            (2, f"{dest / 'demo'} already exists; pass --force to replace it"),
        ]
        assert sorted(p.name for p in dest.iterdir()) == [RECORD_FILE, "demo"]
        assert list(json.loads((dest / RECORD_FILE).read_text())["skills"]) == ["demo"]
        shutil.rmtree(dest / "demo")
        (dest / RECORD_FILE).unlink()


def _secret(tmp_path: Path) -> Path:
    outside = tmp_path / "id_rsa"
    outside.write_text("PRIVATE KEY")
    return outside


def _flip_after_validation(monkeypatch, flip):
    from wrapper.skills import install as install_module

    real_validate = install_module.validate_skill
    calls = []

    def validate_then_flip(path):
        problems = real_validate(path)
        calls.append(path)
        if len(calls) == 1:
            flip()
        return problems

    monkeypatch.setattr(install_module, "validate_skill", validate_then_flip)


def _assert_nothing_copied(dest: Path) -> None:
    copies = [p for p in dest.rglob("*") if p.is_file()] if dest.exists() else []
    assert [p for p in copies if p.read_bytes() == b"PRIVATE KEY"] == []
    assert not (dest / "demo").exists()


def test_a_file_turned_into_a_symlink_after_validation_is_not_followed(tmp_path, monkeypatch):
    source = source_with(tmp_path, "demo")
    outside = _secret(tmp_path)
    notes = source / "demo" / "notes.md"

    def flip():
        notes.unlink()
        notes.symlink_to(outside)

    _flip_after_validation(monkeypatch, flip)
    dest = tmp_path / "out"
    with pytest.raises(SkillError) as caught:
        install_skills(["demo"], dest, source=source)
    assert caught.value.message == (
        "symlink notes.md points outside the skill; refusing to follow it"
    )
    _assert_nothing_copied(dest)


@pytest.mark.parametrize("what", ["notes.md", "refs"])
def test_a_swap_between_looking_and_opening_is_refused(tmp_path, monkeypatch, what):
    """The entry is a plain file (or folder) when listed and a symlink when opened."""
    from wrapper.skills import copy as copy_module

    source = source_with(tmp_path, "demo")
    (source / "demo" / "refs").mkdir()
    (source / "demo" / "refs" / "api.md").write_text("api")
    outside = _secret(tmp_path)
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    (outside_dir / "id_rsa").write_text("PRIVATE KEY")
    real_open = copy_module._open

    def swap_then_open(folder, name, shown):
        if name == what:
            entry = source / "demo" / what
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            entry.symlink_to(outside if what == "notes.md" else outside_dir)
        return real_open(folder, name, shown)

    monkeypatch.setattr(copy_module, "_open", swap_then_open)
    dest = tmp_path / "out"
    with pytest.raises(SkillError) as caught:
        install_skills(["demo"], dest, source=source)
    assert caught.value.message == (
        f"{what} became a symlink during the install; refusing to follow it"
    )
    _assert_nothing_copied(dest)


def test_links_inside_the_skill_absolute_or_chained_are_copied_as_what_they_point_at(tmp_path):
    source = source_with(tmp_path, "demo")
    skill = source / "demo"
    (skill / "refs").mkdir()
    (skill / "refs" / "api.md").write_text("api")
    (skill / "alias.md").symlink_to(skill / "notes.md")
    (skill / "chain.md").symlink_to("alias.md")
    (skill / "docs").symlink_to("refs")
    [done] = install_skills(["demo"], tmp_path / "out", source=source)
    assert (done.path / "alias.md").read_text() == "notes"
    assert (done.path / "chain.md").read_text() == "notes"
    assert (done.path / "docs" / "api.md").read_text() == "api"
    assert not any(p.is_symlink() for p in done.path.rglob("*"))
