"""`mw run --shard I/N`: one foreach step's items split across N jobs of a CI matrix.

The split is by position: item k goes to shard (k mod N) + 1, so shards are even and an item's
shard never depends on which machine computes it. That holds only while every shard sees the
same list, so each shard records how many items the step had and a digest of them, and
`mw runs merge` refuses shards that saw different lists rather than report an item run twice or
never. Steps outside the split run in every shard; foreach steps over the split step's results
follow its split, since each shard only has its own share of those results.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wrapper.errors import UsageError
from wrapper.recipe.expr import ExpressionError, evaluate
from wrapper.recipe.model import Recipe, Step
from wrapper.recipe.shard_auto import MAX_SHARDS, ShardSpec, parse_spec, resolve_spec

__all__ = ["MAX_SHARDS", "Shard", "choose_step", "parse_rate_share", "parse_spec", "resolve_spec"]

#: Context roots whose values are known before any step runs.
_STATIC_ROOTS = frozenset({"inputs", "env"})


@dataclass(frozen=True)
class Shard:
    """This job's share: shard `index` (1-based) of `total`, splitting step `step_id`.

    `engine` and `variables` record what chose the shard under `--shard auto`. Each
    connection's `rate_limit` is divided by `rate_share` in this job: by default the shard
    count, since shards on one account share the app's limit.
    """

    index: int
    total: int
    step_id: str
    engine: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    rate_share: int | None = None

    @property
    def rate_divisor(self) -> int:
        """What each `rate_limit` is divided by in this job (`--rate-share`, else N)."""
        return self.total if self.rate_share is None else self.rate_share

    def indexes(self, count: int) -> list[int]:
        """The positions of a `count`-item list that this shard runs."""
        return list(range(self.index - 1, count, self.total))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"index": self.index, "total": self.total, "step": self.step_id}
        if self.engine is not None:
            data["engine"] = self.engine
            data["variables"] = dict(self.variables)
        data["rate_share"] = self.rate_divisor
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Shard:
        variables = data.get("variables")
        share = data.get("rate_share")
        return cls(
            int(data["index"]),
            int(data["total"]),
            str(data["step"]),
            engine=str(data["engine"]) if data.get("engine") else None,
            variables={str(k): str(v) for k, v in variables.items()}
            if isinstance(variables, dict)
            else {},
            rate_share=int(share) if isinstance(share, int) and share >= 1 else None,
        )

    def chosen_by(self) -> str | None:
        """What chose the shard under `--shard auto` (the engine and its variables)."""
        if self.engine is None:
            return None
        return ShardSpec(self.index, self.total, self.engine, self.variables).describe()

    @property
    def label(self) -> str:
        return f"{self.index}/{self.total}"


def parse_rate_share(text: str) -> int | None:
    """`--rate-share`: `auto` (None: divide by the shard count) or a whole number K >= 1."""
    cleaned = text.strip().lower()
    if cleaned == "auto":
        return None
    if re.fullmatch(r"[0-9]{1,6}", cleaned) and 1 <= int(cleaned) <= MAX_SHARDS:
        return int(cleaned)
    raise UsageError(
        f"--rate-share {text!r}: write auto (divide each rate_limit by the shard count) or a "
        f"whole number from 1 to {MAX_SHARDS} (1: each shard has its own credentials)"
    )


def items_digest(items: list[Any]) -> str:
    """A digest of a (masked) item list: shards that saw the same list agree on it."""
    text = json.dumps(items, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def choose_step(
    recipe: Recipe,
    inputs: Mapping[str, Any],
    environ: Mapping[str, str],
    spec: str,
    step_id: str | None = None,
    *,
    rate_share: int | None = None,
    name: str = "--shard",
) -> Shard:
    """The shard of `spec` (`I/N`, `auto`, `auto/N`) over `step_id`, or the largest foreach.

    "Largest" is decided before the run, so every shard decides alike: among top-level foreach
    steps whose list comes from inputs (or env) alone, the one with the most items; a recipe
    with a single top-level foreach splits that one.
    """
    chosen = resolve_spec(spec, environ, name)
    candidates = [s for s in recipe.steps if s.foreach is not None]
    names = ", ".join(s.id for s in candidates) or "none"
    if step_id is not None:
        if not any(s.id == step_id for s in candidates):
            raise UsageError(
                f"--shard-step {step_id}: not a top-level foreach step of the recipe "
                f"(its foreach steps: {names})"
            )
        return _shard(chosen, step_id, rate_share)
    if not candidates:
        raise UsageError(
            f"{name} {spec}: the recipe has no top-level foreach step to split",
            advice="Run it without --shard; only foreach items can be spread over jobs.",
        )
    if len(candidates) == 1:
        return _shard(chosen, candidates[0].id, rate_share)
    env = {var: environ.get(var) for var in recipe.env}
    sizes = {s.id: n for s in candidates if (n := _static_size(s, inputs, env)) is not None}
    if not sizes:
        raise UsageError(
            f"{name} {spec}: the recipe has several foreach steps ({names}) and none of their "
            "lists is known before the run",
            advice="Name the one to split with --shard-step ID.",
        )
    largest = max(sizes.values())
    split = next(s.id for s in candidates if sizes.get(s.id) == largest)
    return _shard(chosen, split, rate_share)


def _shard(spec: ShardSpec, step_id: str, rate_share: int | None) -> Shard:
    return Shard(
        spec.index,
        spec.total,
        step_id,
        engine=spec.engine,
        variables=dict(spec.variables),
        rate_share=rate_share,
    )


def _static_size(step: Step, inputs: Mapping[str, Any], env: Mapping[str, Any]) -> int | None:
    from wrapper.recipe.lint_expr import analyse

    assert step.foreach is not None
    source = step.foreach.items
    roots = {ref.names[0] for ref in analyse(source).references if ref.names}
    if not roots <= _STATIC_ROOTS:
        return None
    try:
        found = evaluate(source, {"inputs": dict(inputs), "env": dict(env)})
    except ExpressionError:
        return None
    return len(found) if isinstance(found, list) else None


def outside_writes(recipe: Recipe, shard: Shard) -> list[str]:
    """Top-level writes that are not foreach steps: each shard runs them once."""
    return [
        s.id
        for s in recipe.steps
        if s.id != shard.step_id and s.foreach is None and not s.safe_to_repeat
    ]
