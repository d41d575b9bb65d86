"""The recipe engine against a fake client (tests/helpers.FakeClient): order, conditions,
foreach, pagination, plan, assertions, connections, sub-recipes, vars and interruption.

What a step sends is checked as the client sees it (action key or method and path, input);
how that becomes a `membrane` command is tests/membrane's business (test_engine_wire.py there
runs the engine over faked processes, for errors as Membrane prints them).
"""

from __future__ import annotations

import _thread
import threading

import pytest

from tests.helpers import ENGINE_HEAD, RECIPES, EngineHarness, Response
from tests.helpers import engine_recipe as recipe
from wrapper.errors import EXIT_ASSERT, EXIT_INTERRUPTED
from wrapper.records import events as ev

CONN = "conn1"


def ok(fake, key, payload, output, occurrences=1, callback=None):
    """`key` called with exactly `payload` answers `output` (`occurrences` times)."""

    def answer(call):
        if callback is not None:
            callback(call)
        return output

    fake.expect("action", key, payload, answer, times=occurrences)


class Harness(EngineHarness):
    """The engine over `client` (a FakeClient), connection `c` given as CONN."""

    def __init__(self, client, text, inputs=None, **kw):
        super().__init__(text, inputs, client=client, conn=CONN, **kw)


def test_steps_run_in_order_and_whole_templates_keep_types(fake):
    ok(fake, "find", {"q": "a@b.c"}, {"payload": [{"id": 7}]})
    ok(fake, "open", {"contact_id": 7, "note": "contact 7"}, {"id": 99})
    h = Harness(
        fake,
        recipe("""
        inputs: {email: {type: string}}
        steps:
          - id: find
            effect: read
            action: find
            input: {q: "${inputs.email}"}
            outputs: {contact_id: "payload[0].id"}
          - id: open
            action: open
            input: {contact_id: "${steps.find.outputs.contact_id}",
                    note: "contact ${steps.find.outputs.contact_id}"}
            outputs: {conversation_id: id}
        outputs: {conversation: "steps.open.outputs.conversation_id"}
        """),
        {"email": "a@b.c"},
    )
    result = h.run()
    assert result.exit_code == 0 and result.status == "ok"
    assert result.outputs == {"conversation": 99}
    assert fake.targets("action") == ["find", "open"]
    kinds = [e.event for e in h.sink.events]
    assert kinds == [
        "run_start",
        "connection_ready",
        "step_start",
        "call_start",
        "call_finish",
        "step_finish",
        "step_start",
        "call_start",
        "call_finish",
        "step_finish",
        "run_finish",
    ]


BRANCH = """
steps:
  - id: find
    effect: read
    action: find
    outputs: {contact_id: "payload[0].id"}
  - id: create
    if: "steps.find.outputs.contact_id == null"
    action: create
    outputs: {contact_id: "id"}
  - id: audit
    skip_if: "steps.create.status == 'skipped'"
    action: audit
outputs:
  contact_id: "steps.create.outputs.contact_id || steps.find.outputs.contact_id"
"""


def test_if_false_skips_with_null_outputs_and_or_picks_the_branch_that_ran(fake):
    ok(fake, "find", None, {"payload": [{"id": 5}]})
    h = Harness(fake, recipe(BRANCH))
    result = h.run()
    assert result.exit_code == 0
    assert h.step("create")["status"] == "skipped"
    assert h.step("create")["outputs"] is None
    assert h.step("audit")["status"] == "skipped"
    assert result.outputs == {"contact_id": 5}
    assert fake.targets("action") == ["find"]


def test_if_true_runs_and_or_picks_the_created_value(fake):
    ok(fake, "find", None, {"payload": []})
    ok(fake, "create", None, {"id": 12})
    ok(fake, "audit", None, {})
    h = Harness(fake, recipe(BRANCH))
    result = h.run()
    assert result.outputs == {"contact_id": 12}
    assert h.step("audit")["status"] == "ok"


def test_foreach_runs_concurrently_up_to_the_limit_and_keeps_item_order(fake):
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    barrier = threading.Barrier(3, timeout=120)  # liveness only: a loaded machine is slow

    def measured(process):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        barrier.wait()  # three calls must be running together to pass
        with lock:
            in_flight -= 1

    for n in range(6):
        ok(fake, "tag", {"n": n}, {"tagged": n * 10}, callback=measured)
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: tag
            foreach: {items: "[`0`, `1`, `2`, `3`, `4`, `5`]", concurrency: 3}
            action: tag
            input: {n: "${item}"}
            outputs: {tagged: tagged}
        outputs: {all: "steps.tag.outputs[].tagged"}
        """),
    )
    result = h.run()
    assert result.exit_code == 0, result.error
    assert peak == 3
    assert result.outputs == {"all": [0, 10, 20, 30, 40, 50]}
    items = h.step("tag")["items"]
    assert [i["item"] for i in items] == [0, 1, 2, 3, 4, 5]
    assert {i["status"] for i in items} == {"ok"}
    assert items[2] == {
        "item": 2,
        "status": "ok",
        "attempts": 1,
        "outputs": {"tagged": 20},
        "error": None,
    }


def test_foreach_over_an_empty_list_succeeds_without_calls(fake):
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: tag
            foreach: {items: "`[]`"}
            action: tag
        """),
    )
    result = h.run()
    assert result.exit_code == 0
    assert h.step("tag")["status"] == "ok"
    assert h.step("tag")["outputs"] == []
    assert fake.targets("action") == []


