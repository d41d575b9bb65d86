"""Static checks of a loaded recipe: references, scopes, connections, sub-recipes, JMESPath traps.

The model checks each value on its own; this module checks what needs the whole recipe: that
every name an expression reads exists where it is read (a missing name silently yields null at
run time), that steps read only earlier steps, which connection each step uses, and that
sub-recipes exist, take the inputs given and never include themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple

from wrapper.errors import RecipeError
from wrapper.frozen import Frozen
from wrapper.recipe.expr import ExpressionError, iter_templates, template_expressions
from wrapper.recipe.lint_expr import Reference, analyse
from wrapper.recipe.loader import (
    LoadedRecipe,
    Loc,
    load_recipe,
    recipe_argument,
    resolve_recipe_ref,
)
from wrapper.recipe.model import Step
from wrapper.recipe.wording import did_you_mean, format_loc

Severity = Literal["error", "warning"]
STEP_FIELDS: Final = ("outputs", "status", "items", "error", "attempts", "http_status")
_RUN_NAMES: Final = ("inputs", "vars", "steps", "connections", "env")
_KEYWORDS: Final = frozenset({"true", "false", "null"})
#: Scope names that, read bare inside a filter or projection, are meant as the scope.
_ELEMENT_TRAPS: Final = frozenset({"inputs", "vars", "steps", "item"})
_LINE: Final = re.compile(r"^(?P<where>.+?:\d+(?::\d+)?): (?P<message>.*)$", re.DOTALL)


class Problem(Frozen):
    """One finding; `location` is `file:line:col`."""

    __slots__ = ("location", "message", "severity", "code")  # noqa: RUF023  # __init__'s order
    location: str
    message: str
    severity: Severity
    code: str

    def __init__(
        self, location: str, message: str, severity: Severity = "error", code: str = "invalid"
    ) -> None:
        object.__setattr__(self, "location", location)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "code", code)

    def render(self) -> str:
        label = "warning: " if self.severity == "warning" else ""
        return f"{self.location}: {label}{self.message}"

    def to_dict(self) -> dict[str, str]:
        return {
            "location": self.location,
            "message": self.message,
            "severity": self.severity,
            "code": self.code,
        }


class _Scope(NamedTuple):
    names: tuple[str, ...]
    before: int | None = None  # steps at this position or later may not be read
    vars_before: int | None = None  # likewise for vars, which are computed in order


def lint_paths(paths: Iterable[str | Path]) -> list[Problem]:
    """Load and lint each file (a folder: every .yaml/.yml below it); a file that does not
    load contributes its load problems."""
    problems: list[Problem] = []
    for path in expand_paths(paths):
        try:
            loaded = load_recipe(path)
        except RecipeError as error:
            problems.extend(problems_from_error(error, str(path)))
            continue
        problems.extend(lint_recipe(loaded))
    return problems


def expand_paths(paths: Iterable[str | Path]) -> list[str | Path]:
    """Files as given; folders replaced by the recipe files below them, in name order."""
    out: list[str | Path] = []
    for path in paths:
        folder = Path(path)
        if folder.is_dir():
            found = [p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
            out.extend(sorted(found) or [path])
        else:
            out.append(recipe_argument(path))
    return out


def problems_from_error(error: RecipeError, path: str) -> list[Problem]:
    """A load error's lines as problems (each line already reads `file:line:col: message`)."""
    out: list[Problem] = []
    for line in error.problems:
        match = _LINE.match(line)
        if match:
            out.append(Problem(match["where"], match["message"], code="load"))
        else:
            message = line[len(path) + 2 :] if line.startswith(f"{path}: ") else line
            out.append(Problem(path, message, code="load"))
    return out


def lint_recipe(loaded: LoadedRecipe) -> list[Problem]:
    """Every finding in one loaded recipe, in file order."""
    checker = _Checker(loaded)
    checker.run()
    unique = list(dict.fromkeys(checker.problems))
    return sorted(unique, key=_position_key)


def check_recipe(loaded: LoadedRecipe) -> list[Problem]:
    """Lint before running: raise RecipeError carrying every error; return the warnings."""
    problems = lint_recipe(loaded)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        lines = [p.render() for p in errors]
        raise RecipeError(
            "\n".join([errors[0].message, *lines[1:]]),
            location=errors[0].location,
            problems=lines,
        )
    return problems


