"""Write quotas: how much one person and one organisation may create in a minute, so a careless script
or a stuck client cannot fill the database (one user once created 400 leads at 67 a second). The rule
only; the counting is the database's (bot/services/quotas.py, storage/quotas.py), so that every replica
spends from the same counters. No I/O.

The counters are kept per 10-second bucket. A spend counts its own bucket and the six before it: what was
created in the last 60 to 70 seconds, so nobody ever creates more than the quota in any 60 seconds, and a
refusal lifts within 70 seconds of the writes that filled the quota."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.language import N_, _, ngettext, translated

BUCKET_SECONDS = 10
WINDOW_BUCKETS = 6  # the buckets before a spend's own that it counts: 60 s of them


class QuotaKind(enum.StrEnum):
    RECORDS = "records"  # leads and opportunities created
    CONTACTS = "contacts"


@dataclass(frozen=True)
class Quota:
    per_user: int  # in any minute
    per_tenant: int
    noun: str  # "records", for the message


QUOTAS: Mapping[QuotaKind, Quota] = {
    QuotaKind.RECORDS: Quota(30, 600, N_("records")),
    QuotaKind.CONTACTS: Quota(60, 1200, N_("contacts")),
}


class QuotaExceeded(DomainError):
    """Too many writes of one kind in the last minute."""


def bucket_of(epoch_seconds: float) -> tuple[int, float]:
    """The bucket a moment falls in, and the seconds since that bucket began."""
    bucket, into = divmod(epoch_seconds, BUCKET_SECONDS)
    return int(bucket), into


def counted(buckets: Mapping[int, int], bucket: int) -> int:
    """What a spend in `bucket` counts: its own bucket and the WINDOW_BUCKETS before it."""
    return sum(n for b, n in buckets.items() if bucket - WINDOW_BUCKETS <= b <= bucket)


def seconds_until_room(buckets: Mapping[int, int], bucket: int, into: float, limit: int) -> int:
    """Whole seconds until one more write fits under `limit`, the counters staying as they are (`into`: the
    seconds since `bucket` began)."""
    later = bucket
    while counted(buckets, later) >= limit and later <= bucket + WINDOW_BUCKETS + 1:
        later += 1
    return max(1, int((later - bucket) * BUCKET_SECONDS - into + 0.999))


def check(quota: Quota, mine: int, ours: int) -> str | None:
    """Who is over after a spend that made the person's count `mine` and the organisation's `ours`: "user",
    "tenant", or None (the spend fits)."""
    if mine > quota.per_user:
        return "user"
    if ours > quota.per_tenant:
        return "tenant"
    return None


def refusal(quota: Quota, over: str, wait_seconds: int) -> QuotaExceeded:
    if over == "user":
        return QuotaExceeded(
            ngettext(
                "You created {n} {what} in the last minute, the most one person may. "
                "Please try again in {wait} second.",
                "You created {n} {what} in the last minute, the most one person may. "
                "Please try again in {wait} seconds.",
                wait_seconds,
                n=quota.per_user,
                what=translated(quota.noun),
                wait=wait_seconds,
            )
        )
    return QuotaExceeded(
        _(
            "Your organisation created {n} {what} in the last minute, the most it may. Please try again in a minute.",
            n=quota.per_tenant,
            what=translated(quota.noun),
        )
    )


def sized(sizes: Mapping[QuotaKind, tuple[int, int]]) -> dict[QuotaKind, Quota]:
    """The quotas, with other sizes (per person, per organisation) where given (configuration)."""
    return {kind: Quota(*sizes.get(kind, (q.per_user, q.per_tenant)), q.noun) for kind, q in QUOTAS.items()}
