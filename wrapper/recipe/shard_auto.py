"""`--shard auto`: this job's shard, read from the variables its CI engine or Kubernetes sets.

Every engine that runs copies of one job numbers them in its own way; `ENGINES` holds the
variables each documents and whether it counts from 0 or 1 (docs/scale-out.md cites the
pages). mw counts shards from 1, so a 0-based index is shifted. A Kubernetes Indexed Job gives
each pod its index but not the Job's `completions`, so the total comes from `--shard auto/N` or
`MW_SHARD_TOTAL`. GitHub Actions sets nothing of the kind: a matrix passes `--shard I/N` itself.

Guessing wrong would run another job's share, so anything unclear (no engine's variables, two
engines' at once, a value that is not a number or out of range, a total that disagrees with
`auto/N`) is refused with a message naming the variables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from wrapper.ci import on_github_actions
from wrapper.errors import UsageError

#: Where the total comes from when the engine sets only an index (a Kubernetes Indexed Job).
TOTAL_VARIABLE: Final = "MW_SHARD_TOTAL"
#: More jobs than any CI matrix runs; past it a typo is likelier than a plan.
MAX_SHARDS: Final = 10_000

_SPEC = re.compile(r"\s*([0-9]{1,6})\s*/\s*([0-9]{1,6})\s*")
_AUTO = re.compile(r"\s*auto\s*(?:/\s*([0-9]{1,6})\s*)?", re.IGNORECASE)
_NUMBER = re.compile(r"\s*([0-9]{1,6})\s*")
_MATRIX_ADVICE = "In GitHub Actions: --shard ${{ matrix.shard }}/${{ strategy.job-total }}"


@dataclass(frozen=True)
class Engine:
    """One engine's shard variables: `index` counts from `base`; `total` may be absent."""

    name: str
    title: str
    index: str
    total: str | None
    base: int


