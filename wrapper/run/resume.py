"""Resuming a run from its journal: what is reused, what runs again, what needs a decision.

Finished steps and finished foreach items are never run again: their journaled outputs are
reused. A call that started and never finished (or a write that timed out) is uncertain: when it
is a `read` or `idempotent` it simply runs again; when it is a plain write the resume stops and
names it, and `--uncertain retry` (run it again) or `--uncertain skip` (treat it as done, with no
outputs) decides.

The journal holds masked values, so outputs derived from a secret read `***` there. Such a
finished unit cannot hand its real outputs on: it runs again when it is safe to repeat, and is
otherwise treated like an uncertain write (the same `--uncertain` decision applies).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from wrapper.errors import InputError, ResumeError
from wrapper.recipe.loader import LoadedRecipe
from wrapper.recipe.model import InputSpec
from wrapper.records.events import now_iso
from wrapper.records.journal import FINISHED, RunState, Unit
from wrapper.run.outcome import SKIPPED, UnitResult
from wrapper.secrets import MASK

DECISIONS: Final = ("retry", "skip")
Key = tuple[str, "int | None"]


def _shows_mask(value: Any) -> bool:
    if isinstance(value, str):
        return MASK in value
    if isinstance(value, dict):
        return any(_shows_mask(v) for v in value.values())
    if isinstance(value, list):
        return any(_shows_mask(v) for v in value)
    return False


def where(key: Key) -> str:
    step, index = key
    return f"step {step!r}" if index is None else f"step {step!r} item {index}"


def check_recipe(state: RunState, loaded: LoadedRecipe, *, force: bool) -> None:
    """A changed recipe file is refused unless forced: journaled outputs may no longer fit."""
    if loaded.sha256 != state.sha256 and not force:
        raise ResumeError(
            f"run {state.run_id}: the recipe {state.path} changed since the run started "
            f"(sha256 {state.sha256[:12]} is now {loaded.sha256[:12]})",
            advice="Resume anyway with --force, or start a new run with `mw run`.",
        )


def resume_values(
    state: RunState, specs: Mapping[str, InputSpec], given: Mapping[str, str]
) -> dict[str, Any]:
    """Journaled inputs without the secrets (never stored); a secret once given must be given
    again (by `-i`, its `from_env` variable or a prompt, which the caller handles)."""
    values: dict[str, Any] = {}
    for name, value in state.inputs.items():
        spec = specs.get(name)
        if spec is not None and spec.is_secret:
            continue
        if name not in given:
            values[name] = value
    return values


def missing_secrets(
    state: RunState, specs: Mapping[str, InputSpec], inputs: Mapping[str, Any]
) -> list[str]:
    """Secret inputs the first run had that this resume did not get again."""
    return [
        name
        for name, spec in specs.items()
        if spec.is_secret and state.inputs.get(name) == MASK and inputs.get(name) is None
    ]


def require_secrets(names: list[str], specs: Mapping[str, InputSpec]) -> None:
    if not names:
        return
    name = names[0]
    env = specs[name].from_env
    how = f"-i {name}=..." + (f" or the {env} environment variable" if env else "")
    raise InputError(f"input {name!r} is secret and not kept in the journal: give it again ({how})")


class ResumePlan:
    """What the engine asks while resuming: is this step or item already done?"""

    def __init__(self, state: RunState, loaded: LoadedRecipe, *, uncertain: str | None) -> None:
        if state.status == "ok":
            raise ResumeError(
                f"run {state.run_id} finished ok; there is nothing to resume",
                advice="Start a new run with `mw run`.",
            )
        self.state = state
        self.sha256 = loaded.sha256
        self.decision = uncertain
        self.rerun: set[Key] = set()
        doubtful: dict[Key, Unit] = dict(state.uncertain)
        finished: list[tuple[Key, Unit]] = [
            ((s, None), u) for s, u in state.steps.items() if u.status in FINISHED
        ]
        finished += [(k, u) for k, u in state.items.items() if u.status in FINISHED]
        for key, unit in finished:
            if not _shows_mask(unit.outputs):
                continue
            if _safe_to_repeat(loaded, key[0]):
                self.rerun.add(key)
            else:
                doubtful[key] = unit
        self.uncertain = sorted(doubtful, key=lambda k: (k[0], -1 if k[1] is None else k[1]))
        if self.uncertain and uncertain is None:
            first = self.uncertain[0]
            more = len(self.uncertain) - 1
            raise ResumeError(
                f"run {state.run_id}: {where(first)} is a write that may or may not have been "
                "applied (it was in flight when the run stopped)"
                + (f"; {more} more like it" if more else ""),
                advice="Check the app, then resume with --uncertain retry (run it again) or "
                "--uncertain skip (treat it as done).",
            )
        if uncertain == "retry":
            self.rerun.update(self.uncertain)
        self.skipped: set[Key] = set(self.uncertain) if uncertain == "skip" else set()

    @property
    def connections(self) -> dict[str, str]:
        return dict(self.state.connections)

    def record(self) -> dict[str, Any]:
        """The journal line that says how this resume decided uncertain work."""
        return {
            "event": "resume",
            "run_id": self.state.run_id,
            "time": now_iso(),
            "sha256": self.sha256,
            "uncertain": self.decision,
            "skipped_uncertain": [list(k) for k in sorted(self.skipped, key=_order)],
            "retried_uncertain": [
                list(k) for k in sorted(set(self.uncertain) - self.skipped, key=_order)
            ],
        }

    def step(self, full_id: str) -> dict[str, Any] | None:
        """`steps.<id>` for a step that finished (or was skipped as uncertain), else None."""
        key: Key = (full_id, None)
        if key in self.skipped:
            return _entry(Unit(status=SKIPPED))
        unit = self.state.steps.get(full_id)
        if unit is None or unit.status not in FINISHED or key in self.rerun:
            return None
        if any(k[0] == full_id and k in self.rerun for k in self.state.items):
            return None
        entry = _entry(unit)
        items = sorted((k[1], u) for k, u in self.state.items.items() if k[0] == full_id)
        if items:
            entry["items"] = [
                {
                    "item": u.item,
                    "status": u.status,
                    "attempts": u.attempts,
                    "outputs": u.outputs,
                    "error": u.error,
                }
                for _, u in items
            ]
        return entry

    def items_of(self, full_id: str) -> list[tuple[int, Unit]]:
        """The journaled items of a step, by index (to replay a finished step's items)."""
        return sorted((k[1], u) for k, u in self.state.items.items() if k[0] == full_id)

    def item(self, full_id: str, index: int, item: Any) -> UnitResult | None:
        """The result of a foreach item that finished, when it is still the same item."""
        key: Key = (full_id, index)
        if key in self.skipped:
            return UnitResult(SKIPPED)
        unit = self.state.items.get((full_id, index))
        if unit is None or unit.status not in FINISHED or key in self.rerun:
            return None
        if unit.item != item:
            return None  # the list changed under this index: this is another item
        return UnitResult(unit.status, unit.attempts, unit.outputs)


def _order(key: Key) -> tuple[str, int]:
    return (key[0], -1 if key[1] is None else key[1])


def _entry(unit: Unit) -> dict[str, Any]:
    return {
        "status": unit.status,
        "outputs": unit.outputs,
        "attempts": unit.attempts,
        "error": unit.error,
        "http_status": unit.http_status,
    }


def _safe_to_repeat(loaded: LoadedRecipe, full_id: str) -> bool:
    """Only top-level steps are looked up; anything else is treated as not safe."""
    for step in loaded.recipe.all_steps():
        if step.id == full_id:
            return bool(step.safe_to_repeat)
    return False
