"""`mw runs merge`: the reports of a sharded run's jobs joined into one report.

A merge is only as good as its shards, so it checks before it joins: the same recipe file, the
same inputs, the same split, every shard exactly once, and (when the shards got that far) the
same list under the split step. Anything else would report items run twice or never.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wrapper.errors import UsageError
from wrapper.recipe.shard import MAX_SHARDS
from wrapper.records.report import (
    SCHEMA_VERSION,
    AssertionReport,
    ErrorReport,
    ItemReport,
    Report,
    ShardRun,
    StepReport,
)

if TYPE_CHECKING:
    from wrapper.recipe.loader import LoadedRecipe

#: Which status a merged step or run shows when its shards disagree: the highest here.
_STEP_RANK = {"skipped": 0, "planned": 1, "ok": 2, "cancelled": 3, "interrupted": 4, "failed": 5}
_RUN_RANK = {"ok": 0, "failed": 1, "interrupted": 2}
_ADVICE = "Run every shard with the same recipe file and inputs, then merge all their reports."


def read_report(path: Path) -> Report:
    """A `--report` file of `mw run`, or a one-line UsageError saying why it is not one."""
    data = read_json(path)
    if not isinstance(data, dict) or "schema_version" not in data:
        raise UsageError(
            f"{path}: not an mw run report (it has no schema_version)",
            advice="Pass the files that `mw run --report FILE` wrote.",
        )
    return to_report(path, data)


def read_json(path: Path) -> Any:
    """The JSON in `path`, or a UsageError naming the file (and the line) and why not."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot read it: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UsageError(
            f"{path}: not UTF-8 text, so not an mw run report",
            advice="Pass the files that `mw run --report FILE` wrote.",
        ) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise UsageError(f"{path}: nested too deeply to be an mw run report") from None
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{path}:{error.lineno}:{error.colno}: not JSON ({error.msg})",
            advice="Pass the files that `mw run --report FILE` wrote.",
        ) from None


def to_report(path: Path, data: dict[str, Any]) -> Report:
    """`data` (with a schema_version) as a Report, or a UsageError naming what is wrong."""
    if data["schema_version"] != SCHEMA_VERSION:
        raise UsageError(
            f"{path}: report schema_version {data['schema_version']!r} is not one this mw "
            f"reads ({SCHEMA_VERSION})",
            advice="Merge with the mw version that wrote the reports.",
        )
    from wrapper.records.report_schema import check_report  # pydantic: only to read reports

    try:
        return check_report(data)
    except ValueError as error:
        raise UsageError(f"{path}: not a valid mw run report: {error}") from None


def merge_reports(
    found: Sequence[tuple[Path, Report]],
    run_id: str | None = None,
    *,
    recipe: LoadedRecipe | None = None,
    environ: Mapping[str, str] | None = None,
) -> Report:
    """One report for the whole sharded run; raises UsageError when the shards do not fit.

    With the recipe (the file the shards ran), its outputs and assertions are computed again
    over the merged steps, so a count covers every shard; without it only the outputs every
    shard computed alike are kept.
    """
    if not found:
        raise UsageError("no reports to merge")
    shards = _check(found)
    reports = [report for _, report in shards]
    first = reports[0]
    worst = max(reports, key=lambda r: _RUN_RANK.get(r.status, 2))
    starts = [r.started_at for r in reports]
    ends = [r.finished_at for r in reports if r.finished_at]
    wall = _span(min(starts), max(ends)) if len(ends) == len(reports) else None
    assertions = []
    for report in reports:
        for check in report.assertions:
            if check not in assertions:
                assertions.append(check)
    merged = Report(
        run_id=run_id or _merged_id(reports),
        recipe=first.recipe,
        plan=first.plan,
        status=worst.status,
        exit_code=worst.exit_code,
        started_at=min(starts),
        finished_at=max(ends) if len(ends) == len(reports) else None,
        duration_s=wall if wall is not None else max(r.duration_s for r in reports),
        inputs=first.inputs,
        connections=first.connections,
        steps=_merge_steps(reports),
        outputs=_common_outputs(reports),
        assertions=assertions,
        error=worst.error,
        shards=[
            ShardRun(
                run_id=r.run_id,
                index=r.shard.index if r.shard else 0,
                status=r.status,
                exit_code=r.exit_code,
                duration_s=r.duration_s,
                outputs=r.outputs,
                error=r.error,
            )
            for r in reports
        ],
    )
    if recipe is not None:
        recompute(merged, recipe, reports, environ or {})
    return merged


