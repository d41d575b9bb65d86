"""The committed recipe schema is current, valid, and accepts the recipes mw accepts."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import RECIPES as RECIPE_DATA
from tests.helpers import ROOT
from wrapper.recipe.schema import REGENERATE, recipe_schema, recipe_schema_text

SCHEMA_FILE = ROOT / "schema" / "recipe.schema.json"
RECIPES = sorted(RECIPE_DATA.glob("*.yaml")) + sorted((ROOT / "recipes").glob("*/*.yaml"))


def test_committed_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == recipe_schema_text(), (
        f"schema/recipe.schema.json is stale; regenerate it with: {REGENERATE}"
    )


def test_schema_is_valid_draft_2020_12() -> None:
    schema = recipe_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "urn:membrane-wrapper:schema:recipe:1"
    assert schema["title"] == "mw recipe (format 1)"
    assert recipe_schema_text() == recipe_schema_text()  # deterministic


def test_schema_uses_the_names_users_write() -> None:
    schema = recipe_schema()
    assert {"finally", "assert", "env"} <= set(schema["properties"])
    step = schema["$defs"]["Step"]["properties"]
    assert "if" in step
    assert "if_" not in step
    assert "minLength" in schema["$defs"]["InputSpec"]["properties"]


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_recipes_validate_against_the_schema(path: Path) -> None:
    # The `# yaml-language-server: $schema=` first line is a comment: harmless to YAML.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).validate(data)


def test_schema_rejects_what_the_model_rejects() -> None:
    validator = jsonschema.Draft202012Validator(recipe_schema())
    base = {"version": 1, "name": "t", "steps": [{"id": "a", "action": "x"}]}
    assert validator.is_valid(base)
    assert validator.is_valid({**base, "steps": [{"id": "a", "action": "x", "timeout": "2s"}]})
    assert not validator.is_valid({**base, "stpes": []})
    assert not validator.is_valid({**base, "version": 2})
    assert not validator.is_valid({**base, "steps": [{"id": "A", "action": "x"}]})
    assert not validator.is_valid(
        {**base, "steps": [{"id": "a", "action": "x", "timeout": "soon"}]}
    )
    request = {"id": "a", "request": {"method": "post", "path": "/x"}}
    assert validator.is_valid({**base, "steps": [request]})
    assert not validator.is_valid({**base, "inputs": {"e-mail": {}}})
    assert not validator.is_valid({**base, "env": ["1X"]})


def _model_keys() -> set[str]:
    from pydantic import BaseModel

    from wrapper.recipe import model

    keys: set[str] = set()
    for value in vars(model).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
            keys |= {f.alias or name for name, f in value.model_fields.items()}
    return keys


def test_the_recipe_reference_documents_every_recipe_key() -> None:
    section = (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8")
    missing = sorted(key for key in _model_keys() if f"`{key}`" not in section)
    assert missing == []
