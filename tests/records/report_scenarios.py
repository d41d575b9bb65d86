"""Event streams whose reports are kept byte for byte in fixtures/ (see test_report_bytes.py).

Each scenario is what a run emits, with fixed times, covering what a report can hold: calls and
waits, retries, failures with errors, free-form values that are not JSON yet, a resume, a shard.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from wrapper.records import events as ev

RUN = "run-20240101-000000-abcd"


def _t(second: float) -> str:
    whole = int(second)
    return f"2024-01-01T00:00:{whole:02d}.{round((second - whole) * 1000):03d}Z"


def _error(message: str, cls: str = "MembraneError", **extra: object) -> dict[str, object]:
    return {
        "type": extra.get("type", "bad_request"),
        "key": extra.get("key"),
        "message": message,
        "status": extra.get("status"),
        "retryable": bool(extra.get("retryable", False)),
        "class": cls,
    }


def failed_run() -> list[ev.Event]:
    """A read, a foreach with retries, rate waits and a failed item, a `set`, a failed run."""
    return [
        ev.RunStart(
            RUN, _t(0), recipe="demo", path="demo.yaml", sha256="ab" * 32,
            inputs={"token": "***", "when": datetime.date(2024, 1, 2), "n": 3, "tags": ("a", "b")},
        ),
        ev.ConnectionReady(RUN, _t(0.1), name="c", app="chatwoot", id="conn_1", source="given"),
        ev.ConnectionReady(RUN, _t(0.2), name="d", app="chatra", id=None, source="ensured"),
        ev.StepStart(RUN, _t(1), step_id="find", name="Find them", kind="action", effect="read"),
        ev.CallStart(RUN, _t(1), call_id=1, step_id="find", attempt=1, page=1),
        ev.CallFinish(RUN, _t(1.2), call_id=1, step_id="find", status="ok", duration_s=0.2),
        ev.CallStart(RUN, _t(1.25), call_id=2, step_id="find", attempt=1, page=2, waited_s=0.05),
        ev.CallFinish(RUN, _t(1.5), call_id=2, step_id="find", page=2, duration_s=0.25),
        ev.StepFinish(
            RUN, _t(1.5), step_id="find", status="ok", attempts=1, duration_s=0.5,
            outputs={"ids": [1, 2, 3], "ratio": 0.5, "big": 10**20, "inf": float("inf")},
            http_status=200,
        ),
        ev.StepStart(RUN, _t(2), step_id="tag", kind="action", items_total=3),
        ev.ItemStart(RUN, _t(2), step_id="tag", index=0, item={"id": 1, "name": "Zoë ✓"}),
        ev.ItemStart(RUN, _t(2.01), step_id="tag", index=1, item=2),
        ev.ItemStart(RUN, _t(2.02), step_id="tag", index=2, item=None),
        ev.CallStart(RUN, _t(2), call_id=3, step_id="tag", index=0),
        ev.CallFinish(RUN, _t(2.3), call_id=3, step_id="tag", index=0, duration_s=0.3),
        ev.CallStart(RUN, _t(2.02), call_id=4, step_id="tag", index=2),
        ev.CallFinish(
            RUN, _t(2.1), call_id=4, step_id="tag", index=2, status="failed", duration_s=0.08,
            error=_error("busy", key="rate_limit_exceeded", status=429, retryable=True),
        ),
        ev.RetryScheduled(RUN, _t(2.1), step_id="tag", index=2, attempt=1, attempts=3, delay_s=1.5),
        ev.CallStart(RUN, _t(3.6), call_id=5, step_id="tag", index=2, attempt=2, waited_s=0.125),
        ev.CallFinish(
            RUN, _t(3.9), call_id=5, step_id="tag", index=2, attempt=2, status="failed",
            error=_error("no such contact 3", key="not_found", status=404),
        ),
        ev.CallStart(RUN, _t(4), call_id=6, step_id="tag", index=2, attempt=3),
        ev.ItemFinish(
            RUN, _t(2.3), step_id="tag", index=0, status="ok", attempts=1, duration_s=0.3,
            outputs={"tagged": True},
        ),
        ev.ItemFinish(RUN, _t(2.01), step_id="tag", index=1, status="skipped", duration_s=0),
        ev.ItemFinish(
            RUN, _t(4.5), step_id="tag", index=2, status="failed", attempts=3, duration_s=2.48,
            error=_error("no such contact 3", key="not_found", status=404),
        ),
        ev.StepFinish(
            RUN, _t(4.5), step_id="tag", status="failed", attempts=3, duration_s=2.5,
            outputs=[{"tagged": True}, None, None],
            error=_error("1 of 3 items failed", cls="StepFailedError", type="error"),
            counts={"ok": 1, "skipped": 1, "failed": 1},
        ),
        ev.StepStart(RUN, _t(5), step_id="note", kind="set", effect="read", block="finally"),
        ev.StepFinish(
            RUN, _t(5), step_id="note", status="ok", duration_s=0,
            outputs={"at": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)},
        ),
        ev.RunFinish(
            RUN, _t(5.5), status="failed", exit_code=1, duration_s=5.5,
            outputs={"ids": [1, 2, 3], "nothing": None},
            assertions=[
                {"that": "length(steps.find.outputs.ids) > `0`", "message": None, "ok": True},
                {"that": "steps.tag.counts.failed == `0`", "message": "all tagged", "ok": False},
                {"that": "nope(", "message": None, "ok": False, "error": "bad expression"},
            ],
            error=_error("step 'tag' failed: 1 of 3 items failed", cls="StepFailedError",
                         type="error"),
        ),
    ]  # fmt: skip


def resumed_run() -> list[ev.Event]:
    """A resume: the journal's finished units replayed (no times), the rest run again."""
    return [
        ev.RunStart(RUN, _t(0), recipe="demo", path="/abs/demo.yaml", sha256="cd" * 32),
        ev.StepStart(RUN, _t(0.1), step_id="find", effect="read"),
        ev.StepFinish(
            RUN, _t(0.1), step_id="find", status="ok", attempts=1, duration_s=0.4,
            outputs={"ids": [1, 2]}, resumed=True,
        ),
        ev.StepStart(RUN, _t(0.2), step_id="tag", items_total=2),
        ev.ItemFinish(
            RUN, _t(0.2), step_id="tag", index=0, status="ok", attempts=2, duration_s=1.25,
            outputs={"tagged": True}, resumed=True,
        ),
        ev.ItemStart(RUN, _t(0.3), step_id="tag", index=1, item=2),
        ev.ItemFinish(
            RUN, _t(0.7), step_id="tag", index=1, status="ok", attempts=1, duration_s=0.4,
            outputs={"tagged": True},
        ),
        ev.StepFinish(
            RUN, _t(0.7), step_id="tag", status="ok", attempts=2, duration_s=0.5,
            outputs=[{"tagged": True}, {"tagged": True}], counts={"ok": 2},
        ),
        ev.RunFinish(RUN, _t(0.8), status="ok", exit_code=0, duration_s=0.8, outputs={"n": 2}),
    ]  # fmt: skip


