"""The storage tests' repository, migrated, on the backend under test (see tests/conftest.py: database_url and
database_path; migrate() finds it up to date)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.migrations import migrate
from storage.repository import Repository
from tests.storage.backends import open_any


@pytest.fixture
def repo(database_path: str, database_url: str) -> Iterator[Repository]:
    db = open_any(database_url, database_path)
    migrate(db)
    yield Repository(db)
    db.close()
