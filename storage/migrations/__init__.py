"""Numbered schema migrations, one committed file per engine and version (sqlite/0001_core.sql,
postgresql/0001_core.sql, ...), applied in order at start by one runner. A file never changes once it has
landed (tests/storage/test_migration_files.py pins each one's SHA-256): a change to the schema is a new
file in both folders, with the next number. A file's first line, `-- <name>`, is the name recorded in
schema_migrations. SQLite applies each file in a write transaction (BEGIN IMMEDIATE: a second instance
waits, then finds it applied); PostgreSQL in a transaction under an advisory lock held for the whole run, so
that replicas starting together migrate once."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from storage.db import transaction

if TYPE_CHECKING:
    from storage.postgres import PostgresDatabase

FOLDER = Path(__file__).parent
MIGRATION_LOCK = 7_140_001  # pg_advisory_lock key: one migrating replica at a time
_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_SCHEMA_TABLE = "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def migrations_of(engine: str) -> tuple[Migration, ...]:
    """The engine's migration files ('sqlite' or 'postgresql'), by number."""
    found = []
    for path in (FOLDER / engine).iterdir():
        if matched := _FILE.match(path.name):
            first = path.read_text(encoding="utf-8").split("\n", 1)[0]
            found.append(Migration(int(matched.group(1)), first.removeprefix("--").strip(), path))
    return tuple(sorted(found, key=lambda m: m.number))


# SQLite's migrations as (number, name, text): what an old database is upgraded through.
MIGRATIONS: tuple[tuple[int, str, str], ...] = tuple((m.number, m.name, m.text) for m in migrations_of("sqlite"))
# Fills SQLite's full-text indexes from the tables (bench/seed.py, after a bulk load without the triggers).
SEARCH_FILL = (FOLDER.parent / "search_fill.sql").read_text(encoding="utf-8")


def _is_comment(statement: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("--") for line in statement.splitlines())


def split_statements(script: str) -> list[str]:
    """Split an SQLite script into statements (trigger bodies contain semicolons)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if not _is_comment(current):
        raise ValueError(f"incomplete SQL statement: {current.strip()[:80]}")
    return [s for s in statements if not _is_comment(s)]


def split_postgres(script: str) -> list[str]:
    """Split a PostgreSQL script into statements: on a semicolon ending a line, outside $$-quoted bodies."""
    statements, current, quoted = [], "", False
    for line in script.splitlines(keepends=True):
        current += line
        if line.lstrip().startswith("--"):
            continue
        quoted ^= line.count("$$") % 2 == 1
        if not quoted and line.rstrip().endswith(";"):
            statements.append(current.strip())
            current = ""
    statements.append(current.strip())
    return [s for s in statements if not _is_comment(s)]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def applied_versions(db: sqlite_utils.Database) -> set[int]:
    db.execute(_SCHEMA_TABLE)
    return {row[0] for row in db.execute("SELECT number FROM schema_migrations").fetchall()}


def migrate(db: Any, upto: int | None = None) -> list[int]:
    """Apply every migration not applied yet (up to `upto`), each in its own transaction; the numbers applied."""
    if not isinstance(db, sqlite_utils.Database):
        return _migrate_postgres(db, upto)
    done = applied_versions(db)
    applied = []
    for migration in migrations_of("sqlite"):
        if migration.number in done or (upto is not None and migration.number > upto):
            continue
        with transaction(db):
            # A second instance may have applied it while this one waited for the lock.
            if db.execute("SELECT 1 FROM schema_migrations WHERE number = ?", [migration.number]).fetchone():
                continue
            for statement in split_statements(migration.text):
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
                [migration.number, migration.name, _now()],
            )
        applied.append(migration.number)
    return applied


def _migrate_postgres(db: PostgresDatabase, upto: int | None) -> list[int]:
    applied: list[int] = []
    with db.pool.connection() as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
        try:
            conn.execute(_SCHEMA_TABLE)
            done = {row[0] for row in conn.execute("SELECT number FROM schema_migrations").fetchall()}
            for migration in migrations_of("postgresql"):
                if migration.number in done or (upto is not None and migration.number > upto):
                    continue
                with conn.transaction():
                    for statement in split_postgres(migration.text):
                        conn.execute(statement.encode())  # bytes: psycopg reads no placeholders in DDL
                    conn.execute(
                        "INSERT INTO schema_migrations (number, name, applied_at) VALUES (%s, %s, %s)",
                        [migration.number, migration.name, _now()],
                    )
                applied.append(migration.number)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
    return applied


__all__ = ["MIGRATIONS", "SEARCH_FILL", "Migration", "migrate", "migrations_of", "split_postgres", "split_statements"]
