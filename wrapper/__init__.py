"""mw: drive the Membrane CLI from Python and run YAML recipes across apps."""

from __future__ import annotations

__version__ = "0.1.0"
