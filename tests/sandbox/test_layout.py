"""The sandbox stands apart from the rest of `wrapper`, and `mw sandbox` enters it by one door."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import wrapper
from wrapper.sandbox import apps

PACKAGE = Path(wrapper.__file__).parent
SANDBOX = PACKAGE / "sandbox"
MAX_LINES = 500
#: A dotted name inside `wrapper`, as `importlib.import_module` would be given it.
DOTTED = re.compile(r"wrapper(\.[A-Za-z_][A-Za-z0-9_]*)+")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(source: str, name: str, *, is_package: bool = False) -> list[str]:
    """Every dotted name the module's imports reach; `from a import b` reaches `a.b`."""
    package = name if is_package else name.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.extend(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and DOTTED.fullmatch(str(node.value)):
            found.append(str(node.value))  # import_module("wrapper.x") imports too
    return found


def under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def outside_the_sandbox(source: str, name: str, *, is_package: bool = False) -> list[str]:
    return [
        target
        for target in imported(source, name, is_package=is_package)
        if under(target, "wrapper") and not under(target, "wrapper.sandbox")
    ]


def sandbox_modules() -> list[Path]:
    return sorted(SANDBOX.rglob("*.py"))


@pytest.mark.parametrize(
    ("source", "name", "is_package", "expected"),
    [
        ("from wrapper import paths", "wrapper.sandbox.cli", False, ["wrapper.paths"]),
        ("import wrapper.errors", "wrapper.sandbox.cli", False, ["wrapper.errors"]),
        ("from ... import errors", "wrapper.sandbox.apps.x", False, ["wrapper.errors"]),
        ("from ... import cli", "wrapper.sandbox.apps", True, ["wrapper.cli"]),
        ("m = 'wrapper.recipe.loader'", "wrapper.sandbox.apps", True, ["wrapper.recipe.loader"]),
        ("def f():\n    from wrapper.run import engine", "wrapper.sandbox.x", False,
         ["wrapper.run.engine"]),
        ("from wrapper.sandbox.store import Store", "wrapper.sandbox.cli", False, []),
        ("from . import wire", "wrapper.sandbox.apps", True, []),
        ("from .. import store", "wrapper.sandbox.apps.chatra", True, []),
        ("import wrapperish", "wrapper.sandbox.cli", False, []),
    ],
)  # fmt: skip
def test_the_import_walker_sees_every_way_out(source, name, is_package, expected) -> None:
    assert outside_the_sandbox(source, name, is_package=is_package) == expected


def test_the_sandbox_imports_nothing_else_of_wrapper() -> None:
    modules = sandbox_modules()
    assert len(modules) > 20  # the walk found the package, not an empty folder
    leaks = {
        str(path.relative_to(PACKAGE.parent)): found
        for path in modules
        if (
            found := outside_the_sandbox(
                path.read_text(encoding="utf-8"),
                module_name(path),
                is_package=path.name == "__init__.py",
            )
        )
    }
    assert leaks == {}


def test_mw_sandbox_enters_the_sandbox_only_through_admin() -> None:
    path = PACKAGE / "cli" / "sandbox.py"
    reached = [
        target
        for target in imported(path.read_text(encoding="utf-8"), module_name(path))
        if under(target, "wrapper.sandbox")
    ]
    assert reached  # it does use the sandbox, so the check below checks something
    assert [target for target in reached if not under(target, "wrapper.sandbox.admin")] == []


def test_no_sandbox_module_is_over_500_lines() -> None:
    lengths = {
        str(path.relative_to(SANDBOX)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sandbox_modules()
    }
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}


@pytest.mark.parametrize("key", sorted(apps.APP_MODULES))
def test_every_app_is_a_package_whose_app_module_defines_it(key: str) -> None:
    assert apps.APP_MODULES[key] == f"wrapper.sandbox.apps.{key}.app"
    assert (SANDBOX / "apps" / key / "__init__.py").is_file()
    assert apps.load(key).key == key
