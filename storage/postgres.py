"""PostgreSQL behind the same queries as SQLite (DATABASE_URL=postgresql://...).

A pool of connections (psycopg_pool); a transaction holds one connection for its thread, a statement
outside a transaction borrows one for itself (autocommit). The queries are the ones SQLite runs, their
placeholders translated by storage/dialect.py; rows are NamedRow (by column name or by position). Imported only when DATABASE_URL is set: psycopg costs start-up time and memory
the SQLite default does not need."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar, cast

import psycopg
from psycopg import errors
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import ConnStatus, ExecStatus
from psycopg_pool import ConnectionPool

from storage.dialect import POSTGRES, to_libpq, to_psycopg

log = logging.getLogger(__name__)

T = TypeVar("T")
NOTIFY_CHANNEL = "crm_outbox"
HAND_BACK_SECONDS = 60.0  # an owned tenant this replica has not sent for in this long is handed back
TUPLES_OK = ExecStatus.TUPLES_OK
COMMAND_OK = ExecStatus.COMMAND_OK
AUTO = PyFormat.AUTO


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


_ROW_CLASSES: dict[tuple[bytes | None, ...], type[NamedRow]] = {}


def _row_class(names: tuple[bytes | None, ...]) -> type[NamedRow]:
    found = _ROW_CLASSES.get(names)
    if found is None:
        index = {(n or b"").decode(): i for i, n in enumerate(names)}
        found = type("NamedRow", (NamedRow,), {"__slots__": (), "_index": index})
        if len(_ROW_CLASSES) < 1024:  # a column list per statement shape: a few dozen in practice
            _ROW_CLASSES[names] = found
    return found


def named_rows(cursor: Any) -> Any:
    """psycopg's row factory: one NamedRow class per column list (cached), built from the values. The names
    are read from the result itself: `cursor.description` builds a Column object (type lookups included) per
    column on every call, which cost a click more than its statements' own work."""
    result = cursor.pgresult
    if result is None or not result.nfields:
        return tuple
    return _row_class(tuple(result.fname(i) for i in range(result.nfields)))


PREPARE_AFTER = 2  # uses of a statement (with the same parameter types) before it is prepared on the connection
PREPARED_MAX = 512  # prepared statements a connection keeps; past that, statements go unprepared


class _Prepared:
    """A statement prepared on one connection: its name and the row class its results make."""

    __slots__ = ("name", "rows")

    def __init__(self, name: bytes) -> None:
        self.name = name
        self.rows: type[NamedRow] | None = None


class StatementConnection(psycopg.Connection[Any]):
    """A pooled connection that runs the queries' statements through libpq itself: psycopg's adapters dump the
    parameters and load the rows (its Transformer, so the types are psycopg's), but the statement goes out as
    one PQexecPrepared (or PQexecParams, the first uses) with no cursor, query object or wait loop around it:
    a statement cost this process ~35 us of CPU through `cursor.execute`, ~15 us this way. A statement is
    prepared once it has been used PREPARE_AFTER times with the same parameter types (psycopg's own rule).
    BEGIN, COMMIT and ROLLBACK go the same way. A connection is used by one thread at a time (a transaction's,
    or one statement's borrower), so are its transformer and statements."""

    _statements: psycopg.Cursor[Any] | None = None
    _crm_transformer: Any = None  # psycopg.adapt.Transformer
    _crm_names = 0  # statements prepared so far (their names)
    _crm_prepared: dict[tuple[bytes, tuple[int, ...]], _Prepared | int] | None = None

    def run_statement(self, sql: str, parameters: Any) -> Result:
        """psycopg's own way, for a statement without parameters (it may be several, as a script)."""
        cursor = self._statements
        if cursor is None or cursor.closed:
            cursor = self._statements = self.cursor()
        cursor.execute(sql, parameters)
        result = cursor.pgresult
        rows = cursor.fetchall() if result is not None and result.status == TUPLES_OK else []
        return Result(rows, cursor.rowcount)

    def run(self, sql: bytes, names: tuple[str, ...], parameters: Any) -> Result:
        """One statement with its parameters (a sequence for `$n`, a mapping for the named ones)."""
        transformer = self._crm_transformer
        if transformer is None:
            transformer = self._crm_transformer = Transformer(self)
            self._crm_prepared = {}
        values = [parameters[name] for name in names] if names else parameters
        dumped: Any = transformer.dump_sequence(values, [AUTO] * len(values))
        types: Any = transformer.types
        formats = transformer.formats
        prepared = self._crm_prepared
        assert prepared is not None
        key = (sql, types)
        found = prepared.get(key, 0)
        pgconn = self.pgconn
        if found.__class__ is _Prepared:
            statement = cast("_Prepared", found)
            result = pgconn.exec_prepared(statement.name, dumped, formats)
        elif cast("int", found) + 1 >= PREPARE_AFTER and len(prepared) < PREPARED_MAX:
            self._crm_names += 1
            statement = _Prepared(b"crm_%d" % self._crm_names)
            _checked(pgconn.prepare(statement.name, sql, types), self)
            prepared[key] = statement
            result = pgconn.exec_prepared(statement.name, dumped, formats)
        else:
            statement = None
            if len(prepared) >= PREPARED_MAX:  # one-off statements' counts go first
                for stale in [k for k, v in prepared.items() if v.__class__ is not _Prepared]:
                    del prepared[stale]
            if len(prepared) < PREPARED_MAX:
                prepared[key] = cast("int", found) + 1
            result = pgconn.exec_params(sql, dumped, types, formats)
        status = result.status
        if status == TUPLES_OK:
            rows_class = statement.rows if statement is not None else None
            if rows_class is None:
                rows_class = _row_class(tuple(result.fname(i) for i in range(result.nfields)))
                if statement is not None:
                    statement.rows = rows_class
            transformer.set_pgresult(result)
            rows = transformer.load_rows(0, result.ntuples, rows_class)
            transformer.set_pgresult(None)
            return Result(rows, result.ntuples)
        if status != COMMAND_OK:
            _checked(result, self)
        tuples = result.command_tuples
        return Result([], -1 if tuples is None else tuples)

    def command(self, sql: bytes) -> None:
        """BEGIN, COMMIT or ROLLBACK."""
        _checked(self.pgconn.exec_(sql), self)


