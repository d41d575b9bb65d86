"""What a run computes: `$` reaching the recipe scope from filters and step outputs, `set`
steps, arithmetic, run-time expression failures as results, and plan's unknown values."""

from __future__ import annotations

from tests.run.test_engine import Harness, ok, recipe
from wrapper.errors import EXIT_ASSERT, EXIT_FAILED
from wrapper.records import events as ev

AGENTS = [
    {"id": 1, "email": "ana.patel@example.com"},
    {"id": 2, "email": "na.patel26@example.com"},
]


def test_a_filter_compares_with_an_input_through_dollar(fake):
    ok(fake, "agents", None, AGENTS)
    ok(fake, "assign", {"assignee_id": 2}, {"ok": True})
    h = Harness(
        fake,
        recipe("""
        inputs: {agent_email: {type: string}}
        steps:
          - id: agents
            effect: read
            action: agents
            outputs: {all: "@"}
          - id: assign
            action: assign
            input:
              assignee_id: "${steps.agents.outputs.all[?email == $.inputs.agent_email] | [0].id}"
        """),
        {"agent_email": "na.patel26@example.com"},
    )
    assert h.run().exit_code == 0


def test_step_outputs_read_the_result_and_dollar_reads_the_scope(fake):
    ok(fake, "search", None, {"payload": AGENTS})
    h = Harness(
        fake,
        recipe("""
        inputs: {email: {type: string}}
        steps:
          - id: find
            effect: read
            action: search
            outputs:
              exact: "payload[?lower(email) == lower($.inputs.email)] | [0].id"
              first: "payload[0].id"
        """),
        {"email": "NA.Patel26@example.com"},
    )
    assert h.run().exit_code == 0
    assert h.step("find")["outputs"] == {"exact": 2, "first": 1}


def test_set_computes_named_values_without_a_call(fake):
    ok(fake, "agents", None, AGENTS)
    h = Harness(
        fake,
        recipe("""
        inputs: {agent_email: {type: string}}
        steps:
          - id: agents
            effect: read
            action: agents
            outputs: {all: "@"}
          - id: pick
            set:
              agent_id: "steps.agents.outputs.all[?email == $.inputs.agent_email] | [0].id"
              total: "length(steps.agents.outputs.all)"
              half: "div(length(steps.agents.outputs.all), `4`)"
              next_id: "add(max(steps.agents.outputs.all[*].id), `1`)"
        outputs:
          agent_id: steps.pick.outputs.agent_id
          half: steps.pick.outputs.half
        """),
        {"agent_email": "ana.patel@example.com"},
    )
    result = h.run()
    assert result.exit_code == 0, result.error
    assert h.step("pick")["outputs"] == {"agent_id": 1, "total": 2, "half": 0.5, "next_id": 3}
    assert result.outputs == {"agent_id": 1, "half": 0.5}
    assert len(fake.targets("action")) == 1  # the set step made none


def test_set_inside_a_foreach_gives_a_list_of_item_outputs(fake):
    h = Harness(
        fake,
        recipe("""
        inputs: {prices: {type: array, default: [10, 20, 5]}}
        steps:
          - id: vat
            foreach: {items: inputs.prices}
            set: {gross: "mul(item, `1.25`)", position: "add(index, `1`)"}
        outputs:
          total: "sum(steps.vat.outputs[*].gross)"
        """),
    )
    result = h.run()
    assert result.exit_code == 0, result.error
    assert h.step("vat")["outputs"] == [
        {"gross": 12.5, "position": 1},
        {"gross": 25.0, "position": 2},
        {"gross": 6.25, "position": 3},
    ]
    assert result.outputs == {"total": 43.75}


