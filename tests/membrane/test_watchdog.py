"""The one watchdog thread that enforces call timeouts (a fresh instance per test)."""

from __future__ import annotations

import threading
import time

from wrapper.membrane.watchdog import Watchdog

# Liveness bound only: how long a test waits for something that must happen much sooner. A
# loaded machine can starve the watchdog's thread for seconds, so the bound is generous, and
# what must not fire is armed far beyond it.
PATIENCE_S = 120.0
NEVER_S = 3600.0
FIRST_S = 0.5


def test_an_earlier_deadline_armed_later_fires_first():
    dog = Watchdog()
    late, early = threading.Event(), threading.Event()
    dog.arm(NEVER_S, late.set)
    dog.arm(0.01, early.set)
    assert early.wait(PATIENCE_S)
    assert not late.is_set()


def test_a_disarmed_deadline_never_fires():
    dog = Watchdog()
    fired: list[str] = []
    done = threading.Event()
    # The first deadline must still be ahead when disarm returns, or a starved test thread
    # lets it fire legitimately; re-arm until disarm wins the race it is meant to win.
    for _ in range(20):
        armed_at = time.monotonic()
        first = dog.arm(FIRST_S, lambda: fired.append("disarmed"))
        dog.disarm(first)
        if time.monotonic() - armed_at < FIRST_S:
            break
        fired.clear()
    # Armed later than the first deadline, so by the time it fires the first one would have.
    dog.arm(2 * FIRST_S, lambda: (fired.append("armed"), done.set()))
    assert done.wait(PATIENCE_S)
    assert fired == ["armed"]
    dog.disarm(first)  # twice is harmless


def test_a_failing_action_does_not_stop_the_watchdog(caplog):
    dog = Watchdog()
    done = threading.Event()

    def boom() -> None:
        raise RuntimeError("kill failed")

    dog.arm(0.01, boom)
    dog.arm(0.05, done.set)
    assert done.wait(PATIENCE_S)
    assert "a timeout action failed" in caplog.text


def test_disarmed_entries_do_not_pile_up():
    dog = Watchdog()
    entries = [dog.arm(NEVER_S, lambda: None) for _ in range(1000)]
    for entry in entries:
        dog.disarm(entry)
    assert len(dog._heap) <= 300
