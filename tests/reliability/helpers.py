"""Run `mw` as a real process against the sandbox, and count what the sandbox holds."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

from tests.helpers import ROOT, mw_command, run_mw


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MW_", "GITHUB_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        MW_STATE_DIR=str(tmp_path / "state"),
        MW_SANDBOX_DIR=str(tmp_path / "sandbox"),
    )
    env["MW_SANDBOX"] = "1"
    env.update(extra)
    return env


def mw(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_mw(*args, env=env)


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        mw_command(*args),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def world(tmp_path: Path, kind: str) -> list[dict[str, object]]:
    """Every Chatwoot record of `kind` in the sandbox's world (what the app holds)."""
    db = sqlite3.connect(tmp_path / "sandbox" / "world.sqlite3", timeout=60)
    try:
        rows = db.execute(
            "SELECT data FROM records WHERE app = 'chatwoot' AND kind = ?", (kind,)
        ).fetchall()
    finally:
        db.close()
    return [json.loads(data) for (data,) in rows]


def contacts_by_email(tmp_path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for contact in world(tmp_path, "contact"):
        email = str(contact.get("email"))
        counts[email] = counts.get(email, 0) + 1
    return counts


def journal(tmp_path: Path, run_id: str) -> list[dict[str, object]]:
    path = tmp_path / "state" / "runs" / run_id / "journal.jsonl"
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def final_items(records: list[dict[str, object]], step: str) -> dict[int, str]:
    """The last journaled status of every item of `step` (resume decisions included)."""
    status: dict[int, str] = {}
    for record in records:
        if record.get("event") == "item_finish" and record.get("step_id") == step:
            status[int(record["index"])] = str(record["status"])  # type: ignore[call-overload]
        if record.get("event") == "resume":
            for step_id, index in record.get("skipped_uncertain") or []:  # type: ignore[attr-defined]
                if step_id == step:
                    status[int(index)] = "skipped"
    return status


def repeated_after_finish(records: list[dict[str, object]], step: str) -> list[int]:
    """Items with a call started after the journal recorded the item as finished ok."""
    done: set[int] = set()
    repeated: list[int] = []
    for record in records:
        index = record.get("index")
        if record.get("step_id") != step or not isinstance(index, int):
            continue
        if record.get("event") == "item_finish" and record.get("status") == "ok":
            done.add(index)
        elif record.get("event") == "call_start" and index in done:
            repeated.append(index)
    return repeated