def recompute(
    merged: Report, loaded: LoadedRecipe, shards: list[Report], environ: Mapping[str, str]
) -> None:
    """The recipe's outputs and assertions over the merged steps, as one run would give them.

    A shard that failed only its assertions failed on its own share (a total is not a
    shard's total); the merged run's assertions decide instead.
    """
    from wrapper.recipe.expr import ExpressionError, evaluate
    from wrapper.run.outcome import assertions_failed, truthy

    recipe = loaded.recipe
    ctx: dict[str, Any] = {
        "inputs": merged.inputs,
        "steps": _steps_context(merged.steps),
        "connections": {c.name: {"id": c.id, "app": c.app} for c in merged.connections},
        "env": {name: environ.get(name) for name in recipe.env},
        "vars": {},
    }
    outputs: dict[str, Any] = {}
    assertions: list[AssertionReport] = []
    failure: ErrorReport | None = None
    loc: tuple[str | int, ...] = ()
    try:
        for name, source in recipe.vars.items():
            loc = ("vars", name)
            ctx["vars"][name] = evaluate(source, ctx)
        for name, source in recipe.outputs.items():
            loc = ("outputs", name)
            outputs[name] = evaluate(source, ctx)
        checks = {**ctx, "outputs": outputs}
        for i, check in enumerate(recipe.assert_):
            loc = ("assert", i, "that")
            held = truthy(evaluate(check.that, checks))
            assertions.append(AssertionReport(that=check.that, message=check.message, ok=held))
    except ExpressionError as error:
        message = f"{loaded.location((*loc, *error.path))}: {error}"
        failure = ErrorReport(type="expression_failed", message=message)
        failure.class_ = "ExpressionFailedError"
    merged.outputs = outputs
    merged.assertions = assertions
    others = [r for r in shards if r.error is None or r.error.class_ != "AssertionFailedError"]
    worst = max(others, key=lambda r: _RUN_RANK.get(r.status, 2), default=None)
    if worst is not None and worst.status != "ok":
        merged.status, merged.exit_code, merged.error = worst.status, worst.exit_code, worst.error
    elif failure is not None:
        merged.status, merged.exit_code, merged.error = "failed", 1, failure
    elif any(not check.ok for check in assertions):
        failed = [c.message or c.that for c in assertions if not c.ok]
        merged.status, merged.exit_code = "failed", 3
        merged.error = ErrorReport(type="assertion_failed", message=assertions_failed(failed))
        merged.error.class_ = "AssertionFailedError"
    else:
        merged.status, merged.exit_code, merged.error = "ok", 0, None


def _steps_context(steps: list[StepReport]) -> dict[str, Any]:
    """`steps.<id>` as the run's expressions saw it, built from the merged step reports."""
    out: dict[str, Any] = {}
    for step in steps:
        if step.parent is not None:
            continue  # a sub-recipe's steps are its own scope
        entry: dict[str, Any] = {
            "status": step.status,
            "outputs": step.outputs,
            "attempts": step.attempts,
            "error": _error_value(step.error),
            "http_status": step.http_status,
        }
        if step.items is not None:
            entry["items"] = [
                {
                    "item": item.item,
                    "status": item.status,
                    "attempts": item.attempts,
                    "outputs": item.outputs,
                    "error": _error_value(item.error),
                }
                for item in step.items
            ]
        out[step.id] = entry
    return out


def _error_value(error: ErrorReport | None) -> dict[str, Any] | None:
    return None if error is None else error.to_json()


def _check(found: Sequence[tuple[Path, Report]]) -> list[tuple[Path, Report]]:
    """The reports in shard order, once each shard is known to belong with the others."""
    for path, report in found:
        if report.shard is None:
            raise UsageError(
                f"{path}: run {report.run_id} was not sharded (no --shard I/N)",
                advice="Merge only the reports of `mw run --shard I/N` jobs.",
            )
    path0, first = found[0]
    assert first.shard is not None
    total, step = first.shard.total, first.shard.step
    if total > MAX_SHARDS:
        raise UsageError(f"{path0}: {total} shards is more than mw runs ({MAX_SHARDS})")
    by_index: dict[int, tuple[Path, Report]] = {}
    for path, report in found:
        assert report.shard is not None
        if report.recipe.sha256 != first.recipe.sha256:
            raise UsageError(
                f"{path}: ran another version of the recipe than {path0} "
                f"(sha256 {report.recipe.sha256[:12]} vs {first.recipe.sha256[:12]})",
                advice=_ADVICE,
            )
        if (report.shard.total, report.shard.step) != (total, step):
            raise UsageError(
                f"{path}: split step {report.shard.step!r} into {report.shard.total} shards, "
                f"but {path0} split {step!r} into {total}",
                advice=_ADVICE,
            )
        if report.inputs != first.inputs or report.plan != first.plan:
            what = "inputs" if report.inputs != first.inputs else "mode (plan vs run)"
            raise UsageError(f"{path}: its {what} differ from {path0}'s", advice=_ADVICE)
        other = by_index.get(report.shard.index)
        if other is not None:
            raise UsageError(
                f"{path}: shard {report.shard.index}/{total} is given twice "
                f"(also {other[0]}, run {other[1].run_id})",
                advice="Pass each shard's report once.",
            )
        by_index[report.shard.index] = (path, report)
    missing = [f"{i}/{total}" for i in range(1, total + 1) if i not in by_index]
    if missing:
        have = [f"{i}/{total}" for i in sorted(by_index)]
        raise UsageError(
            f"shard {_first_ten(missing)} missing: the merge needs a report from every shard "
            f"(it has {_first_ten(have)})",
            advice="Pass every shard's --report file (a shard that failed still writes one).",
        )
    _check_lists(by_index, step)
    return [by_index[i] for i in sorted(by_index)]


