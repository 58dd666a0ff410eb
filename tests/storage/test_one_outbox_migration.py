"""Migration 20, one outbox, on both backends: the weekly posts' send rows move into `notifications` (purpose
'weekly', target 'channel', their week as the occasion, no record and no recipient), weekly_sends goes, the
follower notifications already there become rows to a person, and an occasion has one row per channel."""

from pathlib import Path

from bot.domain.delivery import DeliveryStatus, Purpose, Target
from storage.migrations import migrate
from storage.repository import Repository
from tests.storage.backends import open_any

NOW = "2026-12-07T08:00:00.000000Z"
CHANNEL = "19:sales@thread.tacv2"


def test_the_weekly_sends_become_rows_of_the_one_outbox(tmp_path: Path, database_url: str) -> None:
    db = open_any(database_url, str(tmp_path / "old.db"))
    if database_url:  # the test's database comes migrated: start again from nothing
        db.execute("DROP SCHEMA public CASCADE")
        db.execute("CREATE SCHEMA public")
    migrate(db, upto=19)
    repo = Repository(db)
    with repo.transaction():
        repo.people.ensure_tenant("t", None, NOW)
        dave = repo.people.upsert_user("t", "29:d", "aad-d", "Dave", NOW).id
        db.execute(
            "INSERT INTO weekly_posts (tenant_id, conversation_id, service_url, set_by, time_zone, next_post_at,"
            " created_at) VALUES ('t', ?, 'https://smba.example/', ?, 'Europe/Berlin', ?, ?)",
            [CHANNEL, dave, "2026-12-14T08:00:00.000000Z", NOW],
        )
        weekly_id = db.execute("SELECT id FROM weekly_posts").fetchone()[0]
        for week, status, error in [("2026-11-30", "sent", None), ("2026-12-07", "failed", "Teams answered 403")]:
            db.execute(
                "INSERT INTO weekly_sends (tenant_id, weekly_id, week, status, attempts, next_attempt_at, last_error,"
                " activity_id, created_at, updated_at) VALUES ('t', ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                [weekly_id, week, status, NOW, error, "1:post" if status == "sent" else None, NOW, NOW],
            )
    assert migrate(db, upto=20) == [20]
    migrate(db)  # the later ones too (the rows are read by the code of today)

    tables = "SELECT count(*) FROM {} WHERE table_name = 'weekly_sends'"
    if database_url:
        assert db.execute(tables.format("information_schema.tables")).fetchone()[0] == 0
    else:
        assert db.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'weekly_sends'").fetchone()[0] == 0
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    latest = repo.outbox.latest_post("t", Purpose.WEEKLY, CHANNEL)
    assert latest is not None
    assert (latest.occasion, latest.status, latest.last_error) == (
        "2026-12-07",
        DeliveryStatus.FAILED,
        "Teams answered 403",
    )
    assert (latest.target, latest.channel_id, latest.record_id, latest.recipient_id) == (
        Target.CHANNEL,
        CHANNEL,
        None,
        None,
    )
    assert repo.outbox.counts("t")[DeliveryStatus.SENT] == 1
    assert [n.subject for n in repo.outbox.failed_on_records_of("t", dave, 10)] == [
        "Weekly pipeline, week of 2026-12-07"
    ]

    with repo.transaction():  # a week has one row, whichever sender writes it first
        assert not repo.outbox.enqueue_post("t", Purpose.WEEKLY, CHANNEL, "2026-12-07", NOW)
        assert repo.outbox.enqueue_post("t", Purpose.WEEKLY, CHANNEL, "2026-12-14", NOW)
        assert not repo.outbox.enqueue_post("t", Purpose.WEEKLY, CHANNEL, "2026-12-14", NOW)
        assert repo.outbox.enqueue_post("t", Purpose.WEEKLY, "19:other@thread.tacv2", "2026-12-14", NOW)
    assert [n.occasion for n in repo.outbox.due("t", NOW, 10)] == ["2026-12-14", "2026-12-14"]
    with repo.transaction():
        assert repo.outbox.cancel_posts("t", Purpose.WEEKLY, CHANNEL) == 3
    assert [n.channel_id for n in repo.outbox.due("t", NOW, 10)] == ["19:other@thread.tacv2"]
    db.close()


def test_the_notifications_already_there_are_rows_to_a_person(tmp_path: Path, database_url: str) -> None:
    db = open_any(database_url, str(tmp_path / "old.db"))
    if database_url:
        db.execute("DROP SCHEMA public CASCADE")
        db.execute("CREATE SCHEMA public")
    migrate(db, upto=19)
    repo = Repository(db)
    with repo.transaction():
        repo.people.ensure_tenant("t", None, NOW)
        owner = repo.people.upsert_user("t", "29:o", "aad-o", "Owner", NOW).id
        db.execute(
            "INSERT INTO records (tenant_id, kind, number, title, stage, owner_id, version, created_at, updated_at)"
            " VALUES ('t', 'lead', 1, 'Deal', 'New', ?, 1, ?, ?)",
            [owner, NOW, NOW],
        )
        record_id = db.execute("SELECT id FROM records").fetchone()[0]
        db.execute(
            "INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, due_at,"
            " next_attempt_at, created_at, updated_at) VALUES ('t', ?, ?, NULL, '1', 'b', ?, ?, ?, ?)",
            [record_id, owner, NOW, NOW, NOW, NOW],
        )
    migrate(db)
    [row] = repo.outbox.due("t", NOW, 10)
    assert (row.target, row.record_ref, row.recipient_name, row.event_ids) == (Target.PERSON, "L-1", "Owner", (1,))
    assert (row.channel_id, row.occasion, row.subject, row.audience) == (None, None, "L-1", "Owner")
    db.close()
