"""Read a recipe file safely and remember where every value was written.

YAML is parsed with PyYAML's safe composer into nodes, and the nodes are turned into plain JSON
values here (not by PyYAML's constructor) so that each value keeps its `line:col`, duplicate keys
fail with both lines, alias expansion is bounded, and the scalar rules are YAML 1.2's: only
`true`/`false` are booleans (`no`, `on` stay strings), `1:30` and `2024-01-01` stay strings.
Any byte string gives either a `LoadedRecipe` or one `RecipeError`, never another exception.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from wrapper.errors import RecipeError, not_utf8
from wrapper.paths import bundled_dir

# The `name as name` imports are re-exported: the rest of `mw` reads them from here.
from wrapper.recipe.loaded import LoadedRecipe as LoadedRecipe
from wrapper.recipe.loaded import Loc as Loc
from wrapper.recipe.loaded import Position as Position
from wrapper.recipe.loaded import find_position, location_text
from wrapper.recipe.model import FORMAT_VERSION, Recipe
from wrapper.recipe.plain import from_spec
from wrapper.recipe.wording import describe_value, format_loc

MAX_BYTES: Final = 1024 * 1024
MAX_NODES: Final = 200_000
VERSION_MESSAGE: Final = (
    f"version: must be {FORMAT_VERSION} (this mw reads recipe format {FORMAT_VERSION})"
)

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _Loader(yaml.SafeLoader):
    """The safe composer with the YAML 1.2 core schema's implicit types only."""


# An own, empty table (add_implicit_resolver fills it) so PyYAML's 1.1 rules never apply.
_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (_MERGE, r"^<<$", "<"),
):
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))

_SLOW: Final = object()
# libyaml's composer recurses in C: past some thousands of levels it would crash the process
# instead of raising, so deeper documents go to the pure-Python composer (which refuses them).
_FAST_MAX_DEPTH: Final = 2000


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same rules on libyaml's composer, about 20x faster (every recipe line costs)."""

    yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def _fast_node(text: str) -> Any:
    """The node tree from libyaml when PyYAML has it, else `_SLOW`.

    Any failure also gives `_SLOW`: the pure-Python composer then words the error the one
    way users (and the tests) know.
    """
    if not getattr(yaml, "__with_libyaml__", False):
        return _SLOW
    # Flow collections nest one level per bracket, block ones at most two per column.
    widest = max(map(len, text.splitlines()), default=0)
    if text.count("[") + text.count("{") + 2 * widest + 2 > _FAST_MAX_DEPTH:
        return _SLOW
    try:
        loader = _FastLoader(text)
    except Exception:
        return _SLOW
    try:
        return loader.get_single_node()
    except Exception:  # re-read, and reported, by the pure-Python composer
        return _SLOW
    finally:
        loader.dispose()


def load_recipe(path: str | Path) -> LoadedRecipe:
    """Load and validate one recipe file; raises RecipeError naming `file:line:col`."""
    shown = str(path)
    if Path(path).exists() and not Path(path).is_file() and not Path(path).is_dir():
        # A FIFO or a device: reading it could block forever or never end.
        raise RecipeError(f"{shown}: not a regular file")
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise RecipeError(
            f"{shown}: no such file",
            advice="Check the recipe path, or name a shipped recipe such as "
            "chatwoot/welcome-contact.",
        ) from None
    except IsADirectoryError:
        raise RecipeError(f"{shown}: is a folder, not a recipe file") from None
    except OSError as error:
        raise RecipeError(f"{shown}: cannot read it: {error.strerror or error}") from None
    return _load_bytes(data, shown)


def load_recipe_text(text: str, path: str) -> LoadedRecipe:
    """Load a recipe from text; `path` is what error locations name."""
    return _load_bytes(text.encode("utf-8", errors="surrogatepass"), path)


def bundled_recipes_dir() -> Path:
    """The recipes shipped with mw (inside the wheel, or the checkout's `recipes/`)."""
    return bundled_dir("recipes")


