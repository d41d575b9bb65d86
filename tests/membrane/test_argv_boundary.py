"""Only `wrapper/membrane/` builds `membrane` argv (read from the source).

Two checks on the syntax tree of every module under `wrapper/`:

- the runner and the generations (the argv builders) are imported only by modules of
  `wrapper/membrane/`;
- no module outside `wrapper/membrane/` holds a list or tuple that reads like a `membrane`
  command line (`["action", "run", ...]`, `["request", CONN, PATH, "-X", ...]`) or one of its
  flags (`--connectionId`). The sandbox, the other side of the wire, is not the client and is
  left out.

That only the runner imports `subprocess`, and that `run/`, `records/` and `recipe/` import
nothing of `wrapper.membrane` (they reach the CLI through `wrapper.run.steps.ClientLike`), is
held by the layer rules of tests/test_architecture.py.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from wrapper.membrane.generations import GENERATIONS

PACKAGE = Path(__file__).resolve().parents[2] / "wrapper"
MEMBRANE = PACKAGE / "membrane"
SANDBOX = PACKAGE / "sandbox"
# Only the client's side of the wire may know these.
ARGV_MODULES = ("wrapper.membrane.runner", "wrapper.membrane.generations")
# Command pairs every generation runs (`connection ensure`, `action run`, ...).
PAIRS = {(group, sub) for gen in GENERATIONS.values() for group, sub in gen.needs if group}
# Top-level commands, taken for argv when followed by an option (`request C P -X GET`).
SINGLE = {sub for gen in GENERATIONS.values() for group, sub in gen.needs if not group}
FLAGS = ("--connectionId", "--connectorId", "--elementType", "--pathParam", "--connectionKey")


def modules(root: Path = PACKAGE) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported(tree: ast.Module) -> set[str]:
    """Every module name an import statement names, `from a import b` as `a` and `a.b`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def strings(node: ast.List | ast.Tuple) -> list[str | None]:
    """The elements of a literal: their text when they are string constants, else None."""
    return [
        e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None
        for e in node.elts
    ]


def argv_like(words: list[str | None]) -> bool:
    pairs = set(itertools.pairwise(words))
    if pairs & PAIRS:
        return True
    options = any(w is not None and w.startswith("-") for w in words[1:])
    return bool(words) and words[0] in SINGLE and options


def findings(path: Path, tree: ast.Module) -> list[str]:
    where = path.relative_to(PACKAGE.parent)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple) and argv_like(strings(node)):
            found.append(f"{where}:{node.lineno}: a membrane command line")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith(FLAGS)
        ):
            found.append(f"{where}:{node.lineno}: the membrane flag {node.value!r}")
    return found


def outside_membrane() -> Iterator[tuple[Path, ast.Module]]:
    for path, tree in modules():
        if not path.is_relative_to(MEMBRANE) and not path.is_relative_to(SANDBOX):
            yield path, tree


def test_argv_builders_are_imported_only_inside_membrane():
    users = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path, tree in outside_membrane()
        for name in sorted(imported(tree))
        if name in ARGV_MODULES or name.startswith(tuple(f"{m}." for m in ARGV_MODULES))
    ]
    assert users == []


def test_no_membrane_argv_outside_membrane():
    found = [line for path, tree in outside_membrane() for line in findings(path, tree)]
    assert found == []


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ('argv = ["membrane", "action", "run", key, "--json"]', True),
        ('tail = ("connection", "ensure", app)', True),
        ('argv = ["request", conn, path, "-X", "GET"]', True),
        ('flag = f"--connectionId={conn}"', True),
        ('flag = "--connectionId=" + conn', True),
        ('kinds = ("action", "request")', False),
        ('if step.kind in ("action", "request"): pass', False),
        ('words = ["act"]', False),
    ],
)
def test_the_check_itself(source, caught):
    """What the scan reports, so a weaker scan cannot pass unnoticed."""
    found = findings(PACKAGE / "example.py", ast.parse(source))
    assert bool(found) is caught
