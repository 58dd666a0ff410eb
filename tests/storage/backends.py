"""The storage tests' database: SQLite in a file of the test's own, or a fresh PostgreSQL database."""

from __future__ import annotations

from typing import Any

from storage.db import open_database


def open_any(database_url: str, path: str) -> Any:
    if database_url:
        from storage.postgres import open_postgres

        return open_postgres(database_url, pool_size=2)
    return open_database(path)


def old_rows(db: object, table: str, rows: list[dict[str, object]]) -> None:
    """Rows as the code of an older schema wrote them (today's code reads and writes today's schema only)."""
    for row in rows:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))  # type: ignore[attr-defined]
