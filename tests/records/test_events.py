"""Events serialise shallowly and are masked only when there is a secret to mask."""

from __future__ import annotations

from typing import Any

from wrapper.records import events as ev
from wrapper.secrets import Masker


class _Keep:
    def __init__(self) -> None:
        self.seen: list[ev.Event] = []

    def handle(self, event: ev.Event) -> None:
        self.seen.append(event)


def test_to_json_is_shallow_and_ordered() -> None:
    outputs: dict[str, Any] = {"deep": [{"a": 1}]}
    event = ev.StepFinish(run_id="r", time="t", step_id="s", outputs=outputs)
    data = event.to_json()
    assert list(data)[:4] == ["event", "run_id", "time", "step_id"]
    assert data["event"] == "step_finish"
    assert data["outputs"] is outputs


def test_no_secret_no_copy() -> None:
    masker = Masker()
    sink = _Keep()
    emitter = ev.Emitter([sink], masker.mask_value, lambda: masker.active)
    event = ev.ItemStart(run_id="r", step_id="s", index=0, item="tok-123456")
    emitter.emit(event)
    assert sink.seen == [event]
    assert sink.seen[0] is event


def test_a_secret_learned_mid_run_is_masked_from_then_on() -> None:
    masker = Masker()
    sink = _Keep()
    emitter = ev.Emitter([sink], masker.mask_value, lambda: masker.active)
    emitter.emit(ev.ItemStart(run_id="r", step_id="s", index=0, item="tok-123456"))
    masker.add("tok-123456")
    emitter.emit(ev.ItemStart(run_id="r", step_id="s", index=1, item="tok-123456"))
    assert [e.item for e in sink.seen] == ["tok-123456", "***"]  # type: ignore[attr-defined]
    assert [e.index for e in sink.seen] == [0, 1]  # type: ignore[attr-defined]
