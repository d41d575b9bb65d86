"""The engine over the real client and faked `membrane` processes (current dialect): how
Membrane's error bodies, timeouts and connection states meet retries, `when`, fail-fast,
`finally`, masking and exit codes, and the commands a plan shows. Runs without the wire are
tests/run/test_engine.py's, on a fake client.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.helpers import EngineHarness
from tests.helpers import engine_recipe as recipe
from wrapper.errors import EXIT_ENVIRONMENT, EXIT_FAILED
from wrapper.membrane.client import MembraneClient
from wrapper.records import events as ev

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


class Harness(EngineHarness):
    def __init__(self, text, inputs=None, **kw):
        client = MembraneClient(["membrane"], dialect="current")
        super().__init__(text, inputs, client=client, conn=CONN, **kw)


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


# --- ensuring is retried on uncertain answers ---------------------------------------------------


ENSURE = ["membrane", "connection", "ensure", "https://www.chatwoot.com/", "--json"]


@pytest.mark.parametrize(
    "first",
    [
        {"returncode": 137},  # killed, nothing printed
        {"returncode": -9},
        {"stdout": '{"id": "65f1c0ffee', "returncode": 0},  # cut short
        {"stdout": "<!DOCTYPE html><html>502</html>"},
        {"stdout": "", "returncode": 0},
    ],
)
def test_ensure_is_retried_after_an_uncertain_answer(fake_process, first):
    fake_process.register(ENSURE, **first)
    fake_process.register(ENSURE, stdout=json.dumps({"id": CONN, "state": "READY"}))
    ok(fake_process, "a", None, {})
    h = Harness(recipe("steps:\n  - id: a\n    action: a\n"), connections={})
    assert h.run().exit_code == 0
    assert fake_process.call_count(ENSURE) == 2
    assert len(h.sleeps) == 1


def test_ensure_is_not_retried_when_a_person_must_act(fake_process):
    fake_process.register(ENSURE, stdout=json.dumps({"id": CONN, "state": "DISCONNECTED"}))
    h = Harness(recipe("steps:\n  - id: a\n    action: a\n"), connections={})
    result = h.run()
    assert result.exit_code == 4
    assert str(result.error) == f"connection {CONN} to chatwoot is DISCONNECTED, not READY"
    assert fake_process.call_count(ENSURE) == 1
