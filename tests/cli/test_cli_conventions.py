"""The conventions other command-line tools taught users to expect of `mw`.

Shell completion of recipes, skills and run ids (through click's `_MW_COMPLETE` protocol, as
the shell scripts call it), `-h`, versioned `--json` listings, a `.mw/.gitignore` written the
first time mw creates its state folder, and NO_COLOR honoured on a terminal.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wrapper.cli.app import cli
from wrapper.skills import bundled_names

ROOT = Path(__file__).resolve().parents[2]
MW = Path(sys.executable).parent / "mw"
SET_ONLY = """\
version: 1
name: hello
steps:
  - id: greet
    set: {text: "'hello'"}
outputs: {text: steps.greet.outputs.text}
"""


def complete(words: str, shell: str = "bash") -> list[str]:
    """What `mw` offers for the last word of `words` (the word after a trailing space)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {"_MW_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    result = CliRunner().invoke(cli, [], prog_name="mw", env=env)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


# --- completion ----------------------------------------------------------------------------


def test_recipe_arguments_complete_shipped_names():
    offered = complete("mw run chatwoot/d")
    assert offered == ["plain,chatwoot/daily-summary"]
    for command in ("plan", "lint", "describe", "skills from-recipe"):
        assert complete(f"mw {command} chatwoot/welc") == ["plain,chatwoot/welcome-contact"]


def test_every_shipped_recipe_is_offered_with_a_note_in_zsh(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")  # no local files: only shipped names
    lines = complete("mw run ", shell="zsh")
    # zsh receives type, value and help, one per line.
    offered = [lines[i + 1] for i in range(0, len(lines), 3)]
    shipped = sorted(
        p.relative_to(ROOT / "recipes").with_suffix("").as_posix()
        for p in (ROOT / "recipes").rglob("*.yaml")
    )
    assert offered == shipped
    assert {lines[i + 2] for i in range(0, len(lines), 3)} == {"shipped with mw"}


def test_recipe_files_and_folders_beside_shipped_names(tmp_path, monkeypatch):
    tmp_path = tmp_path / "work"
    tmp_path.mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chatwoot").mkdir()
    (tmp_path / "chatwoot" / "mine.yaml").write_text(SET_ONLY)
    (tmp_path / "chatwoot" / "notes.txt").write_text("not a recipe")
    assert complete("mw run chatwoot/") == [
        "plain,chatwoot/mine.yaml",
        *(f"plain,{n}" for n in _shipped("chatwoot/")),
    ]
    assert complete("mw lint cha")[:1] == ["plain,chatwoot/"]


def test_paths_no_shipped_name_fits_are_left_to_the_shell(tmp_path, monkeypatch):
    # The shell's own file completion descends into folders without a space after the `/`.
    monkeypatch.chdir(tmp_path)
    assert complete("mw run ./my") == ["file,./my"]
    assert complete("mw describe /tmp/x") == ["file,/tmp/x"]


def test_skill_names_complete_for_install_and_uninstall():
    assert complete("mw skills install ch") == [
        f"plain,{n}" for n in bundled_names() if n.startswith("ch")
    ]
    assert complete("mw skills uninstall m") == ["plain,mw"]


def test_run_ids_complete_for_resume_and_runs_show(tmp_path, monkeypatch):
    recipe = tmp_path / "hello.mw.yaml"
    recipe.write_text(SET_ONLY)
    monkeypatch.chdir(tmp_path)
    for run_id in ("20261201T100000-aaaaaa", "20261201T110000-bbbbbb"):
        result = CliRunner().invoke(cli, ["run", str(recipe), "--run-id", run_id, "-q"])
        assert result.exit_code == 0, result.output
    (Path(os.environ["MW_STATE_DIR"]) / "runs" / "not-a-run").mkdir()
    assert complete("mw resume 2026") == [
        "plain,20261201T100000-aaaaaa",
        "plain,20261201T110000-bbbbbb",
    ]
    assert complete("mw runs show 20261201T11") == ["plain,20261201T110000-bbbbbb"]


def test_run_ids_complete_to_nothing_before_any_run():
    assert complete("mw resume ") == [""]  # click's bash protocol: one empty line, no words


# --- -h -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [[], ["run"], ["runs", "show"], ["skills", "install"], ["sandbox", "status"]]
)
def test_dash_h_is_help(path):
    short = CliRunner().invoke(cli, [*path, "-h"])
    assert short.exit_code == 0
    assert short.output == CliRunner().invoke(cli, [*path, "--help"]).output
    assert "-h, --help" in short.output


# --- --json listings ------------------------------------------------------------------------


def test_runs_json_is_versioned_and_lists_each_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    empty = CliRunner().invoke(cli, ["runs", "--json"])
    assert empty.exit_code == 0
    assert json.loads(empty.output) == {"version": 1, "runs": []}
    recipe = tmp_path / "hello.mw.yaml"
    recipe.write_text(SET_ONLY)
    ran = CliRunner().invoke(cli, ["run", str(recipe), "--run-id", "r1", "-q"])
    assert ran.exit_code == 0, ran.output
    listed = json.loads(CliRunner().invoke(cli, ["runs", "--json"]).output)
    [run] = listed["runs"]
    assert listed["version"] == 1
    assert set(run) == {
        "id",
        "recipe",
        "path",
        "status",
        "exit_code",
        "started",
        "resumes",
        "plan",
        "shard",
        "uncertain",
    }
    assert (run["id"], run["recipe"], run["status"], run["exit_code"]) == ("r1", "hello", "ok", 0)
    assert (run["resumes"], run["plan"], run["shard"], run["uncertain"]) == (0, False, None, 0)
    assert Path(run["path"]) == recipe


def test_skills_list_json_is_versioned():
    listed = json.loads(CliRunner().invoke(cli, ["skills", "list", "--json"]).output)
    assert set(listed) == {"version", "skills"}
    assert listed["version"] == 1
    assert [s["name"] for s in listed["skills"]] == bundled_names()
    assert set(listed["skills"][0]) == {"name", "description", "path", "bundled", "installed"}


def test_sandbox_status_json_is_versioned():
    status = json.loads(CliRunner().invoke(cli, ["sandbox", "status", "--json"]).output)
    assert status["version"] == 1
    assert status["exists"] is False
    assert status["path"] == str(Path(os.environ["MW_SANDBOX_DIR"]) / "world.sqlite3")


# --- .mw/.gitignore -------------------------------------------------------------------------


def _run_in(folder: Path, *argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MW), *argv], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def default_state_env() -> dict[str, str]:
    """The environment of a user who set none of mw's folders."""
    return {k: v for k, v in os.environ.items() if k not in ("MW_STATE_DIR", "MW_SANDBOX_DIR")}


