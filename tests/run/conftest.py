"""The engine's tests run on a fake client: `fake` answers what a test expects, nothing else."""

from __future__ import annotations

import pytest

from tests.helpers import FakeClient


@pytest.fixture
def fake() -> FakeClient:
    return FakeClient()
