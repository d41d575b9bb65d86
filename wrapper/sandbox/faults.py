"""Injected faults, drawn per call from a seeded RNG so a run of calls is reproducible.

`MW_SANDBOX_FAULTS="rate_limit=0.2,timeout=0.05,crash_after_write=0.02,garbage=0.01,
error_on_stderr=0.1,app_rate_limit=0.1"` gives each fault a probability. The RNG for a call
is seeded with `MW_SANDBOX_SEED` and a counter kept in the world, so the n-th call of a run
always draws the same faults while consecutive calls differ. `MW_SANDBOX_LATENCY_MS` delays
every call.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Final

from wrapper.sandbox.wire import SandboxError

#: Drawn in this order; a new fault goes last so the draws of the others stay as they were.
FAULTS: Final = (
    "rate_limit",
    "timeout",
    "crash_after_write",
    "garbage",
    "error_on_stderr",
    "app_rate_limit",
)
DEFAULT_HANG_S: Final = 30.0
CRASH_EXIT: Final = 137
RETRY_AFTER_S: Final = 1.5


class Draw:
    """The faults that fire on this call."""

    def __init__(self) -> None:
        self.fired: set[str] = set()

    def __contains__(self, name: object) -> bool:
        return name in self.fired


def parse(spec: str) -> dict[str, float]:
    """`name=probability,...`; unknown names and bad numbers are errors, not silence."""
    result: dict[str, float] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, raw = part.partition("=")
        name = name.strip()
        if name not in FAULTS:
            raise SandboxError(
                f"MW_SANDBOX_FAULTS: unknown fault '{name}' (known: {', '.join(FAULTS)})",
                type_="configuration",
            )
        try:
            probability = float(raw) if sep else 1.0
        except ValueError:
            raise SandboxError(
                f"MW_SANDBOX_FAULTS: '{raw}' is not a probability for {name}",
                type_="configuration",
            ) from None
        result[name] = min(max(probability, 0.0), 1.0)
    return result


def seed() -> int:
    try:
        return int(os.environ.get("MW_SANDBOX_SEED") or 0)
    except ValueError:
        return 0


def draw(probabilities: dict[str, float], call_number: int) -> Draw:
    """Every fault gets one draw, in a fixed order, so adding one does not shift the others."""
    import random  # only when faults are switched on

    rng = random.Random(f"{seed()}:{call_number}")
    result = Draw()
    for name in FAULTS:
        roll = rng.random()
        if roll < probabilities.get(name, 0.0):
            result.fired.add(name)
    return result


def latency() -> None:
    raw = os.environ.get("MW_SANDBOX_LATENCY_MS")
    if raw:
        with contextlib.suppress(ValueError):
            time.sleep(max(float(raw), 0.0) / 1000)


def hang() -> None:
    try:
        seconds = float(os.environ.get("MW_SANDBOX_HANG_S") or DEFAULT_HANG_S)
    except ValueError:
        seconds = DEFAULT_HANG_S
    time.sleep(max(seconds, 0.0))


GARBAGE: Final = (
    '{"output": {"payload": [{"id": 1, "name": "Trunc',
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    "<body><h1>502 Bad Gateway</h1></body></html>\n",
)


def garbage(call_number: int) -> str:
    return GARBAGE[call_number % len(GARBAGE)]
