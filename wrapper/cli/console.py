"""How a run looks to people: a live view on a terminal, one plain line per event elsewhere.

Both views are event sinks fed the masked event stream; they write to stderr, so stdout keeps
only results (`--json`, outputs) and `--events -`.
"""

from __future__ import annotations

import shlex
import threading
from typing import IO, Any, Final

from wrapper.records import events as ev

_PROGRESS_STEPS: Final = 20  # a plain progress line per 5% of a large foreach
_MAX_ERROR_CHARS: Final = 300


def _seconds(value: float) -> str:
    return f"{value:.2f}s"


def _error_text(error: dict[str, Any] | None) -> str:
    message = str((error or {}).get("message") or "failed")
    flat = " ".join(message.split())
    return flat if len(flat) <= _MAX_ERROR_CHARS else flat[: _MAX_ERROR_CHARS - 1] + "…"


class PlainView:
    """`[ok] find 0.12s`, `[failed] create: ...`, `foreach create 37/200`: greppable lines."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._totals: dict[str, int] = {}
        self._done: dict[str, int] = {}

    def _line(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.RunStart):
            mode = "plan" if event.plan else "run"
            self._line(f"[{mode}] {event.recipe} ({event.path}) id {event.run_id}")
        elif isinstance(event, ev.ConnectionReady):
            self._line(f"[connection] {event.name} = {event.id} ({event.source})")
        elif isinstance(event, ev.StepStart):
            if event.items_total is not None:
                self._totals[event.step_id] = event.items_total
                self._done[event.step_id] = 0
                self._line(f"foreach {event.step_id} 0/{event.items_total}")
        elif isinstance(event, ev.ShardSplit):
            self._line(
                f"[shard] {event.index}/{event.total} of {event.step_id}: "
                f"{event.selected} of {event.items_total} items"
            )
        elif isinstance(event, ev.RetryScheduled):
            where = event.step_id if event.index is None else f"{event.step_id}[{event.index}]"
            self._line(
                f"[retry] {where} attempt {event.attempt}/{event.attempts} failed, next in "
                f"{_seconds(event.delay_s)}: {_error_text(event.error)}"
            )
        elif isinstance(event, ev.ItemFinish):
            self._item(event)
        elif isinstance(event, ev.StepFinish):
            self._step(event)
        elif isinstance(event, ev.RunWarning):
            self._line(f"[warning] {event.message}")
        elif isinstance(event, ev.RunFinish):
            self._line(f"[{event.status}] run finished in {_seconds(event.duration_s)}")

    def _item(self, event: ev.ItemFinish) -> None:
        step = event.step_id
        self._done[step] = done = self._done.get(step, 0) + 1
        total = self._totals.get(step, 0)
        if event.status == "failed":
            self._line(f"[failed] {step}[{event.index}]: {_error_text(event.error)}")
        elif event.status == "planned" and event.command:
            self._line(f"[planned] {step}[{event.index}]: {shlex.join(event.command)}")
        every = max(1, total // _PROGRESS_STEPS)
        if done == total or done % every == 0:
            self._line(f"foreach {step} {done}/{total}")

    def _step(self, event: ev.StepFinish) -> None:
        head = f"[{event.status}] {event.step_id}"
        if event.resumed:
            self._line(f"{head} (finished before the resume, not run again)")
        elif event.status == "failed":
            self._line(f"{head}: {_error_text(event.error)}")
        elif event.status == "planned" and event.command:
            self._line(f"{head}: {shlex.join(event.command)}")
        elif event.status in ("ok", "planned") and event.counts:
            counts = ", ".join(f"{n} {s}" for s, n in sorted(event.counts.items()))
            self._line(f"{head} {_seconds(event.duration_s)} ({counts})")
        elif event.status == "ok":
            self._line(f"{head} {_seconds(event.duration_s)}")
        else:
            self._line(head)


class LiveView:
    """A rich live table of steps with a progress bar per foreach; only on a terminal."""

    _MARKS: Final = {
        "running": "[cyan]…[/]",
        "ok": "[green]✓[/]",
        "failed": "[red]✗[/]",
        "skipped": "[dim]-[/]",
        "planned": "[yellow]≈[/]",
        "cancelled": "[dim]×[/]",
    }

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.live import Live

        self._console = Console(file=stream)
        self._rows: dict[str, dict[str, Any]] = {}
        self._title = ""
        self._lock = threading.Lock()
        # The table is built when rich draws (8 times a second), not once per event: a
        # 50,000-item foreach would otherwise build 100,000 tables nobody sees.
        self._live = Live(
            console=self._console,
            refresh_per_second=8,
            transient=False,
            get_renderable=self._render,
        )
        self._live.start()

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.RunWarning):
            self._live.console.print(f"warning: {event.message}", markup=False)
        elif isinstance(event, ev.RunFinish):
            # Outside our lock: drawing takes it again, from this thread.
            self._live.refresh()
            self._live.stop()
        else:
            with self._lock:
                self._fold(event)

    def _fold(self, event: ev.Event) -> None:
        if isinstance(event, ev.RunStart):
            self._title = f"{'plan' if event.plan else 'run'} {event.recipe} · {event.run_id}"
            if event.shard:
                self._title += f" · shard {event.shard['index']}/{event.shard['total']}"
        elif isinstance(event, ev.StepStart):
            if event.parent is not None:
                return  # sub-recipe steps roll up into their parent's progress
            self._rows[event.step_id] = {
                "status": "running",
                "total": event.items_total,
                "done": 0,
                "note": "",
            }
        elif isinstance(event, ev.ItemFinish):
            row = self._rows.get(event.step_id)
            if row is not None:
                row["done"] += 1
        elif isinstance(event, ev.RetryScheduled):
            row = self._rows.get(event.step_id)
            if row is not None:
                row["note"] = f"retry {event.attempt + 1}/{event.attempts}"
        elif isinstance(event, ev.StepFinish):
            row = self._rows.get(event.step_id)
            if row is None:
                return
            row["status"] = event.status
            if event.resumed:
                row["note"] = "done before the resume"
            elif event.status == "failed":
                row["note"] = _error_text(event.error)
            else:
                row["note"] = _seconds(event.duration_s)

    def _render(self) -> Any:
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        with self._lock:
            title = self._title
            rows = [(step_id, dict(row)) for step_id, row in self._rows.items()]
        table = Table(title=title, show_header=False, box=None, expand=False)
        for step_id, row in rows:
            bar: Any = ""
            total = row.get("total")
            if total:
                bar = ProgressBar(total=total, completed=row["done"], width=24)
            count = f"{row['done']}/{total}" if total is not None else ""
            mark = self._MARKS.get(row["status"], row["status"])
            table.add_row(mark, step_id, bar, count, row.get("note", ""))
        return table

    def close(self) -> None:
        if self._live.is_started:
            self._live.stop()