def resolve_recipe_ref(ref: str, base_dir: Path) -> Path:
    """A sub-recipe reference: a path relative to the including recipe, or a bundled name.

    `./other.yaml` and `../x/y.yml` are paths; `chatwoot/welcome-contact` is also looked up as
    `<bundled>/chatwoot/welcome-contact.yaml` when no such file sits beside the recipe.
    """
    local = base_dir / ref
    if local.is_file():
        return local
    tried = [str(local)]
    if not ref.startswith((".", "/")) and ".." not in Path(ref).parts:
        bundled = bundled_recipes_dir()
        name = ref if ref.endswith((".yaml", ".yml")) else f"{ref}.yaml"
        candidate = bundled / name
        if candidate.is_file():
            return candidate
        tried.append(str(candidate))
    raise RecipeError(
        f"sub-recipe {ref!r} not found (looked for {' and '.join(tried)})",
        advice="Give a path relative to the including recipe, or a shipped name like "
        "chatwoot/welcome-contact.",
    )


def recipe_argument(ref: str | Path) -> str | Path:
    """A command's RECIPE: a file, else a bundled name like `chatwoot/daily-summary`.

    When neither exists the argument comes back as given, so the error names what was typed.
    """
    if Path(ref).exists():
        return ref
    try:
        return resolve_recipe_ref(str(ref), Path.cwd())
    except RecipeError:
        return ref


# --- internals --------------------------------------------------------------------------------


def _load_bytes(data: bytes, path: str) -> LoadedRecipe:
    if len(data) > MAX_BYTES:
        raise RecipeError(f"{path}: larger than {MAX_BYTES // 1024} KiB; recipes must be smaller")
    text = _decode(data, path)
    values = _Values(path)
    tree = values.parse(text)
    where = _Where(path, values.positions, values.key_positions)
    if values.problems:
        _raise(values.problems)
    if tree is None:
        raise RecipeError(
            "the file is empty; a recipe starts with `version: 1`", location=where.at(())
        )
    if not isinstance(tree, dict):
        kind = "a list" if isinstance(tree, list) else f"the single value {describe_value(tree)}"
        raise RecipeError(
            f"a recipe must be a mapping of keys (version, name, steps...), not {kind}",
            location=where.at(()),
        )
    version = tree.get("version")
    if "version" not in tree or isinstance(version, bool) or version != FORMAT_VERSION:
        raise RecipeError(VERSION_MESSAGE, location=where.at(("version",)))
    try:
        recipe = Recipe.checked(tree)
    except Exception:  # not vouched for: pydantic decides, and words any problem
        recipe = _validated(tree, where)
    return LoadedRecipe(
        recipe=recipe,
        path=Path(path),
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        positions=values.positions,
        key_positions=values.key_positions,
        display_path=path,
    )


def _validated(tree: dict[str, Any], where: _Where) -> Recipe:
    """The recipe as the pydantic models judge it; their errors as one RecipeError."""
    from pydantic import ValidationError

    from wrapper.recipe.messages import validation_problems
    from wrapper.recipe.spec import Recipe as RecipeSpec

    try:
        spec = RecipeSpec.model_validate(tree)
    except ValidationError as error:
        _raise(
            [
                (where.at(loc, key=key), text_)
                for loc, key, text_ in validation_problems(error, tree)
            ]
        )
    except RecursionError:
        raise RecipeError("nested too deeply to validate", location=where.at(())) from None
    recipe = from_spec(spec)
    assert isinstance(recipe, Recipe)
    return recipe


class _Where:
    __slots__ = ("key_positions", "path", "positions")

    def __init__(
        self, path: str, positions: Mapping[Loc, Position], key_positions: Mapping[Loc, Position]
    ) -> None:
        self.path = path
        self.positions = positions
        self.key_positions = key_positions

    def at(self, loc: Loc, *, key: bool = False) -> str:
        found = self.key_positions.get(loc) if key else None
        return location_text(self.path, found or find_position(self.positions, loc) or (1, 1))


def _raise(problems: list[tuple[str, str]]) -> None:
    """One RecipeError carrying every problem, sorted by position, one line each."""
    unique = sorted(set(problems), key=lambda p: _sort_key(p[0]))
    lines = [f"{where}: {text}" for where, text in unique]
    first_where, first_text = unique[0]
    message = "\n".join([first_text, *lines[1:]])
    raise RecipeError(message, location=first_where, problems=lines)


def _sort_key(location: str) -> tuple[int, int]:
    parts = location.rsplit(":", 2)
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return 0, 0


