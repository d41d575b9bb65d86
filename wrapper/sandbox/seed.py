"""The demo world: seeded once, on first use, from a fixed seed so every machine sees the same."""

from __future__ import annotations

import os
from random import Random

from wrapper.sandbox import apps
from wrapper.sandbox.store import Store


def world_seed() -> int:
    """The seed of a fresh world: `MW_SANDBOX_SEED`, default 0."""
    try:
        return int(os.environ.get("MW_SANDBOX_SEED") or 0)
    except ValueError:
        return 0


def ensure_seeded(store: Store) -> None:
    """Seed the world unless it already is; one indexed read when it is."""
    if store.get_meta("seeded") is not None:
        return
    with store.write():
        if store.get_meta("seeded") is not None:  # another process won the race
            return
        _seed_all(store, world_seed())


def reseed(store: Store, seed: int) -> None:
    """Replace every app's data with a fresh world and restart the fault draws; connections and
    login stay."""
    with store.write():
        for key in apps.APP_MODULES:
            store.clear_app(key)
        _seed_all(store, seed)
        store.set_counter("faults:calls", 0)  # a re-seeded world replays the same faults


def _seed_all(store: Store, seed: int) -> None:
    for key in apps.APP_MODULES:
        apps.load(key).seed(store, Random(f"{seed}:{key}"))
    store.set_meta("seeded", "1")
    store.set_meta("world_seed", str(seed))
