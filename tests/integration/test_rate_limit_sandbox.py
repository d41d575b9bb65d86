"""A real `mw run` paces a foreach by the connection's `rate_limit`, seen in its event stream.

Only lower bounds are asserted: a token bucket of `rate` tokens a second holding at most `burst`
(`max(1, rate)`, docs/reliability.md, "Rate limits") can hand out at most `burst + rate * T`
tokens in any stretch of T seconds, so any k call starts are at least `(k - burst) / rate`
seconds apart. A slow machine only spreads the calls further.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.integration

#: Event times have millisecond resolution and are stamped just after the token is taken.
TOLERANCE_S = 0.1

RECIPE = """\
version: 1
name: paced-reads
description: Read one contact per item through a rate-limited connection.
inputs:
  ids: {{type: array, items: {{type: integer}}}}
connections:
  chatwoot: {{app: chatwoot, rate_limit: "{rate}"}}
steps:
  - id: read
    effect: read
    foreach: {{items: "inputs.ids", concurrency: {concurrency}}}
    action: get-contact
    input: {{contact_id: "${{item}}"}}
"""


def run_paced(tmp_path: Path, rate: str, items: int, concurrency: int) -> tuple[Any, list[Any]]:
    """(report, call_start events of the action calls) of one `mw --sandbox run` process."""
    recipe = tmp_path / "paced.yaml"
    recipe.write_text(RECIPE.format(rate=rate, concurrency=concurrency), encoding="utf-8")
    events = tmp_path / "events.ndjson"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MW_", "GITHUB_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        MW_STATE_DIR=str(tmp_path / "state"),
        MW_SANDBOX_DIR=str(tmp_path / "sandbox"),
        MW_CACHE_DIR=str(tmp_path / "cache"),
    )
    ids = json.dumps(list(range(1, items + 1)))
    argv = ["run", str(recipe), "-i", f"ids={ids}", "--events", str(events), "--json", "-q"]
    done = subprocess.run(
        [sys.executable, "-m", "wrapper", "--sandbox", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, not a measurement
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]
    starts = [e for e in lines if e["event"] == "call_start" and e["operation"] == "action"]
    return json.loads(done.stdout), starts


def seconds(event: dict[str, Any]) -> float:
    return datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp()


@pytest.mark.parametrize(
    ("rate", "per_second", "burst", "items"),
    [("4/s", 4.0, 4.0, 8), ("60/m", 1.0, 1.0, 4)],
)
def test_foreach_calls_start_no_faster_than_the_rate_limit(
    tmp_path: Path, rate: str, per_second: float, burst: float, items: int
) -> None:
    report, starts = run_paced(tmp_path, rate, items, concurrency=items)
    assert report["status"] == "ok"
    (step,) = report["steps"]
    assert step["counts"] == {"ok": items}
    assert sorted(e["index"] for e in starts) == list(range(items))
    times = sorted(seconds(e) for e in starts)
    span = times[-1] - times[0]
    assert span >= (items - burst) / per_second - TOLERANCE_S, times
    for first in range(len(times)):
        for last in range(first + 1, len(times)):
            calls = last - first + 1
            least = (calls - burst) / per_second - TOLERANCE_S
            assert times[last] - times[first] >= least, (first, last, times)
