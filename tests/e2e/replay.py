"""Replay a probe transcript as a fake `membrane` (pytest-subprocess registrations).

A transcript (`mw doctor --probe --record FILE`) holds each call's arguments, exit code, stdout
and stderr. Registering them lets any in-process test run `mw` against exactly what a real
installation printed. The transcript in data/ was recorded from fake_membrane.py:

    cd tests/e2e && MW_MEMBRANE=./fake_membrane.py mw doctor --probe \
        --record data/probe-transcript.json

(test_transcript_fixture_is_current fails when it no longer matches a fresh recording).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pytest_subprocess import FakeProcess

from wrapper.membrane import transcript

TRANSCRIPT = Path(__file__).parent / "data" / "probe-transcript.json"


def register_transcript(
    fake_process: FakeProcess,
    recorded: transcript.Transcript | Path = TRANSCRIPT,
    command: Sequence[str] = ("membrane",),
) -> transcript.Transcript:
    """Register every call of `recorded` under `command`; a call made again answers the same."""
    loaded = recorded if isinstance(recorded, transcript.Transcript) else transcript.load(recorded)
    fake_process.keep_last_process(True)
    for call in loaded.calls:
        fake_process.register(
            [*command, *call.args],
            stdout=call.stdout,
            stderr=call.stderr,
            returncode=call.exit_code,
        )
    return loaded
