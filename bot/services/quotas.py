"""The write quotas of the whole deployment (bot/domain/quotas.py has the rule): each spend is counted in
the database (repo.quotas), in the change's own transaction, so every replica spends from the same counters
and a refused or failed change counts nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.domain.clock import parse_time
from bot.domain.quotas import (
    QUOTAS,
    Quota,
    QuotaKind,
    bucket_of,
    check,
    refusal,
    seconds_until_room,
    too_many,
)
from storage.repository import Repository


class WriteQuotas:
    def __init__(self, repo: Repository, clock: Callable[[], str], quotas: Mapping[QuotaKind, Quota] = QUOTAS) -> None:
        self.repo = repo
        self.clock = clock  # ISO UTC stamps, as the services' clock
        self.quotas = dict(quotas)

    def spend(self, kind: QuotaKind, tenant_id: str, user_id: int, amount: int = 1) -> None:
        """Count `amount` writes (an import's rows, or one record); QuotaExceeded when the person or the
        organisation would be over (the transaction it raises through takes the spend back)."""
        if not self.repo.in_transaction():
            raise RuntimeError("a write quota is spent in the change's transaction")
        if amount < 1:
            return
        quota = self.quotas[kind]
        bucket, into = bucket_of(parse_time(self.clock()).timestamp())
        over = too_many(quota, amount)
        if over is not None:  # more than the limit itself: no wait would help, and nothing is counted
            raise refusal(quota, over, 0, amount, 0)
        mine, ours = self.repo.quotas.spend(tenant_id, kind, user_id, bucket, amount, quota.window_buckets)
        over = check(quota, mine, ours)
        if over is None:
            return
        since = bucket - quota.window_buckets
        counts = self.repo.quotas.buckets(tenant_id, kind, user_id if over == "user" else None, since)
        counts[bucket] -= amount  # this spend, taken back with the transaction
        limit = quota.per_user if over == "user" else quota.per_tenant
        wait = seconds_until_room(counts, bucket, into, limit, amount, quota.window_buckets)
        raise refusal(quota, over, (mine if over == "user" else ours) - amount, amount, wait)
