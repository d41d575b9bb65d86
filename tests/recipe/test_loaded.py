"""A loaded recipe compares and shows its recipe, path, text and hash, not where values sit."""

from __future__ import annotations

import pytest

from wrapper.recipe.loader import LoadedRecipe, load_recipe_text

TEXT = "version: 1\nname: n\nsteps:\n  - id: a\n    set: {x: inputs.n}\n"


def test_equal_whatever_the_positions_and_shown_path() -> None:
    first = load_recipe_text(TEXT, "one.yaml")
    moved = first.replace(positions={}, key_positions={}, display_path="elsewhere.yaml")
    assert moved == first
    assert moved.location(("steps", 0)) == "elsewhere.yaml"
    assert first.location(("steps", 0)) == "one.yaml:4:5"
    assert first != first.replace(sha256="0" * 64)
    assert repr(first).startswith("LoadedRecipe(recipe=")
    assert "positions" not in repr(first)


def test_immutable() -> None:
    loaded = load_recipe_text(TEXT, "one.yaml")
    assert isinstance(loaded, LoadedRecipe)
    with pytest.raises(AttributeError):
        loaded.text = ""  # type: ignore[misc]