def sharded_run() -> list[ev.Event]:
    """`--shard auto` on CI: the shard's origin at the start, its share at the split."""
    shard = {
        "index": 2, "total": 3, "step": "", "engine": "github",
        "variables": {"MW_SHARD": "2/3"}, "rate_share": 3,
    }  # fmt: skip
    return [
        ev.RunStart(RUN, _t(0), recipe="demo", path="demo.yaml", sha256="ef" * 32, shard=shard),
        ev.StepStart(RUN, _t(0.5), step_id="tag", items_total=2),
        ev.ShardSplit(
            RUN, _t(0.5), step_id="tag", index=2, total=3, items_total=6, selected=2,
            items_sha256="12" * 32,
        ),
        ev.ItemStart(RUN, _t(0.6), step_id="tag", index=1, item="b"),
        ev.ItemStart(RUN, _t(0.6), step_id="tag", index=4, item="e"),
        ev.ItemFinish(RUN, _t(0.9), step_id="tag", index=4, status="ok", attempts=1,
                      duration_s=0.3),
        ev.RunFinish(RUN, _t(1), status="interrupted", exit_code=130, duration_s=1,
                     error=_error("interrupted", cls="Interrupted", type="interrupted")),
    ]  # fmt: skip


def planned_run() -> list[ev.Event]:
    """`mw plan`: a write not run shows its command; a sub-recipe's step names its parent."""
    return [
        ev.RunStart(RUN, _t(0), recipe="demo", path="demo.yaml", sha256="01" * 32, plan=True),
        ev.ConnectionReady(RUN, _t(0), name="c", app="chatwoot", source="planned"),
        ev.StepStart(RUN, _t(0.1), step_id="child", kind="recipe"),
        ev.StepStart(RUN, _t(0.1), step_id="child.send", kind="request", parent="child"),
        ev.StepFinish(
            RUN, _t(0.1), step_id="child.send", status="planned",
            command=["membrane", "request", "c1", "--method", "POST"],
        ),
        ev.StepFinish(RUN, _t(0.2), step_id="child", status="ok", duration_s=0.1),
        ev.StepFinish(RUN, _t(0.2), step_id="orphan", status="skipped"),
        ev.RunFinish(RUN, _t(0.3), status="ok", exit_code=0, duration_s=0.3),
    ]  # fmt: skip


