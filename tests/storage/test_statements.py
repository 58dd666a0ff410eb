"""A statement through the repository's connection on either engine: positional and named parameters, the
same statement again and again (PostgreSQL prepares it on its connection after two uses) with integers of
every size, a failing statement that raises and takes its transaction back (storage/postgres.py runs
statements through libpq itself)."""

from __future__ import annotations

import pytest

from storage.repository import Repository


def test_a_statement_used_again_and_again_reads_the_same_with_any_size_of_integer(repo: Repository) -> None:
    db = repo.connection
    with repo.transaction():
        db.execute("CREATE TABLE numbers (id BIGINT PRIMARY KEY, label TEXT, share DOUBLE PRECISION)")
        for n in (1, 300, 70_000, 5_000_000_000, -2):
            db.execute("INSERT INTO numbers (id, label, share) VALUES (?, ?, ?)", [n, f"n{n}", n / 4])
    for _ in range(3):  # unprepared, then prepared, then its prepared statement again
        for n in (1, 300, 70_000, 5_000_000_000, -2):
            row = db.execute("SELECT id, label, share FROM numbers WHERE id = ?", [n]).fetchone()
            assert (row["id"], row["label"], row["share"]) == (n, f"n{n}", n / 4) == tuple(row)
    named = db.execute("SELECT label FROM numbers WHERE id = :id OR id = :other ORDER BY id", {"id": 1, "other": 300})
    assert [r[0] for r in named.fetchall()] == ["n1", "n300"]
    assert db.execute("SELECT label FROM numbers WHERE id = ?", [42]).fetchone() is None
    assert db.execute("UPDATE numbers SET label = ? WHERE id > ?", ["big", 200]).rowcount == 3
    assert db.execute("SELECT count(*) AS n FROM numbers WHERE label = ?", ["big"]).fetchone()["n"] == 3


def test_a_failing_statement_raises_and_its_transaction_is_taken_back(repo: Repository) -> None:
    db = repo.connection
    db.execute("CREATE TABLE once (id BIGINT PRIMARY KEY, label TEXT)")
    db.execute("INSERT INTO once (id, label) VALUES (?, ?)", [1, "first"])
    for _ in range(3):  # the same failure unprepared and prepared
        with pytest.raises(Exception, match=r"(?i)unique|duplicate") as failed, repo.transaction():
            db.execute("INSERT INTO once (id, label) VALUES (?, ?)", [2, "second"])
            db.execute("INSERT INTO once (id, label) VALUES (?, ?)", [1, "again"])
        assert type(failed.value).__name__ in ("IntegrityError", "UniqueViolation")
        assert [tuple(r) for r in db.execute("SELECT id, label FROM once ORDER BY id", []).fetchall()] == [(1, "first")]
    with repo.transaction():  # the connection is fit for the next transaction
        db.execute("INSERT INTO once (id, label) VALUES (?, ?)", [2, "second"])
    assert db.execute("SELECT count(*) FROM once WHERE id > ?", [0]).fetchone()[0] == 2


def test_a_transaction_whose_first_statement_fails_or_that_runs_none_leaves_nothing_open(repo: Repository) -> None:
    """Whatever failed, the connection goes back to its pool with nothing open (both engines)."""
    db = repo.connection
    db.execute("CREATE TABLE once (id BIGINT PRIMARY KEY, label TEXT)")
    db.execute("INSERT INTO once (id, label) VALUES (?, ?)", [1, "first"])
    for _ in range(3):  # unprepared, prepared with the BEGIN, then prepared already
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"), repo.transaction():
            db.execute("INSERT INTO once (id, label) VALUES (?, ?)", [1, "again"])
            db.execute("INSERT INTO once (id, label) VALUES (?, ?)", [3, "never"])
    with repo.transaction():
        pass  # nothing sent, nothing left open
    with pytest.raises(ValueError), repo.transaction():
        raise ValueError("before any statement")
    for n in (2, 3, 4):
        with repo.transaction():
            assert db.execute("SELECT count(*) FROM once WHERE id < ?", [10]).fetchone()[0] == n - 1
            db.execute("INSERT INTO once (id, label) VALUES (?, ?)", [n, "next"])
    assert not repo.in_transaction()
    assert [r[0] for r in db.execute("SELECT id FROM once WHERE id > ? ORDER BY id", [0]).fetchall()] == [1, 2, 3, 4]
