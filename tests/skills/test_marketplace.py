"""`.claude-plugin/marketplace.json`: the shape Claude Code reads, and skills that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.helpers import ROOT
from wrapper.skills import bundled_names, validate_skill

RESERVED = {
    "claude-code-marketplace",
    "claude-code-plugins",
    "claude-plugins-official",
    "claude-plugins-community",
    "claude-community",
    "anthropic-marketplace",
    "anthropic-plugins",
    "agent-skills",
    "anthropic-agent-skills",
    "knowledge-work-plugins",
    "life-sciences",
    "claude-for-legal",
    "claude-for-financial-services",
    "financial-services-plugins",
    "first-party-plugins",
    "healthcare",
    "org",
    "org-provisioned",
    "unknown",
}
KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def load() -> dict:
    return json.loads((ROOT / ".claude-plugin" / "marketplace.json").read_text())


def test_marketplace_shape():
    data = load()
    assert set(data) == {"name", "owner", "metadata", "plugins"}
    assert re.match(KEBAB, data["name"])
    assert data["name"] not in RESERVED
    assert isinstance(data["owner"]["name"], str) and data["owner"]["name"]
    [plugin] = data["plugins"]
    assert re.match(KEBAB, plugin["name"])
    assert plugin["source"] == "./"
    assert plugin["strict"] is False
    assert plugin["description"]


def test_every_listed_skill_exists_and_validates():
    [plugin] = load()["plugins"]
    listed = plugin["skills"]
    assert all(path.startswith("./skills/") and ".." not in path for path in listed)
    assert sorted(Path(p).name for p in listed) == bundled_names()
    for path in listed:
        folder = ROOT / path
        assert (folder / "SKILL.md").is_file(), path
        assert validate_skill(folder) == [], path
