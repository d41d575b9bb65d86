"""The sandbox's world: one SQLite file, safe when many sandbox processes write at once.

Every record is a JSON document in `records`, addressed by (app, kind, id) and grouped by
`parent` (an account, a visitor, a conversation). Ids come from `counters`, bumped inside the
same write transaction, so sixteen processes creating contacts at once get sixteen ids. Writes
take the database lock up front (`BEGIN IMMEDIATE`), which turns write-write races into a short
wait on the busy timeout instead of a failed upgrade from a read lock.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from wrapper.sandbox.wire import SandboxError

DB_NAME = "world.sqlite3"
# Generous: a world is a local test double, and on a loaded machine sixteen processes seeding a
# fresh world at once can queue for tens of seconds; a wait beats a spurious "busy" failure.
BUSY_TIMEOUT_MS = 120_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    app TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    parent TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (app, kind, id)
);
CREATE INDEX IF NOT EXISTS records_parent ON records (app, kind, parent, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def sandbox_dir() -> Path:
    """`MW_SANDBOX_DIR`, else `MW_STATE_DIR/sandbox`, else `.mw/sandbox` under the cwd."""
    explicit = os.environ.get("MW_SANDBOX_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("MW_STATE_DIR") or ".mw") / "sandbox"


def db_path() -> Path:
    return sandbox_dir() / DB_NAME


def _make_folder(folder: Path) -> None:
    """`mkdir -p`; a state folder made on the way gets the `.gitignore` mw's own get (`*`),
    so the world never shows as untracked in the user's repository."""
    state = None if os.environ.get("MW_SANDBOX_DIR") else sandbox_dir().parent
    fresh = state is not None and not state.exists()
    folder.mkdir(parents=True, exist_ok=True)
    if state is not None and fresh and state.is_dir():
        ignore = state / ".gitignore"
        with suppress(OSError), ignore.open("x", encoding="utf-8") as handle:
            handle.write("# Created by mw: its runs and sandbox stay out of version control.\n*\n")


class Store:
    """A connection to the world; `write()` opens a transaction that holds the write lock."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or db_path()
        try:
            _make_folder(self.path.parent)
        except OSError as error:
            raise SandboxError(
                f"MW_SANDBOX_DIR {self.path.parent}: cannot use it as the sandbox's folder "
                f"({error.strerror or error})",
                type_="configuration",
            ) from None
        fresh = not self.path.exists()
        self.db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000)
        self.db.isolation_level = None  # transactions are explicit, see write()
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.in_write = False
        self.wrote = False
        if fresh or not self._has_schema():
            self._create_schema()

    def _has_schema(self) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        return row is not None

    def _create_schema(self) -> None:
        # WAL lets readers proceed while one process writes; the mode is stored in the file.
        # Switching the mode needs the file to itself and may answer "locked" at once, without
        # the busy timeout, while other processes open a fresh world: wait for it here too.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with self.write():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def write(self) -> Iterator[Store]:
        """A write transaction; nested calls join the outer one."""
        if self.in_write:
            yield self
            return
        self.db.execute("BEGIN IMMEDIATE")
        self.in_write = True
        try:
            yield self
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
            self.wrote = True
        finally:
            self.in_write = False

    # --- meta and counters ------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.write():
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def next_id(self, name: str) -> int:
        with self.write():
            self.db.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (name,),
            )
            row = self.db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0])

    def set_counter(self, name: str, value: int) -> None:
        with self.write():
            self.db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    # --- records ------------------------------------------------------------------------------

    def put(self, app: str, kind: str, rid: Any, data: dict[str, Any], parent: Any = "") -> None:
        """Insert or replace a record; a new record goes last in its parent's order."""
        with self.write():
            row = self.db.execute(
                "SELECT seq FROM records WHERE app = ? AND kind = ? AND id = ?",
                (app, kind, str(rid)),
            ).fetchone()
            seq = int(row[0]) if row else self.next_id(f"seq:{app}:{kind}")
            self.db.execute(
                "INSERT OR REPLACE INTO records (app, kind, id, parent, seq, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (app, kind, str(rid), str(parent), seq, json.dumps(data, separators=(",", ":"))),
            )

    def put_many(self, app: str, kind: str, rows: list[tuple[Any, Any, dict[str, Any]]]) -> None:
        """Bulk insert for seeding: rows of (id, parent, data), kept in the given order."""
        with self.write():
            start = self.next_id(f"seq:{app}:{kind}")
            self.set_counter(f"seq:{app}:{kind}", start + len(rows))
            self.db.executemany(
                "INSERT OR REPLACE INTO records (app, kind, id, parent, seq, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (app, kind, str(rid), str(parent), start + n, json.dumps(data))
                    for n, (rid, parent, data) in enumerate(rows)
                ],
            )

    def get(self, app: str, kind: str, rid: Any) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT data FROM records WHERE app = ? AND kind = ? AND id = ?",
            (app, kind, str(rid)),
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def delete(self, app: str, kind: str, rid: Any) -> bool:
        with self.write():
            cursor = self.db.execute(
                "DELETE FROM records WHERE app = ? AND kind = ? AND id = ?",
                (app, kind, str(rid)),
            )
        return cursor.rowcount > 0

    def all(self, app: str, kind: str, parent: Any = None) -> list[dict[str, Any]]:
        """Records of a kind in insertion order, optionally only those under `parent`."""
        if parent is None:
            rows = self.db.execute(
                "SELECT data FROM records WHERE app = ? AND kind = ? ORDER BY seq",
                (app, kind),
            ).fetchall()
        else:
            rows = self.db.execute(
                "SELECT data FROM records WHERE app = ? AND kind = ? AND parent = ? ORDER BY seq",
                (app, kind, str(parent)),
            ).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def last(self, app: str, kind: str, parent: Any, number: int) -> list[dict[str, Any]]:
        """The newest `number` records under `parent`, oldest first."""
        rows = self.db.execute(
            "SELECT data FROM records WHERE app = ? AND kind = ? AND parent = ? "
            "ORDER BY seq DESC LIMIT ?",
            (app, kind, str(parent), number),
        ).fetchall()
        return [dict(json.loads(row[0])) for row in reversed(rows)]

    def count(self, app: str, kind: str) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM records WHERE app = ? AND kind = ?", (app, kind)
        ).fetchone()
        return int(row[0])

    def counts(self) -> dict[str, dict[str, int]]:
        """Record counts per app and kind, for `mw sandbox status`."""
        result: dict[str, dict[str, int]] = {}
        for app, kind, number in self.db.execute(
            "SELECT app, kind, COUNT(*) FROM records GROUP BY app, kind ORDER BY app, kind"
        ):
            result.setdefault(str(app), {})[str(kind)] = int(number)
        return result

    def clear_app(self, app: str) -> None:
        with self.write():
            self.db.execute("DELETE FROM records WHERE app = ?", (app,))
            self.db.execute("DELETE FROM counters WHERE name LIKE ?", (f"%{app}:%",))


def reset(path: Path | None = None) -> bool:
    """Delete the world's files; the next call seeds a fresh one. True when something existed."""
    target = path or db_path()
    existed = False
    for suffix in ("", "-wal", "-shm"):
        candidate = target.with_name(target.name + suffix)
        if candidate.exists():
            candidate.unlink()
            existed = True
    return existed
