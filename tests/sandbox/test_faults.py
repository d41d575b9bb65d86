"""Every fault, drawn from a seeded RNG, so each test sees the same draws on every run."""

from __future__ import annotations

import json

import pytest

from wrapper.sandbox import faults


def test_parse_and_reject_unknown_faults() -> None:
    assert faults.parse("rate_limit=0.2, garbage=1") == {"rate_limit": 0.2, "garbage": 1.0}
    with pytest.raises(Exception, match="unknown fault 'slow'"):
        faults.parse("slow=0.5")


def test_draws_are_reproducible_and_differ_between_calls(monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_SEED", "7")
    probabilities = {"rate_limit": 0.5}
    first = [("rate_limit" in faults.draw(probabilities, n)) for n in range(1, 41)]
    again = [("rate_limit" in faults.draw(probabilities, n)) for n in range(1, 41)]
    assert first == again
    assert any(first) and not all(first)
    monkeypatch.setenv("MW_SANDBOX_SEED", "8")
    other = [("rate_limit" in faults.draw(probabilities, n)) for n in range(1, 41)]
    assert other != first


def test_a_run_of_calls_replays_the_same_faults(sb, connect, monkeypatch, tmp_path) -> None:
    def outcomes(folder: str) -> list[int]:
        monkeypatch.setenv("MW_SANDBOX_DIR", str(tmp_path / folder))
        monkeypatch.delenv("MW_SANDBOX_FAULTS", raising=False)
        cid = connect("chatwoot")
        monkeypatch.setenv("MW_SANDBOX_FAULTS", "rate_limit=0.5")
        monkeypatch.setenv("MW_SANDBOX_SEED", "3")
        return [sb("connection", "get", cid, "--json").code for _ in range(12)]

    first, second = outcomes("one"), outcomes("two")
    assert first == second
    assert 0 < first.count(1) < 12


def test_rate_limit_applies_nothing(sb, connect, monkeypatch) -> None:
    cid = connect("chatwoot")
    monkeypatch.setenv("MW_SANDBOX_FAULTS", "rate_limit=1")
    payload = json.dumps({"name": "Limited", "email": "limited@example.com"})
    result = sb("action", "run", "create-contact", f"--connectionId={cid}", "--input", payload,
                "--json")  # fmt: skip
    assert result.code == 1
    assert result.json == {
        "type": "bad_request",
        "key": "rate_limit_exceeded",
        "message": "Rate limit exceeded",
        "data": {"retryAfter": 1.5},
    }
    monkeypatch.delenv("MW_SANDBOX_FAULTS")
    found = sb("action", "run", "search-contacts", f"--connectionId={cid}", "--input",
               '{"q": "limited@example.com"}', "--json").json  # fmt: skip
    assert found["output"]["payload"] == []


def test_garbage_prints_non_json_with_exit_0(sb, connect, monkeypatch) -> None:
    cid = connect("chatwoot")
    monkeypatch.setenv("MW_SANDBOX_FAULTS", "garbage=1")
    outputs = {sb("connection", "get", cid, "--json").out for _ in range(2)}
    assert outputs == set(faults.GARBAGE)
    for text in outputs:
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)


def test_error_on_stderr_moves_the_body(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_FAULTS", "error_on_stderr=1")
    result = sb("connection", "get", "nope", "--json")
    assert (result.code, result.out) == (1, "")
    assert json.loads(result.err) == {
        "type": "bad_request",
        "key": "not_found",
        "message": "Connection with id 'nope' not found",
    }


def test_error_on_stderr_leaves_success_alone(sb, connect, monkeypatch) -> None:
    cid = connect("chatra")
    monkeypatch.setenv("MW_SANDBOX_FAULTS", "error_on_stderr=1")
    result = sb("connection", "get", cid, "--json")
    assert result.code == 0 and result.json["id"] == cid


def test_timeout_hangs_for_hang_s_then_answers(sb, connect, monkeypatch) -> None:
    cid = connect("chatwoot")
    slept: list[float] = []
    monkeypatch.setattr(faults.time, "sleep", slept.append)
    monkeypatch.setenv("MW_SANDBOX_FAULTS", "timeout=1")
    monkeypatch.setenv("MW_SANDBOX_HANG_S", "12.5")
    assert sb("connection", "get", cid, "--json").code == 0
    monkeypatch.delenv("MW_SANDBOX_HANG_S")
    sb("connection", "get", cid, "--json")
    assert slept == [12.5, 30.0]


def test_latency_delays_every_call(sb, monkeypatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(faults.time, "sleep", slept.append)
    monkeypatch.setenv("MW_SANDBOX_LATENCY_MS", "250")
    sb("status", "--json")
    sb("connection", "list", "--json")
    assert slept == [0.25, 0.25]


def test_faults_spare_account_commands(sb, monkeypatch) -> None:
    monkeypatch.setenv("MW_SANDBOX_FAULTS", "rate_limit=1,garbage=1")
    assert sb("status", "--json").json["loggedIn"] is True
    assert sb("--version").out == "1.18.0\n"


def test_reseeding_replays_the_same_faults(sb, connect, monkeypatch) -> None:
    from wrapper.sandbox.seed import reseed
    from wrapper.sandbox.store import Store

    cid = connect("chatwoot")
    monkeypatch.setenv("MW_SANDBOX_FAULTS", "rate_limit=0.5")
    first = [sb("connection", "get", cid, "--json").code for _ in range(10)]
    store = Store()
    reseed(store, 0)
    store.close()
    assert [sb("connection", "get", cid, "--json").code for _ in range(10)] == first


def test_a_bad_sandbox_setting_is_a_configuration_error(tmp_path, monkeypatch):
    import json as _json
    import os
    import subprocess
    import sys

    env = {**os.environ, "MW_SANDBOX_FAULTS": "bogus=2"}
    argv = [sys.executable, "-m", "wrapper.sandbox", "connection", "list", "--json"]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 1
    assert _json.loads(out.stdout)["type"] == "configuration"
    (tmp_path / "afile").write_text("")
    env = {**env, "MW_SANDBOX_FAULTS": "", "MW_SANDBOX_DIR": str(tmp_path / "afile")}
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    body = _json.loads(out.stdout)
    assert (out.returncode, body["type"]) == (1, "configuration")
    assert body["message"].startswith(f"MW_SANDBOX_DIR {tmp_path / 'afile'}: cannot use it")
