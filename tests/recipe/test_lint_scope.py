"""`mw lint` on what expressions read: `$.` chains checked like top-level names, the bare-name
trap inside filters and projections, `set` steps, and sub-recipe outputs passed through."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from wrapper.recipe.lint import lint_paths

HEAD = """\
version: 1
name: t
inputs:
  email: {type: string}
connections:
  cw: {app: chatwoot}
"""


def lint(tmp_path: Path, body: str, **files: str) -> list[str]:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (tmp_path / "r.yaml").write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    return [p.render().removeprefix(f"{tmp_path}/") for p in lint_paths([tmp_path / "r.yaml"])]


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_dollar_chains_are_checked_wherever_they_stand(tmp_path: Path) -> None:
    assert lint(
        tmp_path,
        """\
        steps:
          - id: agents
            effect: read
            action: list-agents
            outputs:
              mine: "@[?email == $.inputs.email] | [0].id"
              typo: "@[?email == $.inputs.emial] | [0].id"
              item: "@[?id == $.item]"
          - id: assign
            action: assign
            input:
              a: "${steps.agents.outputs.mine}"
              b: "${steps.agents.outputs.mine[?x == $.steps.later.outputs.id]}"
              c: "${$.vars.nope}"
          - id: later
            action: x
            outputs: {id: id}
        """,
    ) == [
        "r.yaml:13:13: steps[0].outputs.typo: inputs.emial is not declared under inputs "
        "(did you mean 'email'?)",
        "r.yaml:14:13: steps[0].outputs.item: '$.item' exists only in a foreach step (its if, "
        "input, request, set and outputs)",
        "r.yaml:19:10: steps[1].input.b: step 'later' runs later; a step can read only the "
        "steps before it",
        "r.yaml:20:10: steps[1].input.c: vars.nope is not declared under vars",
    ]


def test_a_bare_scope_name_inside_a_filter_or_projection_warns_with_the_fix(
    tmp_path: Path,
) -> None:
    assert lint(
        tmp_path,
        """\
        steps:
          - id: agents
            effect: read
            action: list-agents
            outputs: {all: "@"}
          - id: each
            foreach: {items: "steps.agents.outputs.all"}
            action: x
            input:
              id: "${steps.agents.outputs.all[?email == inputs.email] | [0].id}"
              ok: "${steps.agents.outputs.all[?email == $.inputs.email] | [0].id}"
              row: "${steps.agents.outputs.all[*].{id: id, of: item.id}}"
              own: "${steps.agents.outputs.all[*].item}"
        """,
    ) == [
        "r.yaml:16:11: warning: steps[1].input.id: 'inputs.email' inside a filter reads a "
        "field of each element, not the recipe's inputs (it is null there); write "
        "$.inputs.email",
        "r.yaml:18:12: warning: steps[1].input.row: 'item.id' inside a projection reads a "
        "field of each element, not the recipe's item (it is null there); write $.item.id",
    ]


def test_set_steps_declare_their_outputs_and_take_no_call_keys(tmp_path: Path) -> None:
    assert lint(
        tmp_path,
        """\
        steps:
          - id: pick
            set: {agent_id: "`1`", total: "add(`1`, `2`)"}
          - id: use
            action: x
            input: {a: "${steps.pick.outputs.agent_id}", b: "${steps.pick.outputs.totl}"}
        outputs:
          email: inputs.email
        """,
    ) == [
        "r.yaml:12:53: steps[1].input.b: step 'pick' declares no output 'totl' (did you mean "
        "'total'?) (its outputs: agent_id, total)",
    ]
    assert lint(
        tmp_path,
        """\
        steps:
          - id: pick
            connection: cw
            set: {agent_id: "`1`"}
        """,
    ) == [
        "r.yaml:8:5: steps[0]: a set step makes no call, so it takes no connection "
        "(only id, name, set, if, skip_if, foreach, continue_on_error)",
    ]


def test_a_sub_recipe_steps_outputs_are_the_sub_recipes_outputs(tmp_path: Path) -> None:
    child = """\
        version: 1
        name: child
        connections:
          cw: {app: chatwoot}
        steps:
          - {id: get, action: x, outputs: {id: id}}
        outputs:
          contact_id: steps.get.outputs.id
        """
    assert lint(
        tmp_path,
        """\
        steps:
          - id: sub
            recipe: ./child.yaml
          - id: use
            action: x
            input:
              ok: "${steps.sub.outputs.contact_id}"
              bad: "${steps.sub.outputs.id}"
              email: "${inputs.email}"
        """,
        **{"child.yaml": child},
    ) == [
        "r.yaml:14:12: steps[1].input.bad: step 'sub' declares no output 'id' (its outputs: "
        "contact_id)",
    ]


def test_a_function_called_with_the_wrong_number_of_arguments_is_an_error(
    tmp_path: Path,
) -> None:
    assert lint(
        tmp_path,
        """\
        steps:
          - id: pick
            set:
              a: "round(div(`2`, `3`))"
              b: "merge(`{}`, `{}`)"
              c: "length(inputs.email, `1`)"
        """,
    ) == [
        "r.yaml:10:10: steps[0].set.a: round() takes 2 arguments, not 1",
        "r.yaml:12:10: steps[0].set.c: length() takes 1 argument, not 2",
    ]
