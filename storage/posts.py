"""Queries about what the bot posted or sent: record cards to keep up to date, and email sends."""

from __future__ import annotations

from bot.domain.delivery import CardPost
from storage.queries import Queries


class PostQueries(Queries):
    # --- posted record cards -------------------------------------------------------------------

    def add_card_post(
        self, tenant_id: str, record_id: int, conversation_id: str, activity_id: str, service_url: str,
        shared: bool, viewer_id: int | None, now: str,
    ) -> None:  # fmt: skip
        self.db.execute(
            "INSERT INTO card_posts (tenant_id, record_id, conversation_id, activity_id, service_url, shared,"
            " viewer_id, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [tenant_id, record_id, conversation_id, activity_id, service_url, int(shared), viewer_id, now],
        )

    def forget_card_post(self, tenant_id: str, conversation_id: str, activity_id: str) -> None:
        self.db.execute(
            "DELETE FROM card_posts WHERE tenant_id = ? AND conversation_id = ? AND activity_id = ?",
            [tenant_id, conversation_id, activity_id],
        )

    def card_posts(self, tenant_id: str, record_id: int, limit: int) -> list[CardPost]:
        """The most recent places a record's card was posted, newest first."""
        rows = self._all(
            "SELECT record_id, conversation_id, activity_id, service_url, shared, viewer_id FROM card_posts"
            " WHERE tenant_id = ? AND record_id = ? ORDER BY id DESC LIMIT ?",
            [tenant_id, record_id, limit],
        )
        return [CardPost(tenant_id, r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    # --- email sends ---------------------------------------------------------------------------

    def email_send_status(self, tenant_id: str, send_id: str) -> str | None:
        row = self._one("SELECT status FROM email_sends WHERE tenant_id = ? AND send_id = ?", [tenant_id, send_id])
        return row[0] if row else None

    def set_email_send(
        self, tenant_id: str, send_id: str, record_id: int, sender_id: int, status: str, reason: str | None, now: str
    ) -> None:
        self.db.execute(
            "INSERT INTO email_sends (tenant_id, send_id, record_id, sender_id, status, reason, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, send_id)"
            " DO UPDATE SET status = excluded.status, reason = excluded.reason, updated_at = excluded.updated_at",
            [tenant_id, send_id, record_id, sender_id, status, reason, now, now],
        )
