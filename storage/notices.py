"""Queries of the notifications that are not a change told to a follower (notifications.purpose): the
owner's roll-up of who follows, a person added by someone else, an @mention, a follow that ended.
Each is parameterised and scoped by tenant id; writes happen inside the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.domain.delivery import Purpose
from storage.dialect import SQLITE

if TYPE_CHECKING:
    from storage.queries import Database


class NoticeQueries:
    def __init__(self, db: Database) -> None:
        self.db: Any = db  # sqlite_utils.Database or PostgresDatabase (SQLite's spelling, rewritten there)
        self.dialect = getattr(db, "dialect", SQLITE)

    def enqueue(
        self,
        tenant_id: str,
        record_id: int,
        recipient_id: int,
        actor_id: int | None,
        event_id: int,
        purpose: Purpose,
        batch: str,
        now: str,
        due_at: str,
    ) -> None:
        """The event joins the recipient's open row of this purpose on this record (pending, not tried
        yet, whoever acted), or opens one due at `due_at`."""
        joined = self.db.execute(
            "UPDATE notifications SET event_ids = event_ids || ',' || ?, updated_at = ?"
            " WHERE tenant_id = ? AND record_id = ? AND recipient_id = ? AND purpose = ? AND status = 'pending'"
            " AND attempts = 0",
            [event_id, now, tenant_id, record_id, recipient_id, purpose.value],
        )
        if joined.rowcount > 0:
            return
        self.db.execute(
            "INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, due_at,"
            " next_attempt_at, created_at, updated_at, purpose) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                tenant_id,
                record_id,
                recipient_id,
                actor_id,
                str(event_id),
                batch,
                due_at,
                due_at,
                now,
                now,
                purpose.value,
            ],
        )

    def last_due(self, tenant_id: str, record_id: int, recipient_id: int, purpose: Purpose) -> str | None:
        """When the recipient's latest row of this purpose on this record was (or is) due."""
        row = self.db.execute(
            "SELECT max(due_at) FROM notifications WHERE tenant_id = ? AND record_id = ? AND recipient_id = ?"
            " AND purpose = ?",
            [tenant_id, record_id, recipient_id, purpose.value],
        ).fetchone()
        return row[0] if row else None

    # --- follows that end ----------------------------------------------------------------------

    def set_follow_end(
        self, tenant_id: str, record_id: int, user_id: int, ends_at: str | None, ends_on_close: bool
    ) -> None:
        self.db.execute(
            "UPDATE followers SET ends_at = ?, ends_on_close = ? WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [ends_at, 1 if ends_on_close else 0, tenant_id, record_id, user_id],
        )

    def lapsed_follows(self, now: str, limit: int) -> list[tuple[str, int, int]]:
        """Follows whose time ran out, across tenants (the sweep then works per tenant): ids only."""
        rows = self.db.execute(
            "SELECT tenant_id, record_id, user_id FROM followers WHERE ends_at IS NOT NULL AND ends_at <= ?"
            " ORDER BY ends_at LIMIT ?",
            [now, limit],
        ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def end_lapsed_follow(self, tenant_id: str, record_id: int, user_id: int, now: str) -> bool:
        """Remove a follow whose time ran out; False when it is gone or was renewed meanwhile (another
        replica's sweep, an unfollow): the delete itself is the guard, so a lapse is told once."""
        cursor = self.db.execute(
            "DELETE FROM followers WHERE tenant_id = ? AND record_id = ? AND user_id = ? AND ends_at <= ?",
            [tenant_id, record_id, user_id, now],
        )
        return cursor.rowcount == 1

    def move_follow_ends(self, tenant_id: str, from_id: int, to_id: int) -> None:
        """A converted lead's follows end where the work goes on, on the opportunity; the lead's no longer do."""
        source = (
            "SELECT s.{0} FROM followers s WHERE s.tenant_id = ? AND s.record_id = ? AND s.user_id = followers.user_id"
        )
        self.db.execute(
            f"UPDATE followers SET ends_at = ({source.format('ends_at')}),"
            f" ends_on_close = coalesce(({source.format('ends_on_close')}), 0) WHERE tenant_id = ? AND record_id = ?",
            [tenant_id, from_id, tenant_id, from_id, tenant_id, to_id],
        )
        self.db.execute(
            "UPDATE followers SET ends_at = NULL, ends_on_close = 0 WHERE tenant_id = ? AND record_id = ?",
            [tenant_id, from_id],
        )

    def ending_on_close(self, tenant_id: str, record_id: int) -> list[int]:
        rows = self.db.execute(
            "SELECT user_id FROM followers WHERE tenant_id = ? AND record_id = ? AND ends_on_close = 1",
            [tenant_id, record_id],
        ).fetchall()
        return [r[0] for r in rows]

    def make_last(
        self, tenant_id: str, record_id: int, recipient_id: int, closing_event_id: int, event_id: int, now: str
    ) -> bool:
        """The recipient's pending row that tells the closing event becomes their last one ('lapsed'),
        with `event_id` (their follow ended) added."""
        cursor = self.db.execute(
            "UPDATE notifications SET purpose = 'lapsed', event_ids = event_ids || ',' || ?, updated_at = ?"
            " WHERE tenant_id = ? AND record_id = ? AND recipient_id = ? AND status = 'pending' AND attempts = 0"
            " AND purpose = 'change' AND (',' || event_ids || ',') LIKE ?",
            [event_id, now, tenant_id, record_id, recipient_id, f"%,{closing_event_id},%"],
        )
        return cursor.rowcount > 0

    # --- when a person takes notifications ------------------------------------------------------

    def save_time_zone(self, tenant_id: str, user_id: int, time_zone: str) -> None:
        """One statement that writes only when the zone changed."""
        self.db.execute(
            "UPDATE users SET time_zone = ? WHERE tenant_id = ? AND id = ? AND time_zone IS DISTINCT FROM ?",
            [time_zone, tenant_id, user_id, time_zone],
        )

    def set_working_hours(self, tenant_id: str, user_id: int, stored: str | None, digest: bool) -> None:
        self.db.execute(
            "UPDATE users SET working_hours = ?, daily_digest = ? WHERE tenant_id = ? AND id = ?",
            [stored, 1 if digest else 0, tenant_id, user_id],
        )

    def schedule_of(self, tenant_id: str, user_id: int) -> tuple[str | None, str | None, bool]:
        """The person's time zone, stored working hours (None: at any time) and whether they take a digest."""
        row = self.db.execute(
            "SELECT time_zone, working_hours, daily_digest FROM users WHERE tenant_id = ? AND id = ?",
            [tenant_id, user_id],
        ).fetchone()
        return (row[0], row[1], bool(row[2])) if row else (None, None, False)

    def hold(self, tenant_id: str, notification_id: int, until: str, now: str) -> bool:
        """A pending row due outside its recipient's working hours waits for the next start; later
        changes by the same person on the record join it meanwhile (its due time is that start)."""
        cursor = self.db.execute(
            "UPDATE notifications SET due_at = ?, next_attempt_at = ?, updated_at = ?"
            " WHERE tenant_id = ? AND id = ? AND status = 'pending'",
            [until, until, now, tenant_id, notification_id],
        )
        return cursor.rowcount == 1

    # --- the daily digest -----------------------------------------------------------------------

    def gather_digest(self, tenant_id: str, recipient_id: int, now: str, batch: str) -> int:
        """Every row due to the recipient and not tried yet becomes one 'digest' row (oldest record first);
        the rows it replaces go. Inside the caller's transaction; returns how many rows it gathered."""
        due = (
            "tenant_id = ? AND recipient_id = ? AND status = 'pending' AND attempts = 0 AND purpose <> 'digest'"
            " AND next_attempt_at <= ?"
        )
        lock = " FOR UPDATE" if self.dialect.row_locks else ""  # two reads of the recipient's rows: one digest
        rows = self.db.execute(
            f"SELECT id, record_id, event_ids FROM notifications WHERE {due} ORDER BY record_id, id{lock}",
            [tenant_id, recipient_id, now],
        ).fetchall()
        if not rows:
            return 0
        events = ",".join(dict.fromkeys(i for r in rows for i in r[2].split(",") if i))
        self.db.execute(f"DELETE FROM notifications WHERE {due}", [tenant_id, recipient_id, now])
        self.db.execute(
            "INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, due_at,"
            " next_attempt_at, created_at, updated_at, purpose) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, 'digest')",
            [tenant_id, rows[0][1], recipient_id, events, batch, now, now, now, now],
        )
        return len(rows)

    def events_by_id(self, tenant_id: str, event_ids: tuple[int, ...]) -> list[tuple[int, int]]:
        """(record id, event id) of some events of the tenant, by record then id."""
        marks = ", ".join("?" for _ in event_ids) or "NULL"
        rows = self.db.execute(
            f"SELECT record_id, id FROM events WHERE tenant_id = ? AND id IN ({marks}) ORDER BY record_id, id",
            [tenant_id, *event_ids],
        ).fetchall()
        return [(r[0], r[1]) for r in rows]
