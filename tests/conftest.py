"""Shared fixtures: every test runs with its own state, cache and home folders."""

from __future__ import annotations

from pathlib import Path

import pytest

_CLEARED_ENV = (
    "MW_MEMBRANE",
    "MW_MEMBRANE_DIALECT",
    "MW_SANDBOX",
    "MW_SANDBOX_FAULTS",
    "MW_SANDBOX_SEED",
    "MW_SANDBOX_LATENCY_MS",
    "MW_DEBUG",
    "MW_SHARD",
    "MW_SHARD_TOTAL",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_WORKSPACE",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every place `mw` writes at `tmp_path`, so no test sees another's state."""
    for name in _CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MW_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MW_SANDBOX_DIR", str(tmp_path / "sandbox"))
    monkeypatch.setenv("MW_CACHE_DIR", str(tmp_path / "cache"))
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return tmp_path
