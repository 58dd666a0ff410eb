"""Queries about the activities Teams delivered (a redelivery is answered once) and the housekeeping of
what is done and old enough to go."""

from __future__ import annotations

from storage.queries import Queries


class ActivityQueries(Queries):
    """repo.activities"""

    def claim_activity(self, tenant_id: str, conversation_id: str, activity_id: str, now: str) -> bool:
        """True the first time an activity is seen; False for a redelivery."""
        cursor = self.db.execute(
            "INSERT INTO processed_activities (tenant_id, conversation_id, activity_id, received_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [tenant_id, conversation_id, activity_id, now],
        )
        return cursor.rowcount == 1

    def activity_claimed(self, tenant_id: str, conversation_id: str, activity_id: str) -> bool:
        row = self._one(
            "SELECT 1 FROM processed_activities WHERE tenant_id = ? AND conversation_id = ? AND activity_id = ?",
            [tenant_id, conversation_id, activity_id],
        )
        return row is not None

    def forget_activities_before(self, cutoff: str) -> None:
        self.db.execute("DELETE FROM processed_activities WHERE received_at < ?", [cutoff])

    def prune_done_before(self, cutoff: str, failed_cutoff: str, now: str) -> dict[str, int]:
        """Housekeeping across tenants (like the sender's look-ups): what is done and old enough goes, and
        previewed contact files past their expiry (their rows are people's names, emails and phones)."""
        steps = {
            "card posts": ("DELETE FROM card_posts WHERE posted_at < ?", [cutoff]),
            "sent notifications": ("DELETE FROM notifications WHERE status = 'sent' AND updated_at < ?", [cutoff]),
            "failed notifications": (
                "DELETE FROM notifications WHERE status = 'failed' AND updated_at < ?",
                [failed_cutoff],
            ),
            "email sends": ("DELETE FROM email_sends WHERE status IN ('sent', 'failed') AND updated_at < ?", [cutoff]),
            "expired imports": ("DELETE FROM contact_imports WHERE expires_at < ?", [now]),
        }
        return {name: max(self.db.execute(sql, args).rowcount, 0) for name, (sql, args) in steps.items()}
