"""What a recipe asks for and does, for people (text), agents (JSON Schema) and docs (Mermaid).

Agents call `mw describe RECIPE --json` to learn the inputs as a JSON Schema document they can
fill in; people read the text summary; the Mermaid flowchart drops into a README or a PR.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any, Final, Literal

from wrapper.recipe.loader import LoadedRecipe
from wrapper.recipe.model import InputSpec, Recipe, Step
from wrapper.recipe.values import input_schema

JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def inputs_schema(recipe: Recipe) -> dict[str, Any]:
    """The recipe's inputs as one JSON Schema object (what `-i`/`--inputs` must satisfy)."""
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": f"Inputs of recipe {recipe.name}",
        "type": "object",
        "properties": {name: input_schema(spec) for name, spec in recipe.inputs.items()},
        "required": [name for name, spec in recipe.inputs.items() if spec.is_required],
        "additionalProperties": False,
    }
    if recipe.description:
        schema["description"] = recipe.description
    return schema


def step_target(step: Step) -> str:
    """`action create-contact`, `POST /contacts`, `recipe ./other.yaml` or `set a, b`."""
    if step.action is not None:
        return f"action {step.action}"
    if step.request is not None:
        return f"{step.request.method} {step.request.path}"
    if step.set_ is not None:
        return f"set {', '.join(step.set_)}"
    return f"recipe {step.recipe}"


def step_info(recipe: Recipe, step: Step) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": step.id,
        "name": step.name,
        "kind": step.kind,
        "target": step_target(step),
        "connection": recipe.connection_for(step),
        "effect": step.effect,
        "idempotent": step.idempotent,
        "if": step.if_,
        "skip_if": step.skip_if,
        "foreach": step.foreach.to_dict() if step.foreach else None,
        "paginate": step.paginate.to_dict() if step.paginate else None,
        "retry": step.retry.to_dict() if step.retry else None,
        "timeout": step.timeout,
        "continue_on_error": step.continue_on_error,
        "outputs": dict(step.set_ or step.outputs),
    }
    return info


def describe(loaded: LoadedRecipe) -> dict[str, Any]:
    """Everything `mw describe --json` prints."""
    recipe = loaded.recipe
    return {
        "name": recipe.name,
        "description": recipe.description,
        "path": str(loaded.path),
        "sha256": loaded.sha256,
        "inputs": inputs_schema(recipe),
        "connections": {n: c.to_dict(exclude_none=True) for n, c in recipe.connections.items()},
        "env": list(recipe.env),
        "vars": dict(recipe.vars),
        "steps": [step_info(recipe, s) for s in recipe.steps],
        "finally": [step_info(recipe, s) for s in recipe.finally_],
        "outputs": dict(recipe.outputs),
        "assert": [a.to_dict(exclude_none=True) for a in recipe.assert_],
    }


# --- text ------------------------------------------------------------------------------------


def _input_line(name: str, spec: InputSpec) -> str:
    notes = [spec.type, "required" if spec.is_required else "optional"]
    if spec.is_secret:
        notes.append("secret")
    if spec.from_env:
        notes.append(f"from env {spec.from_env}")
    if spec.has_default and not spec.is_secret:
        notes.append(f"default {json.dumps(spec.default, ensure_ascii=False)}")
    text = f"  {name}: {', '.join(notes)}"
    return f"{text} — {spec.description}" if spec.description else text


def _step_line(number: int, recipe: Recipe, step: Step) -> str:
    parts = [f"  {number}. {step.id} ({step.effect}):", step_target(step)]
    connection = recipe.connection_for(step)
    if connection:
        parts.append(f"via {connection}")
    if step.idempotent:
        parts.append("idempotent")
    if step.if_:
        parts.append(f"if {step.if_}")
    if step.skip_if:
        parts.append(f"skip if {step.skip_if}")
    if step.foreach:
        parts.append(f"for each of {step.foreach.items} ({step.foreach.concurrency} at a time)")
    if step.paginate:
        parts.append(f"paginated (up to {step.paginate.max_pages} pages)")
    if step.retry:
        parts.append(f"retry up to {step.retry.attempts} tries")
    if step.continue_on_error:
        parts.append("continues on error")
    line = ", ".join(parts[1:])
    return f"{parts[0]} {line}"