def test_the_first_run_writes_mw_gitignore(tmp_path, default_state_env):
    (tmp_path / "hello.mw.yaml").write_text(SET_ONLY)
    ran = _run_in(tmp_path, "run", "hello.mw.yaml", "-q", env=default_state_env)
    assert ran.returncode == 0, ran.stderr
    ignore = tmp_path / ".mw" / ".gitignore"
    assert ignore.read_text().splitlines()[-1] == "*"
    # A folder the user made is theirs: mw adds nothing to it.
    ignore.unlink()
    again = _run_in(tmp_path, "run", "hello.mw.yaml", "-q", env=default_state_env)
    assert again.returncode == 0, again.stderr
    assert not ignore.exists()


@pytest.mark.integration
def test_the_sandbox_writes_mw_gitignore_when_it_makes_the_folder(tmp_path, default_state_env):
    made = _run_in(
        tmp_path, "--sandbox", "connections", "ensure", "chatwoot", "-q", env=default_state_env
    )
    assert made.returncode == 0, made.stderr
    assert (tmp_path / ".mw" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert sorted(p.name for p in (tmp_path / ".mw").iterdir()) == [".gitignore", "sandbox"]


def test_git_ignores_what_mw_leaves(tmp_path, default_state_env):
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "hello.mw.yaml").write_text(SET_ONLY)
    ran = _run_in(tmp_path, "run", "hello.mw.yaml", "-q", env=default_state_env)
    assert ran.returncode == 0, ran.stderr
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == "?? hello.mw.yaml\n"


def _shipped(prefix: str) -> list[str]:
    names = sorted(
        p.relative_to(ROOT / "recipes").with_suffix("").as_posix()
        for p in (ROOT / "recipes").rglob("*.yaml")
    )
    return [n for n in names if n.startswith(prefix)]


# --- NO_COLOR --------------------------------------------------------------------------------

SGR_COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7]m|\x1b\[[0-9;]*9[0-7]m|\x1b\[[0-9;]*38;")


def _on_a_terminal(folder: Path, env: dict[str, str]) -> str:
    """What `mw run` writes to a terminal (a pseudo-terminal, as a person sees it)."""
    import pty

    (folder / "hello.mw.yaml").write_text(SET_ONLY)
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [str(MW), "run", "hello.mw.yaml"],
        cwd=folder,
        env={**env, "TERM": "xterm-256color", "COLUMNS": "100"},
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the process has gone
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=300) == 0
    os.close(leader)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_no_color_keeps_colour_out_of_the_terminal_view(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    coloured = _on_a_terminal(tmp_path, env)
    assert "greet" in coloured
    assert SGR_COLOUR.search(coloured), "the live view shows colour on a terminal"
    plain = _on_a_terminal(tmp_path, {**env, "NO_COLOR": "1"})
    assert "greet" in plain
    assert not SGR_COLOUR.search(plain), repr(plain)
