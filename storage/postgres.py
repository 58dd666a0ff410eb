"""PostgreSQL behind the same queries as SQLite (DATABASE_URL=postgresql://...).

A pool of connections (psycopg_pool); a transaction holds one connection for its thread, a statement
outside a transaction borrows one for itself (autocommit). The queries are the ones SQLite runs, their
placeholders translated by storage/dialect.py; rows are NamedRow (by column name or by position). Imported only when DATABASE_URL is set: psycopg costs start-up time and memory
the SQLite default does not need."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar

import psycopg
from psycopg_pool import ConnectionPool

from storage.dialect import POSTGRES, to_psycopg

log = logging.getLogger(__name__)

T = TypeVar("T")
NOTIFY_CHANNEL = "crm_outbox"


class NamedRow(tuple[Any, ...]):
    """A row read by column name (`row["title"]`) or by position (`row[0]`); equal to the tuple of its values."""

    __slots__ = ()
    _index: ClassVar[dict[str, int]] = {}

    def __getitem__(self, key: Any) -> Any:
        if key.__class__ is str:
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@functools.lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[NamedRow]:
    return type("NamedRow", (NamedRow,), {"__slots__": (), "_index": {n: i for i, n in enumerate(names)}})


def named_rows(cursor: Any) -> Any:
    """psycopg's row factory: one NamedRow class per column list (cached), built from the values."""
    description = cursor.description
    if description is None:
        return tuple
    return _row_class(tuple(column.name for column in description))


class Result:
    """A statement's rows, read before its connection went back to the pool (the sqlite3 cursor's API)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class PostgresDatabase:
    """The `execute` / transaction surface the queries use, on a pool. Thread-safe: each thread's
    transaction has a connection of its own; the event loop hands the work to `run` (a worker thread)."""

    dialect = POSTGRES

    def __init__(self, url: str, pool_size: int = 8) -> None:
        self.url = url
        self.pool = ConnectionPool(
            url,
            min_size=min(2, pool_size),
            max_size=pool_size,
            kwargs={"autocommit": True, "prepare_threshold": 2, "row_factory": named_rows},
            open=True,
            name="crm",
        )
        self.pool.wait(timeout=30)
        self._local = threading.local()
        # One worker thread per pooled connection: a turn's storage work never queues for a connection.
        self.executor = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="crm-db")

    # --- statements and transactions ------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        return getattr(self._local, "conn", None) is not None

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> Result:
        statement = to_psycopg(sql)
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return self._run(conn, statement, parameters)
        with self.pool.connection() as own:
            return self._run(own, statement, parameters)

    @staticmethod
    def _run(conn: psycopg.Connection[Any], sql: str, parameters: Any) -> Result:
        cursor = conn.execute(sql, parameters or None)
        rows = cursor.fetchall() if cursor.description is not None else []
        return Result(rows, cursor.rowcount)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction on one connection for this thread; nested use joins the outer one."""
        if self.in_transaction:
            yield
            return
        with self.pool.connection() as conn, conn.transaction():
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    def lock(self, *key: object) -> None:
        """Serialise the transactions that take the same key (until they end)."""
        self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", ["\x1f".join(map(str, key))])

    def notify(self, payload: str) -> None:
        """Wake the senders of every replica; delivered when the transaction commits."""
        self.execute("SELECT pg_notify(?, ?)", [NOTIFY_CHANNEL, payload])

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Blocking storage work in a worker thread, so the event loop never waits on the network. The
        work sees the turn's context variables (the reader's locale); it sets none."""
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self.executor, context.run, fn, *args)

    def close(self) -> None:
        """At shutdown, after the background work stopped: the pool closes first, so work left behind by a
        cancelled task that still waits for a connection fails at once (PoolClosed) instead of waiting out the
        pool's timeout (30 s when the database has gone); transactions under way finish on their connections,
        then the worker threads are joined."""
        self.pool.close()
        self.executor.shutdown(wait=True)


class Coordination:
    """Session-level facts shared by the replicas: LISTEN for the outbox, and which replica owns the
    sending for a tenant (a session advisory lock on a connection of its own: the lock goes with the
    session, so a replica that dies hands its tenants over to the next one that asks)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._owner: psycopg.AsyncConnection[Any] | None = None
        self._listener: asyncio.Task[None] | None = None
        self.owned: set[str] = set()
        self._lock = asyncio.Lock()

    async def start(self, on_notify: Callable[[str], None]) -> None:
        self._owner = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        self._listener = asyncio.create_task(self._listen(on_notify), name="crm-listen")

    async def _listen(self, on_notify: Callable[[str], None]) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    on_notify("")  # (re)connected: anything missed meanwhile is read now
                    async for note in conn.notifies():
                        on_notify(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception:  # the slow poll covers the gap; reconnect after a pause
                log.warning("LISTEN connection lost; polling until it is back", exc_info=True)
                await asyncio.sleep(1.0)

    async def own(self, tenant_id: str) -> bool:
        """Whether this replica sends for the tenant (taking it if nobody does)."""
        if tenant_id in self.owned:
            return True
        async with self._lock:
            if self._owner is None or self._owner.closed:
                self.owned.clear()  # a lost session lost its locks
                self._owner = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
            try:
                cursor = await self._owner.execute(
                    "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", ["sender\x1f" + tenant_id]
                )
                row = await cursor.fetchone()
            except psycopg.OperationalError:
                await self._owner.close()  # reconnected (owning nothing) on the next call
                raise
            if row and row[0]:
                self.owned.add(tenant_id)
                return True
            return False

    async def release(self, tenant_id: str) -> None:
        async with self._lock:
            if tenant_id in self.owned and self._owner is not None and not self._owner.closed:
                await self._owner.execute(
                    "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", ["sender\x1f" + tenant_id]
                )
            self.owned.discard(tenant_id)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        if self._owner is not None:
            await self._owner.close()


def open_postgres(url: str, pool_size: int = 8) -> PostgresDatabase:
    return PostgresDatabase(url, pool_size)
