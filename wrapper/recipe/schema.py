"""The JSON Schema of recipe files, generated from the model so the two never disagree.

`schema/recipe.schema.json` is this module's output, committed so editors can validate recipes
(`# yaml-language-server: $schema=...`); a test fails when it is stale.
"""

from __future__ import annotations

import json
from typing import Any, Final

from wrapper.recipe.model import FORMAT_VERSION, Recipe

# A URN rather than a URL: editors find the file through the recipe's relative `$schema` path.
RECIPE_SCHEMA_ID: Final = f"urn:membrane-wrapper:schema:recipe:{FORMAT_VERSION}"
IDENTIFIER: Final = r"^[A-Za-z_][A-Za-z0-9_]*$"
REGENERATE: Final = "mw schema recipe > schema/recipe.schema.json"


def recipe_schema() -> dict[str, Any]:
    """The recipe format as a JSON Schema (draft 2020-12), keys as users write them."""
    schema = Recipe.model_json_schema(by_alias=True, mode="validation")
    _accept_what_the_loader_accepts(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
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


def dumps(schema: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def recipe_schema_text() -> str:
    return dumps(recipe_schema())
