"""The recipe engine against a faked `membrane` (current dialect): order, conditions, foreach,
retry, pagination, finally, plan, assertions, masking and interruption."""

from __future__ import annotations

import _thread
import json
import subprocess
import textwrap
import threading
from pathlib import Path

import pytest

from wrapper.errors import EXIT_ASSERT, EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_INTERRUPTED
from wrapper.membrane.client import MembraneClient
from wrapper.recipe.inputs import resolve_inputs
from wrapper.recipe.loader import load_recipe, load_recipe_text
from wrapper.records import events as ev
from wrapper.run.engine import Engine, RunOptions

CONN = "conn1"


def action_argv(key, payload=None, conn=CONN):
    given = []
    if payload is not None:
        given = ["--input", json.dumps(payload, separators=(",", ":"), ensure_ascii=False)]
    return ["membrane", "action", "run", key, f"--connectionId={conn}", *given, "--json"]


def ok(fp, key, payload, output, occurrences=1, **kw):
    fp.register(
        action_argv(key, payload),
        stdout=json.dumps({"output": output}),
        occurrences=occurrences,
        **kw,
    )


def fail(fp, key, payload, body, occurrences=1):
    fp.register(
        action_argv(key, payload),
        stderr=json.dumps(body),
        returncode=1,
        occurrences=occurrences,
    )


class Collect:
    def __init__(self):
        self.events: list[ev.Event] = []

    def handle(self, event):
        self.events.append(event)

    def of(self, cls):
        return [e for e in self.events if isinstance(e, cls)]


class Harness:
    def __init__(self, text, inputs=None, *, plan=False, connections=None, path=None, environ=None):
        if path is not None:
            self.loaded = load_recipe(path)
        else:
            self.loaded = load_recipe_text(textwrap.dedent(text), "r.yaml")
        self.sink = Collect()
        self.sleeps: list[float] = []
        self.ticks = iter(range(1_000_000))
        self.inputs = resolve_inputs(self.loaded.recipe.inputs, values=inputs or {})
        self.engine = Engine(
            self.loaded,
            self.inputs,
            MembraneClient(["membrane"], dialect="current"),
            sinks=[self.sink],
            options=RunOptions(
                run_id="run-1",
                plan=plan,
                connections={"c": CONN} if connections is None else connections,
                environ=environ,
                clock=lambda: float(next(self.ticks)),
                sleep=self.sleeps.append,
                random=lambda: 0.5,
            ),
        )

    def run(self):
        return self.engine.run()

    def step(self, step_id):
        return self.engine._top.steps[step_id]


HEAD = """\
version: 1
name: t
connections:
  c: {app: chatwoot}
"""


def recipe(body):
    return HEAD + textwrap.dedent(body)


