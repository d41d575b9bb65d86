"""Real `membrane-sandbox` processes: the three dialects, crashes, and sixteen writers at once."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.sandbox.conftest import SANDBOX, spawn

pytestmark = pytest.mark.integration


def _ensure(app: str) -> str:
    result = spawn("connection", "ensure", app, "--json")
    assert result.code == 0, result.err
    return str(result.json["id"])


def test_the_console_script_answers_all_three_dialects() -> None:
    assert spawn("--version").out == "1.18.0\n"
    cid = _ensure("chatwoot")
    current = spawn("action", "run", "list-conversations", f"--connectionId={cid}", "--input",
                    '{"status": "open"}', "--json")  # fmt: skip
    assert current.code == 0 and current.json["output"]["data"]["payload"]
    older = spawn("action", "run", f"--connectionId={cid}", "list-inboxes", "--json", "--input",
                  "{}")  # fmt: skip
    assert len(older.json["output"]["payload"]) == 3
    newest = spawn("act", "--key", "get-contact", "--connectionId", cid, "--input",
                   '{"contact_id": 2}', "--json")  # fmt: skip
    assert newest.json["output"]["payload"]["id"] == 2


def test_python_dash_m_runs_the_same_program() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wrapper.sandbox", "--help"], capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert (
        done.stdout
        == subprocess.run([*SANDBOX, "--help"], capture_output=True, text=True, check=True).stdout
    )


def test_a_failure_prints_the_body_and_one_error_line() -> None:
    result = spawn("connection", "get", "missing", "--json")
    assert result.code == 1
    assert result.json["key"] == "not_found"
    assert result.err == "Error: Connection with id 'missing' not found\n"


def test_crash_after_write_applies_the_write_then_dies_silently() -> None:
    cid = _ensure("chatwoot")
    payload = json.dumps({"name": "Crash", "email": "crash@example.com"})
    crashed = spawn("action", "run", "create-contact", f"--connectionId={cid}", "--input", payload,
                    "--json", env={"MW_SANDBOX_FAULTS": "crash_after_write=1"})  # fmt: skip
    assert (crashed.code, crashed.out, crashed.err) == (137, "", "")
    found = spawn("action", "run", "search-contacts", f"--connectionId={cid}", "--input",
                  '{"q": "crash@example.com"}', "--json")  # fmt: skip
    assert [c["name"] for c in found.json["output"]["payload"]] == ["Crash"]


def test_crash_after_write_spares_reads() -> None:
    cid = _ensure("chaport")
    read = spawn("action", "run", "list-operators", f"--connectionId={cid}", "--json",
                 env={"MW_SANDBOX_FAULTS": "crash_after_write=1"})  # fmt: skip
    assert read.code == 0 and len(read.json["output"]["result"]) == 3


def test_timeout_fault_hangs_then_answers() -> None:
    """How long it hangs is checked in-process (test_faults); here: a real process survives it."""
    cid = _ensure("chatra")
    result = spawn("connection", "get", cid, "--json",
                   env={"MW_SANDBOX_FAULTS": "timeout=1", "MW_SANDBOX_HANG_S": "0"})  # fmt: skip
    assert result.code == 0 and result.json["id"] == cid


def test_sixteen_processes_creating_contacts_all_land() -> None:
    cid = _ensure("chatwoot")

    def create(n: int) -> int:
        payload = json.dumps({"name": f"Writer {n}", "email": f"writer{n}@example.com"})
        done = spawn("action", "run", "create-contact", f"--connectionId={cid}", "--input",
                     payload, "--json")  # fmt: skip
        assert done.code == 0, done.out + done.err
        return int(done.json["output"]["payload"]["contact"]["id"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(create, range(16)))
    assert len(set(ids)) == 16
    found = spawn("action", "run", "search-contacts", f"--connectionId={cid}", "--input",
                  '{"q": "writer"}', "--json")  # fmt: skip
    first = found.json["output"]
    assert first["meta"]["count"] == 16


def test_sixteen_processes_on_a_fresh_world_seed_it_once() -> None:
    def ensure(_n: int) -> str:
        return _ensure("chatra")

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = set(pool.map(ensure, range(16)))
    assert len(ids) == 1
    client = spawn("request", ids.pop(), "/clients/demoClient0000001", "--json")
    assert client.json["body"]["id"] == "demoClient0000001"
