"""`python -m wrapper.sandbox` runs the sandbox CLI, like the `membrane-sandbox` script."""

from __future__ import annotations

import sys

from wrapper.sandbox.cli import main

if __name__ == "__main__":
    sys.exit(main())
