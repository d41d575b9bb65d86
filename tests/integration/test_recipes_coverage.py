"""What the shipped recipes call: every published Chaport and Chatra action key is used by some
recipe, no recipe runs a Chatwoot action key (Membrane has published none; Chatwoot recipes
use its REST API through the proxy), and every shipped recipe lints clean, warnings included.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import ROOT
from tests.helpers import SHIPPED_RECIPES as RECIPES
from tests.published_keys import CHAPORT_KEYS, CHATRA_KEYS
from wrapper.recipe.lint import lint_paths
from wrapper.recipe.loader import load_recipe

README = RECIPES / "README.md"
SHIPPED = sorted(RECIPES.rglob("*.yaml"))


def readme_example() -> str:
    """The recipe the recipe reference (docs/recipes.md) shows first."""
    text = (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8")
    name = text.index("name: chatwoot-welcome-contact\n")
    start = text.rindex("```yaml\n", 0, name) + len("```yaml\n")
    return text[start : text.index("\n```\n", name) + 1]


def actions_by_app() -> dict[str, set[str]]:
    """Each app's action keys that shipped recipes run (the app of the step's connection)."""
    used: dict[str, set[str]] = {}
    for path in SHIPPED:
        recipe = load_recipe(path).recipe
        for step in recipe.all_steps():
            name = recipe.connection_for(step)
            if step.action is None or name is None:
                continue
            app = recipe.connections[name].app
            used.setdefault(app, set()).add(step.action)
    return used


def test_the_published_keys_are_the_ones_membrane_lists():
    assert (len(CHAPORT_KEYS), len(CHATRA_KEYS)) == (20, 10)


def test_recipes_use_every_chaport_and_chatra_key_and_no_chatwoot_action():
    used = actions_by_app()
    assert used.keys() <= {"chaport", "chatra"}, used.get("chatwoot")
    assert used["chaport"] <= CHAPORT_KEYS, used["chaport"] - CHAPORT_KEYS
    assert used["chatra"] <= CHATRA_KEYS, used["chatra"] - CHATRA_KEYS
    assert len(used["chaport"]) >= 18, sorted(CHAPORT_KEYS - used["chaport"])
    assert used["chatra"] == CHATRA_KEYS, sorted(CHATRA_KEYS - used["chatra"])


def test_chatwoot_recipes_call_its_rest_api_under_an_account():
    chatwoot_steps = 0
    for path in SHIPPED:
        recipe = load_recipe(path).recipe
        for step in recipe.all_steps():
            name = recipe.connection_for(step)
            if name is None or recipe.connections[name].app != "chatwoot":
                continue
            chatwoot_steps += 1
            assert step.request is not None, f"{path.name}: step {step.id} is not a request"
            assert str(step.request.path).startswith("/api/v1/accounts/${inputs.account_id}/")
    assert chatwoot_steps >= 15


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_shipped_recipe_lints_without_a_warning(path):
    assert [p.render() for p in lint_paths([path])] == []


def test_the_recipes_readme_lists_every_shipped_recipe():
    table = README.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z-]+/[a-z-]+)` \|", table, re.M))
    assert listed == {f"{p.parent.name}/{p.stem}" for p in SHIPPED}


def test_the_readme_recipe_example_lints_clean(tmp_path):
    example = tmp_path / "welcome.yaml"
    example.write_text(readme_example(), encoding="utf-8")
    assert [p.render() for p in lint_paths([example])] == []