def test_plan_runs_set_steps_and_marks_what_it_cannot_know(fake):
    ok(fake, "find", None, {"payload": []})
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: find
            effect: read
            action: find
            outputs: {id: "payload[0].id"}
          - id: create
            if: steps.find.outputs.id == null
            action: create
            outputs: {id: id}
          - id: pick
            set: {contact_id: "steps.create.outputs.id || steps.find.outputs.id", fixed: "`7`"}
        outputs:
          created_contact: "steps.create.status == 'ok'"
          contact_id: steps.pick.outputs.contact_id
          found: "steps.find.outputs.id"
        """),
        plan=True,
    )
    result = h.run()
    assert result.exit_code == 0, result.error
    assert h.step("pick")["outputs"] == {
        "contact_id": "<unknown (planned write): steps.create.outputs.id>",
        "fixed": 7,
    }
    assert result.outputs == {
        "created_contact": "<unknown (planned write): steps.create.status>",
        "contact_id": "<unknown (planned write): steps.create.outputs.id>",
        "found": None,
    }


def test_a_var_that_fails_on_the_data_fails_the_step_naming_its_line_and_value(fake):
    h = Harness(
        fake,
        recipe("""
        inputs: {email: {type: string}}
        vars:
          n: "abs(inputs.email)"
        steps:
          - id: use
            set: {n: vars.n}
        """),
        {"email": "x" * 300_000},
    )
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    assert str(result.error) == (
        "step 'use' failed: r.yaml:8:6: 'abs(inputs.email)': abs() expected number, got "
        "string '" + "x" * 78 + "… (300000 characters)"
    )
    finish = h.sink.of(ev.RunFinish)[0]
    assert finish.status == "failed"
    assert finish.exit_code == EXIT_FAILED


def test_a_failing_template_names_the_line_of_its_input_key(fake):
    h = Harness(
        fake,
        recipe("""
        inputs: {token: {type: string, secret: true}}
        steps:
          - id: send
            action: send
            input:
              note: "${to_number(inputs.token) > `1`}"
              n: "${abs(inputs.token)}"
        """),
        {"token": "tok-SECRET-1"},
    )
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    assert str(result.error) == (
        "step 'send' failed: r.yaml:12:10: 'abs(inputs.token)': abs() expected number, got "
        "string '***'"
    )
    assert fake.targets("action") == []


def test_recipe_outputs_that_fail_end_the_run_failed_with_every_step_recorded(fake):
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: a
            set: {word: "'abc'"}
        outputs:
          n: "to_number(steps.a.outputs.word) > `1` && sort(steps.a.outputs.*)[0]"
          bad: "sort([steps.a.outputs.word, `1`])"
        """),
    )
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    assert str(result.error) == (
        "r.yaml:11:8: 'sort([steps.a.outputs.word, `1`])': sort() expected array-string or "
        "array-number, got int 1"
    )
    assert h.sink.of(ev.RunFinish)[0].status == "failed"


def test_foreach_items_that_are_not_a_list_show_the_value(fake):
    h = Harness(
        fake,
        recipe("""
        inputs: {rows: {type: object, default: {a: 1}}}
        steps:
          - id: each
            foreach: {items: inputs.rows}
            set: {x: item}
        """),
    )
    result = h.run()
    assert str(result.error) == (
        "step 'each' failed: r.yaml:9:22: foreach.items must give a list, not a mapping: {\"a\":1}"
    )


def test_every_failed_assertion_is_named(fake):
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: a
            set: {n: "`2`"}
        outputs: {n: steps.a.outputs.n}
        assert:
          - that: "outputs.n == `3`"
            message: n is three
          - that: "outputs.n == `2`"
          - that: "outputs.n > `5`"
          - that: "abs('x') == `1`"
        """),
    )
    result = h.run()
    assert result.exit_code == EXIT_ASSERT
    assert str(result.error) == (
        "3 assertions failed: n is three; outputs.n > `5`; r.yaml:15:11: \"abs('x') == `1`\": "
        "abs() expected number, got string 'x'"
    )
    assert [a["ok"] for a in result.assertions] == [False, True, False, False]
    assert result.assertions[3]["error"].startswith("r.yaml:15:11: ")


def test_a_sub_recipe_steps_timeout_stops_it_and_caps_its_calls(fake, tmp_path):
    (tmp_path / "child.yaml").write_text(
        recipe("""
        steps:
          - {id: first, action: slow}
          - {id: second, action: never}
        """)
    )
    (tmp_path / "parent.yaml").write_text(
        recipe("""
        steps:
          - {id: sub, recipe: child.yaml, timeout: 5s}
        """)
    )
    now = [100.0]
    timeouts = []

    def slow(call):
        timeouts.append(call.timeout_s)
        now[0] += 10.0  # the call took ten seconds of a five-second budget
        return {"ok": True}

    fake.expect("action", "slow", None, slow)
    h = Harness(fake, None, path=tmp_path / "parent.yaml")
    h.engine.options.clock = lambda: now[0]
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    assert str(result.error) == (
        "step 'sub' failed: step 'sub': sub-recipe 'child.yaml' did not finish within its "
        "timeout of 5s (step 'sub.second' failed: step 'sub.second' not started: the "
        "sub-recipe's timeout ran out)"
    )
    assert timeouts == [5.0]
    assert fake.targets("action") == ["slow"]
