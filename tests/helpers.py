"""What tests share: the tree's paths and the ways to run `mw` (in-process or as a process)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
RECIPES = DATA / "recipes"
MEMBRANE_DATA = DATA / "membrane"
SHIPPED_RECIPES = ROOT / "recipes"
