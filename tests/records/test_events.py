"""Events serialise shallowly and are masked only when there is a secret to mask."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from wrapper.records import events as ev
from wrapper.records.journal_format import compact
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


# Every kind of event, built with its defaults and with every field given, as the frozen
# dataclasses these records once were wrote it (`to_json`) and journaled it (`compact`).
SHAPES = json.loads((Path(__file__).parent / "fixtures" / "event_shapes.json").read_text())


def test_the_shapes_cover_every_kind_of_event() -> None:
    assert [case["class"] for case in SHAPES] == [cls.__name__ for cls in ev.EVENT_TYPES]


@pytest.mark.parametrize("case", SHAPES, ids=lambda case: case["event"])
def test_each_event_writes_what_it_always_wrote(case: dict[str, Any]) -> None:
    cls = getattr(ev, case["class"])
    assert cls.event == case["event"]
    assert list(cls.field_names()) == case["fields"]
    bare = cls(run_id="r", time="2026-01-01T00:00:00.000Z")
    assert bare.to_json() == case["bare"]["to_json"]
    assert list(bare.to_json()) == list(case["bare"]["to_json"])  # key order too
    assert compact(bare) == case["bare"]["journal"]
    given = cls(*case["given"]["args"])  # by position, in field order
    assert given.to_json() == case["given"]["to_json"]
    assert list(given.to_json()) == list(case["given"]["to_json"])
    assert compact(given) == case["given"]["journal"]
    assert cls(**dict(zip(case["fields"], case["given"]["args"], strict=True))) == given


def test_an_empty_container_by_default_is_new_each_time() -> None:
    first, second = ev.RunFinish(run_id="r"), ev.RunFinish(run_id="r")
    assert first.outputs == {} and first.assertions == []
    assert first.outputs is not second.outputs
    assert first.assertions is not second.assertions
    assert ev.CallStart(run_id="r").command is not ev.CallStart(run_id="r").command
    assert ev.RunStart(run_id="r").inputs is not ev.RunStart(run_id="r").inputs


def test_time_is_now_unless_given() -> None:
    before = ev.now_iso()
    event = ev.ItemStart(run_id="r")
    assert before <= event.time <= ev.now_iso()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event.time)
    assert ev.ItemStart(run_id="r", time="t").time == "t"


def test_events_are_immutable_records() -> None:
    event = ev.ItemStart(run_id="r", time="t", step_id="s", index=2, item={"a": 1})
    with pytest.raises(AttributeError, match="cannot assign to field 'index'"):
        event.index = 3  # type: ignore[misc]
    assert not hasattr(event, "__dict__")
    assert event == ev.ItemStart(run_id="r", time="t", step_id="s", index=2, item={"a": 1})
    assert event != ev.ItemFinish(run_id="r", time="t", step_id="s", index=2)
    assert repr(event) == "ItemStart(run_id='r', time='t', step_id='s', index=2, item={'a': 1})"
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        ev.ItemStart(run_id="r", colour="red")  # type: ignore[call-arg]


def test_a_masked_copy_keeps_counters_and_masks_the_rest() -> None:
    masker = Masker(["tok-123456"])
    event = ev.ItemFinish(
        run_id="r", time="t", step_id="s", index=4, attempts=2, outputs={"t": "tok-123456"}
    )
    masked = ev.Emitter([], masker.mask_value).masked(event)
    assert type(masked) is ev.ItemFinish
    assert masked.to_json() == {**event.to_json(), "outputs": {"t": "***"}}
    assert event.outputs == {"t": "tok-123456"}  # the original is untouched
