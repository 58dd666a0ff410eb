"""PostgreSQL work handed over by the event loop (PostgresDatabase.run) runs on the loop's thread, each turn
waiting for the database in the loop: turns interleave, each with a transaction of its own, and one cut short
leaves nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from storage.postgres import PostgresDatabase, in_loop, open_postgres
from tests.conftest import BACKENDS
from tests.postgres_server import PostgresServer

pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL is not among CRM_TEST_BACKENDS")


@pytest.fixture
def db(postgres_server: PostgresServer) -> Iterator[PostgresDatabase]:
    name = postgres_server.new_database()
    database = open_postgres(postgres_server.url(name), pool_size=2)
    database.execute("CREATE TABLE t (k text PRIMARY KEY, v int)")
    yield database
    database.close()
    postgres_server.drop_database(name)


async def test_storage_work_on_the_event_loop_interleaves_and_keeps_transactions_apart(db: PostgresDatabase) -> None:
    """Turns run on the loop's thread at once (each waits for the database in the loop): two transactions open
    together, each with its own connection, and what one wrote is not seen by the other until it commits; a
    failure rolls back its own transaction only."""
    both_open = asyncio.Event()
    opened = 0

    def write(key: str, fail: bool) -> list[str]:
        nonlocal opened
        with db.transaction():
            db.execute("INSERT INTO t (k, v) VALUES (?, 1)", [key])
            opened += 1
            if opened == 2:
                both_open.set()
            in_loop(both_open.wait())  # both transactions are open now, on two connections
            seen = [row[0] for row in db.execute("SELECT k FROM t ORDER BY k", [])]
            if fail:
                raise ValueError("refused")
            return seen

    ok, failed = await asyncio.gather(db.run(write, "a", False), db.run(write, "b", True), return_exceptions=True)
    assert ok == ["a"]  # b's insert was not committed, and never will be
    assert isinstance(failed, ValueError)
    assert [tuple(r) for r in db.execute("SELECT k, v FROM t", [])] == [("a", 1)]
    assert not db.busy() and db.loop_pool.out == 0


async def test_a_turn_cancelled_while_it_waits_rolls_back_and_gives_its_connection_up(db: PostgresDatabase) -> None:
    """Cancelled in the middle of a statement (the bot stopping), the turn's transaction is not committed, the
    connection it held is closed (its state is unknown) and given back, and the next turn works."""
    started = asyncio.Event()

    def slow() -> None:
        with db.transaction():
            db.execute("INSERT INTO t (k, v) VALUES (?, 1)", ["cut"])
            started.set()
            db.execute("SELECT pg_sleep(?)", [5])

    turn = asyncio.create_task(db.run(slow))
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.sleep(0.05)  # in pg_sleep now
    turn.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(turn, 5)
    assert db.loop_pool.out == 0 and not db.loop_pool.idle  # the cut connection was closed, not kept
    assert await db.run(lambda: [tuple(r) for r in db.execute("SELECT k FROM t", [])]) == []
    assert not db.busy()


async def test_a_failed_statement_on_the_loop_raises_psycopgs_error_and_the_connection_stays_usable(
    db: PostgresDatabase,
) -> None:
    """A refused statement raises the error psycopg would (UniqueViolation), its transaction rolls back, and
    the connection goes back to the pool in good order."""
    import psycopg.errors

    def twice() -> None:
        with db.transaction():
            db.execute("INSERT INTO t (k, v) VALUES (?, 1)", ["same"])
            db.execute("INSERT INTO t (k, v) VALUES (?, 2)", ["same"])

    with pytest.raises(psycopg.errors.UniqueViolation):
        await db.run(twice)
    assert len(db.loop_pool.idle) == 1
    assert await db.run(lambda: db.execute("SELECT count(*) FROM t", []).fetchone()[0]) == 0