def test_paginate_passes_the_cursor_and_concatenates_items(fake):
    ok(fake, "list", {"per": 2}, {"items": [1, 2], "next": "p2"})
    ok(fake, "list", {"per": 2, "cursor": "p2"}, {"items": [3, 4], "next": "p3"})
    ok(fake, "list", {"per": 2, "cursor": "p3"}, {"items": [5], "next": None})
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: all
            effect: read
            action: list
            input: {per: 2}
            paginate: {cursor: next, param: cursor, items: items}
            outputs: {ids: "@", count: "length(@)"}
        """),
    )
    result = h.run()
    assert result.exit_code == 0
    assert h.step("all")["outputs"] == {"ids": [1, 2, 3, 4, 5], "count": 5}
    assert [e.page for e in h.sink.of(ev.CallStart)] == [1, 2, 3]


def test_paginate_stops_at_max_pages(fake):
    ok(fake, "list", None, {"items": [1], "next": "a"})
    ok(fake, "list", {"cursor": "a"}, {"items": [2], "next": "b"})
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: all
            effect: read
            action: list
            paginate: {cursor: next, param: cursor, items: items, max_pages: 2}
            outputs: {ids: "@"}
        """),
    )
    assert h.run().exit_code == 0
    assert h.step("all")["outputs"] == {"ids": [1, 2]}


@pytest.mark.parametrize(
    ("pages", "start"),
    [
        ([[1, 2], [3, 4], [5]], 1),  # a short page is the last
        ([[1, 2], [3, 4], []], 0),  # a full last page costs one more, empty, call
    ],
)
def test_paginate_by_page_number_stops_at_a_short_page(fake, pages, start):
    for n, items in enumerate(pages):
        ok(fake, "list", {"status": "open", "page": start + n}, {"payload": items})
    h = Harness(
        fake,
        recipe(f"""
        steps:
          - id: all
            effect: read
            action: list
            input: {{status: open}}
            paginate: {{page_size: 2, start: {start}, param: page, items: payload}}
            outputs: {{ids: "@"}}
        """),
    )
    assert h.run().exit_code == 0
    assert h.step("all")["outputs"] == {"ids": [i for page in pages for i in page]}
    assert [e.page for e in h.sink.of(ev.CallStart)] == list(range(1, len(pages) + 1))


def test_a_failed_assertion_exits_3_with_its_message(fake):
    ok(fake, "s", None, {"count": 0})
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: s
            action: s
            outputs: {count: count}
        outputs: {count: "steps.s.outputs.count"}
        assert:
          - that: "outputs.count > `0`"
            message: at least one conversation must be found
        """),
    )
    result = h.run()
    assert result.exit_code == EXIT_ASSERT
    assert str(result.error) == "assertion failed: at least one conversation must be found"
    assert result.assertions == [
        {
            "that": "outputs.count > `0`",
            "message": "at least one conversation must be found",
            "ok": False,
        }
    ]


def test_connections_are_ensured_once_per_run(fake):
    fake.connections["chatwoot"] = CONN
    ok(fake, "a", None, {})
    ok(fake, "b", None, {})
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: a
            action: a
          - id: b
            action: b
        """),
        connections={},
    )
    assert h.run().exit_code == 0
    ready = h.sink.of(ev.ConnectionReady)
    assert [(r.name, r.id, r.source) for r in ready] == [("c", CONN, "ensured")]
    assert fake.targets("ensure") == ["chatwoot"]


def test_a_sub_recipe_per_item_announces_its_connection_once(fake, tmp_path):
    (tmp_path / "child.yaml").write_text(
        "version: 1\nname: child\nconnections:\n  c: {app: chatwoot}\n"
        "steps:\n  - id: x\n    action: x\n"
    )
    (tmp_path / "parent.yaml").write_text(
        ENGINE_HEAD + "steps:\n  - id: each\n    foreach: {items: '[`1`, `2`, `3`]'}\n"
        "    recipe: ./child.yaml\n"
    )
    ok(fake, "x", None, {}, occurrences=3)
    h = Harness(fake, None, path=tmp_path / "parent.yaml")
    assert h.run().exit_code == 0
    assert [(r.name, r.id) for r in h.sink.of(ev.ConnectionReady)] == [("c", CONN)]


def test_timeout_is_passed_to_each_attempt(fake):
    ok(fake, "s", None, {})
    h = Harness(fake, recipe("steps:\n  - id: s\n    action: s\n    timeout: 1500ms\n"))
    assert h.run().exit_code == 0
    assert [c.timeout_s for c in fake.calls] == [1.5]