ENGINES: Final = (
    Engine("gitlab", "GitLab CI (parallel:)", "CI_NODE_INDEX", "CI_NODE_TOTAL", 1),
    Engine("circleci", "CircleCI (parallelism:)", "CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0),
    Engine(
        "buildkite",
        "Buildkite (parallelism:)",
        "BUILDKITE_PARALLEL_JOB",
        "BUILDKITE_PARALLEL_JOB_COUNT",
        0,
    ),
    Engine("kubernetes", "a Kubernetes Indexed Job", "JOB_COMPLETION_INDEX", None, 0),
)


@dataclass(frozen=True)
class ShardSpec:
    """Shard `index` (1-based) of `total`; `engine` and `variables` say what chose it."""

    index: int
    total: int
    engine: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """`GitLab CI (parallel:): CI_NODE_INDEX=2 CI_NODE_TOTAL=4`, or '' for `I/N`."""
        if self.engine is None:
            return ""
        title = next((e.title for e in ENGINES if e.name == self.engine), self.engine)
        shown = " ".join(f"{name}={value}" for name, value in self.variables.items())
        return f"{title}: {shown}"


def is_auto(text: str) -> bool:
    return _AUTO.fullmatch(text) is not None


def parse_spec(text: str, name: str = "--shard") -> tuple[int, int]:
    """`2/4` -> (2, 4); shard numbers count from 1, like a CI matrix's job index."""
    match = _SPEC.fullmatch(text)
    if not match:
        raise UsageError(
            f"{name} {text!r}: write it as I/N, e.g. --shard 2/4 (shard 2 of 4), or auto",
            advice=_MATRIX_ADVICE,
        )
    index, total = int(match.group(1)), int(match.group(2))
    if total < 1 or not 1 <= index <= total:
        raise UsageError(f"{name} {text}: I must be between 1 and N (N at least 1)")
    if total > MAX_SHARDS:
        raise UsageError(f"{name} {text}: at most {MAX_SHARDS} shards")
    return index, total


def resolve_spec(text: str, environ: Mapping[str, str], name: str = "--shard") -> ShardSpec:
    """`I/N` as written, or `auto` / `auto/N` read from the engine's variables in `environ`."""
    match = _AUTO.fullmatch(text)
    if match is None:
        index, total = parse_spec(text, name)
        return ShardSpec(index, total)
    where = f"{name} {text.strip()}"
    given = int(match.group(1)) if match.group(1) else None
    variables: dict[str, str] = {}
    if given is None and environ.get(TOTAL_VARIABLE, "").strip():
        given = _number(TOTAL_VARIABLE, environ[TOTAL_VARIABLE], where)
        variables[TOTAL_VARIABLE] = environ[TOTAL_VARIABLE].strip()
    if given is not None and not 1 <= given <= MAX_SHARDS:
        raise UsageError(f"{where}: the total must be between 1 and {MAX_SHARDS}, not {given}")
    engine = _engine(environ, where)
    raw_index = environ[engine.index].strip()
    variables = {engine.index: raw_index, **variables}
    position = _number(engine.index, raw_index, where)
    if engine.total is None:
        if given is None:
            raise UsageError(
                f"{where}: {engine.index}={raw_index} ({engine.title}) says which shard this "
                f"is but not how many there are; pass --shard auto/N (N = the Job's "
                f"completions) or set {TOTAL_VARIABLE}",
            )
        total = given
    else:
        raw_total = environ.get(engine.total, "").strip()
        if not raw_total:
            raise UsageError(
                f"{where}: {engine.index} is set but {engine.total} is not ({engine.title})"
            )
        total = _number(engine.total, raw_total, where)
        variables = {engine.index: raw_index, engine.total: raw_total}
        if given is not None and given != total:
            source = f"auto/{given}" if match.group(1) else f"{TOTAL_VARIABLE}={given}"
            raise UsageError(
                f"{where}: {source} disagrees with {engine.total}={raw_total} ({engine.title})",
                advice="Drop the total, or make it the number of parallel jobs.",
            )
    index = position - engine.base + 1
    if not 1 <= total <= MAX_SHARDS or not 1 <= index <= total:
        counted = "from 1" if engine.base == 1 else "from 0"
        raise UsageError(
            f"{where}: {engine.index}={raw_index} is not a shard of {total} "
            f"({engine.title} counts {counted}; mw runs 1 to {MAX_SHARDS} shards)"
        )
    return ShardSpec(index, total, engine.name, variables)


def _engine(environ: Mapping[str, str], where: str) -> Engine:
    found = [e for e in ENGINES if environ.get(e.index, "").strip()]
    if len(found) > 1:
        names = ", ".join(f"{e.index} ({e.title})" for e in found)
        raise UsageError(
            f"{where}: the variables of more than one engine are set: {names}",
            advice="Pass --shard I/N to say which shard this job runs.",
        )
    if found:
        return found[0]
    looked = "; ".join(
        f"{e.index}/{e.total} ({e.title})" if e.total else f"{e.index} ({e.title})" for e in ENGINES
    )
    partial = [e for e in ENGINES if e.total and environ.get(e.total, "").strip()]
    if partial:
        e = partial[0]
        raise UsageError(
            f"{where}: {e.total} is set but {e.index} is not: the job does not run in "
            f"parallel ({e.title})",
            advice="Give the job parallel copies, or pass --shard I/N.",
        )
    if on_github_actions(environ):
        raise UsageError(
            f"{where}: GitHub Actions sets no shard variables; a matrix job passes its shard "
            "itself: --shard ${{ matrix.shard }}/N",
            advice=_MATRIX_ADVICE,
        )
    raise UsageError(
        f"{where}: no shard variables are set (looked for {looked})",
        advice="Run it as parallel copies of a job on one of these, or pass --shard I/N.",
    )


def _number(variable: str, raw: str, where: str) -> int:
    match = _NUMBER.fullmatch(raw)
    if match is None:
        raise UsageError(f"{where}: {variable}={raw!r} is not a whole number")
    return int(match.group(1))
