"""Queries of the notifications that are not a change told to a follower (notifications.purpose): the
owner's roll-up of who follows, a person added by someone else, an @mention, a follow that ended.
Each is parameterised and scoped by tenant id; writes happen inside the caller's transaction."""

from __future__ import annotations

import sqlite_utils

from bot.domain.delivery import Purpose


class NoticeQueries:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

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
