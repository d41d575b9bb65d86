"""Tests of the offline sandbox (`membrane-sandbox`)."""

from __future__ import annotations
