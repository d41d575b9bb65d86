"""Which help layout `MW_SANDBOX_HELP` picks, and help printed in it.

The layouts (commander's, grouped, minimist's) render from the same command table in
helptext.py; choosing between them lives here so no layout module imports another.
"""

from __future__ import annotations

import os
from typing import Final

from wrapper.sandbox import helptext, minimist_help

LAYOUTS: Final = ("commander", "grouped", "minimist")


class LayoutError(ValueError):
    """`MW_SANDBOX_HELP` names no layout."""


def layout() -> str:
    raw = os.environ.get("MW_SANDBOX_HELP", "").strip().lower() or "commander"
    if raw not in LAYOUTS:
        raise LayoutError(f"MW_SANDBOX_HELP={raw!r} is not one of {', '.join(LAYOUTS)}")
    return raw


def top_level() -> str:
    """`membrane --help` in the layout `MW_SANDBOX_HELP` picks."""
    chosen = layout()
    if chosen == "grouped":
        return helptext.render_grouped()
    if chosen == "minimist":
        return minimist_help.render_top()
    return helptext.USAGE


def command_help(path: str) -> str:
    """`membrane <path> --help` in the layout `MW_SANDBOX_HELP` picks."""
    if layout() == "minimist":
        return minimist_help.render(path)
    return helptext.render(path)