def _position_key(problem: Problem) -> tuple[int, int]:
    parts = problem.location.rsplit(":", 2)
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return 0, 0


class _Checker:
    def __init__(self, loaded: LoadedRecipe) -> None:
        self.loaded = loaded
        self.problems: list[Problem] = []
        self.used: set[tuple[str, str]] = set()
        self._subs: dict[Path, LoadedRecipe | RecipeError] = {}
        self.recipe = loaded.recipe
        self.order = {step.id: i for i, step in enumerate(self.recipe.all_steps())}

    def add(
        self,
        loc: Loc,
        message: str,
        code: str,
        severity: Severity = "error",
        *,
        key: bool = False,
    ) -> None:
        where = self.loaded.key_location(loc) if key else self.loaded.location(loc)
        text = f"{format_loc(loc)}: {message}" if loc else message
        self.problems.append(Problem(where, text, severity, code))

    # --- the walk over the recipe ------------------------------------------------------------

    def run(self) -> None:
        recipe = self.recipe
        for i, (name, source) in enumerate(recipe.vars.items()):
            self.expression(("vars", name), source, _Scope(_RUN_NAMES, vars_before=i))
        blocks: list[tuple[str, list[Step]]] = [
            ("steps", recipe.steps),
            ("finally", recipe.finally_),
        ]
        for block, steps in blocks:
            for i, step in enumerate(steps):
                self.step((block, i), step)
        for name, source in recipe.outputs.items():
            self.expression(("outputs", name), source, _Scope(_RUN_NAMES))
        for i, assertion in enumerate(recipe.assert_):
            self.expression(("assert", i, "that"), assertion.that, _Scope((*_RUN_NAMES, "outputs")))
        self.unused()

    def step(self, loc: Loc, step: Step) -> None:
        position = self.order[step.id]
        scope = _Scope(_RUN_NAMES, before=position)
        per_item = (
            _Scope((*_RUN_NAMES, "item", "index"), before=position) if step.foreach else scope
        )
        for key, source in (("if", step.if_), ("skip_if", step.skip_if)):
            if source is not None:
                self.expression((*loc, key), source, per_item)
        if step.foreach is not None:
            self.expression((*loc, "foreach", "items"), step.foreach.items, scope)
        self.templates((*loc, "action"), step.action, per_item)
        self.templates((*loc, "input"), step.input, per_item)
        if step.request is not None:
            for key in ("path", "query", "headers", "body", "path_params"):
                self.templates((*loc, "request", key), getattr(step.request, key), per_item)
        if step.retry is not None and step.retry.when is not None:
            on_error = _Scope((*per_item.names, "error"), before=position)
            self.expression((*loc, "retry", "when"), step.retry.when, on_error)
        # These read the call's result; only what follows `$` reads the run context.
        if step.paginate is not None:
            for key in ("cursor", "items"):
                source = getattr(step.paginate, key)
                if source is not None:
                    self.expression((*loc, "paginate", key), source, per_item, result=True)
        for name, source in step.outputs.items():
            self.expression((*loc, "outputs", name), source, per_item, result=True)
        for name, source in (step.set_ or {}).items():
            self.expression((*loc, "set", name), source, per_item)
        if step.kind == "set":
            return
        if step.kind == "recipe":
            self.sub_recipe(loc, step)
        else:
            self.connection(loc, step)

    def templates(self, loc: Loc, value: Any, scope: _Scope) -> None:
        for path, text in iter_templates(value):
            try:
                sources = template_expressions(text)
            except ExpressionError as error:
                # The loader refuses these already; a lint of a hand-built model must not crash.
                self.add((*loc, *path), str(error), "template")
                continue
            for source in sources:
                self.expression((*loc, *path), source, scope)

    def expression(self, loc: Loc, source: str, scope: _Scope, *, result: bool = False) -> None:
        """Check one expression; `result`: it reads a call's result, and only `$.` chains
        read the run context."""
        analysis = analyse(source)
        for trap in analysis.traps:
            severity: Severity = "warning" if trap.severity == "warning" else "error"
            self.add(loc, trap.message, trap.code, severity)
        for inner in analysis.inner:
            if inner.names[0] in _ELEMENT_TRAPS and inner.names[0] in scope.names:
                chain = ".".join(inner.names)
                self.add(
                    loc,
                    f"{chain!r} inside {inner.where} reads a field of each element, not the "
                    f"recipe's {inner.names[0]} (it is null there); write $.{chain}",
                    "element-scope",
                    "warning",
                )
        trapped = {trap.name for trap in analysis.traps if trap.code == "quoted-identifier"}
        for ref in analysis.rooted if result else analysis.references:
            if ref.names[0] not in trapped or ref.rooted:
                self.reference(loc, ref, scope)

    # --- names ---------------------------------------------------------------------------

    def reference(self, loc: Loc, ref: Reference, scope: _Scope) -> None:
        root, rest = ref.names[0], ref.names[1:]
        if root in _KEYWORDS and not ref.rooted:
            severity: Severity = "warning" if root == "null" else "error"
            message = f"{root!r} here is a field name, not the value {root}; write `{root}`"
            self.add(loc, message, "bare-literal", severity)
            return
        if root not in scope.names:
            self.add(loc, self.out_of_scope(root, scope, ref.rooted), "unknown-name")
            return
        if not rest:
            return
        name = rest[0]
        self.used.add((root, name))
        tables: dict[str, dict[str, Any] | list[str]] = {
            "inputs": self.recipe.inputs,
            "vars": self.recipe.vars,
            "connections": self.recipe.connections,
            "env": self.recipe.env,
            "outputs": self.recipe.outputs,
        }
        declared = tables.get(root)
        if declared is not None and name not in declared:
            hint = did_you_mean(name, list(declared))
            where = "in the recipe's env list" if root == "env" else f"under {root}"
            self.add(loc, f"{root}.{name} is not declared {where}{hint}", f"undeclared-{root}")
        elif root == "vars" and scope.vars_before is not None:
            if list(self.recipe.vars).index(name) >= scope.vars_before:
                self.add(
                    loc,
                    f"vars.{name} is computed after this one; a var reads only the vars above it",
                    "later-var",
                )
        elif root == "steps":
            self.step_reference(loc, rest, scope)

    def out_of_scope(self, root: str, scope: _Scope, rooted: bool) -> str:
        name = f"$.{root}" if rooted else root
        if root in ("item", "index"):
            return (
                f"{name!r} exists only in a foreach step (its if, input, request, set and outputs)"
            )
        if root == "outputs":
            return f"{name!r} can be read only in assert"
        hint = did_you_mean(root, list(scope.names))
        return (
            f"unknown name {name!r}{hint}; expressions here read "
            f"{', '.join(scope.names)} (a missing name silently yields null)"
        )

    def step_reference(self, loc: Loc, rest: tuple[str, ...], scope: _Scope) -> None:
        step_id = rest[0]
        position = self.order.get(step_id)
        if position is None:
            hint = did_you_mean(step_id, list(self.order))
            self.add(loc, f"no step has the id {step_id!r}{hint}", "unknown-step")
            return
        if scope.before is not None and position == scope.before:
            self.add(loc, f"step {step_id!r} cannot read its own result here", "self-reference")
            return
        if scope.before is not None and position > scope.before:
            self.add(
                loc,
                f"step {step_id!r} runs later; a step can read only the steps before it",
                "later-step",
            )
            return
        if len(rest) < 2:
            return
        attribute = rest[1]
        if attribute not in STEP_FIELDS:
            hint = did_you_mean(attribute, list(STEP_FIELDS))
            self.add(
                loc,
                f"steps.{step_id}.{attribute}: a step has {', '.join(STEP_FIELDS)}{hint}",
                "step-attribute",
            )
            return
        if attribute != "outputs" or len(rest) < 3:
            return
        target, output = self.recipe.step(step_id), rest[2]
        declared = self.step_outputs(target)
        if target.foreach is not None:
            self.add(
                loc,
                f"step {step_id!r} runs a foreach, so steps.{step_id}.outputs is a list of item "
                f"outputs; write steps.{step_id}.outputs[*].{output}",
                "foreach-outputs",
            )
        elif declared is not None and output not in declared:
            hint = did_you_mean(output, declared)
            self.add(
                loc,
                f"step {step_id!r} declares no output {output!r}{hint} "
                f"(its outputs: {', '.join(declared) or 'none'})",
                "undeclared-output",
            )

    def step_outputs(self, step: Step) -> list[str] | None:
        """The names `steps.ID.outputs` holds, as the run fills it; None when unknown."""
        if step.set_ is not None:
            return list(step.set_)
        if step.kind == "recipe" and not step.outputs:
            # The run passes the sub-recipe's own outputs through.
            try:
                path = resolve_recipe_ref(str(step.recipe), self.loaded.path.parent)
            except RecipeError:
                return None
            sub = self.load_sub(path)
            return None if isinstance(sub, RecipeError) else list(sub.recipe.outputs)
        return list(step.outputs)

    def unused(self) -> None:
        for name in self.recipe.inputs:
            if ("inputs", name) not in self.used:
                self.add(
                    ("inputs", name),
                    f"input {name!r} is never used",
                    "unused-input",
                    "warning",
                    key=True,
                )

    # --- connections and sub-recipes ----------------------------------------------------

    def connection(self, loc: Loc, step: Step) -> None:
        declared = list(self.recipe.connections)
        if step.connection is not None:
            if step.connection not in self.recipe.connections:
                hint = did_you_mean(step.connection, declared)
                self.add(
                    (*loc, "connection"),
                    f"connection {step.connection!r} is not declared under connections{hint}",
                    "undeclared-connection",
                )
            return
        if not declared:
            self.add(
                loc,
                "needs a connection, and the recipe declares none "
                "(add connections: {name: {app: APP}})",
                "no-connection",
            )
        elif len(declared) > 1:
            self.add(
                loc,
                f"say which connection it uses (connection: one of {', '.join(declared)})",
                "ambiguous-connection",
            )

    def load_sub(self, path: Path) -> LoadedRecipe | RecipeError:
        key = path.resolve()
        if key not in self._subs:
            try:
                self._subs[key] = load_recipe(path)
            except RecipeError as error:
                self._subs[key] = error
        return self._subs[key]

    def sub_recipe(self, loc: Loc, step: Step) -> None:
        ref = str(step.recipe)
        try:
            path = resolve_recipe_ref(ref, self.loaded.path.parent)
        except RecipeError as error:
            self.add((*loc, "recipe"), error.message, "recipe-not-found")
            return
        sub = self.load_sub(path)
        if isinstance(sub, RecipeError):
            self.add(
                (*loc, "recipe"),
                f"sub-recipe {ref!r} does not load: {sub.problems[0]}",
                "sub-recipe",
            )
            return
        cycle = self.cycle(path, (self.loaded.path.resolve(),))
        if cycle:
            names = " -> ".join(p.name for p in cycle)
            self.add((*loc, "recipe"), f"sub-recipe cycle: {names}", "recipe-cycle")
        self.sub_inputs(loc, step, ref, sub)

    def sub_inputs(self, loc: Loc, step: Step, ref: str, sub: LoadedRecipe) -> None:
        given = step.input
        if isinstance(given, str):
            return  # one `${...}` for the whole input: checked when it runs
        given = given if isinstance(given, dict) else {}
        declared = sub.recipe.inputs
        for name in given:
            if name not in declared:
                hint = did_you_mean(name, list(declared))
                self.add(
                    (*loc, "input", name),
                    f"sub-recipe {ref!r} has no input {name!r}{hint}",
                    "sub-recipe-input",
                    key=True,
                )
        for name, spec in declared.items():
            if spec.is_required and name not in given:
                self.add(loc, f"sub-recipe {ref!r} needs the input {name!r}", "sub-recipe-input")

    def cycle(self, path: Path, stack: tuple[Path, ...]) -> list[Path] | None:
        here = path.resolve()
        if here in stack:
            return [*stack[stack.index(here) :], here]
        sub = self.load_sub(path)
        if isinstance(sub, RecipeError) or len(stack) > 50:
            return None
        for step in sub.recipe.all_steps():
            if step.recipe is None:
                continue
            try:
                target = resolve_recipe_ref(step.recipe, path.parent)
            except RecipeError:
                continue
            found = self.cycle(target, (*stack, here))
            if found:
                return found
        return None
