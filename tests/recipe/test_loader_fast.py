"""libyaml's composer (the fast path of the loader) gives exactly what the pure-Python one does."""

from __future__ import annotations

import pytest
import yaml

from tests.helpers import RECIPES
from wrapper.recipe import loader

DATA = sorted(RECIPES.glob("*.yaml"))
UNICODE = """\
version: 1
name: unicode-doc
description: "Grüße — 挨拶 ${'{'}x}"
steps:
  - {id: a, action: "sënd-message", connection: c, input: {text: "héllo 🌍", n: 0x1f, ok: yes}}
connections:
  c: {app: chatwoot}
"""


def _both(text: str, monkeypatch) -> tuple[loader.LoadedRecipe, loader.LoadedRecipe]:
    fast = loader.load_recipe_text(text, "r.yaml")
    with monkeypatch.context() as patched:
        patched.setattr(loader, "_fast_node", lambda text: loader._SLOW)
        slow = loader.load_recipe_text(text, "r.yaml")
    return fast, slow


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")
@pytest.mark.parametrize("text", [p.read_text() for p in DATA] + [UNICODE], ids=lambda t: t[:30])
def test_fast_and_pure_python_composers_agree(text, monkeypatch):
    assert loader._fast_node(text) is not loader._SLOW
    fast, slow = _both(text, monkeypatch)
    assert fast.recipe == slow.recipe
    assert fast.positions == slow.positions
    assert fast.key_positions == slow.key_positions


def test_errors_point_at_the_same_column_after_wide_characters(monkeypatch):
    bad = UNICODE.replace("ok: yes}}", "ok: yes}, tiemout: 3}")
    errors = []
    for fast in (True, False):
        with monkeypatch.context() as patched:
            if not fast:
                patched.setattr(loader, "_fast_node", lambda text: loader._SLOW)
            with pytest.raises(loader.RecipeError) as info:
                loader.load_recipe_text(bad, "r.yaml")
        errors.append(str(info.value))
    assert errors[0] == errors[1]
    assert errors[0].startswith("r.yaml:5:")


def test_deep_nesting_never_reaches_libyaml():
    # libyaml recurses in C and would crash the process instead of raising.
    assert loader._fast_node("x: " + "[" * 5000 + "]" * 5000) is loader._SLOW
    assert loader._fast_node("- " * 2000 + "x") is loader._SLOW


def test_broken_yaml_is_reported_by_the_pure_python_composer():
    assert loader._fast_node("a: [1, 2\nb: 3\n") is loader._SLOW
