"""`.claude-plugin/marketplace.json`: the shape Claude Code reads, and a plugin whose folder
holds the skills and nothing else."""

from __future__ import annotations

import json
import re

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
    assert set(data) == {"$schema", "name", "owner", "metadata", "plugins"}
    assert data["$schema"] == "https://json.schemastore.org/claude-code-marketplace.json"
    assert re.match(KEBAB, data["name"])
    assert data["name"] not in RESERVED
    assert isinstance(data["owner"]["name"], str) and data["owner"]["name"]
    [plugin] = data["plugins"]
    assert re.match(KEBAB, plugin["name"])
    # Its own folder: Claude Code copies only the source folder into its plugin cache.
    assert plugin["source"] == "./skills"
    assert plugin["description"]
    manifest = json.loads((ROOT / "skills" / ".claude-plugin" / "plugin.json").read_text())
    assert manifest["name"] == plugin["name"]


def test_every_skill_in_the_plugin_folder_validates():
    folders = [p for p in (ROOT / "skills").iterdir() if not p.name.startswith(".")]
    assert sorted(p.name for p in folders) == bundled_names()
    for folder in folders:
        assert validate_skill(folder) == [], folder
