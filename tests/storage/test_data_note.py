"""The data note (docs/operations.md, "Personal data: what, where, how long") names every table the schema
has: a migration that adds a table must say what it keeps and for how long."""

from __future__ import annotations

from pathlib import Path

from storage.db import open_database
from storage.migrations import migrate

ROOT = Path(__file__).resolve().parents[2]


def test_every_table_is_in_the_data_note() -> None:
    text = (ROOT / "docs" / "operations.md").read_text()
    note = text.split("## Personal data: what, where, how long", 1)[1].split("\n## ", 1)[0]
    db = open_database(":memory:")
    migrate(db)
    tables = [r[0] for r in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()]
    virtual = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")]
    own = [t for t in tables if t != "schema_migrations" and not any(t.startswith(v + "_") for v in virtual)]
    assert len(own) > 15
    missing = [t for t in own if f"`{t}`" not in note]
    assert missing == [], f"add them to the data note: {missing}"
