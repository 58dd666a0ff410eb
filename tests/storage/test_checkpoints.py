"""Checkpoints in the background: the writer's commits never copy the WAL into the database file themselves
(until the backstop mark); the Checkpointer does it from its own thread and connection."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlite_utils

from storage.db import BACKSTOP_PAGES, Checkpointer, open_database, transaction


def _rows_in_database_file(path: Path) -> int:
    """Rows as the database file alone holds them (immutable: the WAL is not read)."""
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM notes").fetchone()[0])
    finally:
        conn.close()


def _write(db: sqlite_utils.Database, count: int) -> None:
    for n in range(count):
        with transaction(db):
            db.execute("INSERT INTO notes (text) VALUES (?)", [f"note {n}"])


def test_the_writer_leaves_checkpoints_to_the_background_up_to_the_backstop(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    db = open_database(str(path))
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == BACKSTOP_PAGES
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _write(db, 1_200)  # a page or more each: past the 1,000 pages at which SQLite's writer would checkpoint
    frames = (path.with_name("crm.db-wal").stat().st_size - 32) // (4096 + 24)
    assert frames >= 1_200 and _rows_in_database_file(path) == 0  # all of it still in the WAL

    checkpointer = Checkpointer(str(path), seconds=0.02)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 10
        while _rows_in_database_file(path) < 1_200 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _rows_in_database_file(path) == 1_200
        _write(db, 20)  # the writer goes on while the checkpointer runs: nothing waits, nothing is lost
        while _rows_in_database_file(path) < 1_220 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _rows_in_database_file(path) == 1_220
    finally:
        checkpointer.stop()
    assert not any(t.name == "sqlite-checkpoint" for t in threading.enumerate())
    db.close()


def test_a_failing_checkpoint_is_logged_and_the_thread_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "crm.db"
    db = open_database(str(path))
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    calls: list[int] = []

    class Failing(Checkpointer):
        def checkpoint(self, conn: sqlite3.Connection) -> tuple[int, int, int]:
            calls.append(1)
            if len(calls) == 1:
                raise sqlite3.OperationalError("disk I/O error")
            return super().checkpoint(conn)

    checkpointer = Failing(str(path), seconds=0.02)
    checkpointer.start()
    _write(db, 5)
    deadline = time.monotonic() + 10
    while (len(calls) < 3 or _rows_in_database_file(path) < 5) and time.monotonic() < deadline:
        time.sleep(0.02)
    checkpointer.stop()
    assert len(calls) >= 3 and _rows_in_database_file(path) == 5
    assert "background checkpoint failed: disk I/O error" in caplog.text
    db.close()


async def test_the_service_runs_a_checkpointer_while_it_serves(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from app import create_app
    from bot.config import Config

    def running() -> bool:
        return any(t.name == "sqlite-checkpoint" for t in threading.enumerate())

    app = create_app(Config(database_path=str(tmp_path / "crm.db")))
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        assert running()
    assert not running()
