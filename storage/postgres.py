"""PostgreSQL behind the same queries as SQLite (DATABASE_URL=postgresql://...).

Storage work the event loop hands over (`PostgresDatabase.run`) runs on the loop's thread, a greenlet a
turn, and waits for each answer in the loop (LoopPool, LoopConnection); work outside the loop uses a
thread-safe pool (psycopg_pool). A transaction holds one connection for its turn, a statement outside a
transaction borrows one for itself (autocommit). The queries are the ones SQLite runs, their placeholders
translated by storage/dialect.py; rows are NamedRow (by column name or by position). Imported only when
DATABASE_URL is set: psycopg costs start-up time and memory the SQLite default does not need."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar, cast

import psycopg
from greenlet import getcurrent, greenlet
from psycopg import errors
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import ConnStatus, ExecStatus, TransactionStatus
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from storage.dialect import POSTGRES, to_libpq

log = logging.getLogger(__name__)

T = TypeVar("T")
NOTIFY_CHANNEL = "crm_outbox"
HAND_BACK_SECONDS = 60.0  # an owned tenant this replica has not sent for in this long is handed back
TUPLES_OK = ExecStatus.TUPLES_OK
COMMAND_OK = ExecStatus.COMMAND_OK
PIPELINE_SYNC = ExecStatus.PIPELINE_SYNC
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


class _Statements:
    """How a pooled connection runs the queries' statements: through libpq itself. psycopg's adapters dump the
    parameters and load the rows (its Transformer, so the types are psycopg's), but the statement goes out as
    one prepared execution (or with its parameters, the first uses) with no cursor, query object or wait loop
    around it: a statement cost this process ~35 us of CPU through `cursor.execute`, ~15 us this way. A
    statement is prepared once it has been used PREPARE_AFTER times with the same parameter types (psycopg's
    own rule). A connection is used by one turn at a time (a transaction's, or one statement's borrower), so
    are its transformer and statements. How a statement's answer is waited for is the subclass's: a thread
    blocked in libpq (StatementConnection) or the event loop (LoopConnection)."""

    pgconn: Any
    _crm_transformer: Any = None  # psycopg.adapt.Transformer
    _crm_names = 0  # statements prepared so far (their names)
    _crm_prepared: dict[tuple[bytes, tuple[int, ...]], _Prepared | int] | None = None

    def _start(self) -> Any:
        """The connection's transformer and prepared statements, at its first statement."""
        self._crm_transformer = Transformer(cast("Any", self))
        self._crm_prepared = {}
        return self._crm_transformer

    def _exec_prepared(self, name: bytes, values: Any, formats: Any) -> Any:
        raise NotImplementedError

    def _exec_params(self, sql: bytes, values: Any, types: Any, formats: Any) -> Any:
        raise NotImplementedError

    def _prepare(self, name: bytes, sql: bytes, types: Any) -> None:
        raise NotImplementedError

    def run(self, sql: bytes, names: tuple[str, ...], parameters: Any) -> Result:
        """One statement with its parameters (a sequence for `$n`, a mapping for the named ones)."""
        transformer = self._crm_transformer or self._start()
        values = [parameters[name] for name in names] if names else parameters
        dumped: Any = transformer.dump_sequence(values, [AUTO] * len(values))
        types: Any = transformer.types
        formats = transformer.formats
        prepared = self._crm_prepared
        assert prepared is not None
        key = (sql, types)
        found = prepared.get(key, 0)
        if found.__class__ is _Prepared:
            statement = cast("_Prepared", found)
            result = self._exec_prepared(statement.name, dumped, formats)
        elif cast("int", found) + 1 >= PREPARE_AFTER and len(prepared) < PREPARED_MAX:
            self._crm_names += 1
            statement = _Prepared(b"crm_%d" % self._crm_names)
            self._prepare(statement.name, sql, types)
            prepared[key] = statement
            result = self._exec_prepared(statement.name, dumped, formats)
        else:
            statement = None
            if len(prepared) >= PREPARED_MAX:  # one-off statements' counts go first
                for stale in [k for k, v in prepared.items() if v.__class__ is not _Prepared]:
                    del prepared[stale]
            if len(prepared) < PREPARED_MAX:
                prepared[key] = cast("int", found) + 1
            result = self._exec_params(sql, dumped, types, formats)
        status = result.status
        if status == TUPLES_OK:
            rows_class = statement.rows if statement is not None else None
            if rows_class is None:
                rows_class = _row_class(tuple(result.fname(i) for i in range(result.nfields)))
                if statement is not None:
                    statement.rows = rows_class
            return _rows(transformer, result, rows_class)
        if status != COMMAND_OK:
            _checked(result, self)
        tuples = result.command_tuples
        return Result([], -1 if tuples is None else tuples)


def _rows(transformer: Any, result: Any, rows_class: type[NamedRow]) -> Result:
    transformer.set_pgresult(result)
    rows = transformer.load_rows(0, result.ntuples, rows_class)
    transformer.set_pgresult(None)
    return Result(rows, result.ntuples)


class StatementConnection(_Statements, psycopg.Connection[Any]):
    """A connection of the pool for work outside the event loop (start-up, migrations, tests, tools): each
    statement waits in libpq (which lets go of the interpreter's lock while it waits)."""

    _statements: psycopg.Cursor[Any] | None = None

    def _exec_prepared(self, name: bytes, values: Any, formats: Any) -> Any:
        return self.pgconn.exec_prepared(name, values, formats)

    def _exec_params(self, sql: bytes, values: Any, types: Any, formats: Any) -> Any:
        return self.pgconn.exec_params(sql, values, types, formats)

    def _prepare(self, name: bytes, sql: bytes, types: Any) -> None:
        _checked(self.pgconn.prepare(name, sql, types), self)

    def run_statement(self, sql: str) -> Result:
        """psycopg's own way, for a statement without parameters (it may be several, as a script)."""
        cursor = self._statements
        if cursor is None or cursor.closed:
            cursor = self._statements = self.cursor()
        cursor.execute(cast("Any", sql))
        result = cursor.pgresult
        rows = cursor.fetchall() if result is not None and result.status == TUPLES_OK else []
        return Result(rows, cursor.rowcount)

    def command(self, sql: bytes) -> None:
        """BEGIN, COMMIT or ROLLBACK."""
        _checked(self.pgconn.exec_(sql), self)


class LoopConnection(_Statements, psycopg.AsyncConnection[Any]):
    """A connection of the event loop's pool: storage work run by `PostgresDatabase.run` sends a statement and
    waits for its answer in the event loop (the socket in the loop's selector while the connection is out),
    so other turns go on meanwhile, all on the loop's thread: no worker thread, no handing over of the
    interpreter's lock, no thread switch a statement (they were a third of a click's CPU)."""

    _loop: asyncio.AbstractEventLoop | None = None
    _fd = -1
    _ready: asyncio.Future[None] | None = None  # what the work waiting for the answer awaits
    _begin = False  # the transaction's BEGIN, still to be sent (with its first statement)
    cut = False  # closed by this process mid-statement (a cancelled turn), rather than lost
    _ahead: tuple[tuple[greenlet, Callable[[], None]], ...] = ()  # calls sent ahead, their statements unsent

    def checked_out(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._fd = loop, self.pgconn.socket
        loop.add_reader(self._fd, self._readable)

    def checked_in(self) -> None:
        self._begin = False
        self._drop_ahead()
        if self._loop is not None:
            self._loop.remove_reader(self._fd)
            self._loop, self._ready = None, None

    def _readable(self) -> None:
        """The socket has something: read it into libpq; the work waiting is woken once its answer is whole
        (a wake-up per answer, none for a call the loop queued before the answer was read)."""
        pgconn = self.pgconn
        try:
            pgconn.consume_input()
        except psycopg.OperationalError as exc:  # the server went away: the waiting work sees why
            self._wake(exc)
            self.checked_in()
            return
        if not pgconn.is_busy():
            self._wake(None)

    def _wake(self, error: BaseException | None) -> None:
        ready, self._ready = self._ready, None
        if ready is not None and not ready.done():
            if error is None:
                ready.set_result(None)
            else:
                ready.set_exception(error)

    async def _written(self) -> None:
        loop, pgconn = self._loop, self.pgconn
        if loop is None:
            raise psycopg.OperationalError("the connection to the database was lost")
        while pgconn.flush():
            done = loop.create_future()
            loop.add_writer(self._fd, _settle, done)
            try:
                await done
            finally:
                loop.remove_writer(self._fd)

    def _next(self) -> Any:
        """libpq's next result (None: the end of a statement's), waited for in the loop while it is not in.
        Cut short (the turn cancelled, the connection lost), the connection is closed: its state is unknown."""
        pgconn = self.pgconn
        if pgconn.is_busy():
            if self._loop is None:  # the server went away while this turn did something else (`_readable`)
                raise psycopg.OperationalError("the connection to the database was lost")
            try:
                self._ready = self._loop.create_future()
                in_loop(self._ready)
            except BaseException:
                self._cut()
                raise
        return pgconn.get_result()

    def _cut(self) -> None:
        self.cut = self.pgconn.status == ConnStatus.OK  # closed here (its state unknown) rather than lost
        self.checked_in()
        self.pgconn.finish()

    def _flushed(self) -> None:
        if self.pgconn.flush():
            try:
                in_loop(self._written())
            except BaseException:
                self._cut()
                raise

    def _answer(self) -> Any:
        """The answer to the statement just sent: its first failure, else its last result."""
        found = None
        while (result := self._next()) is not None:
            if found is None or found.status in (COMMAND_OK, TUPLES_OK):
                found = result
        return found

    def _send(self, send: Callable[[], None]) -> Any:
        """Send a statement (`send`) and wait for its answer: queued instead when the statement is one of
        `together`'s; with the transaction's BEGIN in one round trip when that is still to be sent."""
        current = getcurrent()
        if current.__class__ is _Queuing:  # a call of `together` or `ahead`: its statement waits to go
            return current.parent.switch(_Queued(send))
        if self._begin or self._ahead:
            return self._with_what_waits([send])[0]
        send()
        self._flushed()
        return self._answer()

    def _with_what_waits(self, sends: list[Callable[[], None]]) -> list[Any]:
        """`sends` in one round trip with what waits to go first: the transaction's BEGIN, the statements of
        calls sent ahead (each call then goes on with its answer: a refusal of theirs is raised here)."""
        first: list[Callable[[], None]] = [_send_begin(self.pgconn)] if self._begin else []
        ahead, self._ahead = self._ahead, ()
        self._begin = False
        answers = self._round_trip([*first, *(send for _, send in ahead), *sends])
        if first:
            _checked(answers.pop(0), self)
        for (call, _), answer in zip(ahead, answers[: len(ahead)], strict=True):
            self._queue_ahead(call, call.switch(answer))
        return answers[len(ahead) :]

    def ahead(self, call: Callable[[], Any]) -> None:
        """Run `call` (a check on one statement's answer) with its statement sent in the round trip of the
        turn's next statement; its refusal is raised there, or by `settle` before the commit."""
        ahead = _queuing(call)
        self._queue_ahead(ahead, ahead.switch())

    def _queue_ahead(self, call: greenlet, step: Any) -> None:
        """A call sent ahead, where it stands: done, or waiting for its (next) statement's answer."""
        step = _to_statement(call, step)
        if not call.dead:
            self._ahead = (*self._ahead, (call, cast("_Queued", step).send))

    def settle(self) -> None:
        """Before the commit: what was sent ahead and is still unsent, sent and checked."""
        if self._ahead:
            self._with_what_waits([])

    def _drop_ahead(self) -> None:
        ahead, self._ahead = self._ahead, ()
        for call, _ in ahead:
            call.throw()  # GreenletExit: the transaction ended (rolled back) before it was sent

    def _round_trip(self, sends: list[Callable[[], None]]) -> list[Any]:
        """Several statements in one round trip (libpq's pipeline mode): each one's answer, in order. After a
        failure the rest are not run (their answers say PIPELINE_ABORTED)."""
        pgconn = self.pgconn
        pgconn.enter_pipeline_mode()
        for send in sends:
            send()
        pgconn.pipeline_sync()
        self._flushed()
        answers = [self._answer() for _ in sends]
        synced = self._next()
        if synced is None or synced.status != PIPELINE_SYNC:
            self._cut()
            raise psycopg.OperationalError("the pipeline's end did not come")
        pgconn.exit_pipeline_mode()
        return answers

    def together(self, calls: Sequence[Callable[[], Any]]) -> tuple[Any, ...]:
        """Each call's result, their statements sent together: every call runs (a greenlet of its own) up to
        its first statement, those go in one round trip, the calls go on with their answers, and so on until
        all are done. A failure ends the others where they stand and is raised."""
        calls_ = [_queuing(call) for call in calls]
        results: list[Any] = [None] * len(calls_)
        try:
            steps = [(i, call.switch()) for i, call in enumerate(calls_)]
            while steps:
                queued: list[tuple[int, Callable[[], None]]] = []
                for i, step in steps:
                    step = _to_statement(calls_[i], step)
                    if calls_[i].dead:
                        results[i] = step
                    else:
                        queued.append((i, step.send))
                if not queued:
                    break
                answers = self._with_what_waits([send for _, send in queued])
                steps = [(i, calls_[i].switch(answer)) for (i, _), answer in zip(queued, answers, strict=True)]
        finally:
            for call in calls_:
                if not call.dead:
                    call.throw()  # GreenletExit: ended where it stands
        return tuple(results)

    def _exec_prepared(self, name: bytes, values: Any, formats: Any) -> Any:
        return self._send(functools.partial(self.pgconn.send_query_prepared, name, values, formats))

    def _exec_params(self, sql: bytes, values: Any, types: Any, formats: Any) -> Any:
        return self._send(functools.partial(self.pgconn.send_query_params, sql, values, types, formats))

    def _prepare(self, name: bytes, sql: bytes, types: Any) -> None:
        _checked(self._send(functools.partial(self.pgconn.send_prepare, name, sql, types)), self)

    def run_statement(self, sql: str) -> Result:
        """A statement without parameters (it may be several, as a script): the last one's rows."""
        self._begun()
        self.pgconn.send_query(sql.encode())
        self._flushed()
        result = self._answer()
        if result.status == TUPLES_OK:
            return _rows(
                self._crm_transformer or self._start(),
                result,
                _row_class(tuple(result.fname(i) for i in range(result.nfields))),
            )
        _checked(result, self)
        tuples = result.command_tuples
        return Result([], -1 if tuples is None else tuples)

    def _begun(self) -> None:
        """What waits to go first (the transaction's BEGIN, statements sent ahead), on its own: before a
        script, which has no pipeline."""
        if self._begin or self._ahead:
            self._with_what_waits([])

    def command(self, sql: bytes) -> None:
        """BEGIN (sent with the transaction's first statement), COMMIT or ROLLBACK (neither sent when nothing
        was: no statement, no transaction)."""
        if sql == b"BEGIN" and not self._begin and self.pgconn.transaction_status == TransactionStatus.IDLE:
            self._begin = True
            return
        if sql != b"COMMIT":  # ROLLBACK: what was to be sent ahead never goes
            self._drop_ahead()
        if self._begin:  # COMMIT or ROLLBACK of a transaction that never began
            self._begin = False
            return
        self.pgconn.send_query(sql)
        self._flushed()
        _checked(self._answer(), self)


class _Queued:
    """What a call of `LoopConnection.together` hands over at each statement: how to send it."""

    __slots__ = ("send",)

    def __init__(self, send: Callable[[], None]) -> None:
        self.send = send


def _send_begin(pgconn: Any) -> Callable[[], None]:
    return functools.partial(pgconn.send_query_params, b"BEGIN", None)


def _settle(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


class _Queuing(greenlet):
    """A call of `LoopConnection.together` or `.ahead`: at each statement it hands over how to send it
    (`_Queued`) and waits for its answer."""


def _queuing(call: Callable[[], Any]) -> _Queuing:
    """`call` as a _Queuing greenlet of the current one, in a copy of its context (the turn's transaction)."""
    queuing = _Queuing(call, getcurrent())
    queuing.gr_context = contextvars.copy_context()
    return queuing


def _to_statement(call: greenlet, step: Any) -> Any:
    """Where a _Queuing call stands after a switch (`step`): done, or at a statement; a wait of its own (none
    today) is waited for in the loop on the way."""
    while not call.dead and step.__class__ is not _Queued:
        step = call.switch(in_loop(step))
    return step


class _Turn(greenlet):
    """Storage work run by `PostgresDatabase.run`, on the event loop's thread: where it waits for the database
    (`in_loop`), it hands the wait to the loop and is resumed with the answer."""


def in_loop(awaitable: Awaitable[T]) -> T:
    """From storage work run by `PostgresDatabase.run`: `awaitable`, waited for in the event loop."""
    return cast("T", getcurrent().parent.switch(awaitable))


def _on_loop() -> bool:
    return getcurrent().__class__ is _Turn


class LoopPool:
    """The event loop's connections (at most `size`), taken and given back on the loop's thread: a turn that
    finds none free waits in the loop, up to `timeout` seconds (PoolTimeout). Closed, it refuses with PoolClosed,
    and closes what comes back. Connections are opened when first needed (PostgreSQL's own non-blocking
    connect, in the loop) and are not tied to a loop: each is registered with the running one while it is out."""

    def __init__(self, url: str, size: int, timeout: float = 30.0) -> None:
        self.url = url
        self.size = size
        self.timeout = timeout
        self.idle: list[LoopConnection] = []
        self.out = 0  # handed out, or being opened
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.closed = False

    async def get(self) -> LoopConnection:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        first = True
        while True:
            if self.closed:
                raise PoolClosed("the database is closed")
            while self.idle:
                conn = self.idle.pop()
                if conn.pgconn.status == ConnStatus.OK:
                    self.out += 1
                    conn.checked_out(loop)
                    return conn
                conn.pgconn.finish()
            if self.out < self.size:
                self.out += 1
                try:
                    conn = await asyncio.wait_for(self._connect(), max(deadline - loop.time(), 0.0))
                    conn.pgconn.nonblocking = 1
                except BaseException as exc:
                    self.out -= 1
                    self._wake()
                    if isinstance(exc, TimeoutError):
                        raise PoolTimeout(f"no connection made in {self.timeout:g} s") from None
                    raise
                conn.checked_out(loop)
                return conn
            free = loop.create_future()
            if first:
                self.waiting.append(free)
            else:  # woken, then beaten to it: first in the queue again
                self.waiting.appendleft(free)
            first = False
            try:
                await asyncio.wait_for(free, max(deadline - loop.time(), 0.0))
            except TimeoutError:
                raise PoolTimeout(f"no connection free in {self.timeout:g} s") from None
            finally:
                if free in self.waiting:
                    self.waiting.remove(free)

    async def _connect(self) -> LoopConnection:
        conn = await LoopConnection.connect(self.url, autocommit=True, row_factory=named_rows)
        try:
            await conn.execute(CONFIGURE)
        except BaseException:
            await conn.close()
            raise
        return conn

    def put(self, conn: LoopConnection) -> None:
        conn.checked_in()
        self.out -= 1
        pgconn = conn.pgconn
        if pgconn.status != ConnStatus.OK and not conn.cut:  # lost: the idle ones most likely went with it
            for idle in self.idle:  # (a restart, a failover): opened again as they are needed
                idle.pgconn.finish()
            self.idle.clear()
        if self.closed or pgconn.status != ConnStatus.OK or pgconn.transaction_status != TransactionStatus.IDLE:
            pgconn.finish()
        else:
            self.idle.append(conn)
        self._wake()

    def _wake(self) -> None:
        while self.waiting:
            free = self.waiting.popleft()
            if not free.done():
                free.set_result(None)
                return

    def close(self) -> None:
        self.closed = True
        for conn in self.idle:
            conn.pgconn.finish()
        self.idle.clear()
        while self.waiting:
            free = self.waiting.popleft()
            if not free.done():
                with contextlib.suppress(RuntimeError):  # its loop is closed: nobody waits any more
                    free.set_exception(PoolClosed("the database is closed"))


def _checked(result: Any, conn: Any) -> None:
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


# Each connection plans its prepared statements once (generic plans): by default PostgreSQL plans a prepared
# statement again at every execution while its generic plan looks dearer than the custom ones, which the hot
# path's small lookups mostly do (planning was a fifth of the database's CPU a click).
CONFIGURE = "SET plan_cache_mode = force_generic_plan"

# The transaction open in this turn (its database and connection): a turn's own, whether it runs in a thread
# or on the event loop (each _Turn has a context of its own).
_HELD: contextvars.ContextVar[tuple[PostgresDatabase, _Statements] | None] = contextvars.ContextVar(
    "crm_transaction", default=None
)


def _configure(conn: StatementConnection) -> None:
    conn.execute(CONFIGURE)


class PostgresDatabase:
    """The `execute` / transaction surface the queries use. Work the event loop hands over (`run`) runs on the
    loop's thread and waits for the database in the loop (LoopPool); work outside the loop (start-up,
    migrations, tests, tools) takes a connection of a thread-safe pool and waits in libpq."""

    dialect = POSTGRES

    def __init__(self, url: str, pool_size: int = 8) -> None:
        self.url = url
        self.pool: ConnectionPool[StatementConnection] = ConnectionPool(
            url,
            connection_class=StatementConnection,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "prepare_threshold": 2, "row_factory": named_rows},
            configure=_configure,
            open=True,
            name="crm",
        )
        self.pool.wait(timeout=30)
        self.loop_pool = LoopPool(url, pool_size)

    # --- statements and transactions ------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        held = _HELD.get()
        return held is not None and held[0] is self

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> Result:
        held = _HELD.get()
        if held is not None and held[0] is self:
            return self._run(held[1], sql, parameters)
        if _on_loop():
            conn = in_loop(self.loop_pool.get())
            try:
                return self._run(conn, sql, parameters)
            finally:
                self.loop_pool.put(conn)
        with self.pool.connection() as own:
            return self._run(own, sql, parameters)

    @staticmethod
    def _run(conn: Any, sql: str, parameters: Any) -> Result:
        if not parameters:
            return cast("Result", conn.run_statement(sql))
        statement, names = to_libpq(sql)
        return cast("Result", conn.run(statement, names, parameters))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction on one connection for this turn; nested use joins the outer one."""
        if self.in_transaction:
            yield
            return
        if _on_loop():
            conn = in_loop(self.loop_pool.get())
            try:
                with self._held(conn):
                    yield
            finally:
                self.loop_pool.put(conn)
        else:
            with self.pool.connection() as own, self._held(own):
                yield

    @contextmanager
    def _held(self, conn: Any) -> Iterator[None]:
        conn.command(b"BEGIN")
        token = _HELD.set((self, conn))
        try:
            yield
            if conn.__class__ is LoopConnection:
                conn.settle()  # checks sent ahead and not yet answered: a refusal rolls back
        except BaseException:
            _HELD.reset(token)
            if conn.pgconn.status == ConnStatus.OK:  # a lost connection is dropped by its pool instead
                conn.command(b"ROLLBACK")
            raise
        _HELD.reset(token)
        conn.command(b"COMMIT")

    def together(self, *calls: Callable[[], Any]) -> tuple[Any, ...]:
        """Each call's result: inside a transaction on the event loop their statements go together, a round trip
        for as many as are ready at once (LoopConnection.together); elsewhere one call after the other."""
        conn = self._loop_transaction()
        return tuple(call() for call in calls) if conn is None else conn.together(calls)

    def ahead(self, call: Callable[[], Any]) -> None:
        """`call`'s statement sent with the transaction's next one, inside a transaction on the event loop
        (LoopConnection.ahead): for a check whose refusal may as well come a statement later, since it
        rolls the transaction back. Elsewhere `call` runs now."""
        conn = self._loop_transaction()
        if conn is None:
            call()
        else:
            conn.ahead(call)

    def _loop_transaction(self) -> LoopConnection | None:
        """The connection of this turn's transaction, when the turn runs on the event loop."""
        held = _HELD.get()
        if held is not None and held[0] is self and held[1].__class__ is LoopConnection and _on_loop():
            return cast("LoopConnection", held[1])
        return None

    def lock(self, *key: object) -> None:
        """Serialise the transactions that take the same key (until they end)."""
        self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", ["\x1f".join(map(str, key))])

    def notify(self, payload: str) -> None:
        """Wake the senders of every replica; delivered when the transaction commits."""
        self.execute("SELECT pg_notify(?, ?)", [NOTIFY_CHANNEL, payload])

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Storage work from the event loop, on the loop's thread: `fn` runs as a _Turn that hands each wait
        for the database to the loop, so the loop goes on with other turns meanwhile. The work sees the
        turn's context variables (the reader's locale); it sets none. Cancelled while it waits, the work
        sees CancelledError there (its transaction rolls back)."""
        turn = _Turn(fn)
        turn.gr_context = contextvars.copy_context()
        step = turn.switch(*args)
        while not turn.dead:
            try:
                answer = await step
            except BaseException as exc:  # the work's to handle, a cancellation included
                step = turn.throw(exc)
            else:
                step = turn.switch(answer)
        return cast("T", step)

    def busy(self) -> bool:
        """Whether work is under way: a connection out of either pool, or a turn waiting for one."""
        loop = self.loop_pool
        if loop.closed or self.pool.closed:  # stopped
            return False
        if loop.out or loop.waiting:
            return True
        stats = self.pool.get_stats()
        return bool(stats.get("pool_size", 0) - stats.get("pool_available", 0) or stats.get("requests_waiting", 0))

    def close(self) -> None:
        """At shutdown, after the background work stopped: both pools close, so work left behind by a
        cancelled task that still waits for a connection fails at once (PoolClosed) instead of waiting out the
        pool's timeout (30 s when the database has gone); connections still out close when they come back."""
        self.loop_pool.close()
        self.pool.close()


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
