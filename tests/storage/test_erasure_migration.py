"""Erasure in storage. Migration 21 on SQLite: a database where a contact was erased the old way (the row kept in the table but
taken out of contacts_fts by hand, so that the next change to the row deleted terms the index did not hold:
"database disk image is malformed") works again after the upgrade; the pipeline's totals are rebuilt from
the records as two exact parts. And on PostgreSQL, a contact a change reads is locked until it ends."""

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from storage.db import open_database, transaction
from storage.migrations import migrate
from storage.repository import Repository

NOW = "2026-11-23T12:00:00.000000Z"


def erased_the_old_way(path: Path) -> None:
    db = open_database(str(path))
    migrate(db, upto=19)
    with transaction(db):
        db.execute("INSERT INTO tenants (id, created_at) VALUES ('t', ?)", [NOW])
        db.execute("INSERT INTO users (tenant_id, name, created_at, updated_at) VALUES ('t', 'A', ?, ?)", [NOW, NOW])
        db.execute("INSERT INTO contacts (tenant_id, name, created_at) VALUES ('t', 'Zoe Zyx', ?)", [NOW])
        db.execute("UPDATE contacts SET name = 'erased contact', erased_at = ? WHERE id = 1", [NOW])
        db.execute("INSERT INTO contacts_fts(contacts_fts, rowid, name) VALUES ('delete', 1, 'erased contact')")
        for value in (10**16 - 1, 10**16 - 1, 5):
            db.execute(
                "INSERT INTO records (tenant_id, kind, number, title, stage, owner_id, value, currency, created_at,"
                " updated_at) VALUES ('t', 'opportunity', (SELECT count(*) + 1 FROM records), 'Deal', 'Prospecting',"
                " 1, ?, 'CLF', ?, ?)",
                [value, NOW, NOW],
            )
    db.close()


def test_an_index_put_out_of_step_by_an_old_erasure_is_mended_and_the_totals_are_rebuilt(tmp_path: Path) -> None:
    erased_the_old_way(tmp_path / "crm.db")
    shutil.copy(tmp_path / "crm.db", tmp_path / "old.db")
    old = sqlite3.connect(tmp_path / "old.db")
    with pytest.raises(sqlite3.DatabaseError, match="malformed"):  # what a stale form's save met before
        old.execute("UPDATE contacts SET name = 'Zoe Zyx', email = 'zoe@x.example' WHERE id = 1")
    old.close()

    db = open_database(str(tmp_path / "crm.db"))
    assert 21 in migrate(db)
    with transaction(db):
        db.execute("UPDATE contacts SET name = 'still erased' WHERE id = 1")  # the index is not touched
        db.execute("INSERT INTO contacts (tenant_id, name, created_at) VALUES ('t', 'Jane Buyer', ?)", [NOW])
    db.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('integrity-check')")
    matches = db.execute("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH 'erased OR still OR jane'")
    assert [row[0] for row in matches.fetchall()] == [2]  # an erased row stays out of the index
    with transaction(db):
        db.execute("DELETE FROM contacts WHERE id IN (1, 2)")
    db.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('integrity-check')")
    high, low = db.execute("SELECT total_high, total_low FROM pipeline_totals").fetchone()
    assert high * 10**9 + low == 2 * (10**16 - 1) + 5


def test_a_contact_read_by_a_change_cannot_be_erased_until_it_ends(repo: Repository) -> None:
    """PostgreSQL: the contact a change reads stays share-locked until it commits, so an erasure (which locks the
    row for update first) runs before or after it, never between its read and its write (SQLite: one writer)."""
    if not repo.dialect.postgres:
        pytest.skip("SQLite serialises writers: there is no second transaction to meet")
    with repo.transaction():
        repo.db.execute("INSERT INTO tenants (id, created_at) VALUES ('t', ?)", [NOW])
        zoe = repo.contacts.insert_contact("t", "Zoe Zyx", None, None, None, None, None, NOW)
    read, done = threading.Event(), threading.Event()

    def change() -> None:
        with repo.transaction():
            assert repo.contacts.get_contact("t", zoe.id) is not None
            read.set()
            done.wait(10)

    worker = threading.Thread(target=change)
    worker.start()
    try:
        assert read.wait(10)
        with pytest.raises(Exception, match="could not obtain lock"), repo.transaction():
            repo.db.execute("SELECT id FROM contacts WHERE tenant_id = 't' AND id = ? FOR UPDATE NOWAIT", [zoe.id])
    finally:
        done.set()
        worker.join()
    with repo.transaction():  # the change over, the erasure's lock is taken at once
        repo.db.execute("SELECT id FROM contacts WHERE tenant_id = 't' AND id = ? FOR UPDATE NOWAIT", [zoe.id])
