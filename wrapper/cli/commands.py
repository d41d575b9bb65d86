"""Every `mw` subcommand by name, with the one-line help `mw --help` shows without importing it.

Register a command here as `name: ("module:attribute", "help")`; the group in `app.py` imports
the module only when the command runs.
"""

from __future__ import annotations

TYPE_CHECKING = False  # `typing` costs start-up time; type checkers read this branch anyway
if TYPE_CHECKING:
    from typing import Final

COMMANDS: Final[dict[str, tuple[str, str]]] = {
    # name: (module:attribute, one-line help shown by `mw --help` without importing the module)
    "doctor": ("wrapper.cli.doctor:doctor", "Check the membrane binary, its dialect and login."),
    "connections": ("wrapper.cli.connections:connections", "List or ensure Membrane connections."),
    "actions": ("wrapper.cli.actions:actions", "List, inspect and run actions of a connection."),
    "request": ("wrapper.cli.request:request", "Send an HTTP request through a connection."),
    "sandbox": ("wrapper.cli.sandbox:sandbox", "Inspect, reset or seed the offline sandbox."),
    "run": ("wrapper.cli.run:run", "Run a recipe."),
    "runs": ("wrapper.cli.runs:runs", "List journaled runs, or show one run's steps and items."),
    "resume": ("wrapper.cli.resume:resume", "Resume a stopped run from its journal."),
    "plan": ("wrapper.cli.run:plan", "Show what a recipe would do: reads run, writes are printed."),
    "lint": ("wrapper.cli.lint:lint", "Check recipes without running them."),
    "describe": ("wrapper.cli.describe:describe", "Show a recipe's inputs, steps and outputs."),
    "schema": ("wrapper.cli.schema:schema", "Print the JSON Schema of recipes or reports."),
    "skills": ("wrapper.cli.skills:skills", "List, install and validate Claude Code skills."),
}
