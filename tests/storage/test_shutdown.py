"""Stopping: the background work that sends stops while what it needs is open, and closing PostgreSQL never
waits out the pool's timeout for work nobody awaits any more."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from psycopg_pool import PoolClosed

from app import BOT, NOTIFIER, create_app
from bot.config import Config
from storage.postgres import Coordination, PostgresDatabase, open_postgres
from tests.conftest import BACKENDS
from tests.postgres_server import PostgresServer

pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL is not among CRM_TEST_BACKENDS")


@pytest.fixture
def database(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.new_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


def test_work_waiting_for_a_connection_fails_at_close_instead_of_waiting_for_one(database: str) -> None:
    """Every pooled connection is out (as when the database went away under a stopping bot): work still
    queued for one fails with PoolClosed when the database closes, so close() returns without waiting out the
    pool's 30 s timeout, and the connections out are closed when they come back. Work outside the event loop
    (a thread of its own)."""
    db: PostgresDatabase = open_postgres(database, pool_size=2)
    held = [db.pool.getconn(), db.pool.getconn()]
    with ThreadPoolExecutor(1) as thread:
        waiting = thread.submit(db.execute, "SELECT 1")
        while db.pool.get_stats().get("requests_waiting", 0) == 0 and not waiting.done():
            pass  # the thread asks the pool for a connection (microseconds)
        db.close()
        with pytest.raises(PoolClosed):
            waiting.result(timeout=5)
    for conn in held:
        db.pool.putconn(conn)
        assert conn.closed


async def test_work_on_the_event_loop_waiting_for_a_connection_fails_at_close(database: str) -> None:
    """The same for the event loop's work (PostgresDatabase.run): queued for a connection, it fails with
    PoolClosed at close() instead of waiting 30 s, and the connections out close when they come back."""
    db: PostgresDatabase = open_postgres(database, pool_size=2)
    held = [await db.loop_pool.get(), await db.loop_pool.get()]
    waiting = asyncio.create_task(db.run(db.execute, "SELECT 1"))
    while not db.loop_pool.waiting:
        await asyncio.sleep(0)
    assert db.busy()
    db.close()
    with pytest.raises(PoolClosed):
        await asyncio.wait_for(waiting, 5)
    for conn in held:
        db.loop_pool.put(conn)
        assert conn.closed
    assert not db.busy()


async def test_the_card_updater_stops_before_the_sender_and_the_coordination(tmp_path: Path, database: str) -> None:
    """Card updates go through the sender's limiter and ask the coordination which replica sends for their
    tenant: they stop first, while both are open."""
    app = create_app(Config(database_path=str(tmp_path / "crm.db"), database_url=database))
    order: list[str] = []

    def spy(name: str, stop: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], Coroutine[Any, Any, None]]:
        async def spied() -> None:
            order.append(name)
            await stop()

        return spied

    async with TestClient(TestServer(app)):
        updater, notifier = app[BOT].card_updater, app[NOTIFIER]
        updater.close = spy("card updater", updater.close)  # type: ignore[method-assign]
        notifier.stop = spy("sender", notifier.stop)  # type: ignore[method-assign]
        coordination = app[BOT].services.deliveries.ownership
        assert isinstance(coordination, Coordination)
        coordination.close = spy("coordination", coordination.close)  # type: ignore[method-assign]
    assert order == ["card updater", "sender", "coordination"]
