"""The committed recipe schema is current, valid draft-07, described, and accepts the recipes mw
accepts."""

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


#: Keywords draft-07 does not know: a draft-07 reader would silently skip each of them.
NOT_IN_DRAFT_07 = {
    "$defs",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
    "$vocabulary",
    "prefixItems",
    "unevaluatedItems",
    "unevaluatedProperties",
    "dependentRequired",
    "dependentSchemas",
    "minContains",
    "maxContains",
}


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def test_schema_is_valid_draft_07() -> None:
    schema = recipe_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$id"] == "urn:membrane-wrapper:schema:recipe:1"
    assert schema["title"] == "mw recipe (format 1)"
    assert recipe_schema_text() == recipe_schema_text()  # deterministic


def test_schema_uses_no_keyword_draft_07_lacks_and_every_ref_resolves() -> None:
    schema = recipe_schema()
    found = [(path, key) for path, node in _walk(schema) for key in node if key in NOT_IN_DRAFT_07]
    # `properties` maps user keys, which may be any name: only schema keywords count.
    assert [(p, k) for p, k in found if not p.endswith("/properties")] == []
    refs = [node["$ref"] for _, node in _walk(schema) if "$ref" in node]
    assert refs and all(ref.startswith("#/definitions/") for ref in refs)
    assert {ref.rsplit("/", 1)[1] for ref in refs} <= set(schema["definitions"])
    for path, node in _walk(schema):
        if "$ref" in node:
            assert set(node) == {"$ref"}, f"{path}: draft-07 ignores keys beside $ref"


def _properties(schema: dict) -> list[tuple[str, dict]]:
    objects = [("Recipe", schema), *schema["definitions"].items()]
    return [
        (f"{name}.{key}", prop) for name, obj in objects for key, prop in obj["properties"].items()
    ]


def test_every_property_has_a_description() -> None:
    props = _properties(recipe_schema())
    assert len(props) > 70
    undescribed = [name for name, prop in props if not prop.get("description", "").strip()]
    assert undescribed == []


def test_key_docs_name_exactly_the_models_keys() -> None:
    from pydantic import BaseModel

    from wrapper.recipe import spec
    from wrapper.recipe.keydocs import KEY_DOCS

    models = {
        name: value
        for name, value in vars(spec).items()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == spec.__name__
        and value.model_fields
    }
    assert set(KEY_DOCS) == set(models)
    for name, cls in models.items():
        keys = {f.alias or k for k, f in cls.model_fields.items()}
        assert set(KEY_DOCS[name]) == keys, name


def test_a_description_shows_on_hover_for_a_nested_key() -> None:
    schema = recipe_schema()
    retry = schema["definitions"]["Step"]["properties"]["retry"]
    assert retry["description"] == "Try the call again when it fails."
    attempts = schema["definitions"]["Retry"]["properties"]["attempts"]
    assert attempts["description"] == "Total tries, counting the first, 1 to 100 (default 3)."


def test_schema_uses_the_names_users_write() -> None:
    schema = recipe_schema()
    assert {"finally", "assert", "env"} <= set(schema["properties"])
    step = schema["definitions"]["Step"]["properties"]
    assert "if" in step
    assert "if_" not in step
    assert "minLength" in schema["definitions"]["InputSpec"]["properties"]


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_recipes_validate_against_the_schema(path: Path) -> None:
    # The `# yaml-language-server: $schema=` first line is a comment: harmless to YAML.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(json.loads(SCHEMA_FILE.read_text())).validate(data)


def test_schema_rejects_what_the_model_rejects() -> None:
    validator = jsonschema.Draft7Validator(recipe_schema())
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

    from wrapper.recipe import spec

    keys: set[str] = set()
    for value in vars(spec).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
            keys |= {f.alias or name for name, f in value.model_fields.items()}
    return keys


def test_the_recipe_reference_documents_every_recipe_key() -> None:
    section = (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8")
    missing = sorted(key for key in _model_keys() if f"`{key}`" not in section)
    assert missing == []


def test_vscode_prints_settings_mapping_recipe_files_to_the_shipped_schema() -> None:
    from click.testing import CliRunner

    from wrapper.cli.app import cli

    result = CliRunner().invoke(cli, ["schema", "recipe", "--vscode"])
    assert result.exit_code == 0, result.output
    settings = json.loads(result.output)
    [(path, globs)] = settings["yaml.schemas"].items()
    assert globs == ["recipes/**/*.yaml", "*.mw.yaml"]
    assert Path(path).is_absolute()
    assert Path(path).read_text(encoding="utf-8") == recipe_schema_text()


def test_vscode_is_for_the_recipe_schema_only() -> None:
    from click.testing import CliRunner

    from wrapper.cli.app import cli

    result = CliRunner().invoke(cli, ["schema", "report", "--vscode"])
    assert result.exit_code == 2
    assert result.output == "Error: --vscode prints settings for the recipe schema only\n"
