"""Every test here runs against both backends: an SQLite file and a throwaway PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, backend_location


@pytest.fixture(params=BACKENDS)
def store_path(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from backend_location(request, tmp_path)
