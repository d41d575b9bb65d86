"""Build step that ships the repository's `recipes/`, `skills/` and `schema/` inside the wheel.

pyproject.toml holds all metadata; this file only adds one step to `build_py`: copying the
data folders to `wrapper/_bundled/`, where `wrapper.paths.bundled_dir` looks first. Editable
installs skip the copy and read the folders in the checkout directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("recipes", "skills", "schema")


class BuildWithBundledData(build_py):
    """`build_py` plus a copy of recipes/, skills/ and schema/ into wrapper/_bundled/."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for kind in BUNDLED:
            source = ROOT / kind
            if not source.is_dir():
                continue
            target = Path(self.build_lib) / "wrapper" / "_bundled" / kind
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(
                source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
            )


setup(cmdclass={"build_py": BuildWithBundledData})
