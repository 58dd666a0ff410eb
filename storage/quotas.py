"""Queries about the write quotas' counters (bot/domain/quotas.py has the rule): what each person and each
organisation created of a kind, per 10-second bucket (seconds since the epoch // 10, for every kind: an
hour's quota counts 360 of them), shared by every replica."""

from __future__ import annotations

from bot.domain.quotas import QuotaKind
from storage.queries import Queries, stored

ORGANISATION = 0  # the user_id of an organisation's own counter (users' ids start at 1)


class QuotaQueries(Queries):
    """repo.quotas"""

    def spend(
        self, tenant_id: str, kind: QuotaKind, user_id: int, bucket: int, amount: int, window_buckets: int
    ) -> tuple[int, int]:
        """Count `amount` writes by the user and by their organisation in `bucket`, in one statement, and return
        what each has now in the window (this bucket and the `window_buckets` before it): (user's,
        organisation's). In the change's transaction: its rollback takes the spend back. On PostgreSQL the
        bucket's rows stay locked until the transaction ends, so two replicas spending at once count one after
        the other."""
        rows = self._all(
            "INSERT INTO write_quotas (tenant_id, kind, user_id, bucket, spent) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)"
            " ON CONFLICT (tenant_id, kind, user_id, bucket) DO UPDATE SET spent = write_quotas.spent + excluded.spent"
            " RETURNING user_id, spent + (SELECT coalesce(sum(p.spent), 0) FROM write_quotas p"
            " WHERE p.tenant_id = write_quotas.tenant_id AND p.kind = write_quotas.kind"
            " AND p.user_id = write_quotas.user_id AND p.bucket >= write_quotas.bucket - ? AND p.bucket < write_quotas.bucket)"
            " AS in_window",
            [
                *(tenant_id, stored(QuotaKind, kind), user_id, bucket, amount),
                *(tenant_id, stored(QuotaKind, kind), ORGANISATION, bucket, amount),
                window_buckets,
            ],
        )
        found = {row["user_id"]: int(row["in_window"]) for row in rows}
        return found[user_id], found[ORGANISATION]

    def buckets(self, tenant_id: str, kind: QuotaKind, user_id: int | None, since: int) -> dict[int, int]:
        """The counts per bucket from `since` on: the user's, or the organisation's (user_id None)."""
        rows = self._all(
            "SELECT bucket, spent FROM write_quotas WHERE tenant_id = ? AND kind = ? AND user_id = ? AND bucket >= ?",
            [tenant_id, stored(QuotaKind, kind), ORGANISATION if user_id is None else user_id, since],
        )
        return {row["bucket"]: row["spent"] for row in rows}

    def forget_before(self, bucket: int) -> int:
        """Housekeeping across tenants: buckets no spend counts any more."""
        return max(self.db.execute("DELETE FROM write_quotas WHERE bucket < ?", [bucket]).rowcount, 0)
