"""Under `--shard I/N` each job takes its share of a connection's `rate_limit`: 1/N by default."""

from __future__ import annotations

import json

import pytest

from tests.recipe.test_shard import TWO_STAGES, mw, register, write_recipe
from wrapper.recipe.model import ConnectionSpec
from wrapper.recipe.shard import Shard
from wrapper.run import ratelimit
from wrapper.run.ratelimit import RateLimiter, rate_text, shared_rates

LIMITED = TWO_STAGES.replace("c: {app: chatwoot}", "c: {app: chatwoot, rate_limit: 5/s}")
IDS = "ids=[1,2,3,4,5,6,7,8]"


@pytest.fixture(autouse=True)
def current_dialect(monkeypatch):
    monkeypatch.setenv("MW_MEMBRANE_DIALECT", "current")


@pytest.fixture
def limiters(monkeypatch) -> list[RateLimiter]:
    """Every RateLimiter `mw run` or `mw plan` builds, to read its buckets' rates."""
    made: list[RateLimiter] = []
    real = ratelimit.RateLimiter

    def recording(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    # `mw run` imports the limiter when a run starts: patch it where it is defined.
    monkeypatch.setattr(ratelimit, "RateLimiter", recording)
    return made


def test_a_rate_is_divided_by_the_share_and_only_rate_limited_connections_have_one():
    connections = {
        "chatwoot": ConnectionSpec(app="chatwoot", rate_limit="5/s"),
        "chatra": ConnectionSpec(app="chatra", rate_limit="120/m"),
        "chaport": ConnectionSpec(app="chaport"),
    }
    assert shared_rates(connections, 4) == {"chatwoot": 1.25, "chatra": 0.5}
    assert shared_rates(connections) == {"chatwoot": 5.0, "chatra": 2.0}
    buckets = RateLimiter(connections, share=4).buckets
    assert {name: bucket.rate for name, bucket in buckets.items()} == {
        "chatwoot": 1.25,
        "chatra": 0.5,
    }
    with pytest.raises(ValueError):
        shared_rates(connections, 0)


def test_rates_read_per_second_and_slow_ones_per_minute_too():
    assert rate_text(1.25) == "1.25/s"
    assert rate_text(5.0) == "5/s"
    assert rate_text(0.5) == "0.5/s (30/m)"


def test_the_share_is_the_shard_count_unless_given_and_survives_the_journal():
    assert Shard(2, 4, "look").rate_divisor == 4
    assert Shard(2, 4, "look", rate_share=1).rate_divisor == 1
    again = Shard.from_json(Shard(2, 4, "look", rate_share=1).to_json())
    assert again.rate_divisor == 1
    # A journal written before shards shared rates says nothing: the default applies.
    assert Shard.from_json({"index": 2, "total": 4, "step": "look"}).rate_divisor == 4


def plan_shard_2(fake_process, *extra):
    for n in (2, 6):  # shard 2 of 4 over 8 ids: positions 1 and 5
        register(fake_process, "get-contact", {"id": n}, {"email": f"{n}@x.io"})
    return mw("plan", *extra, "-i", IDS, "--connection", "c=conn1", "--shard", "2/4", "--json")


def test_mw_plan_of_a_4_shard_run_plans_1_25_per_second_per_shard(tmp_path, fake_process, limiters):
    result = plan_shard_2(fake_process, write_recipe(tmp_path, LIMITED))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == "[rate] c: 5/s, shared by 4 shards: 1.25/s in this one"
    assert limiters[0].buckets["c"].rate == 1.25
    assert json.loads(result.stdout)["shard"]["rate_share"] == 4


@pytest.mark.parametrize(
    ("share", "line", "rate"),
    [
        ("1", "[rate] c: 5/s, the whole of it in this shard (--rate-share 1)", 5.0),
        ("2", "[rate] c: 5/s, shared by 2 shards: 2.5/s in this one", 2.5),
        ("auto", "[rate] c: 5/s, shared by 4 shards: 1.25/s in this one", 1.25),
    ],
)
def test_rate_share_says_how_many_jobs_share_the_account(
    tmp_path, fake_process, limiters, share, line, rate
):
    result = plan_shard_2(fake_process, write_recipe(tmp_path, LIMITED), "--rate-share", share)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == line
    assert limiters[0].buckets["c"].rate == rate


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--shard", "1/2", "--rate-share", "0"],
            "Error: --rate-share '0': write auto (divide each rate_limit by the shard count) "
            "or a whole number from 1 to 10000 (1: each shard has its own credentials)",
        ),
        (["--rate-share", "1"], "Error: --rate-share needs --shard I/N"),
    ],
)
def test_rate_share_usage_errors_exit_2(tmp_path, args, message):
    result = mw("run", write_recipe(tmp_path, LIMITED), "-i", IDS, *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message


def test_a_run_without_shards_keeps_the_whole_rate_and_says_nothing(
    tmp_path, fake_process, limiters
):
    for n in (1, 2):
        register(fake_process, "get-contact", {"id": n}, {"email": f"{n}@x.io"})
    result = mw(
        "plan", write_recipe(tmp_path, LIMITED), "-i", "ids=[1,2]", "--connection", "c=conn1"
    )
    assert result.exit_code == 0, result.stderr
    assert not any(line.startswith("[rate]") for line in result.stderr.splitlines())
    assert limiters[0].buckets["c"].rate == 5.0


def test_a_resumed_shard_keeps_the_share_it_started_with(tmp_path, fake_process, limiters):
    recipe = write_recipe(tmp_path, LIMITED)
    register(fake_process, "get-contact", {"id": 1}, {"email": "1@x.io"})
    body = {"type": "bad_request", "message": "label locked"}
    fake_process.register(
        ["membrane", "action", "run", "tag-contact", "--connectionId=conn1", "--input",
         '{"id":1}', "--json"],
        stderr=json.dumps(body),
        returncode=1,
    )  # fmt: skip
    args = ["-i", "ids=[1,2]", "--connection", "c=conn1", "--shard", "1/2", "--rate-share", "1"]
    first = mw("run", recipe, *args, "--run-id", "S")
    assert first.exit_code == 1, first.stderr
    register(fake_process, "tag-contact", {"id": 1}, {"ok": True})
    resumed = mw("resume", "S")
    assert resumed.exit_code == 0, resumed.stderr
    assert [limiter.buckets["c"].rate for limiter in limiters] == [5.0, 5.0]