def test_steps_run_in_order_and_whole_templates_keep_types(fake_process):
    ok(fake_process, "find", {"q": "a@b.c"}, {"payload": [{"id": 7}]})
    ok(fake_process, "open", {"contact_id": 7, "note": "contact 7"}, {"id": 99})
    h = Harness(
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
    assert [c[3] for c in fake_process.calls] == ["find", "open"]
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


def test_if_false_skips_with_null_outputs_and_or_picks_the_branch_that_ran(fake_process):
    ok(fake_process, "find", None, {"payload": [{"id": 5}]})
    h = Harness(recipe(BRANCH))
    result = h.run()
    assert result.exit_code == 0
    assert h.step("create")["status"] == "skipped"
    assert h.step("create")["outputs"] is None
    assert h.step("audit")["status"] == "skipped"
    assert result.outputs == {"contact_id": 5}
    assert [c[3] for c in fake_process.calls] == ["find"]


def test_if_true_runs_and_or_picks_the_created_value(fake_process):
    ok(fake_process, "find", None, {"payload": []})
    ok(fake_process, "create", None, {"id": 12})
    ok(fake_process, "audit", None, {})
    h = Harness(recipe(BRANCH))
    result = h.run()
    assert result.outputs == {"contact_id": 12}
    assert h.step("audit")["status"] == "ok"


def test_foreach_runs_concurrently_up_to_the_limit_and_keeps_item_order(fake_process):
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
        ok(fake_process, "tag", {"n": n}, {"tagged": n * 10}, callback=measured)
    h = Harness(
        recipe("""
        steps:
          - id: tag
            foreach: {items: "[`0`, `1`, `2`, `3`, `4`, `5`]", concurrency: 3}
            action: tag
            input: {n: "${item}"}
            outputs: {tagged: tagged}
        outputs: {all: "steps.tag.outputs[].tagged"}
        """)
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


def test_foreach_over_an_empty_list_succeeds_without_calls(fake_process):
    h = Harness(
        recipe("""
        steps:
          - id: tag
            foreach: {items: "`[]`"}
            action: tag
        """)
    )
    result = h.run()
    assert result.exit_code == 0
    assert h.step("tag")["status"] == "ok"
    assert h.step("tag")["outputs"] == []
    assert list(fake_process.calls) == []


def test_fail_fast_cancels_items_not_started(fake_process):
    ok(fake_process, "tag", {"n": 1}, {})
    fail(fake_process, "tag", {"n": 2}, {"type": "bad_request", "message": "no 2"})
    h = Harness(
        recipe("""
        steps:
          - id: tag
            foreach: {items: "[`1`, `2`, `3`]", fail_fast: true}
            action: tag
            input: {n: "${item}"}
        """)
    )
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    statuses = [i["status"] for i in h.step("tag")["items"]]
    assert statuses == ["ok", "failed", "cancelled"]
    assert str(result.error) == ("step 'tag' failed: item 1: membrane action run tag failed: no 2")
    assert len(fake_process.calls) == 2


def test_foreach_without_fail_fast_runs_every_item_and_fails_the_step(fake_process):
    fail(fake_process, "tag", {"n": 1}, {"type": "bad_request", "message": "no 1"})
    ok(fake_process, "tag", {"n": 2}, {})
    h = Harness(
        recipe("""
        steps:
          - id: tag
            foreach: {items: "[`1`, `2`]"}
            action: tag
            input: {n: "${item}"}
          - id: never
            action: never
        """)
    )
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    assert [i["status"] for i in h.step("tag")["items"]] == ["failed", "ok"]
    assert "never" not in h.engine._top.steps


RETRY = """
steps:
  - id: s
    effect: {effect}
    idempotent: {idempotent}
    action: s
    retry: {{attempts: 4, backoff: {backoff}, initial: 1s, max: 3s, jitter: {jitter}}}
"""


@pytest.mark.parametrize(
    ("backoff", "jitter", "expected"),
    [
        ("exponential", "false", [1.0, 2.0, 3.0]),
        ("exponential", "true", [0.75, 1.5, 2.25]),
        ("fixed", "false", [1.0, 1.0, 1.0]),
    ],
)
def test_retry_counts_attempts_and_follows_the_backoff_schedule(
    fake_process, backoff, jitter, expected
):
    fail(fake_process, "s", None, {"type": "internal", "message": "busy"}, occurrences=4)
    text = RETRY.format(effect="write", idempotent="false", backoff=backoff, jitter=jitter)
    h = Harness(recipe(text))
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    assert h.step("s")["attempts"] == 4
    assert h.sleeps == expected
    retries = h.sink.of(ev.RetryScheduled)
    assert [r.attempt for r in retries] == [1, 2, 3]
    assert len(fake_process.calls) == 4


def test_retry_stops_at_the_first_success(fake_process):
    fail(fake_process, "s", None, {"type": "internal", "message": "busy"})
    ok(fake_process, "s", None, {"done": True})
    text = RETRY.format(effect="write", idempotent="false", backoff="fixed", jitter="false")
    h = Harness(recipe(text))
    result = h.run()
    assert result.exit_code == 0
    assert h.step("s")["attempts"] == 2
    assert h.sleeps == [1.0]


def test_errors_that_are_not_retryable_are_not_retried_without_when(fake_process):
    fail(fake_process, "s", None, {"type": "bad_request", "message": "no"})
    text = RETRY.format(effect="write", idempotent="false", backoff="fixed", jitter="false")
    h = Harness(recipe(text))
    assert h.run().exit_code == EXIT_FAILED
    assert h.step("s")["attempts"] == 1
    assert h.sleeps == []


def test_when_decides_with_the_error_in_context(fake_process):
    fail(fake_process, "s", None, {"type": "bad_request", "key": "not_ready", "message": "x"})
    fail(fake_process, "s", None, {"type": "bad_request", "key": "other", "message": "y"})
    h = Harness(
        recipe("""
        steps:
          - id: s
            action: s
            retry: {attempts: 5, backoff: fixed, initial: 2s, jitter: false,
                    when: "error.key == 'not_ready' && error.type == 'bad_request'"}
        """)
    )
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    assert h.step("s")["attempts"] == 2
    assert h.step("s")["error"]["key"] == "other"
    assert h.sleeps == [2.0]


def _timeout(process):
    raise subprocess.TimeoutExpired(process.args, 5)


@pytest.mark.parametrize(
    ("effect", "idempotent", "calls"),
    [("write", "false", 1), ("write", "true", 3), ("read", "false", 3)],
)
def test_a_timed_out_write_is_retried_only_when_safe_to_repeat(
    fake_process, effect, idempotent, calls
):
    fake_process.register(action_argv("s"), callback=_timeout, occurrences=3)
    text = RETRY.format(effect=effect, idempotent=idempotent, backoff="fixed", jitter="false")
    h = Harness(recipe(text.replace("attempts: 4", "attempts: 3")))
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    assert h.step("s")["attempts"] == calls
    assert h.step("s")["error"]["type"] == "timeout"


def test_a_rate_limited_write_is_retried_after_the_hint(fake_process):
    fail(
        fake_process,
        "s",
        None,
        {
            "type": "bad_request",
            "key": "rate_limit_exceeded",
            "message": "slow down",
            "data": {"retryAfter": 7},
        },
    )
    ok(fake_process, "s", None, {"id": 1})
    text = RETRY.format(effect="write", idempotent="false", backoff="fixed", jitter="false")
    h = Harness(recipe(text))
    result = h.run()
    assert result.exit_code == 0
    assert h.sleeps == [7.0]
    retry = h.sink.of(ev.RetryScheduled)[0]
    # Membrane files a 429 under type bad_request; `error.type` is mw's kind, the key is Membrane's.
    assert retry.error["type"] == "rate_limit"
    assert retry.error["key"] == "rate_limit_exceeded"
    assert retry.error["status"] == 429
    assert retry.error["retryable"] is True


@pytest.mark.parametrize(
    ("body", "retried"),
    [
        ({"type": "bad_request", "key": "rate_limit_exceeded", "message": "slow down"}, True),
        ({"type": "bad_request", "key": "not_found", "message": "gone"}, False),
    ],
)
def test_when_on_error_type_matches_membranes_error_bodies(fake_process, body, retried):
    fail(fake_process, "s", None, body)
    if retried:
        ok(fake_process, "s", None, {"id": 1})
    h = Harness(
        recipe("""
        steps:
          - id: s
            effect: read
            action: s
            retry: {attempts: 2, initial: 100ms, max: 100ms, when: "error.type == 'rate_limit'"}
        """)
    )
    result = h.run()
    assert (result.exit_code == 0) is retried
    assert len(h.sink.of(ev.RetryScheduled)) == (1 if retried else 0)
    if not retried:
        assert result.error is not None
        finish = h.sink.of(ev.StepFinish)[0]
        assert (finish.error["type"], finish.error["key"]) == ("not_found", "not_found")


def test_paginate_passes_the_cursor_and_concatenates_items(fake_process):
    ok(fake_process, "list", {"per": 2}, {"items": [1, 2], "next": "p2"})
    ok(fake_process, "list", {"per": 2, "cursor": "p2"}, {"items": [3, 4], "next": "p3"})
    ok(fake_process, "list", {"per": 2, "cursor": "p3"}, {"items": [5], "next": None})
    h = Harness(
        recipe("""
        steps:
          - id: all
            effect: read
            action: list
            input: {per: 2}
            paginate: {cursor: next, param: cursor, items: items}
            outputs: {ids: "@", count: "length(@)"}
        """)
    )
    result = h.run()
    assert result.exit_code == 0
    assert h.step("all")["outputs"] == {"ids": [1, 2, 3, 4, 5], "count": 5}
    assert [e.page for e in h.sink.of(ev.CallStart)] == [1, 2, 3]


def test_paginate_stops_at_max_pages(fake_process):
    ok(fake_process, "list", None, {"items": [1], "next": "a"})
    ok(fake_process, "list", {"cursor": "a"}, {"items": [2], "next": "b"})
    h = Harness(
        recipe("""
        steps:
          - id: all
            effect: read
            action: list
            paginate: {cursor: next, param: cursor, items: items, max_pages: 2}
            outputs: {ids: "@"}
        """)
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
def test_paginate_by_page_number_stops_at_a_short_page(fake_process, pages, start):
    for n, items in enumerate(pages):
        ok(fake_process, "list", {"status": "open", "page": start + n}, {"payload": items})
    h = Harness(
        recipe(f"""
        steps:
          - id: all
            effect: read
            action: list
            input: {{status: open}}
            paginate: {{page_size: 2, start: {start}, param: page, items: payload}}
            outputs: {{ids: "@"}}
        """)
    )
    assert h.run().exit_code == 0
    assert h.step("all")["outputs"] == {"ids": [i for page in pages for i in page]}
    assert [e.page for e in h.sink.of(ev.CallStart)] == list(range(1, len(pages) + 1))


def test_finally_runs_after_a_failure_and_the_run_fails(fake_process):
    fail(fake_process, "boom", None, {"type": "bad_request", "message": "bad input"})
    ok(fake_process, "cleanup", None, {})
    h = Harness(
        recipe("""
        steps:
          - id: boom
            action: boom
          - id: later
            action: later
        finally:
          - id: cleanup
            action: cleanup
        """)
    )
    result = h.run()
    assert result.exit_code == EXIT_FAILED
    assert str(result.error) == "step 'boom' failed: membrane action run boom failed: bad input"
    assert h.step("cleanup")["status"] == "ok"
    assert "later" not in h.engine._top.steps
    finishes = [(e.step_id, e.status) for e in h.sink.of(ev.StepFinish)]
    assert finishes == [("boom", "failed"), ("cleanup", "ok")]


def test_continue_on_error_keeps_going_and_the_run_passes(fake_process):
    fail(fake_process, "flaky", None, {"type": "bad_request", "message": "nope"})
    ok(fake_process, "next", None, {"ran": True})
    h = Harness(
        recipe("""
        steps:
          - id: flaky
            action: flaky
            continue_on_error: true
          - id: next
            action: next
            input: {previous: "${steps.flaky.status}"}
        """).replace("action: next\n", "action: next\n", 1)
    )
    fake_process.register(
        action_argv("next", {"previous": "failed"}), stdout=json.dumps({"output": {}})
    )
    result = h.run()
    assert result.exit_code == 0
    assert h.step("flaky")["status"] == "failed"
    assert h.step("next")["status"] == "ok"


def test_a_failed_assertion_exits_3_with_its_message(fake_process):
    ok(fake_process, "s", None, {"count": 0})
    h = Harness(
        recipe("""
        steps:
          - id: s
            action: s
            outputs: {count: count}
        outputs: {count: "steps.s.outputs.count"}
        assert:
          - that: "outputs.count > `0`"
            message: at least one conversation must be found
        """)
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


def test_plan_runs_reads_and_records_writes_without_running_them(fake_process):
    ok(fake_process, "find", None, {"payload": []})
    h = Harness(
        recipe("""
        inputs: {token: {type: string, secret: true}}
        steps:
          - id: find
            effect: read
            action: find
            outputs: {contact_id: "payload[0].id"}
          - id: create
            action: create
            input: {auth: "Bearer ${inputs.token}"}
            outputs: {contact_id: id}
          - id: label
            action: label
            input: {contact: "${steps.create.outputs.contact_id}"}
        """),
        {"token": "tok-SECRET-123"},
        plan=True,
    )
    result = h.run()
    assert result.exit_code == 0
    assert [c[3] for c in fake_process.calls] == ["find"]
    finish = {e.step_id: e for e in h.sink.of(ev.StepFinish)}
    assert finish["create"].status == "planned"
    assert finish["create"].command == action_argv("create", {"auth": "Bearer ***"})
    assert finish["label"].command == action_argv(
        "label", {"contact": "<unknown: steps.create.outputs.contact_id>"}
    )


def test_secrets_are_masked_in_every_event(fake_process):
    fail(
        fake_process,
        "s",
        {"key": "tok-SECRET-123"},
        {"type": "bad_request", "message": "bad key tok-SECRET-123"},
    )
    h = Harness(
        recipe("""
        inputs: {token: {type: string, secret: true}}
        steps:
          - id: s
            action: s
            input: {key: "${inputs.token}"}
        """),
        {"token": "tok-SECRET-123"},
    )
    result = h.run()
    dumped = json.dumps([e.to_json() for e in h.sink.events])
    assert "tok-SECRET-123" not in dumped
    assert "***" in dumped
    assert "tok-SECRET-123" not in str(result.error)


def test_connections_are_ensured_once_per_run(fake_process):
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=json.dumps({"id": CONN, "state": "READY"}),
    )
    ok(fake_process, "a", None, {})
    ok(fake_process, "b", None, {})
    h = Harness(
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


def test_no_finally_step_and_no_outputs_when_a_connection_cannot_be_had(fake_process):
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stderr=json.dumps({"type": "not_authenticated", "message": "log in first"}),
        returncode=1,
    )
    # Neither step's action is registered: running either would fail the test.
    h = Harness(
        recipe("""
        steps:
          - id: s
            action: s
        finally:
          - id: tidy
            action: tidy
        outputs: {done: "steps.s.status"}
        """),
        connections={},
    )
    result = h.run()
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.outputs == {}
    assert h.sink.of(ev.StepStart) == []


def test_a_sub_recipe_per_item_announces_its_connection_once(fake_process, tmp_path):
    (tmp_path / "child.yaml").write_text(
        "version: 1\nname: child\nconnections:\n  c: {app: chatwoot}\n"
        "steps:\n  - id: x\n    action: x\n"
    )
    (tmp_path / "parent.yaml").write_text(
        HEAD + "steps:\n  - id: each\n    foreach: {items: '[`1`, `2`, `3`]'}\n"
        "    recipe: ./child.yaml\n"
    )
    ok(fake_process, "x", None, {}, occurrences=3)
    h = Harness(None, path=tmp_path / "parent.yaml")
    assert h.run().exit_code == 0
    assert [(r.name, r.id) for r in h.sink.of(ev.ConnectionReady)] == [("c", CONN)]


def test_a_connection_still_building_at_the_deadline_is_not_ensured_again(fake_process):
    building = {"id": CONN, "state": "BUILDING"}
    # Registered once: a second ensure would fail the test.
    fake_process.register(
        ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"],
        stdout=json.dumps(building),
    )
    h = Harness(recipe("steps:\n  - id: s\n    action: s\n"), connections={})
    h.engine.options.connection_wait_s = 0
    result = h.run()
    assert result.exit_code == 1
    assert str(result.error) == f"connection {CONN} to chatwoot is still BUILDING after 0 s"
    assert h.sleeps == []


def test_an_environment_problem_exits_4(fake_process):
    fake_process.register(
        action_argv("s"),
        stderr=json.dumps({"type": "not_authenticated", "message": "log in first"}),
        returncode=1,
    )
    h = Harness(recipe("steps:\n  - id: s\n    action: s\n"))
    assert h.run().exit_code == EXIT_ENVIRONMENT


def test_timeout_is_passed_to_each_attempt(fake_process, monkeypatch):
    from wrapper.membrane import runner

    seen = []
    real = runner.run

    def spy(argv, **kw):
        seen.append(kw["timeout_s"])
        return real(argv, **kw)

    monkeypatch.setattr(runner, "run", spy)
    ok(fake_process, "s", None, {})
    h = Harness(recipe("steps:\n  - id: s\n    action: s\n    timeout: 1500ms\n"))
    assert h.run().exit_code == 0
    assert seen == [1.5]


def test_request_steps_expose_the_body_and_http_status(fake_process):
    fake_process.register(
        ["membrane", "request", CONN, "/contacts", "-X", "GET", "--query", "page=2", "--json"],
        stdout=json.dumps({"status": 200, "body": {"payload": [{"id": 3}]}}),
    )
    h = Harness(
        recipe("""
        steps:
          - id: get
            effect: read
            request: {path: /contacts, query: {page: 2}}
            outputs: {first: "payload[0].id"}
        """)
    )
    assert h.run().exit_code == 0
    assert h.step("get")["outputs"] == {"first": 3}
    assert h.step("get")["http_status"] == 200


def test_sub_recipe_steps_run_with_their_inputs_and_return_outputs(fake_process, tmp_path):
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
    ok(fake_process, "inner", {"n": 21}, {"double": 42})
    h = Harness(None, path=tmp_path / "parent.yaml")
    result = h.run()
    assert result.exit_code == 0, result.error
    assert result.outputs == {"answer": 42}
    assert [e.step_id for e in h.sink.of(ev.StepStart)] == ["sub", "sub.inner"]


def test_ctrl_c_stops_new_calls_and_ends_interrupted(fake_process):
    def interrupt(process):
        _thread.interrupt_main()  # what Ctrl-C does: KeyboardInterrupt in the main thread
        # The call in flight ends only once the main thread has heard it: on a loaded machine
        # the main thread can otherwise wake after this worker has started the next step.
        assert h.engine.stop.wait(120)

    fake_process.register(action_argv("s"), stdout='{"output": {}}', callback=interrupt)
    h = Harness(
        recipe("""
        steps:
          - id: s
            action: s
          - id: never
            action: never
        finally:
          - id: cleanup
            action: cleanup
        """)
    )
    result = h.run()
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.status == "interrupted"
    assert h.sink.of(ev.StepFinish) == []
    assert [e.status for e in h.sink.of(ev.CallFinish)] == ["ok"]
    assert h.sink.events[-1].event == "run_finish"
    assert len(fake_process.calls) == 1


def test_the_design_recipe_runs_end_to_end(fake_process):
    path = Path(__file__).parents[1] / "data" / "recipes" / "welcome-contact.yaml"
    ok(fake_process, "search-contacts", {"q": "ada@example.com"}, {"payload": []})
    ok(
        fake_process,
        "create-contact",
        {"name": "New customer", "email": "ada@example.com", "inbox_id": 1},
        {"payload": {"contact": {"id": 51}}},
    )
    ok(
        fake_process,
        "create-conversation",
        {
            "contact_id": 51,
            "inbox_id": 1,
            "message": {"content": "Hi New customer, thanks for reaching out!"},
        },
        {"id": 61},
    )
    ok(
        fake_process,
        "add-conversation-labels",
        {"conversation_id": 61, "labels": ["new-lead"]},
        {"payload": ["new-lead"]},
    )
    h = Harness(None, {"email": "ada@example.com"}, connections={"chatwoot": CONN}, path=path)
    result = h.run()
    assert result.exit_code == 0, result.error
    assert result.outputs == {"contact_id": 51, "conversation_id": 61}


def test_plan_of_a_foreach_over_a_planned_write_stays_planned(fake_process):
    h = Harness(
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
    assert list(fake_process.calls) == []


def test_ensuring_a_connection_is_retried_on_a_rate_limit(fake_process):
    ensure = ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"]
    fake_process.register(
        ensure,
        stderr=json.dumps({"type": "bad_request", "key": "rate_limit_exceeded", "message": "x"}),
        returncode=1,
    )
    fake_process.register(ensure, stdout=json.dumps({"id": CONN, "state": "READY"}))
    ok(fake_process, "a", None, {})
    h = Harness(recipe("steps:\n  - id: a\n    action: a\n"), connections={})
    assert h.run().exit_code == 0
    assert h.sleeps == [0.375]  # 0.5 s with equal jitter at random() == 0.5


def test_request_pagination_puts_the_cursor_in_the_query(fake_process):
    base = ["membrane", "request", CONN, "/conversations", "-X", "GET"]
    fake_process.register(
        [*base, "--query", "status=open", "--json"],
        stdout=json.dumps({"status": 200, "body": {"data": [1, 2], "meta": {"next": 2}}}),
    )
    fake_process.register(
        [*base, "--query", "status=open", "--query", "page=2", "--json"],
        stdout=json.dumps({"status": 200, "body": {"data": [3], "meta": {"next": None}}}),
    )
    h = Harness(
        recipe("""
        steps:
          - id: convs
            effect: read
            request: {path: /conversations, query: {status: open}}
            paginate: {cursor: meta.next, param: page, items: data}
            outputs: {ids: "@"}
        """)
    )
    assert h.run().exit_code == 0
    assert h.step("convs")["outputs"] == {"ids": [1, 2, 3]}


def test_vars_are_lazy_and_env_shows_only_listed_names(fake_process):
    ok(fake_process, "a", {"who": "ops", "team": "ops-eu", "home": None}, {})
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
    h = Harness(text, environ={"TEAM": "ops", "HOME": "/root"})
    assert h.run().exit_code == 0, h.step("a")["error"]
