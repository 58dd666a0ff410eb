"""Queries about who follows a record, and how each follower wants to be told."""

from __future__ import annotations

from bot.domain.models import Follower, NotifyChoice
from storage.queries import Queries, _user, by_value, stored

_NOTIFY_CHOICES = by_value(NotifyChoice)


class FollowQueries(Queries):
    """repo.follows"""

    def followers(self, tenant_id: str, record_id: int, limit: int | None = None) -> list[Follower]:
        """The record's followers, first followed first; all of them without `limit`."""
        rows = self._all(
            "SELECT u.id, u.tenant_id, u.name, u.teams_id, u.aad_object_id, u.email, f.notify, f.ends_at,"
            " f.ends_on_close FROM followers f JOIN users u ON u.tenant_id = f.tenant_id AND u.id = f.user_id"
            " WHERE f.tenant_id = ? AND f.record_id = ? ORDER BY f.added_at, u.id"
            + (" LIMIT ?" if limit is not None else ""),
            [tenant_id, record_id] + ([limit] if limit is not None else []),
        )
        return [Follower(_user(r), _NOTIFY_CHOICES[r["notify"]], r["ends_at"], bool(r["ends_on_close"])) for r in rows]

    def follower_choices(self, tenant_id: str, record_id: int) -> dict[int, str]:
        """Every follower's user id and notification choice: two columns, no users built."""
        rows = self._all(
            "SELECT user_id, notify FROM followers WHERE tenant_id = ? AND record_id = ?", [tenant_id, record_id]
        )
        return {r["user_id"]: r["notify"] for r in rows}

    def is_follower(self, tenant_id: str, record_id: int, user_id: int) -> bool:
        row = self._one(
            "SELECT 1 FROM followers WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [tenant_id, record_id, user_id],
        )
        return row is not None

    def add_follower(self, tenant_id: str, record_id: int, user_id: int, now: str, notify: str = "all") -> None:
        self.db.execute(
            "INSERT INTO followers (tenant_id, record_id, user_id, notify, added_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (record_id, user_id) DO NOTHING",
            [tenant_id, record_id, user_id, stored(NotifyChoice, notify), now],
        )

    def set_follower_choice(self, tenant_id: str, record_id: int, user_id: int, choice: str) -> bool:
        cursor = self.db.execute(
            "UPDATE followers SET notify = ? WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [stored(NotifyChoice, choice), tenant_id, record_id, user_id],
        )
        return cursor.rowcount == 1

    def remove_follower(self, tenant_id: str, record_id: int, user_id: int) -> None:
        self.db.execute(
            "DELETE FROM followers WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [tenant_id, record_id, user_id],
        )

    def count_followers(self, tenant_id: str, record_id: int) -> int:
        row = self._one(
            "SELECT count(*) AS n FROM followers WHERE tenant_id = ? AND record_id = ?", [tenant_id, record_id]
        )
        return int(row["n"]) if row else 0
