"""mw: drive the Membrane CLI from Python and run YAML recipes across apps.

The library API (see docs/library.md)::

    from wrapper import run_recipe

    result = run_recipe("chatwoot/find-contact", {"email": "ada@example.com"}, sandbox=True)
    print(result.status, result.outputs)

Its names are loaded on first use, so `import wrapper` (and `mw --help`) stays cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

TYPE_CHECKING = False  # `typing` costs start-up time; type checkers read this branch anyway
if TYPE_CHECKING:
    from typing import Any

    from wrapper.api import (
        LintResult,
        RunResult,
        lint_recipe,
        load_recipe,
        plan_recipe,
        resume_run,
        run_recipe,
    )
    from wrapper.errors import WrapperError
    from wrapper.membrane.client import MembraneClient

# name: the module that defines it
_LAZY = {
    "run_recipe": "wrapper.api",
    "plan_recipe": "wrapper.api",
    "resume_run": "wrapper.api",
    "load_recipe": "wrapper.api",
    "lint_recipe": "wrapper.api",
    "RunResult": "wrapper.api",
    "LintResult": "wrapper.api",
    "MembraneClient": "wrapper.membrane.client",
    "WrapperError": "wrapper.errors",
}

__all__ = [
    "LintResult",
    "MembraneClient",
    "RunResult",
    "WrapperError",
    "__version__",
    "lint_recipe",
    "load_recipe",
    "plan_recipe",
    "resume_run",
    "run_recipe",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
