"""A valid recipe is loaded, linted and given its inputs without pydantic (or jsonschema, for
values that plainly fit); a broken one still gets the words pydantic's errors were always
turned into. Each command runs in a fresh interpreter exactly as `mw` would, against the
sandbox, and reports which module first imported pydantic or jsonschema, if any. How fast the
start is, is measured by benchmarks/, never here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import Fresh, fresh_mw

pytestmark = pytest.mark.integration

#: The pydantic models (spec) and their error wording (messages): loaded only to word problems.
CHECKERS = ("wrapper.recipe.messages", "wrapper.recipe.spec")


def start(*args: str, cwd: Path) -> tuple[Fresh, list[str]]:
    """`mw --sandbox ARGS` in a fresh interpreter; what it loaded, and which checkers."""
    started = fresh_mw("--sandbox", *args, cwd=cwd)
    return started, [m for m in CHECKERS if m in started.modules]


ONE_STEP = """\
version: 1
name: one-step
connections:
  cp: {app: chaport}
steps:
  - id: ops
    effect: read
    action: list-operators
    outputs: {count: "length(@)"}
"""


def test_lint_and_describe_of_a_valid_recipe_import_neither(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(ONE_STEP)
    for args in (
        ("lint", "one.yaml"),
        ("describe", "one.yaml"),
        ("describe", "chatwoot/welcome-contact", "--json"),
    ):
        started, checkers = start(*args, cwd=tmp_path)
        assert (args, started.code) == (args, 0), started.stderr
        assert (args, started.importers, checkers) == (args, [], [])


def test_run_and_plan_of_a_valid_recipe_import_neither(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(ONE_STEP)
    for args in (
        ("run", "one.yaml", "--quiet"),
        # Three typed inputs, two of them defaulted: values that plainly fit their schemas.
        ("run", "chatwoot/welcome-contact", "-i", "email=ada@example.com", "--quiet"),
        ("plan", "one.yaml"),
    ):
        started, checkers = start(*args, cwd=tmp_path)
        assert (args, started.code) == (args, 0), started.stderr
        assert (args, started.importers, checkers) == (args, [], [])


def test_a_broken_recipe_gets_the_words_it_always_got(tmp_path: Path) -> None:
    broken = ONE_STEP.replace("    effect: read\n", "    effect: read\n    iff: inputs.go\n")
    broken += "  - id: more\n    action: x\n    foreach: {items: rows, concurrency: 0}\n"
    (tmp_path / "broken.yaml").write_text(broken)
    started, checkers = start("run", "broken.yaml", cwd=tmp_path)
    assert started.code == 2
    assert started.stderr == (
        "Error: broken.yaml:8:5: steps[0]: unknown key 'iff' (did you mean 'if'?)\n"
        "broken.yaml:13:41: steps[1].foreach.concurrency: must be at least 1\n"
        "  Fix the recipe; `mw lint RECIPE` lists every problem at once."
    )
    # The words come from pydantic's errors, read only now.
    assert checkers == ["wrapper.recipe.messages", "wrapper.recipe.spec"]
