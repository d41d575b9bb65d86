"""Input fields an action does not know are warned about at `mw plan` and `mw run`.

Membrane ignores extra input properties (membrane-cli.md 7.3), so a typo would pass silently;
mw reads the action's inputSchema once per connection and key per run and warns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.membrane.test_engine_wire import CONN
from tests.membrane.test_engine_wire import ok as wire_ok
from tests.run.test_engine import Harness, ok, recipe
from wrapper.cli import cli
from wrapper.errors import InvalidOutputError, NotFoundError
from wrapper.records import events as ev

SCHEMA = {
    "id": "a1",
    "key": "create-contact",
    "name": "Create Contact",
    "inputSchema": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
        "required": ["email"],
    },
}
GET = ["membrane", "action", "get", "create-contact", f"--connectionId={CONN}", "--json"]
WARNING = (
    "step 'create': input field 'nmae' is not among the inputs of action 'create-contact' "
    "(email, name); Membrane ignores unknown fields"
)

TYPO = """
steps:
  - id: create
    action: create-contact
    input: {email: a@x.io, nmae: A}
"""
FOREACH = """
steps:
  - id: create
    foreach: {items: "inputs.emails", concurrency: 3}
    action: create-contact
    input: {email: "${item}", nmae: Ada}
"""


def warnings(h: Harness) -> list[str]:
    return [e.message for e in h.sink.of(ev.RunWarning)]


def test_run_warns_once_and_gets_the_schema_once(fake):
    fake.schemas["create-contact"] = SCHEMA["inputSchema"]
    for email in ("a@x.io", "b@x.io", "c@x.io"):
        ok(fake, "create-contact", {"email": email, "nmae": "Ada"}, {"id": 1})
    h = Harness(
        fake,
        recipe("inputs: {emails: {type: array}}\n" + FOREACH),
        {"emails": ["a@x.io", "b@x.io", "c@x.io"]},
    )
    assert h.run().exit_code == 0
    assert warnings(h) == [WARNING]
    assert fake.targets("get") == ["create-contact"]


def test_several_unknown_fields_are_named_together(fake):
    fake.schemas["create-contact"] = SCHEMA["inputSchema"]
    ok(fake, "create-contact", {"email": "a@x.io", "phon": "1", "nmae": "A"}, {"id": 1})
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: create
            action: create-contact
            input: {email: a@x.io, phon: "1", nmae: A}
        """),
    )
    assert h.run().exit_code == 0
    assert warnings(h) == [
        "step 'create': input fields 'phon', 'nmae' are not among the inputs of action "
        "'create-contact' (email, name); Membrane ignores unknown fields"
    ]


@pytest.mark.parametrize(
    "schema",
    [
        NotFoundError("membrane action get create-contact failed: no"),
        InvalidOutputError("membrane action get create-contact printed <html>502</html>"),
        None,
        {"type": "object"},
        {**SCHEMA["inputSchema"], "additionalProperties": True},
    ],
)
def test_no_schema_no_warning_and_the_run_goes_on(fake, schema):
    fake.schemas["create-contact"] = schema
    ok(fake, "create-contact", {"email": "a@x.io", "nmae": "A"}, {"id": 1})
    h = Harness(fake, recipe(TYPO))
    assert h.run().exit_code == 0
    assert warnings(h) == []
    assert fake.targets("get") == ["create-contact"]


def test_known_fields_give_no_warning(fake):
    fake.schemas["create-contact"] = SCHEMA["inputSchema"]
    ok(fake, "create-contact", {"email": "a@x.io", "name": "A"}, {"id": 1})
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: create
            action: create-contact
            input: {email: a@x.io, name: A}
        """),
    )
    assert h.run().exit_code == 0
    assert warnings(h) == []


def test_plan_warns_about_a_write_it_does_not_run(fake):
    fake.schemas["create-contact"] = SCHEMA["inputSchema"]
    h = Harness(fake, recipe(TYPO), plan=True)
    assert h.run().exit_code == 0
    assert h.step("create")["status"] == "planned"
    assert warnings(h) == [WARNING]
    assert fake.targets("action") == []


def test_plan_without_the_connection_asks_without_one(fake):
    fake.schemas["create-contact"] = SCHEMA["inputSchema"]
    h = Harness(fake, recipe(TYPO), plan=True, connections={})
    assert h.run().exit_code == 0
    assert warnings(h) == [WARNING]
    assert [(c.target, c.connection_id) for c in fake.calls if c.operation == "get"] == [
        ("create-contact", None)
    ]


RECIPE = """\
version: 1
name: typo
connections:
  chatwoot: {app: chatwoot}
steps:
  - id: create
    action: create-contact
    input: {email: a@x.io, nmae: Ada}
"""


@pytest.mark.parametrize("command", ["run", "plan"])
def test_the_warning_reaches_stderr_and_the_event_stream(
    fake_process, tmp_path, monkeypatch, command
):
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "current")
    monkeypatch.chdir(tmp_path)
    Path("typo.yaml").write_text(RECIPE)
    fake_process.register(GET, stdout=json.dumps(SCHEMA))
    wire_ok(fake_process, "create-contact", {"email": "a@x.io", "nmae": "Ada"}, {"id": 1})
    result = CliRunner().invoke(
        cli,
        [
            "--membrane",
            "membrane",
            command,
            "typo.yaml",
            "--connection",
            f"chatwoot={CONN}",
            "--events",
            "events.ndjson",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert f"[warning] {WARNING}\n" in result.stderr
    events = [json.loads(line) for line in Path("events.ndjson").read_text().splitlines()]
    assert [e["message"] for e in events if e["event"] == "warning"] == [WARNING]


def test_an_unknown_bare_app_word_is_warned_about(fake):
    ok(fake, "a", None, {})
    h = Harness(
        fake,
        "version: 1\nname: t\nconnections:\n  crm: {app: hubspot}\n"
        "steps:\n  - id: a\n    action: a\n",
        connections={},
    )
    assert h.run().exit_code == 0
    assert fake.targets("ensure") == ["hubspot"]
    assert warnings(h) == [
        "connection crm: app 'hubspot' is not a URL or domain and not one of the names mw knows "
        "(chatwoot, chaport, chatra); it is sent to `membrane connection ensure` as given, which "
        "may create a new app: prefer the app's URL, e.g. https://www.example.com/"
    ]


# --- the recipe's `app:` ---------------------------------------------------------------------


@pytest.mark.parametrize("app", ["chat woot", "https://www.chatwoot.com/ x", " "])
def test_an_app_that_is_not_one_name_domain_or_url_is_refused(app):
    from wrapper.errors import RecipeError
    from wrapper.recipe.loader import load_recipe_text

    text = f"version: 1\nname: t\nconnections:\n  c: {{app: {json.dumps(app)}}}\nsteps:\n"
    text += "  - id: a\n    action: x\n"
    with pytest.raises(RecipeError) as info:
        load_recipe_text(text, "r.yaml")
    assert str(info.value).startswith("r.yaml:4:")
    assert "is not an app name, domain or URL (e.g. chatwoot, chatwoot.com or " in str(info.value)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("app", ["chatwoot", "chatra.io", "https://www.chaport.com/"])
def test_names_domains_and_urls_load(app):
    from wrapper.recipe.loader import load_recipe_text

    text = f"version: 1\nname: t\nconnections:\n  c: {{app: {json.dumps(app)}}}\nsteps:\n"
    loaded = load_recipe_text(text + "  - id: a\n    action: x\n", "r.yaml")
    assert loaded.recipe.connections["c"].app == app
