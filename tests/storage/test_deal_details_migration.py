"""Migration 9: a value stored as REAL becomes exact integer minor units of its currency."""

from pathlib import Path

from storage.db import open_database, transaction
from storage.migrations import migrate

NOW = "2026-11-23T12:00:00.000000Z"


def test_real_values_become_minor_units_of_their_currency(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "crm.db"))
    migrate(db, upto=5)
    with transaction(db):
        db.execute("INSERT INTO tenants (id, created_at) VALUES ('t', ?)", [NOW])
        db.execute(
            "INSERT INTO users (id, tenant_id, name, created_at, updated_at) VALUES (1, 't', 'A', ?, ?)", [NOW, NOW]
        )
        for number, value, currency in ((1, 1234.5, "EUR"), (2, 100.0, "JPY"), (3, 1.234, "KWD"), (4, None, None)):
            db.execute(
                "INSERT INTO records (tenant_id, kind, number, title, stage, owner_id, value, currency, created_at,"
                " updated_at) VALUES ('t', 'lead', ?, 'x', 'New', 1, ?, ?, ?, ?)",
                [number, value, currency, NOW, NOW],
            )
    assert 9 in migrate(db)
    rows = db.execute("SELECT value, typeof(value) FROM records ORDER BY number").fetchall()
    assert [tuple(r) for r in rows] == [(123450, "integer"), (100, "integer"), (1234, "integer"), (None, "null")]
    columns = {row[1]: row[2] for row in db.execute("PRAGMA table_info(records)").fetchall()}
    assert columns["value"] == "INTEGER" and "value_real" not in columns and "archived_at" in columns
