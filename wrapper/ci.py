"""Whether mw runs under GitHub Actions: the one reader of the variable its runner sets."""

from __future__ import annotations

from collections.abc import Mapping


def on_github_actions(environ: Mapping[str, str]) -> bool:
    """GitHub's runner sets GITHUB_ACTIONS=true in every step of a workflow."""
    return environ.get("GITHUB_ACTIONS") == "true"