def _first_ten(labels: list[str]) -> str:
    more = f" and {len(labels) - 10} more" if len(labels) > 10 else ""
    return ", ".join(labels[:10]) + more


def _check_lists(by_index: dict[int, tuple[Path, Report]], step: str) -> None:
    seen: tuple[int, Path, int, str] | None = None
    for index, (path, report) in sorted(by_index.items()):
        shard = report.shard
        if shard is None or shard.items_total is None or shard.items_sha256 is None:
            continue  # this shard stopped before the split step: nothing to compare
        if seen is None:
            seen = (index, path, shard.items_total, shard.items_sha256)
            continue
        if (shard.items_total, shard.items_sha256) != seen[2:]:
            same_count = shard.items_total == seen[2]
            detail = (
                f"{shard.items_total} items each, but not the same ones"
                if same_count
                else f"{seen[2]} items in shard {seen[0]}, {shard.items_total} in shard {index}"
            )
            raise UsageError(
                f"{path}: the shards saw different lists for step {step!r} ({detail}); "
                "some items may have run twice and others not at all",
                advice="Split a list every job sees alike (an input, or data the shards do "
                "not change), check the app, then run the shards again.",
            )


def _merge_steps(reports: list[Report]) -> list[StepReport]:
    split = reports[0].shard.step if reports[0].shard else None
    order: list[str] = []
    per_step: dict[str, list[tuple[int, StepReport]]] = {}
    for report in reports:
        index = report.shard.index if report.shard else 0
        for step in report.steps:
            if step.id not in per_step:
                order.append(step.id)
                per_step[step.id] = []
            per_step[step.id].append((index, step))
    return [_merge_step(per_step[step_id], keep_index=step_id == split) for step_id in order]


def _merge_step(runs: list[tuple[int, StepReport]], *, keep_index: bool) -> StepReport:
    """A step as every shard ran it: the worst status, its shard's details, items joined."""
    _, worst = max(runs, key=lambda run: _STEP_RANK.get(run[1].status, 5))
    merged = copy.deepcopy(worst)
    merged.attempts = sum(step.attempts for _, step in runs)
    merged.duration_s = max(step.duration_s for _, step in runs)
    # ISO 8601 UTC times of one format sort as text: the step spans its shards' runs of it.
    starts = [step.started_at for _, step in runs if step.started_at]
    ends = [step.finished_at for _, step in runs if step.finished_at]
    merged.started_at = min(starts, default=None)
    merged.finished_at = max(ends) if len(ends) == len(runs) else None
    if any(step.items is not None for _, step in runs):
        items: list[ItemReport] = []
        for shard, step in runs:
            for item in step.items or []:
                items.append(item.replace(shard=shard))
        if keep_index:
            # The split step's items keep their place in the whole list.
            items.sort(key=lambda item: item.index)
        else:
            # Each shard numbered its own share from 0; the merged list numbers them anew.
            items = [item.replace(index=i) for i, item in enumerate(items)]
        merged.items = items
        merged.outputs = [item.outputs for item in items]
        tally: dict[str, int] = {}
        for item in items:
            tally[item.status] = tally.get(item.status, 0) + 1
        merged.counts = tally
    return merged


def _common_outputs(reports: list[Report]) -> dict[str, Any]:
    """Outputs every shard computed alike; the rest differ per shard and stay in `shards`."""
    first = reports[0].outputs
    return {
        name: value
        for name, value in first.items()
        if all(name in r.outputs and r.outputs[name] == value for r in reports[1:])
    }


def _merged_id(reports: list[Report]) -> str:
    digest = hashlib.sha256("\n".join(r.run_id for r in reports).encode()).hexdigest()
    return f"merged-{digest[:12]}"


def _span(start: str, end: str) -> float | None:
    try:
        began = datetime.fromisoformat(start.replace("Z", "+00:00"))
        ended = datetime.fromisoformat(end.replace("Z", "+00:00"))
    except ValueError:
        return None
    return round((ended - began).total_seconds(), 4)
