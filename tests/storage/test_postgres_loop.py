"""PostgreSQL work handed over by the event loop (PostgresDatabase.run) runs on the loop's thread, each turn
waiting for the database in the loop: turns interleave, each with a transaction of its own, and one cut short
leaves nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from storage.postgres import LoopConnection, PostgresDatabase, in_loop, open_postgres
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


async def test_together_sends_independent_statements_in_one_round_trip_and_answers_each_call(
    db: PostgresDatabase,
) -> None:
    """Repository.together's engine: the calls' statements go out together (one round trip, the BEGIN with
    them), in the calls' order, so a later call reads what an earlier one wrote; a call with two statements
    takes a second round trip; each call gets its own answer."""
    sent: list[int] = []
    round_trip = LoopConnection._round_trip

    def counted(self: LoopConnection, sends: list[Any]) -> list[Any]:
        sent.append(len(sends))
        return round_trip(self, sends)

    def work() -> tuple[Any, ...]:
        with db.transaction():
            return db.together(
                lambda: db.execute("INSERT INTO t (k, v) VALUES (?, 1)", ["a"]).rowcount,
                lambda: db.execute("SELECT count(*) FROM t WHERE k = ?", ["a"]).fetchone()[0],
                lambda: [
                    db.execute("INSERT INTO t (k, v) VALUES (?, 2)", ["b"]).rowcount,
                    db.execute("SELECT v FROM t WHERE k = ?", ["b"]).fetchone()[0],
                ],
                lambda: "no statement",
            )

    LoopConnection._round_trip = counted  # type: ignore[method-assign]
    try:
        answers = await db.run(work)
    finally:
        LoopConnection._round_trip = round_trip  # type: ignore[method-assign]
    assert answers == (1, 1, [1, 2], "no statement")
    assert sent == [4, 1]  # BEGIN and three first statements, then the third call's second one
    assert sorted(tuple(r) for r in db.execute("SELECT k, v FROM t", [])) == [("a", 1), ("b", 2)]


async def test_a_statement_refused_among_others_sent_together_rolls_the_whole_change_back(
    db: PostgresDatabase,
) -> None:
    """One refused statement in a round trip (the others after it are not run): its error is raised, the
    calls still waiting end where they stand, nothing is committed, and the connection serves the next turn."""
    import psycopg.errors

    db.execute("INSERT INTO t (k, v) VALUES (?, 0)", ["taken"])
    ended: list[str] = []

    def waits_for_its_answer() -> None:
        try:
            db.execute("INSERT INTO t (k, v) VALUES (?, 1)", ["after"])
        finally:
            ended.append("after")

    def work() -> None:
        with db.transaction():
            db.execute("INSERT INTO t (k, v) VALUES (?, 1)", ["before"])
            db.together(
                lambda: db.execute("INSERT INTO t (k, v) VALUES (?, 1)", ["taken"]),
                waits_for_its_answer,
            )

    with pytest.raises(psycopg.errors.UniqueViolation):
        await db.run(work)
    assert ended == ["after"]
    assert [tuple(r) for r in db.execute("SELECT k FROM t ORDER BY k", [])] == [("taken",)]
    assert len(db.loop_pool.idle) == 1 and db.loop_pool.out == 0
    assert await db.run(lambda: db.execute("SELECT count(*) FROM t", []).fetchone()[0]) == 1


async def test_a_transaction_that_runs_no_statement_sends_nothing(db: PostgresDatabase) -> None:
    """BEGIN waits for the transaction's first statement: a transaction that makes none (a refusal before
    any read) sends neither BEGIN nor COMMIT (no round trip at all), and its connection goes back idle."""
    round_trips: list[str] = []
    flushed = LoopConnection._flushed

    def counted(self: LoopConnection) -> None:
        round_trips.append("one")
        flushed(self)

    def nothing() -> str:
        with db.transaction():
            return "refused before any statement"

    LoopConnection._flushed = counted  # type: ignore[method-assign]
    try:
        assert await db.run(nothing) == "refused before any statement"
    finally:
        LoopConnection._flushed = flushed  # type: ignore[method-assign]
    assert round_trips == []
    assert len(db.loop_pool.idle) == 1
    assert await db.run(lambda: db.execute("SELECT count(*) FROM t", []).fetchone()[0]) == 0


@pytest.mark.parametrize("idle_meanwhile", [True, False])
async def test_a_connection_the_server_drops_under_a_turn_fails_that_turn_only(
    db: PostgresDatabase, idle_meanwhile: bool
) -> None:
    """The server ends a turn's session (a restart, an administrator): the turn gets psycopg's OperationalError
    (with the turn waiting for something else meanwhile, or straight away), nothing it wrote is committed, the
    dead connection is not given to anyone again, and the next turn gets a new one."""
    import psycopg

    def dropped() -> None:
        with db.transaction():
            db.execute("INSERT INTO t (k, v) VALUES (?, 1)", ["lost"])
            pid = db.execute("SELECT pg_backend_pid()", []).fetchone()[0]
            with db.pool.connection() as other:  # the administrator's session
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
            if idle_meanwhile:
                in_loop(asyncio.sleep(0.2))  # the loop sees the socket close while the turn waits for this
            db.execute("SELECT 1 FROM t WHERE k = ?", ["lost"])

    with pytest.raises(psycopg.OperationalError):
        await db.run(dropped)
    assert db.loop_pool.out == 0 and not db.loop_pool.idle
    assert await db.run(lambda: db.execute("SELECT count(*) FROM t", []).fetchone()[0]) == 0


@pytest.mark.parametrize("first", ["DELETE FROM t", "INSERT INTO t (k, v) VALUES ('p', 1)"])
async def test_a_transaction_whose_first_statement_has_no_parameters_still_rolls_back_whole(
    db: PostgresDatabase, first: str
) -> None:
    """The BEGIN that waits for the first statement goes before a statement without parameters too (one that
    cannot share its round trip): a failure afterwards rolls that statement back with the rest."""
    db.execute("INSERT INTO t (k, v) VALUES (?, 0)", ["kept"])

    def refused() -> None:
        with db.transaction():
            db.execute(first)
            db.execute("INSERT INTO t (k, v) VALUES (?, 2)", ["q"])
            raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await db.run(refused)
    assert [tuple(r) for r in db.execute("SELECT k, v FROM t", [])] == [("kept", 0)]


async def test_a_check_sent_ahead_shares_the_next_round_trip_and_its_refusal_rolls_everything_back(
    db: PostgresDatabase,
) -> None:
    """Repository.ahead's engine (the activity's claim): the check's statement goes with the transaction's next
    statement, one round trip for BEGIN, both; refused, the check raises there, and nothing is committed. With
    no statement after it, the check runs before the commit, and its refusal still rolls back."""
    sent: list[int] = []
    round_trip = LoopConnection._round_trip

    def counted(self: LoopConnection, sends: list[Any]) -> list[Any]:
        sent.append(len(sends))
        return round_trip(self, sends)

    def claim(key: str) -> None:
        if db.execute("INSERT INTO t (k, v) VALUES (?, 0) ON CONFLICT DO NOTHING", [key]).rowcount != 1:
            raise LookupError(f"{key} was claimed before")

    def change(key: str, then_write: bool) -> str:
        with db.transaction():
            db.ahead(lambda: claim(key))
            if then_write:
                db.execute("INSERT INTO t (k, v) VALUES (?, 1)", [key + "-change"])
            return "changed"

    LoopConnection._round_trip = counted  # type: ignore[method-assign]
    try:
        assert await db.run(change, "a", True) == "changed"
        assert sent == [3]  # BEGIN, the claim, the change
        with pytest.raises(LookupError, match="a was claimed before"):
            await db.run(change, "a", True)
        assert await db.run(change, "b", False) == "changed"
        with pytest.raises(LookupError, match="b was claimed before"):
            await db.run(change, "b", False)
    finally:
        LoopConnection._round_trip = round_trip  # type: ignore[method-assign]
    assert sorted(tuple(r) for r in db.execute("SELECT k, v FROM t", [])) == [("a", 0), ("a-change", 1), ("b", 0)]
    assert len(db.loop_pool.idle) == 1 and db.loop_pool.out == 0


async def test_a_check_sent_ahead_of_a_change_refused_before_any_statement_never_runs(db: PostgresDatabase) -> None:
    """A change refused before its first statement (a validation) rolls back what was sent ahead unsent: the
    claim never reaches the database, so the activity can be handled when it comes again."""
    ran: list[str] = []

    def refused() -> None:
        with db.transaction():
            db.ahead(lambda: ran.append(str(db.execute("INSERT INTO t (k, v) VALUES (?, 0)", ["claim"]).rowcount)))
            raise ValueError("refused before any statement")

    with pytest.raises(ValueError, match="refused"):
        await db.run(refused)
    assert ran == []
    assert db.execute("SELECT count(*) FROM t", []).fetchone()[0] == 0
    assert len(db.loop_pool.idle) == 1


async def test_after_a_lost_connection_the_idle_ones_are_not_trusted_either(db: PostgresDatabase) -> None:
    """The server restarts (every session ends): the first turn to find out gets psycopg's OperationalError,
    and the idle connections, dead the same way, are closed with it, so the next turn opens a new one instead
    of failing too (one person told "try again" after a restart, not one per pooled connection)."""
    import psycopg

    both_out = asyncio.Event()
    out = 0

    def hold() -> None:  # two turns at once: two connections, both idle afterwards
        nonlocal out
        with db.transaction():
            db.execute("SELECT 1 FROM t WHERE k = ?", ["x"])
            out += 1
            if out == 2:
                both_out.set()
            in_loop(both_out.wait())

    await asyncio.gather(db.run(hold), db.run(hold))
    assert len(db.loop_pool.idle) == 2
    with db.pool.connection() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )

    def count() -> int:
        return int(db.execute("SELECT count(*) FROM t WHERE v = ?", [1]).fetchone()[0])

    with pytest.raises(psycopg.OperationalError):
        await db.run(count)
    assert await db.run(count) == 0
