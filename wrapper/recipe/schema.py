"""The JSON Schema of recipe files, generated from the model so the two never disagree.

`schema/recipe.schema.json` is this module's output, committed so editors can validate recipes
(`# yaml-language-server: $schema=...`) and shipped inside the wheel; a test fails when it is
stale. It is written as draft-07, the draft editors' YAML language servers read, although
pydantic generates draft 2020-12: the two differ here only in where definitions live.
"""

from __future__ import annotations

import json
from typing import Any, Final

from wrapper.recipe.keydocs import KEY_DOCS
from wrapper.recipe.rules import FORMAT_VERSION
from wrapper.recipe.spec import Recipe

# A URN rather than a URL: editors find the file through the recipe's relative `$schema` path.
RECIPE_SCHEMA_ID: Final = f"urn:membrane-wrapper:schema:recipe:{FORMAT_VERSION}"
IDENTIFIER: Final = r"^[A-Za-z_][A-Za-z0-9_]*$"
REGENERATE: Final = "mw schema recipe > schema/recipe.schema.json"
DRAFT_07: Final = "http://json-schema.org/draft-07/schema#"


def recipe_schema() -> dict[str, Any]:
    """The recipe format as a JSON Schema (draft-07), keys as users write them."""
    schema = Recipe.model_json_schema(by_alias=True, mode="validation")
    _accept_what_the_loader_accepts(schema)
    _describe_every_key(schema)
    schema = dict(_as_draft_07(schema))
    schema["$schema"] = DRAFT_07
    schema["$id"] = RECIPE_SCHEMA_ID
    schema["title"] = f"mw recipe (format {FORMAT_VERSION})"
    schema["description"] = (
        "A YAML recipe run by `mw run`. Expression fields (if, skip_if, outputs, vars, set, "
        "foreach.items, retry.when, assert[].that, paginate) take bare JMESPath; other strings "
        "interpolate ${expr}. `$` is the recipe scope anywhere in an expression."
    )
    return schema


def _accept_what_the_loader_accepts(schema: dict[str, Any]) -> None:
    """Rules the model applies in validators, stated in the schema so editors apply them too."""
    method = schema["$defs"]["RequestSpec"]["properties"]["method"]
    method["enum"] = [*method["enum"], *(m.lower() for m in method["enum"])]
    for key in ("inputs", "connections", "vars", "outputs"):
        schema["properties"][key]["propertyNames"] = {"pattern": IDENTIFIER}
    step = schema["$defs"]["Step"]["properties"]
    step["outputs"]["propertyNames"] = {"pattern": IDENTIFIER}
    for branch in step["set"]["anyOf"]:
        if branch.get("type") == "object":
            branch["propertyNames"] = {"pattern": IDENTIFIER}
    schema["properties"]["env"]["items"]["pattern"] = IDENTIFIER


def _describe_every_key(schema: dict[str, Any]) -> None:
    """Put KEY_DOCS' sentence on every property, where editors show it on hover."""
    for model, docs in KEY_DOCS.items():
        target = schema if model == Recipe.__name__ else schema["$defs"][model]
        properties = target["properties"]
        for key, text in docs.items():
            prop = properties[key]
            if "$ref" in prop:
                # Draft-07 ignores every keyword beside a `$ref`, a description included.
                prop = properties[key] = {"allOf": [{"$ref": prop.pop("$ref")}], **prop}
            prop["description"] = text


def _as_draft_07(node: Any) -> Any:
    """Pydantic's draft 2020-12 output as draft-07: `$defs` become `definitions`."""
    if isinstance(node, list):
        return [_as_draft_07(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            converted[key] = value.replace("#/$defs/", "#/definitions/", 1)
        else:
            converted["definitions" if key == "$defs" else key] = _as_draft_07(value)
    return converted


def dumps(schema: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def recipe_schema_text() -> str:
    return dumps(recipe_schema())
