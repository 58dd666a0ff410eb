"""The storage tests' database: SQLite in a file of the test's own, or a fresh PostgreSQL database."""

from __future__ import annotations

from typing import Any

from storage.db import open_database


def open_any(database_url: str, path: str) -> Any:
    if database_url:
        from storage.postgres import open_postgres

        return open_postgres(database_url, pool_size=2)
    return open_database(path)
