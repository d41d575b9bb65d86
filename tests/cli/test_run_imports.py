"""What a plain `mw run` imports, in a fresh interpreter: pydantic only for reading recipes.

A run builds its report from plain classes and loads the GitHub reporter only on GitHub, so the
only way pydantic gets in is the recipe loader (wrapper/recipe/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import Fresh, fresh_mw

CONN = "0123456789abcdef01234567"
FAKE_MEMBRANE = f"""#!/bin/sh
conn='"id":"{CONN}","name":"Fake","key":"fake","state":"READY","disconnected":false'
case "$1" in
  --help)
    echo 'Usage: membrane [options] [command]'
    echo 'Commands:'
    echo '  connection ensure <app>  Ensure a connection'
    echo '  action run <key>         Run an action'
    echo '  request <conn> <path>    Proxy an HTTP request' ;;
  --version) echo 1.18.0 ;;
  connection) echo "{{$conn}}" ;;
  action) echo '{{"output":{{"id":1,"ok":true}},"actionRunId":"fedcba9876543210fedcba98"}}' ;;
  *) echo '{{"type":"bad_request","message":"unknown command"}}'; exit 1 ;;
esac
"""
RECIPE = """\
version: 1
name: one-step
connections:
  app: {app: fake}
steps:
  - id: s0
    effect: read
    action: get-thing
    connection: app
    input: {n: 0}
    outputs: {id: id}
"""


def _run(tmp_path: Path, *args: str) -> Fresh:
    binary = tmp_path / "bin" / "membrane"
    binary.parent.mkdir()
    binary.write_text(FAKE_MEMBRANE)
    binary.chmod(0o755)
    (tmp_path / "one.yaml").write_text(RECIPE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MW_"))}
    env.update(PATH=f"{binary.parent}{os.pathsep}{env['PATH']}", MW_HOME=str(tmp_path / "home"))
    argv = ["run", "one.yaml", "--connection", f"app={CONN}", "--quiet", *args]
    result = fresh_mw(*argv, cwd=tmp_path, env=env, watch=("pydantic",))
    assert result.code == 0, result.stderr
    return result


def test_a_run_gets_pydantic_only_through_the_recipe_loader(tmp_path):
    result = _run(tmp_path, "--report", "report.json", "--junit", "junit.xml")
    assert all(str(where).startswith("recipe/") for _, where in result.importers), result
    modules = result.modules
    # Reading reports and the GitHub reporter are not a plain run's business.
    for module in ("wrapper.records.report_schema", "wrapper.cli.github", "wrapper.cli.summary"):
        assert module not in modules
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["status"] == "ok"
    assert report["steps"][0]["outputs"] == {"id": 1}


def test_the_report_and_run_modules_import_no_pydantic():
    code = (
        "import sys\n"
        "import wrapper.cli.run, wrapper.cli.app, wrapper.api, wrapper.records.report\n"
        "import wrapper.records.timing, wrapper.records.junit, wrapper.records.journal\n"
        "import wrapper.membrane.client, wrapper.cli.context\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_one_step_run_imports_no_pydantic_at_all(tmp_path):
    modules = _run(tmp_path).modules
    assert [m for m in modules if m.split(".")[0] in ("pydantic", "pydantic_core")] == []


def test_a_one_step_run_leaves_out_what_it_does_not_use(tmp_path):
    modules = _run(tmp_path).modules
    # A thread pool (and the logging it brings) is for foreach; the shard module for --shard;
    # a dataclass writes its methods with `exec` when it is defined, at every start.
    unused = (
        "concurrent.futures",
        "logging",
        "wrapper.recipe.shard",
        "wrapper.recipe.shard_auto",
        "dataclasses",
    )
    assert [m for m in unused if m in modules] == []