# What YAML 1.2 allows in a stream (section 5.1); anything else is refused with its position.
_NOT_PRINTABLE: Final = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _decode(data: bytes, path: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RecipeError(
            f"{path}:{line}: {not_utf8(error)}; save the recipe as UTF-8",
        ) from None
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise RecipeError(
            f"{path}:{line}:{col}: the character U+{ord(bad.group()):04X} is not allowed in YAML"
        )
    return text


class _Values:
    """Turns composed YAML nodes into JSON values, recording positions and problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.positions: dict[Loc, Position] = {}
        self.key_positions: dict[Loc, Position] = {}
        self.problems: list[tuple[str, str]] = []
        self._budget = MAX_NODES
        self._active: set[int] = set()

    def parse(self, text: str) -> Any:
        node = _fast_node(text)
        if node is _SLOW:
            node = self._compose(text)
        if node is None:
            return None
        try:
            return self._value(node, ())
        except RecursionError:
            raise RecipeError(f"{self.path}: nested too deeply") from None

    def _compose(self, text: str) -> Any:
        try:
            loader = _Loader(text)
        except yaml.YAMLError as error:
            raise RecipeError(f"{self.path}: {error}") from None
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            raise RecipeError(self._yaml_message(error), location=self._mark(error)) from None
        except yaml.YAMLError as error:
            raise RecipeError(f"{self.path}: {error}") from None
        except RecursionError:
            raise RecipeError(f"{self.path}: nested too deeply") from None
        finally:
            loader.dispose()
        return node

    def _mark(self, error: yaml.MarkedYAMLError) -> str:
        mark = error.problem_mark or error.context_mark
        if mark is None:
            return self.path
        return f"{self.path}:{mark.line + 1}:{mark.column + 1}"

    @staticmethod
    def _yaml_message(error: yaml.MarkedYAMLError) -> str:
        problem = error.problem or error.context or "invalid YAML"
        if "'\\t'" in problem:
            return "a tab character; YAML indents with spaces only"
        if error.context and error.context_mark and error.problem:
            return f"{problem} ({error.context} at line {error.context_mark.line + 1})"
        return problem

    def _note(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append((f"{self.path}:{mark.line + 1}:{mark.column + 1}", message))

    def _value(self, node: yaml.Node, loc: Loc) -> Any:
        self._budget -= 1
        if self._budget < 0:
            if self._budget == -1:
                self._note(node, f"too many values (over {MAX_NODES}); are aliases nesting?")
            return None
        self.positions.setdefault(loc, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self._active:
            self._note(node, "an alias refers to the value that contains it")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
                return [self._value(child, (*loc, i)) for i, child in enumerate(node.value)]
            if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
                return self._mapping(node, loc)
        finally:
            self._active.discard(id(node))
        self._note(node, f"unsupported YAML tag {node.tag!r}; recipes hold plain JSON values")
        return None

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        text = node.value
        tag = node.tag
        if tag == _STR:
            return text
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return text.lower() == "true"
        try:
            if tag == _INT:
                if text.startswith(("0o", "0x")):
                    return int(text[2:], 8 if text[1] == "o" else 16)
                return int(text)
            if tag == _FLOAT:
                bare = text.lower().lstrip("+-")
                if bare in (".inf", ".nan"):
                    return float(("-" if text.startswith("-") else "") + bare[1:])
                return float(text)
        except ValueError:
            self._note(node, f"the number {text[:20]}... is too long")
            return None
        if tag == _MERGE:
            self._note(node, "a merge key '<<' must be followed by ': *anchor'")
            return None
        self._note(node, f"unsupported YAML tag {tag!r}; recipes hold plain JSON values")
        return None

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        merged: list[dict[str, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(self._merge_sources(value_node, loc))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._note(key_node, "a key must be a plain name, not a list or mapping")
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                self._note(key_node, f"duplicate key {key!r} (lines {seen[key]} and {line})")
                continue
            seen[key] = line
            here = (*loc, key)
            self.key_positions[here] = (line, key_node.start_mark.column + 1)
            out[key] = self._value(value_node, here)
        for source in merged:
            for key, value in source.items():
                out.setdefault(key, value)
        return out

    def _merge_sources(self, node: yaml.Node, loc: Loc) -> Iterator[dict[str, Any]]:
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for each in nodes:
            value = self._value(each, loc) if isinstance(each, yaml.Node) else None
            if isinstance(value, dict):
                yield value
            else:
                self._note(each, "a merge key '<<' takes a mapping or a list of mappings")


__all__ = [
    "LoadedRecipe",
    "Loc",
    "Position",
    "bundled_recipes_dir",
    "format_loc",
    "load_recipe",
    "load_recipe_text",
    "resolve_recipe_ref",
]
