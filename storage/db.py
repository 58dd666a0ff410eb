"""Opening the SQLite file: WAL, foreign keys, a busy timeout, explicit transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000


def open_database(path: str) -> sqlite_utils.Database:
    """Open (or create) the database at `path` (":memory:" for tests) and set it up."""
    # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE by `transaction`,
    # so a writer takes the lock up front instead of failing to upgrade half-way.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return sqlite_utils.Database(conn)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One write transaction: everything inside commits together or not at all."""
    conn = db.conn
    if conn.in_transaction:  # nested use joins the outer transaction
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
