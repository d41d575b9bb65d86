"""Bad input of every kind ends in one clear line and a documented exit code, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import RECIPES
from wrapper.cli import cli
from wrapper.errors import InputError, ResumeError, UsageError
from wrapper.membrane.failures import parse_json
from wrapper.recipe.inputs import load_inputs_file, resolve_inputs
from wrapper.recipe.model import InputSpec
from wrapper.recipe.shard import parse_spec
from wrapper.records.journal import list_runs, load_state
from wrapper.records.merge import read_report

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_an_alias_bomb_in_an_inputs_file_is_refused(tmp_path):
    path = tmp_path / "in.yaml"
    path.write_text(BOMB + "labels: *i\n")
    with pytest.raises(InputError) as info:
        load_inputs_file(path)
    assert str(info.value) == (
        f"--inputs: {path}: too many values (over 200000); are aliases nesting?"
    )
    single = tmp_path / "labels.yaml"
    single.write_text(BOMB + "z: *i\n")
    with pytest.raises(InputError) as info:
        resolve_inputs({"labels": InputSpec(type="object")}, given={"labels": f"@{single}"})
    assert str(info.value).endswith("too many values (over 200000); are aliases nesting?")


def test_input_files_that_are_not_utf8_or_nest_too_deep_are_named(tmp_path):
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00a")
    with pytest.raises(InputError) as info:
        load_inputs_file(binary)
    assert str(info.value) == (
        f"--inputs: {binary} is not UTF-8 text (byte 0xff at offset 0); save it as UTF-8"
    )
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError) as info:
        resolve_inputs({"x": InputSpec(type="array")}, given={"x": f"@{deep}"})
    assert str(info.value) == f"input 'x': {deep} is nested too deeply"
    nested = "[" * 300 + "]" * 300
    with pytest.raises(InputError) as info:
        resolve_inputs({"x": InputSpec(type="array")}, given={"x": nested})
    assert str(info.value) == "input 'x': nested deeper than 200 levels"


def test_cli_output_nested_past_any_real_answer_is_not_json():
    assert parse_json("[" * 100_000 + "]" * 100_000) == (False, None)


def test_a_report_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(UsageError) as info:
        read_report(path)
    assert str(info.value) == f"{path}: not UTF-8 text, so not an mw run report"


def test_a_journal_of_garbage_bytes_is_reported_and_skipped_by_the_list(isolated_env):
    folder = isolated_env / "state" / "runs" / "junk"
    folder.mkdir(parents=True)
    (folder / "journal.jsonl").write_bytes(b"\xff\xfe\x00garbage\n")
    with pytest.raises(ResumeError) as info:
        load_state("junk")
    assert str(info.value).startswith("run 'junk': the journal ")
    assert list_runs() == []


@pytest.mark.parametrize("run_id", ["../runs/x", "/etc/passwd", ".hidden"])
def test_a_run_id_that_is_not_one_is_not_looked_up(run_id):
    with pytest.raises(ResumeError) as info:
        load_state(run_id)
    assert str(info.value) == (f"no run {run_id!r}: a run id is letters, digits, '.', '_' and '-'")


HOW = "write it as I/N, e.g. --shard 2/4 (shard 2 of 4), or auto"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1/10001", "--shard 1/10001: at most 10000 shards"),
        ("1/99999999999", "--shard '1/99999999999': " + HOW),
        ("١/٢", "--shard '١/٢': " + HOW),
    ],
)
def test_shard_counts_are_bounded_and_ascii(text, message):
    with pytest.raises(UsageError) as info:
        parse_spec(text)
    assert str(info.value) == message


def test_an_unclosed_quote_in_mw_membrane_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("MW_MEMBRANE", "'unterminated")
    result = CliRunner().invoke(cli, ["connections", "list"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        'Error: --membrane / MW_MEMBRANE "\'unterminated": No closing quotation'
    )


def test_mw_runs_of_a_path_like_id_exits_2(tmp_path: Path):
    result = CliRunner().invoke(cli, ["runs", "show", "../x"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "Error: no run '../x': a run id is letters, digits, '.', '_' and '-'"
    )
    assert "Traceback" not in result.stderr


def test_csv_rows_read_a_bom_and_refuse_extra_fields_and_repeated_columns(tmp_path):
    spec = {"rows": InputSpec(type="array")}
    bom = tmp_path / "excel.csv"
    bom.write_text("\ufeffemail,name\nada@example.com,Ada\n", encoding="utf-8")
    assert resolve_inputs(spec, given={"rows": f"@{bom}"}) == {
        "rows": [{"email": "ada@example.com", "name": "Ada"}]
    }
    extra = tmp_path / "extra.csv"
    extra.write_text("email,name\na@x.io,A\nb@x.io,B,oops\n")
    with pytest.raises(InputError) as info:
        resolve_inputs(spec, given={"rows": f"@{extra}"})
    assert str(info.value) == (
        f"input 'rows': {extra}:3: more fields than the header's 2 (email, name)"
    )
    twice = tmp_path / "twice.csv"
    twice.write_text("email,email\na,b\n")
    with pytest.raises(InputError) as info:
        resolve_inputs(spec, given={"rows": f"@{twice}"})
    assert str(info.value) == f"input 'rows': {twice}:1: the header names 'email' twice"


def test_a_fifo_as_a_recipe_is_refused_not_read(tmp_path):
    import os

    from wrapper.errors import RecipeError
    from wrapper.recipe.loader import load_recipe

    fifo = tmp_path / "r.yaml"
    os.mkfifo(fifo)
    with pytest.raises(RecipeError) as info:
        load_recipe(fifo)
    assert str(info.value) == f"{fifo}: not a regular file"


def test_a_run_refused_for_its_input_leaves_no_events_file_and_a_red_junit(tmp_path):
    events, junit = tmp_path / "events.ndjson", tmp_path / "junit.xml"
    recipe = RECIPES / "welcome-contact.yaml"
    outputs = ["--events", str(events), "--junit", str(junit)]
    result = CliRunner().invoke(
        cli, ["--sandbox", "run", str(recipe), "-i", "email=nope", *outputs, "-q"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: input 'email': 'nope' is not a valid email\n")
    assert not events.exists()
    assert "<failure" in junit.read_text()