def describe_text(loaded: LoadedRecipe) -> str:
    """A summary people read before running a recipe."""
    recipe = loaded.recipe
    lines = [recipe.name + (f" — {recipe.description}" if recipe.description else "")]
    if recipe.inputs:
        lines += ["", "Inputs:", *(_input_line(n, s) for n, s in recipe.inputs.items())]
    if recipe.connections:
        lines += ["", "Connections:"]
        lines += [f"  {n}: app {c.app}" for n, c in recipe.connections.items()]
    lines += ["", "Steps:", *(_step_line(i, recipe, s) for i, s in enumerate(recipe.steps, 1))]
    if recipe.finally_:
        start = len(recipe.steps) + 1
        lines += ["", "Finally (always runs):"]
        lines += [_step_line(i, recipe, s) for i, s in enumerate(recipe.finally_, start)]
    if recipe.outputs:
        lines += ["", "Outputs:", *(f"  {n} = {e}" for n, e in recipe.outputs.items())]
    if recipe.assert_:
        lines += ["", "Assertions:"]
        for a in recipe.assert_:
            lines.append(f"  {a.that}" + (f" — {a.message}" if a.message else ""))
    return "\n".join(lines)


# --- Mermaid ---------------------------------------------------------------------------------


def _label(*lines: str) -> str:
    """A quoted Mermaid label; user text is escaped, lines are joined with <br/>."""
    escaped = [
        t.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
        for t in lines
    ]
    return '"' + "<br/>".join(escaped) + '"'


@dataclass(frozen=True)
class FlowNode:
    """A box of the step graph: `start`/`done`, a condition, a step or a foreach step."""

    id: str
    shape: Literal["terminal", "condition", "step", "foreach"]
    lines: tuple[str, ...]
    #: The step it stands for (a status colours it), None for terminals and conditions.
    step: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class FlowEdge:
    """An arrow between two nodes' ids; `run`/`skip` label a condition's two ways out."""

    source: str
    target: str
    label: str = ""
    group: str | None = None


def _node(step: Step, group: str | None = None) -> FlowNode:
    lines = [step.id, f"{step_target(step)} · {step.effect}"]
    if step.foreach:
        lines.append(f"foreach {step.foreach.items} ({step.foreach.concurrency} at a time)")
        return FlowNode(f"s_{step.id}", "foreach", tuple(lines), step.id, group)
    return FlowNode(f"s_{step.id}", "step", tuple(lines), step.id, group)


def flow(recipe: Recipe) -> list[FlowNode | FlowEdge]:
    """The steps as a flowchart, in drawing order: conditions as diamonds with a `skip` edge
    past their step, foreach steps marked, `finally` as its own group at the end."""
    out: list[FlowNode | FlowEdge] = [FlowNode("start", "terminal", ("start",))]
    previous = ["start"]  # nodes whose next edge goes to the following step
    pending_label: dict[str, str] = {}

    def link(target: str) -> None:
        for source in previous:
            out.append(FlowEdge(source, target, pending_label.pop(source, "")))

    for step in recipe.steps:
        condition = _condition(step)
        if condition:
            cond_id = f"c_{step.id}"
            out.append(FlowNode(cond_id, "condition", (condition,)))
            link(cond_id)
            out.append(_node(step))
            out.append(FlowEdge(cond_id, f"s_{step.id}", "run"))
            previous = [cond_id, f"s_{step.id}"]
            pending_label[cond_id] = "skip"
        else:
            out.append(_node(step))
            link(f"s_{step.id}")
            previous = [f"s_{step.id}"]
    if recipe.finally_:
        out.extend(_node(step, "finally") for step in recipe.finally_)
        ids = [f"s_{s.id}" for s in recipe.finally_]
        out.extend(FlowEdge(a, b, group="finally") for a, b in itertools.pairwise(ids))
        link(ids[0])
        previous = [ids[-1]]
    out.append(FlowNode("done", "terminal", ("end",)))
    link("done")
    return out


_SHAPES: Final = {
    "terminal": ("([", "])"),
    "condition": ("{", "}"),
    "step": ("[", "]"),
    "foreach": ("[[", "]]"),
}


def mermaid(recipe: Recipe) -> str:
    """The step graph (`flow`) as a Mermaid flowchart; `finally` is a subgraph."""
    lines = ["flowchart TD"]
    group: str | None = None
    for element in flow(recipe):
        if element.group != group:
            if group is not None:
                lines.append("  end")
            if element.group is not None:
                lines.append('  subgraph finally ["finally (always runs)"]')
            group = element.group
        indent = "    " if group else "  "
        if isinstance(element, FlowNode):
            opening, closing = _SHAPES[element.shape]
            lines.append(f"{indent}{element.id}{opening}{_label(*element.lines)}{closing}")
        else:
            arrow = f" -->|{element.label}| " if element.label else " --> "
            lines.append(f"{indent}{element.source}{arrow}{element.target}")
    return "\n".join(lines)


def _condition(step: Step) -> str | None:
    if step.if_ and step.skip_if:
        return f"if {step.if_} and not ({step.skip_if})"
    if step.if_:
        return f"if {step.if_}"
    if step.skip_if:
        return f"unless {step.skip_if}"
    return None
