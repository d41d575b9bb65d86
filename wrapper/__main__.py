"""`python -m wrapper` runs the `mw` command line."""

from __future__ import annotations

from wrapper.cli import main

if __name__ == "__main__":
    main()
