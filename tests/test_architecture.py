"""The house rules of `wrapper/`, read from the source with `ast`: no import circle, layers that
only import downwards, click only in the CLI, processes only in the runner, small modules.

Every import counts, at the top of a module or inside a function: a circle hidden in a function
is still a circle. Imports under `if TYPE_CHECKING:` never run, so circles leave them out; the
layer and package rules count them too, since naming a type of an upper layer ties a layer to it
as surely as calling it. (tests/membrane/test_argv_boundary.py adds that no module outside
`wrapper/membrane/` builds `membrane` argv.)
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "wrapper"
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    """`wrapper.run.scope` -> its file; a package is named by its `__init__.py`."""
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, *, typing: bool = False) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports below `node`; those under `if TYPE_CHECKING:` only when `typing`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child) and not typing:
            for other in child.orelse:
                yield from _imports_of(other, typing=typing)
            continue
        yield from _imports_of(child, typing=typing)


def _imports_of(node: ast.AST, *, typing: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    yield from _imports(node, typing=typing)


def _owner(name: str) -> str | None:
    """The module of `wrapper` that `name` (a module or a name inside one) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(node, ast.Import):
        return {m for a in node.names if (m := _owner(a.name)) and a.name.startswith("wrapper")}
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*parts, *([node.module] if node.module else [])])
    if not base.startswith("wrapper"):
        return set()
    found = set()
    for alias in node.names:
        # `from wrapper.run import scope` imports the module `scope`, not the package.
        target = _owner(f"{base}.{alias.name}") if f"{base}.{alias.name}" in MODULES else None
        found.add(target or _owner(base) or base)
    return found


def import_graph(*, typing: bool = False) -> dict[str, set[str]]:
    """Module -> the modules of `wrapper` it imports (type-only imports too, when `typing`)."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: set[str] = set()
        for node in _imports(tree, typing=typing):
            edges |= _targets(module, node)
        edges.discard(module)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each as the path that closes it (`a -> b -> a`)."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circle = [*path[path.index(nxt) :], nxt]
                key = frozenset(circle)
                if key not in seen:
                    seen.add(key)
                    found.append(circle)
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


GRAPH = import_graph()
#: With the imports under `if TYPE_CHECKING:`: what the layer rules read.
TYPED_GRAPH = import_graph(typing=True)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_graph_sees_imports_in_functions_and_relative_ones() -> None:
    # The graph must see what it is meant to forbid, or an empty answer proves nothing.
    assert "wrapper.run.scope" in GRAPH["wrapper.run.engine"]
    assert "wrapper.cli.app" in GRAPH["wrapper.cli"]  # imported inside `main`
    assert "wrapper.recipe.values" in GRAPH["wrapper.recipe.parts"]
    assert "wrapper.run.steps.action" in GRAPH["wrapper.run.steps.kinds"]
    assert "wrapper.cli.app" in importers_of("click")
    typed = ast.parse("if TYPE_CHECKING:\n    import wrapper.cli\nelse:\n    import wrapper.run\n")
    assert [n.names[0].name for n in _imports(typed)] == ["wrapper.run"]
    assert [n.names[0].name for n in _imports(typed, typing=True)] == [
        "wrapper.cli",
        "wrapper.run",
    ]


def test_the_cycle_finder_names_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


def test_no_import_circles_in_wrapper() -> None:
    found = [" -> ".join(circle) for circle in cycles(GRAPH)]
    assert found == [], "import circles:\n" + "\n".join(found)


LAYER_RULES = {
    # layer: layers it must never import
    "recipe": {"run", "records", "cli", "membrane", "sandbox"},
    # The engine and step kinds reach `membrane` through the client protocol
    # (`run/steps.ClientLike`); only the API and the CLI build a client.
    "run": {"cli", "membrane", "sandbox"},
    "records": {"cli", "membrane", "sandbox"},
    "membrane": {"recipe", "run", "records", "cli", "sandbox"},
    "secrets": {"recipe", "run", "records", "cli", "membrane", "sandbox"},
    "errors": {"recipe", "run", "records", "cli", "membrane", "sandbox"},
    # The base of immutable records, used by `membrane` and `records` alike.
    "frozen": {"recipe", "run", "records", "cli", "membrane", "sandbox", "errors", "secrets"},
}


@pytest.mark.parametrize("layer", sorted(LAYER_RULES))
def test_layers_import_only_downwards(layer: str) -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in TYPED_GRAPH.items()
        if _layer(module) == layer
        for target in targets
        if _layer(target) in LAYER_RULES[layer]
    )
    assert wrong == []


def test_the_sandbox_imports_nothing_else_of_wrapper() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in TYPED_GRAPH.items()
        if _layer(module) == "sandbox"
        for target in targets
        if _layer(target) != "sandbox"
    )
    assert wrong == []


def test_the_rest_enters_the_sandbox_only_through_its_admin_module() -> None:
    entered = sorted(
        f"{module} imports {target}"
        for module, targets in TYPED_GRAPH.items()
        if _layer(module) != "sandbox"
        for target in targets
        if _layer(target) == "sandbox"
    )
    assert entered == ["wrapper.cli.sandbox imports wrapper.sandbox.admin"]


def importers_of(package: str) -> list[str]:
    """The modules of `wrapper` that import `package` (or a module inside it) anywhere, type-only
    imports included."""
    found = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _imports(tree, typing=True):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names.append(node.module or "")
            if any(n == package or n.startswith(f"{package}.") for n in names):
                found.append(module)
                break
    return found


def test_only_the_cli_imports_click() -> None:
    assert [m for m in importers_of("click") if _layer(m) != "cli"] == []


def test_only_the_runner_starts_processes() -> None:
    assert importers_of("subprocess") == ["wrapper.membrane.runner"]


def test_no_module_over_500_lines() -> None:
    long = {
        module: count
        for module, path in MODULES.items()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
