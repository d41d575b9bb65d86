"""Every recipe the project holds, as the parsed trees the loader checks: the shipped recipes,
the examples and the recipes quoted in docs and skills, and the tests' own recipes (fixture files
and the YAML strings and dict literals in test modules). Also `snapshot`, which shows a recipe
object completely (types of numbers and the fields each object was given included)."""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterator
from typing import Any

from tests.helpers import ROOT
from wrapper.recipe.loader import _Values
from wrapper.recipe.plain import Plain

RECIPE_KEYS = {
    *("version", "name", "description", "inputs", "connections", "env", "vars", "steps"),
    *("finally", "outputs", "assert"),
}
_YAML_BLOCK = re.compile(r"```ya?ml\n(.*?)```", re.S)


def tree_of(text: str) -> Any:
    """The tree `load_recipe` would check (YAML 1.2 scalars), or None when it does not parse."""
    values = _Values("corpus.yaml")
    try:
        tree = values.parse(text)
    except Exception:
        return None
    return None if values.problems else tree


def _recipe(tree: Any, *, fragment: bool = False) -> Any:
    """A recipe tree; with `fragment`, a snippet of recipe keys (or a list of steps) made
    whole, the way docs quote recipes and tests add steps to a recipe's head."""
    steps_only = isinstance(tree, list) and all(isinstance(s, dict) and "id" in s for s in tree)
    if fragment and tree and steps_only:
        tree = {"steps": tree}
    if not isinstance(tree, dict) or not tree or not set(tree) <= RECIPE_KEYS:
        return None
    if "version" in tree:
        return tree
    steps = tree.get("steps", [])
    if not fragment or not all(isinstance(s, dict) and "id" in s for s in steps):
        return None
    whole = {"version": 1, "name": "snippet", "connections": {"c": {"app": "chatwoot"}}, **tree}
    whole.setdefault("steps", [{"id": "only", "set": {"x": "`1`"}}])
    return whole


def shipped() -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, tree) of every recipe users get: recipes/, examples/, docs, skills, README."""
    for path in sorted([*ROOT.glob("recipes/**/*.y*ml"), *ROOT.glob("examples/**/*.y*ml")]):
        tree = _recipe(tree_of(path.read_text(encoding="utf-8")))
        if tree is not None:
            yield str(path.relative_to(ROOT)), tree
    pages = [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("skills/**/*.md")]
    for path in sorted(pages):
        for n, block in enumerate(_YAML_BLOCK.findall(path.read_text(encoding="utf-8"))):
            tree = _recipe(tree_of(block), fragment=True)
            if tree is not None:
                yield f"{path.relative_to(ROOT)}#{n}", tree


def from_tests() -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, tree) of the recipes the tests write: fixture files, YAML strings, dicts."""
    tests = ROOT / "tests"
    for path in sorted(tests.rglob("*.y*ml")):
        tree = _recipe(tree_of(path.read_text(encoding="utf-8")))
        if tree is not None:
            yield str(path.relative_to(ROOT)), tree
    for path in sorted(tests.rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(module):
            tree = None
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if "id:" in node.value or "version:" in node.value:
                    tree = _recipe(tree_of(textwrap.dedent(node.value)), fragment=True)
            elif isinstance(node, ast.Dict):
                try:
                    tree = _recipe(ast.literal_eval(node))
                except (ValueError, TypeError, SyntaxError, RecursionError):
                    tree = None
            if tree is not None:
                yield f"{path.relative_to(ROOT)}:{node.lineno}", tree


def snapshot(value: Any) -> Any:
    """Everything about a recipe object, for exact comparison (`1 == 1.0` does not hide)."""
    if isinstance(value, Plain):
        fields = {name: snapshot(getattr(value, name)) for name in value.FIELDS}
        return (type(value).__name__, sorted(value.given), fields)
    if isinstance(value, dict):
        return ("dict", [(snapshot(k), snapshot(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [snapshot(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)
