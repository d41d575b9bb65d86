"""Looking after the sandbox's world from outside: its status, a reset, a fresh demo world.

`mw sandbox` comes through here and nowhere else, so how the world is stored (one SQLite file
today, with the sandbox's own bookkeeping beside the apps' records) stays the sandbox's affair.
Every function takes the folder the world lives in; `None` means the folder the sandbox itself
would use (`MW_SANDBOX_DIR`, else `MW_STATE_DIR/sandbox`, else `.mw/sandbox`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from wrapper.sandbox import connections
from wrapper.sandbox import seed as demo
from wrapper.sandbox import store as world

#: The environment variables that change how the sandbox answers.
SWITCHES: Final = (
    "MW_SANDBOX_DIR",
    "MW_SANDBOX_FAULTS",
    "MW_SANDBOX_SEED",
    "MW_SANDBOX_LATENCY_MS",
    "MW_SANDBOX_HANG_S",
    "MW_SANDBOX_CONNECTION_STATE",
    "MW_SANDBOX_LOGGED_OUT",
    "MW_SANDBOX_REQUEST_OUTPUT",
    "MW_SANDBOX_STATUS_SHAPE",
    "MW_SANDBOX_HELP",
)

#: The sandbox's own records (connections) sit in the world beside the apps' records.
_BOOKKEEPING: Final = "membrane"

Counts = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Connection:
    id: str
    key: str
    state: str


@dataclass(frozen=True)
class Status:
    """What the world holds; `counts` is per app and record kind, bookkeeping included."""

    path: Path
    exists: bool
    switches: dict[str, str]
    counts: Counts = field(default_factory=dict)
    connections: tuple[Connection, ...] = ()
    world_seed: str | None = None
    logged_in: bool | None = None

    @property
    def app_counts(self) -> Counts:
        return _apps_only(self.counts)


@dataclass(frozen=True)
class Seeded:
    path: Path
    seed: int
    counts: Counts

    @property
    def app_counts(self) -> Counts:
        return _apps_only(self.counts)


def world_path(folder: Path | None = None) -> Path:
    """The world's file inside `folder`."""
    return (folder or world.sandbox_dir()) / world.DB_NAME


def switches(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The switches set (to something non-empty) in `environ`, default the process's."""
    source = os.environ if environ is None else environ
    return {name: source[name] for name in SWITCHES if source.get(name)}


def status(folder: Path | None = None) -> Status:
    """Read the world without creating it: a missing world is reported, not seeded."""
    path = world_path(folder)
    if not path.exists():
        return Status(path, exists=False, switches=switches())
    store = world.Store(path)
    try:
        return Status(
            path,
            exists=True,
            switches=switches(),
            counts=store.counts(),
            connections=tuple(
                Connection(str(c["id"]), str(c["key"]), str(c["state"]))
                for c in store.all(_BOOKKEEPING, "connection")
            ),
            world_seed=store.get_meta("world_seed"),
            logged_in=connections.logged_in(store),
        )
    finally:
        store.close()


def reset(folder: Path | None = None) -> bool:
    """Delete the world's files; True when there was a world to delete."""
    return world.reset(world_path(folder))


def default_seed() -> int:
    """The seed a fresh world gets: `MW_SANDBOX_SEED`, else 0."""
    return demo.world_seed()


def reseed(folder: Path | None = None, seed: int | None = None) -> Seeded:
    """Replace every app's records with a fresh demo world; connections and login stay.

    Creates the world when there is none yet.
    """
    value = default_seed() if seed is None else seed
    if value < 0:
        raise ValueError(f"a world's seed is 0 or more, not {value}")
    path = world_path(folder)
    store = world.Store(path)
    try:
        demo.reseed(store, value)
        return Seeded(path, value, store.counts())
    finally:
        store.close()


def _apps_only(counts: Counts) -> Counts:
    """The apps' counts, without the sandbox's own bookkeeping."""
    return {app: kinds for app, kinds in counts.items() if app != _BOOKKEEPING}