def _checked(result: Any, conn: StatementConnection) -> None:
    """psycopg's exception for a failed statement (psycopg.errors: UniqueViolation, ...)."""
    if result.status not in (COMMAND_OK, TUPLES_OK):
        raise errors.error_from_result(
            result, encoding=(conn.pgconn.parameter_status(b"client_encoding") or b"UTF8").decode()
        )


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
        self.pool: ConnectionPool[StatementConnection] = ConnectionPool(
            url,
            connection_class=StatementConnection,
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
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return self._run(conn, sql, parameters)
        with self.pool.connection() as own:
            return self._run(own, sql, parameters)

    @staticmethod
    def _run(conn: StatementConnection, sql: str, parameters: Any) -> Result:
        if not parameters:
            return conn.run_statement(to_psycopg(sql), None)
        statement, names = to_libpq(sql)
        return conn.run(statement, names, parameters)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction on one connection for this thread; nested use joins the outer one."""
        if self.in_transaction:
            yield
            return
        with self.pool.connection() as conn:
            conn.command(b"BEGIN")
            self._local.conn = conn
            try:
                yield
            except BaseException:
                self._local.conn = None
                if conn.pgconn.status == ConnStatus.OK:  # a lost connection is dropped by the pool instead
                    conn.command(b"ROLLBACK")
                raise
            self._local.conn = None
            conn.command(b"COMMIT")

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
    session, so a replica that dies hands its tenants over to the next one that asks). A tenant this
    replica has not sent for in `idle_seconds` is handed back (`hand_back_idle`): after a restart the
    tenants spread over the replicas again, each taken by the first replica that has something to send."""

    def __init__(
        self, url: str, idle_seconds: float = HAND_BACK_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.url = url
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._owner: psycopg.AsyncConnection[Any] | None = None
        self._listener: asyncio.Task[None] | None = None
        self.owned: set[str] = set()
        self._used: dict[str, float] = {}  # owned tenant -> when this replica last sent (or meant to) for it
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
            if tenant_id in self.owned:  # taken meanwhile by this replica: a second lock would need two unlocks
                return True
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
                self.used(tenant_id)
                return True
            return False

    def used(self, tenant_id: str) -> None:
        self._used[tenant_id] = self.clock()

    async def hand_back_idle(self, busy: set[str]) -> list[str]:
        """Release the owned tenants not used for `idle_seconds`, unless `busy` (rows of theirs read ahead
        or under way in this replica's sender)."""
        cutoff = self.clock() - self.idle_seconds
        idle = [t for t in self.owned if t not in busy and self._used.get(t, cutoff) <= cutoff]
        for tenant_id in idle:
            await self.release(tenant_id)
        return idle

    async def release(self, tenant_id: str) -> None:
        async with self._lock:
            if tenant_id in self.owned and self._owner is not None and not self._owner.closed:
                await self._owner.execute(
                    "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", ["sender\x1f" + tenant_id]
                )
            self.owned.discard(tenant_id)
            self._used.pop(tenant_id, None)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        if self._owner is not None:
            await self._owner.close()


def open_postgres(url: str, pool_size: int = 8) -> PostgresDatabase:
    return PostgresDatabase(url, pool_size)