def shard_run(index: int) -> list[ev.Event]:
    """Shard `index` of 3 of a run over six items, whose items fail on the third shard."""
    run = f"run-shard-{index}"
    items = [("a", "b"), ("c", "d"), ("e", "f")][index - 1]
    events: list[ev.Event] = [
        ev.RunStart(
            run,
            _t(index),
            recipe="demo",
            path="demo.yaml",
            sha256="ef" * 32,
            inputs={"n": 6},
            shard={"index": index, "total": 3, "step": ""},
        ),
        ev.StepStart(run, _t(index), step_id="look", effect="read"),
        ev.StepFinish(
            run,
            _t(index + 0.1),
            step_id="look",
            status="ok",
            attempts=1,
            duration_s=0.1,
            outputs={"ids": list("abcdef")},
        ),
        ev.StepStart(run, _t(index + 0.2), step_id="tag", items_total=2),
        ev.ShardSplit(
            run,
            _t(index + 0.2),
            step_id="tag",
            index=index,
            total=3,
            items_total=6,
            selected=2,
            items_sha256="12" * 32,
        ),
    ]
    for position, item in enumerate(items):
        at = index + 0.3 + position / 10
        failed = index == 3 and position == 1
        events += [
            ev.ItemStart(run, _t(at), step_id="tag", index=(index - 1) * 2 + position, item=item),
            ev.ItemFinish(
                run,
                _t(at + 0.05),
                step_id="tag",
                index=(index - 1) * 2 + position,
                status="failed" if failed else "ok",
                attempts=1,
                duration_s=0.05,
                outputs=None if failed else {"tagged": item},
                error=_error(f"no {item}") if failed else None,
            ),
        ]
    status = "failed" if index == 3 else "ok"
    events += [
        ev.StepFinish(
            run,
            _t(index + 0.6),
            step_id="tag",
            status=status,
            attempts=2,
            duration_s=0.4,
            counts={"ok": 1, "failed": 1} if index == 3 else {"ok": 2},
        ),
        ev.StepStart(run, _t(index + 0.7), step_id="count", kind="set", effect="read"),
        ev.StepFinish(run, _t(index + 0.7), step_id="count", status="ok", outputs={"n": 2}),
        ev.RunFinish(
            run,
            _t(index + 0.8),
            status=status,
            exit_code=1 if index == 3 else 0,
            duration_s=0.8,
            outputs={"n": 2},
            error=_error("step 'tag' failed: no f", cls="StepFailedError", type="error")
            if index == 3
            else None,
        ),
    ]
    return events  # fmt: skip


SCENARIOS: dict[str, Callable[[], list[ev.Event]]] = {
    "failed": failed_run,
    "resumed": resumed_run,
    "sharded": sharded_run,
    "planned": planned_run,
}
