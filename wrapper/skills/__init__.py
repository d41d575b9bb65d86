"""Claude Code skills: list, validate, install and uninstall skill folders, or write one.

A skill is a folder holding `SKILL.md` (YAML frontmatter, then Markdown). `validate` holds the
rules, `install` the atomic, recorded copies, `generate` the skill written from a recipe. This
package never prints and never imports click; it returns data and raises `SkillError`.
"""

from __future__ import annotations

from wrapper.paths import bundled_dir
from wrapper.skills.generate import skill_from_recipe, skill_name_for
from wrapper.skills.install import (
    RECORD_FILE,
    Installed,
    InstalledCopy,
    SkillInfo,
    bundled_names,
    bundled_skills_dir,
    check_name,
    default_scopes,
    install_skills,
    list_skills,
    read_record,
    uninstall_skills,
)
from wrapper.skills.validate import SKILL_FILE, read_frontmatter, validate_skill

__all__ = [
    "RECORD_FILE",
    "SKILL_FILE",
    "Installed",
    "InstalledCopy",
    "SkillInfo",
    "bundled_dir",
    "bundled_names",
    "bundled_skills_dir",
    "check_name",
    "default_scopes",
    "install_skills",
    "list_skills",
    "read_frontmatter",
    "read_record",
    "skill_from_recipe",
    "skill_name_for",
    "uninstall_skills",
    "validate_skill",
]
