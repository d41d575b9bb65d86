"""`mw lint`, `mw describe` and `mw schema` as users see them: exact output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import RECIPES as DATA
from tests.helpers import mw
from wrapper.cli import cli
from wrapper.recipe.schema import recipe_schema_text

GOOD = "version: 1\nname: t\nconnections:\n  cw: {app: chatwoot}\nsteps:\n  - {id: a, action: x}\n"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text(GOOD.replace("action: x}", "action: x, iff: y}"))
    (tmp_path / "warn.yaml").write_text(
        GOOD.replace("steps:", "inputs:\n  unused: {type: string}\nsteps:")
    )
    return tmp_path


def test_lint_clean(here: Path) -> None:
    result = mw("lint", "good.yaml")
    assert (result.exit_code, result.stdout) == (0, "1 recipe checked, no problems.\n")


def test_lint_errors_exit_2_with_one_line_each(here: Path) -> None:
    result = mw("lint", "good.yaml", "bad.yaml", "missing.yaml")
    assert result.exit_code == 2
    assert result.stdout == (
        "bad.yaml:6:24: steps[0]: unknown key 'iff' (did you mean 'if'?)\n"
        "missing.yaml: no such file\n"
        "3 recipes checked: 2 errors.\n"
    )


def test_lint_warnings_pass_unless_strict(here: Path) -> None:
    line = "warn.yaml:6:3: warning: inputs.unused: input 'unused' is never used\n"
    result = mw("lint", "warn.yaml")
    assert (result.exit_code, result.stdout) == (0, line + "1 recipe checked: 1 warning.\n")
    assert mw("lint", "--strict", "warn.yaml").exit_code == 2


def test_lint_json(here: Path) -> None:
    result = mw("lint", "bad.yaml", "warn.yaml", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "ok": False,
        "recipes": 2,
        "errors": 1,
        "warnings": 1,
        "problems": [
            {
                "location": "bad.yaml:6:24",
                "file": "bad.yaml",
                "line": 6,
                "col": 24,
                "message": "steps[0]: unknown key 'iff' (did you mean 'if'?)",
                "severity": "error",
                "code": "load",
            },
            {
                "location": "warn.yaml:6:3",
                "file": "warn.yaml",
                "line": 6,
                "col": 3,
                "message": "inputs.unused: input 'unused' is never used",
                "severity": "warning",
                "code": "unused-input",
            },
        ],
    }


def test_lint_prints_github_annotations_under_actions(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = mw("lint", "bad.yaml")
    assert result.stderr.splitlines()[-1] == (
        "::error file=bad.yaml,line=6,col=24,title=mw lint::steps[0]: unknown key 'iff' "
        "(did you mean 'if'?)"
    )


def test_lint_needs_a_recipe() -> None:
    result = CliRunner().invoke(cli, ["lint"])
    assert result.exit_code == 2
    assert "Missing argument 'RECIPE...'" in result.output


def test_describe_text() -> None:
    result = mw("describe", str(DATA / "welcome.yaml"))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:8] == [
        "chatwoot-welcome-contact — Find or create a Chatwoot contact, open a conversation, "
        "greet them and label it.",
        "",
        "Inputs:",
        "  email: string, required — Customer e-mail",
        '  name: string, optional, default "New customer"',
        "  inbox_id: integer, optional, default 1",
        '  labels: array, optional, default ["new-lead"]',
        "  api_note: string, optional, secret, from env SUPPORT_NOTE",
    ]


def test_describe_json_has_inputs_schema() -> None:
    result = mw("describe", str(DATA / "welcome.yaml"), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["inputs"]["required"] == ["email"]
    assert [s["id"] for s in data["steps"]] == ["find", "create", "open", "label"]


def test_describe_mermaid() -> None:
    result = mw("describe", str(DATA / "welcome.yaml"), "--mermaid")
    assert result.exit_code == 0
    assert result.stdout.startswith("flowchart TD\n")


def test_describe_bad_recipe_is_one_error(here: Path) -> None:
    result = CliRunner().invoke(cli, ["describe", "bad.yaml"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: bad.yaml:6:24: steps[0]: unknown key 'iff' (did you mean 'if'?)\n"
        "  Fix the recipe; `mw lint RECIPE` lists every problem at once.\n"
    )


def test_describe_json_and_mermaid_exclude_each_other(here: Path) -> None:
    result = CliRunner().invoke(cli, ["describe", "good.yaml", "--json", "--mermaid"])
    assert result.exit_code == 2
    assert "choose one of --json and --mermaid" in result.output


def test_schema_recipe_is_the_committed_file() -> None:
    result = mw("schema", "recipe")
    assert result.exit_code == 0
    assert result.stdout == recipe_schema_text()


def test_schema_report() -> None:
    from wrapper.records.report import report_schema

    result = mw("schema", "report")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == report_schema()


def test_schema_unknown_kind() -> None:
    result = CliRunner().invoke(cli, ["schema", "nope"])
    assert result.exit_code == 2
    assert "'nope' is not one of 'recipe', 'report'" in result.output


@pytest.mark.parametrize("command", ["lint", "describe", "schema"])
def test_help_has_examples(command: str) -> None:
    result = mw(command, "--help")
    assert result.exit_code == 0
    assert "  Examples:\n    mw " + command in result.stdout


def test_lint_a_folder_checks_every_recipe_below_it(here: Path) -> None:
    (here / "sub").mkdir()
    (here / "sub" / "x.yml").write_text(GOOD)
    (here / "notes.txt").write_text("not a recipe")
    result = mw("lint", ".")
    assert result.exit_code == 2
    assert result.stdout == (
        "bad.yaml:6:24: steps[0]: unknown key 'iff' (did you mean 'if'?)\n"
        "warn.yaml:6:3: warning: inputs.unused: input 'unused' is never used\n"
        "4 recipes checked: 1 error, 1 warning.\n"
    )


def test_describe_and_lint_take_a_shipped_recipe_by_name(here: Path) -> None:
    described = mw("describe", "chatwoot/daily-summary")
    assert described.exit_code == 0, described.stderr
    assert described.stdout.startswith("chatwoot-daily-summary — A read-only morning report")
    linted = mw("lint", "chatwoot/daily-summary", "chaport/welcome-visitor-missing")
    assert linted.exit_code == 2
    assert linted.stdout.splitlines() == [
        "chaport/welcome-visitor-missing: no such file",
        "2 recipes checked: 1 error.",
    ]
    # A file of the same name in the working directory wins over the shipped one.
    (here / "chatwoot").mkdir()
    (here / "chatwoot" / "daily-summary").write_text(
        "version: 1\nname: mine\nconnections: {c: {app: chatwoot}}\nsteps: [{id: a, action: x}]\n"
    )
    mine = mw("describe", "chatwoot/daily-summary", "--json")
    assert mine.exit_code == 0, mine.stderr
    assert json.loads(mine.stdout)["name"] == "mine"