def test_request_steps_expose_the_body_and_http_status(fake):
    fake.expect(
        "request",
        "GET /contacts",
        {"query": {"page": "2"}},
        Response(200, {"payload": [{"id": 3}]}),
    )
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: get
            effect: read
            request: {path: /contacts, query: {page: 2}}
            outputs: {first: "payload[0].id"}
        """),
    )
    assert h.run().exit_code == 0
    assert h.step("get")["outputs"] == {"first": 3}
    assert h.step("get")["http_status"] == 200


def test_sub_recipe_steps_run_with_their_inputs_and_return_outputs(fake, tmp_path):
    (tmp_path / "child.yaml").write_text(
        recipe("""
        inputs: {n: {type: integer}}
        steps:
          - id: inner
            action: inner
            input: {n: "${inputs.n}"}
            outputs: {double: double}
        outputs: {double: "steps.inner.outputs.double"}
        """)
    )
    (tmp_path / "parent.yaml").write_text(
        recipe("""
        steps:
          - id: sub
            recipe: child.yaml
            input: {n: 21}
        outputs: {answer: "steps.sub.outputs.double"}
        """)
    )
    ok(fake, "inner", {"n": 21}, {"double": 42})
    h = Harness(fake, None, path=tmp_path / "parent.yaml")
    result = h.run()
    assert result.exit_code == 0, result.error
    assert result.outputs == {"answer": 42}
    assert [e.step_id for e in h.sink.of(ev.StepStart)] == ["sub", "sub.inner"]


def test_ctrl_c_stops_new_calls_and_ends_interrupted(fake):
    def interrupt(call):
        _thread.interrupt_main()  # what Ctrl-C does: KeyboardInterrupt in the main thread
        # The call in flight ends only once the main thread has heard it: on a loaded machine
        # the main thread can otherwise wake after this worker has started the next step.
        assert h.engine.stop.wait(120)
        return {}

    fake.expect("action", "s", None, interrupt)
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: s
            action: s
          - id: never
            action: never
        finally:
          - id: cleanup
            action: cleanup
        """),
    )
    result = h.run()
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.status == "interrupted"
    assert h.sink.of(ev.StepFinish) == []
    assert [e.status for e in h.sink.of(ev.CallFinish)] == ["ok"]
    assert h.sink.events[-1].event == "run_finish"
    assert fake.targets("action") == ["s"]


def test_the_design_recipe_runs_end_to_end(fake):
    path = RECIPES / "welcome-contact.yaml"
    ok(fake, "search-contacts", {"q": "ada@example.com"}, {"payload": []})
    ok(
        fake,
        "create-contact",
        {"name": "New customer", "email": "ada@example.com", "inbox_id": 1},
        {"payload": {"contact": {"id": 51}}},
    )
    ok(
        fake,
        "create-conversation",
        {
            "contact_id": 51,
            "inbox_id": 1,
            "message": {"content": "Hi New customer, thanks for reaching out!"},
        },
        {"id": 61},
    )
    ok(
        fake,
        "add-conversation-labels",
        {"conversation_id": 61, "labels": ["new-lead"]},
        {"payload": ["new-lead"]},
    )
    h = Harness(fake, None, {"email": "ada@example.com"}, connections={"chatwoot": CONN}, path=path)
    result = h.run()
    assert result.exit_code == 0, result.error
    assert result.outputs == {"contact_id": 51, "conversation_id": 61}


def test_plan_of_a_foreach_over_a_planned_write_stays_planned(fake):
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: create
            action: create
            outputs: {ids: ids}
          - id: tag
            foreach: {items: "steps.create.outputs.ids"}
            action: tag
            input: {id: "${item}"}
        """),
        plan=True,
    )
    result = h.run()
    assert result.exit_code == 0, result.error
    assert h.step("tag")["status"] == "planned"
    assert h.step("tag")["outputs"] == "<unknown: steps.tag.outputs>"
    assert fake.targets("action") == []


def test_request_pagination_puts_the_cursor_in_the_query(fake):
    fake.expect(
        "request",
        "GET /conversations",
        {"query": {"status": "open"}},
        Response(200, {"data": [1, 2], "meta": {"next": 2}}),
    )
    fake.expect(
        "request",
        "GET /conversations",
        {"query": {"status": "open", "page": "2"}},
        Response(200, {"data": [3], "meta": {"next": None}}),
    )
    h = Harness(
        fake,
        recipe("""
        steps:
          - id: convs
            effect: read
            request: {path: /conversations, query: {status: open}}
            paginate: {cursor: meta.next, param: page, items: data}
            outputs: {ids: "@"}
        """),
    )
    assert h.run().exit_code == 0
    assert h.step("convs")["outputs"] == {"ids": [1, 2, 3]}


def test_vars_are_lazy_and_env_shows_only_listed_names(fake):
    ok(fake, "a", {"who": "ops", "team": "ops-eu", "home": None}, {})
    text = recipe("""
        env: [TEAM]
        vars:
          region: "'eu'"
          team: "join('-', [env.TEAM, vars.region])"
        steps:
          - id: a
            action: a
            input: {who: "${env.TEAM}", team: "${vars.team}", home: "${env.HOME}"}
        """)
    h = Harness(fake, text, environ={"TEAM": "ops", "HOME": "/root"})
    assert h.run().exit_code == 0, h.step("a")["error"]
