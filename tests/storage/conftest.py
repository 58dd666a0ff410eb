"""The storage tests' repository, migrated, on the backend under test (see tests/conftest.py: database_url)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.migrations import migrate
from storage.repository import Repository
from tests.storage.backends import open_any


@pytest.fixture
def repo(tmp_path: Path, database_url: str) -> Iterator[Repository]:
    db = open_any(database_url, str(tmp_path / "crm.db"))
    migrate(db)
    yield Repository(db)
    db.close()
