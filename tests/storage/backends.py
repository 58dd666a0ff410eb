"""The storage tests' database: SQLite in a file of the test's own, or a fresh PostgreSQL database."""

from __future__ import annotations

from typing import Any

from storage.db import open_database


def open_any(database_url: str, path: str) -> Any:
    if database_url:
        from storage.postgres import open_postgres

        return open_postgres(database_url, pool_size=2)
    return open_database(path)


def migrate_ahead(db: Any, number: int) -> None:
    """Apply one later SQLite migration ahead of its turn (recorded, so `migrate` skips it): an old schema
    that today's code writes into needs the tables and columns today's code uses beside the rows (0023: the
    locale read with each person; 0024: the write quotas' counters)."""
    from storage.db import transaction
    from storage.migrations import migrations_of, split_statements

    migration = next(m for m in migrations_of("sqlite") if m.number == number)
    with transaction(db):
        for statement in split_statements(migration.text):
            db.execute(statement)
        db.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, '2026-01-01')",
            [migration.number, migration.name],
        )
