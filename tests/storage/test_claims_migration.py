"""Migration 18: activity claims keyed by their primary key alone (WITHOUT ROWID); the claims made before
the upgrade still refuse their redeliveries, and housekeeping still forgets old ones."""

from pathlib import Path

from storage.db import open_database, transaction
from storage.migrations import migrate
from storage.repository import Repository

OLD, NEW = "2026-11-01T12:00:00.000000Z", "2026-11-23T12:00:00.000000Z"


def test_claims_survive_the_upgrade_and_the_table_has_no_rowid(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "crm.db"))
    migrate(db, upto=17)
    repo = Repository(db)
    with transaction(db):
        assert repo.activities.claim_activity("t1", "a:chat", "act-1", OLD)
        assert repo.activities.claim_activity("t1", "a:chat", "act-2", NEW)
    assert migrate(db)[0] == 18
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'processed_activities'").fetchone()[0]
    assert "WITHOUT ROWID" in sql
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'processed_activities'")}
    assert "processed_activities_by_time" in indexes
    with transaction(db):
        assert not repo.activities.claim_activity(
            "t1", "a:chat", "act-1", NEW
        )  # claimed before the upgrade: a redelivery
        assert not repo.activities.claim_activity("t1", "a:chat", "act-2", NEW)
        assert repo.activities.claim_activity("t2", "a:chat", "act-1", NEW)  # the same id in another tenant is its own
        repo.activities.forget_activities_before("2026-11-10T00:00:00.000000Z")
    assert repo.activities.activity_claimed("t1", "a:chat", "act-2") and not repo.activities.activity_claimed(
        "t1", "a:chat", "act-1"
    )
