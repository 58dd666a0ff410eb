"""Opening the SQLite file: WAL, foreign keys, a busy timeout, explicit transactions, checkpoints in the
background."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
CHECKPOINT_SECONDS = 1.0
# SQLite's writer copies the WAL into the database itself once the WAL holds 1,000 pages: the commit that
# crosses the line waits for the copy and its fsync (on a busy bot every hundred-odd commits: 40-50 µs a
# commit on average, about as much as the commit's own writing). The Checkpointer does it from a thread of its
# own instead; the writer's own checkpoint stays, at a higher mark (about 40 MB of WAL), for when no
# Checkpointer runs or it falls behind.
BACKSTOP_PAGES = 10_000


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
        conn.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
    return sqlite_utils.Database(conn)


class Checkpointer:
    """Copies committed pages from the WAL into the database file once a second, on a connection and a
    thread of its own (PASSIVE: it never waits for, nor blocks, the writer or a reader), so that no request
    pays for a checkpoint."""

    def __init__(self, path: str, seconds: float = CHECKPOINT_SECONDS) -> None:
        self.path = path
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def checkpoint(self, conn: sqlite3.Connection) -> tuple[int, int, int]:
        """(busy, pages in the WAL, pages copied), as SQLite's wal_checkpoint answers."""
        busy, wal_pages, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return busy, wal_pages, copied

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            while not self._stop.wait(self.seconds):
                try:
                    self.checkpoint(conn)
                except sqlite3.Error as exc:  # the writer's own checkpoint (the backstop) still runs
                    log.warning("background checkpoint failed: %s", exc)
        finally:
            conn.close()


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
