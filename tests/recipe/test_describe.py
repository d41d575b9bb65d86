"""`describe`: inputs as JSON Schema, the text summary and the Mermaid step graph."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from wrapper.recipe.describe import describe, describe_text, inputs_schema, mermaid
from wrapper.recipe.loader import load_recipe, load_recipe_text

WELCOME = Path(__file__).parents[1] / "data" / "recipes" / "welcome.yaml"

GRAPH = """\
version: 1
name: t
inputs:
  id: {type: integer, secret: true, default: 5}
connections: {cw: {app: chatwoot}}
steps:
  - {id: a, action: x, effect: read}
  - id: end
    action: y
    if: "steps.a.outputs.n > `1`"
    foreach: {items: steps.a.outputs.list, concurrency: 4}
  - id: c
    request: {method: post, path: '/x/${inputs.id}'}
    skip_if: "steps.a.status == 'skipped'"
    retry: {attempts: 2}
finally:
  - {id: f1, action: cleanup, idempotent: true}
  - {id: f2, recipe: ./notify.yaml}
"""


def test_inputs_schema_of_the_design_example() -> None:
    schema = inputs_schema(load_recipe(WELCOME).recipe)
    assert schema == {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Inputs of recipe chatwoot-welcome-contact",
        "description": "Find or create a Chatwoot contact, open a conversation, greet them and "
        "label it.",
        "type": "object",
        "properties": {
            "email": {"type": "string", "format": "email", "description": "Customer e-mail"},
            "name": {"type": "string", "default": "New customer"},
            "inbox_id": {"type": "integer", "default": 1},
            "labels": {"type": "array", "items": {"type": "string"}, "default": ["new-lead"]},
            "api_note": {"type": "string", "writeOnly": True, "x-from-env": "SUPPORT_NOTE"},
        },
        "required": ["email"],
        "additionalProperties": False,
    }
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"email": "a@example.com", "inbox_id": 2})
    assert not validator.is_valid({"inbox_id": 2})
    assert not validator.is_valid({"email": "a@example.com", "emial": "x"})


def test_a_secret_default_is_never_shown() -> None:
    loaded = load_recipe_text(GRAPH, "r.yaml")
    assert inputs_schema(loaded.recipe)["properties"]["id"] == {
        "type": "integer",
        "writeOnly": True,
    }
    assert "5" not in describe_text(loaded).split("Steps:")[0]


def test_mermaid_graph() -> None:
    assert mermaid(load_recipe_text(GRAPH, "r.yaml").recipe) == "\n".join(
        [
            "flowchart TD",
            '  start(["start"])',
            '  s_a["a<br/>action x · read"]',
            "  start --> s_a",
            '  c_end{"if steps.a.outputs.n #gt; `1`"}',
            "  s_a --> c_end",
            '  s_end[["end<br/>action y · write<br/>foreach steps.a.outputs.list (4 at a time)"]]',
            "  c_end -->|run| s_end",
            "  c_c{\"unless steps.a.status == 'skipped'\"}",
            "  c_end -->|skip| c_c",
            "  s_end --> c_c",
            '  s_c["c<br/>POST /x/${inputs.id} · write"]',
            "  c_c -->|run| s_c",
            '  subgraph finally ["finally (always runs)"]',
            '    s_f1["f1<br/>action cleanup · write"]',
            '    s_f2["f2<br/>recipe ./notify.yaml · write"]',
            "    s_f1 --> s_f2",
            "  end",
            "  c_c -->|skip| s_f1",
            "  s_c --> s_f1",
            '  done(["end"])',
            "  s_f2 --> done",
        ]
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [('"quoted"', "#quot;quoted#quot;"), ("a < b & c", "a #lt; b #amp; c")],
)
def test_mermaid_escapes_user_text(text: str, escaped: str) -> None:
    recipe = load_recipe_text(
        "version: 1\nname: t\nconnections: {cw: {app: chatwoot}}\nsteps:\n"
        f"  - id: a\n    action: {text!r}\n",
        "r.yaml",
    ).recipe
    assert f's_a["a<br/>action {escaped} · write"]' in mermaid(recipe)


def test_describe_text() -> None:
    assert describe_text(load_recipe_text(GRAPH, "r.yaml")) == "\n".join(
        [
            "t",
            "",
            "Inputs:",
            "  id: integer, optional, secret",
            "",
            "Connections:",
            "  cw: app chatwoot",
            "",
            "Steps:",
            "  1. a (read): action x, via cw",
            "  2. end (write): action y, via cw, if steps.a.outputs.n > `1`, "
            "for each of steps.a.outputs.list (4 at a time)",
            "  3. c (write): POST /x/${inputs.id}, via cw, skip if steps.a.status == 'skipped', "
            "retry up to 2 tries",
            "",
            "Finally (always runs):",
            "  4. f1 (write): action cleanup, via cw, idempotent",
            "  5. f2 (write): recipe ./notify.yaml",
        ]
    )


def test_describe_json() -> None:
    loaded = load_recipe(WELCOME)
    data = describe(loaded)
    assert data["sha256"] == loaded.sha256
    assert data["connections"] == {"chatwoot": {"app": "chatwoot"}}
    assert data["steps"][1] == {
        "id": "create",
        "name": None,
        "kind": "action",
        "target": "action create-contact",
        "connection": "chatwoot",
        "effect": "write",
        "idempotent": False,
        "if": "steps.find.outputs.contact_id == `null`",
        "skip_if": None,
        "foreach": None,
        "paginate": None,
        "retry": {
            "attempts": 4,
            "backoff": "exponential",
            "initial": 0.5,
            "max": 8.0,
            "jitter": True,
            "when": None,
        },
        "timeout": None,
        "continue_on_error": False,
        "outputs": {"contact_id": "payload.contact.id"},
    }
    assert data["assert"] == [
        {
            "that": "outputs.conversation_id != `null`",
            "message": "a conversation must exist at the end",
        }
    ]


def test_a_set_step_reads_as_the_values_it_sets() -> None:
    loaded = load_recipe_text(
        "version: 1\nname: t\nsteps:\n"
        "  - id: pick\n    set: {agent_id: '`1`', total: 'add(`1`, `2`)'}\n",
        "r.yaml",
    )
    info = describe(loaded)["steps"][0]
    assert (info["kind"], info["target"], info["effect"]) == ("set", "set agent_id, total", "read")
    assert info["outputs"] == {"agent_id": "`1`", "total": "add(`1`, `2`)"}
    assert "  1. pick (read): set agent_id, total" in describe_text(loaded).splitlines()
