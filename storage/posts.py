"""Queries about what the bot posted or sent: record cards to keep up to date, and email sends."""

from __future__ import annotations

from bot.domain.delivery import CardPost
from bot.domain.models import EmailSendStatus
from storage.queries import Queries, stored

_IDS_PER_QUERY = 500  # record ids in one query's IN list


class PostQueries(Queries):
    """repo.posts"""

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

    def replace_card_post(
        self, tenant_id: str, record_id: int, conversation_id: str, activity_id: str, service_url: str,
        shared: bool, viewer_id: int | None, now: str,
    ) -> None:  # fmt: skip
        """The message now shows this record's card: tracked as the newest post (a new row id)."""
        if self.dialect.postgres:  # no INSERT OR REPLACE: the same in two statements
            self.forget_card_post(tenant_id, conversation_id, activity_id)
            self.add_card_post(tenant_id, record_id, conversation_id, activity_id, service_url, shared, viewer_id, now)
            return
        self.db.execute(
            "INSERT OR REPLACE INTO card_posts (tenant_id, record_id, conversation_id, activity_id, service_url,"
            " shared, viewer_id, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [tenant_id, record_id, conversation_id, activity_id, service_url, int(shared), viewer_id, now],
        )

    def forget_card_post(self, tenant_id: str, conversation_id: str, activity_id: str) -> None:
        self.db.execute(
            "DELETE FROM card_posts WHERE tenant_id = ? AND conversation_id = ? AND activity_id = ?",
            [tenant_id, conversation_id, activity_id],
        )

    def card_posts_of(self, tenant_id: str, record_ids: list[int], limit: int) -> dict[int, tuple[list[CardPost], int]]:
        """For each record with posts: its `limit` most recent posts, newest first, and its version. One query
        for many records (the card updater's records changed in the last half second), in chunks."""
        found: dict[int, tuple[list[CardPost], int]] = {}
        for start in range(0, len(record_ids), _IDS_PER_QUERY):
            chunk = record_ids[start : start + _IDS_PER_QUERY]
            marks = ", ".join("?" for _ in chunk)
            rows = self._all(
                "SELECT p.record_id, p.conversation_id, p.activity_id, p.service_url, p.shared, p.viewer_id, r.version,"
                " (SELECT u.locale FROM users u WHERE u.tenant_id = p.tenant_id AND u.id = p.viewer_id) AS locale"
                " FROM records r JOIN card_posts p ON p.id IN (SELECT q.id FROM card_posts q"
                " WHERE q.tenant_id = r.tenant_id AND q.record_id = r.id ORDER BY q.id DESC LIMIT ?)"
                f" WHERE r.tenant_id = ? AND r.id IN ({marks}) ORDER BY p.record_id, p.id DESC",
                [limit, tenant_id, *chunk],
            )
            for r in rows:
                posts, _ = found.setdefault(r["record_id"], ([], r["version"]))
                posts.append(
                    CardPost(
                        tenant_id, r["record_id"], r["conversation_id"], r["activity_id"], r["service_url"],
                        bool(r["shared"]), r["viewer_id"], r["locale"],
                    )
                )  # fmt: skip
        return found

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
            [tenant_id, send_id, record_id, sender_id, stored(EmailSendStatus, status), reason, now, now],
        )
