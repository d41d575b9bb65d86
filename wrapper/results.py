"""What the library's calls return (`wrapper.api`): how a run ended, what lint found.

Immutable records with hand-written `__init__`s (`wrapper.frozen`): equality, hash, repr and
`replace` as the frozen dataclasses they once were, without their cost at every start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wrapper.errors import EXIT_OK, WrapperError
from wrapper.frozen import Frozen

if TYPE_CHECKING:
    from wrapper.recipe.lint import Problem
    from wrapper.recipe.loader import LoadedRecipe
    from wrapper.records.report import Report


class RunResult(Frozen):
    """How a run (or plan, or resume) ended.

    `outputs` are the recipe's outputs with secret values masked, as the report shows them.
    `exit_code` is the one `mw` exits with (see docs/exit-codes.md); `error` says why a run
    failed. `report` is the whole JSON report (`report.to_json()`), also written to
    `report_path`, `junit_path` and `html_path` when they were given.
    """

    # An immutable record (equality, hash, repr and `replace` from `Frozen`), in the order of
    # __init__'s arguments.
    __slots__ = (  # noqa: RUF023
        "run_id",
        "status",
        "exit_code",
        "outputs",
        "report",
        "recipe",
        "plan",
        "error",
        "assertions",
        "report_path",
        "junit_path",
        "html_path",
    )
    run_id: str
    status: str
    exit_code: int
    outputs: dict[str, Any]
    report: Report
    recipe: LoadedRecipe
    plan: bool
    error: WrapperError | None
    assertions: list[dict[str, Any]]
    report_path: Path | None
    junit_path: Path | None
    html_path: Path | None

    def __init__(
        self,
        run_id: str,
        status: str,
        exit_code: int,
        outputs: dict[str, Any],
        report: Report,
        recipe: LoadedRecipe,
        plan: bool = False,
        error: WrapperError | None = None,
        assertions: list[dict[str, Any]] | None = None,
        report_path: Path | None = None,
        junit_path: Path | None = None,
        html_path: Path | None = None,
    ) -> None:
        _set = object.__setattr__
        _set(self, "run_id", run_id)
        _set(self, "status", status)
        _set(self, "exit_code", exit_code)
        _set(self, "outputs", outputs)
        _set(self, "report", report)
        _set(self, "recipe", recipe)
        _set(self, "plan", plan)
        _set(self, "error", error)
        _set(self, "assertions", [] if assertions is None else assertions)
        _set(self, "report_path", report_path)
        _set(self, "junit_path", junit_path)
        _set(self, "html_path", html_path)

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    def raise_for_status(self) -> RunResult:
        """Raise the run's error when it did not end ok (for a scheduler task); else self."""
        if self.error is not None and not self.ok:
            raise self.error
        return self


class LintResult(Frozen):
    """Every problem `mw lint` would print, in file order; `ok` honours `strict`."""

    __slots__ = ("files", "problems", "strict")
    files: list[str]
    problems: list[Problem]
    strict: bool

    def __init__(self, files: list[str], problems: list[Problem], strict: bool = False) -> None:
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "problems", problems)
        object.__setattr__(self, "strict", strict)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    @property
    def ok(self) -> bool:
        return self.errors == 0 and not (self.strict and self.warnings > 0)
