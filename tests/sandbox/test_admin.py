"""The sandbox's admin module: what `mw sandbox` may know of the world, read and changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from wrapper.sandbox import admin


def _world(isolated_env: Path) -> Path:
    return isolated_env / "sandbox" / "world.sqlite3"


def test_the_default_folder_is_the_one_the_sandbox_uses(isolated_env: Path, monkeypatch) -> None:
    assert admin.world_path() == _world(isolated_env)
    monkeypatch.delenv("MW_SANDBOX_DIR")
    assert admin.world_path() == isolated_env / "state" / "sandbox" / "world.sqlite3"
    assert admin.world_path(isolated_env / "elsewhere") == (
        isolated_env / "elsewhere" / "world.sqlite3"
    )


def test_status_of_a_missing_world_creates_nothing(isolated_env: Path) -> None:
    status = admin.status(isolated_env / "sandbox")
    assert status == admin.Status(
        _world(isolated_env),
        exists=False,
        switches={"MW_SANDBOX_DIR": str(isolated_env / "sandbox")},
    )
    assert not (isolated_env / "sandbox").exists()


def test_status_reads_counts_connections_seed_and_login(sb, connect, isolated_env: Path) -> None:
    cid = connect("chaport")
    status = admin.status()
    assert (status.path, status.exists) == (_world(isolated_env), True)
    assert status.counts["membrane"] == {"connection": 1}
    assert status.counts["chatwoot"]["contact"] == 50
    assert "membrane" not in status.app_counts
    assert status.app_counts["chaport"] == status.counts["chaport"]
    assert status.connections == (admin.Connection(cid, "chaport", "READY"),)
    assert (status.world_seed, status.logged_in) == ("0", True)
    assert sb("logout").code == 0
    assert admin.status().logged_in is False


def test_switches_name_only_the_sandboxs_variables_that_are_set(monkeypatch) -> None:
    environ = {"MW_SANDBOX_FAULTS": "timeout=0.1", "MW_SANDBOX_HELP": "", "MW_STATE_DIR": "x"}
    assert admin.switches(environ) == {"MW_SANDBOX_FAULTS": "timeout=0.1"}
    monkeypatch.setenv("MW_SANDBOX_LATENCY_MS", "5")
    assert admin.status().switches["MW_SANDBOX_LATENCY_MS"] == "5"


def test_reset_deletes_every_file_of_the_world_once(sb, isolated_env: Path) -> None:
    assert sb("connection", "list", "--json").code == 0
    world = _world(isolated_env)
    assert world.exists()
    assert admin.reset() is True
    leftovers = [p.name for p in world.parent.iterdir() if p.name.startswith(world.name)]
    assert leftovers == []
    assert admin.reset() is False


def test_reseed_keeps_connections_and_records_the_seed(connect, isolated_env: Path) -> None:
    cid = connect("chatwoot")
    seeded = admin.reseed(seed=3)
    assert (seeded.path, seeded.seed) == (_world(isolated_env), 3)
    assert seeded.app_counts["chatra"]["client"] == 12
    assert "membrane" not in seeded.app_counts
    status = admin.status()
    assert status.world_seed == "3"
    assert status.connections == (admin.Connection(cid, "chatwoot", "READY"),)


def test_reseed_creates_a_missing_world_from_the_default_seed(
    isolated_env: Path, monkeypatch
) -> None:
    monkeypatch.setenv("MW_SANDBOX_SEED", "7")
    assert admin.default_seed() == 7
    seeded = admin.reseed(isolated_env / "fresh")
    assert seeded.seed == 7
    assert admin.status(isolated_env / "fresh").world_seed == "7"


def test_reseed_refuses_a_negative_seed(isolated_env: Path) -> None:
    with pytest.raises(ValueError, match=r"^a world's seed is 0 or more, not -1$"):
        admin.reseed(seed=-1)
    assert not _world(isolated_env).exists()
