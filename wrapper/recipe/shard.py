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
from dataclasses import dataclass
from typing import Any, Final

from wrapper.errors import UsageError
from wrapper.recipe.expr import ExpressionError, evaluate
from wrapper.recipe.model import Recipe, Step

_SPEC = re.compile(r"\s*([0-9]{1,6})\s*/\s*([0-9]{1,6})\s*")
#: More jobs than any CI matrix runs; past it a typo is likelier than a plan.
MAX_SHARDS: Final = 10_000
#: Context roots whose values are known before any step runs.
_STATIC_ROOTS = frozenset({"inputs", "env"})


@dataclass(frozen=True)
class Shard:
    """This job's share: shard `index` (1-based) of `total`, splitting step `step_id`."""

    index: int
    total: int
    step_id: str

    def indexes(self, count: int) -> list[int]:
        """The positions of a `count`-item list that this shard runs."""
        return list(range(self.index - 1, count, self.total))

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "total": self.total, "step": self.step_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Shard:
        return cls(int(data["index"]), int(data["total"]), str(data["step"]))

    @property
    def label(self) -> str:
        return f"{self.index}/{self.total}"


def parse_spec(text: str) -> tuple[int, int]:
    """`2/4` -> (2, 4); shard numbers count from 1, like a CI matrix's job index."""
    match = _SPEC.fullmatch(text)
    if not match:
        raise UsageError(
            f"--shard {text!r}: write it as I/N, e.g. --shard 2/4 (shard 2 of 4)",
            advice="In GitHub Actions: --shard ${{ matrix.shard }}/${{ strategy.job-total }}",
        )
    index, total = int(match.group(1)), int(match.group(2))
    if total < 1 or not 1 <= index <= total:
        raise UsageError(f"--shard {text}: I must be between 1 and N (N at least 1)")
    if total > MAX_SHARDS:
        raise UsageError(f"--shard {text}: at most {MAX_SHARDS} shards")
    return index, total


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
) -> Shard:
    """The shard of `spec` (`I/N`) over `step_id`, or over the recipe's largest foreach.

    "Largest" is decided before the run, so every shard decides alike: among top-level foreach
    steps whose list comes from inputs (or env) alone, the one with the most items; a recipe
    with a single top-level foreach splits that one.
    """
    index, total = parse_spec(spec)
    candidates = [s for s in recipe.steps if s.foreach is not None]
    names = ", ".join(s.id for s in candidates) or "none"
    if step_id is not None:
        if not any(s.id == step_id for s in candidates):
            raise UsageError(
                f"--shard-step {step_id}: not a top-level foreach step of the recipe "
                f"(its foreach steps: {names})"
            )
        return Shard(index, total, step_id)
    if not candidates:
        raise UsageError(
            f"--shard {spec}: the recipe has no top-level foreach step to split",
            advice="Run it without --shard; only foreach items can be spread over jobs.",
        )
    if len(candidates) == 1:
        return Shard(index, total, candidates[0].id)
    env = {name: environ.get(name) for name in recipe.env}
    sizes = {s.id: n for s in candidates if (n := _static_size(s, inputs, env)) is not None}
    if not sizes:
        raise UsageError(
            f"--shard {spec}: the recipe has several foreach steps ({names}) and none of their "
            "lists is known before the run",
            advice="Name the one to split with --shard-step ID.",
        )
    largest = max(sizes.values())
    chosen = next(s.id for s in candidates if sizes.get(s.id) == largest)
    return Shard(index, total, chosen)


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
