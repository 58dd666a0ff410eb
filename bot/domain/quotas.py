"""Write quotas: how much one person and one organisation may create in a window of time, so a careless
script or a stuck client cannot fill the database (one user once created 400 leads at 67 a second). Every
path that creates spends them per item: records (new lead, convert, a lead from a message), contacts, and
an import's rows from an import budget of its own (per hour: a file has up to 5,000 rows). The figures are
the operator's (QUOTA_* in bot/config.py). The rule only; the counting is the database's
(bot/services/quotas.py, storage/quotas.py), so that every replica spends from the same counters. No I/O.

The counters are kept per 10-second bucket, for every kind. A spend counts its own bucket and the window's
worth before it (6 for a minute, 360 for an hour): what was created in the last 60 to 70 seconds, or the
last 3,600 to 3,610, so nobody ever creates more than the quota in any window, and a refusal lifts at most
10 seconds later than an exact count would lift it."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.language import N_, _, current, ngettext, translated

BUCKET_SECONDS = 10
MINUTE_SECONDS = 60
HOUR_SECONDS = 3600
WINDOW_BUCKETS = MINUTE_SECONDS // BUCKET_SECONDS  # the buckets before a spend's own that a minute's quota counts


class QuotaKind(enum.StrEnum):
    RECORDS = "records"  # leads and opportunities created
    CONTACTS = "contacts"
    IMPORT_ROWS = "import rows"  # contacts added or updated by imports


@dataclass(frozen=True)
class Quota:
    per_user: int  # in any window
    per_tenant: int
    noun: str  # "records", for the message
    window_seconds: int = MINUTE_SECONDS
    verb: str = "created"  # "created" (in a minute) or "imported" (in an hour): the sentences below

    @property
    def window_buckets(self) -> int:
        """The buckets before a spend's own that it counts."""
        return self.window_seconds // BUCKET_SECONDS


QUOTAS: Mapping[QuotaKind, Quota] = {
    QuotaKind.RECORDS: Quota(30, 600, N_("records")),
    QuotaKind.CONTACTS: Quota(60, 1200, N_("contacts")),
    QuotaKind.IMPORT_ROWS: Quota(10_000, 50_000, N_("contacts"), HOUR_SECONDS, "imported"),
}
LONGEST_WINDOW_BUCKETS = max(q.window_buckets for q in QUOTAS.values())  # what the housekeeping keeps


class QuotaExceeded(DomainError):
    """Too many writes of one kind in the last window."""


def bucket_of(epoch_seconds: float) -> tuple[int, float]:
    """The bucket a moment falls in, and the seconds since that bucket began."""
    bucket, into = divmod(epoch_seconds, BUCKET_SECONDS)
    return int(bucket), into


def counted(buckets: Mapping[int, int], bucket: int, window_buckets: int = WINDOW_BUCKETS) -> int:
    """What a spend in `bucket` counts: its own bucket and the `window_buckets` before it."""
    return sum(n for b, n in buckets.items() if bucket - window_buckets <= b <= bucket)


def seconds_until_room(
    buckets: Mapping[int, int],
    bucket: int,
    into: float,
    limit: int,
    amount: int = 1,
    window_buckets: int = WINDOW_BUCKETS,
) -> int:
    """Whole seconds until `amount` more writes fit under `limit`, the counters staying as they are (`into`:
    the seconds since `bucket` began)."""
    later = bucket
    while counted(buckets, later, window_buckets) + amount > limit and later <= bucket + window_buckets:
        later += 1
    return max(1, math.ceil((later - bucket) * BUCKET_SECONDS - into))


def check(quota: Quota, mine: int, ours: int) -> str | None:
    """Who is over after a spend that made the person's count `mine` and the organisation's `ours`: "user",
    "tenant", or None (the spend fits)."""
    if mine > quota.per_user:
        return "user"
    if ours > quota.per_tenant:
        return "tenant"
    return None


def too_many(quota: Quota, amount: int) -> str | None:
    """Who could never spend `amount` at once, whatever the counters ("user", "tenant"), or None."""
    return check(quota, amount, amount)


def refusal(quota: Quota, over: str, spent: int, amount: int, wait_seconds: int) -> QuotaExceeded:
    """What was hit (`over`: "user" or "tenant"), `spent` being what the window held before these `amount`,
    and when enough of it will have passed. Whole sentences per case, so each language words them its own
    way: one more refused, several that would pass the limit, several that are more than the limit itself."""
    number = current().number
    what = translated(quota.noun)
    limit = quota.per_user if over == "user" else quota.per_tenant
    if amount > limit:
        return QuotaExceeded(_over(quota, over, amount=number(amount), what=what, limit=number(limit)))
    case = "one" if amount == 1 else "many"
    # A minute's quota waits in seconds, an hour's in minutes (rounded up: never too early).
    wait = wait_seconds if quota.window_seconds < HOUR_SECONDS else max(1, math.ceil(wait_seconds / 60))
    values = {"n": number(spent), "what": what, "amount": number(amount), "limit": number(limit), "wait": wait}
    return QuotaExceeded(_SAID[quota.verb, over, case](wait, values))


def _over(quota: Quota, over: str, **values: object) -> str:
    if quota.verb == "imported":
        if over == "user":
            return _(
                "These {amount} {what} are more than {limit}, the most one person may import in an hour.", **values
            )
        return _(
            "These {amount} {what} are more than {limit}, the most your organisation may import in an hour.", **values
        )
    if over == "user":
        return _("These {amount} {what} are more than {limit}, the most one person may create in a minute.", **values)
    return _(
        "These {amount} {what} are more than {limit}, the most your organisation may create in a minute.", **values
    )


def _created_user_one(wait: int, values: dict[str, object]) -> str:
    return ngettext(
        "You created {n} {what} in the last minute, the most one person may. Please try again in {wait} second.",
        "You created {n} {what} in the last minute, the most one person may. Please try again in {wait} seconds.",
        wait,
        **values,
    )


def _created_tenant_one(wait: int, values: dict[str, object]) -> str:
    return _(
        "Your organisation created {n} {what} in the last minute, the most it may. Please try again in a minute.",
        **values,
    )


def _created_user_many(wait: int, values: dict[str, object]) -> str:
    return ngettext(
        "You created {n} {what} in the last minute; these {amount} would pass the {limit} one person may "
        "in a minute. Please try again in {wait} second.",
        "You created {n} {what} in the last minute; these {amount} would pass the {limit} one person may "
        "in a minute. Please try again in {wait} seconds.",
        wait,
        **values,
    )


def _created_tenant_many(wait: int, values: dict[str, object]) -> str:
    return ngettext(
        "Your organisation created {n} {what} in the last minute; these {amount} would pass the {limit} it may "
        "in a minute. Please try again in {wait} second.",
        "Your organisation created {n} {what} in the last minute; these {amount} would pass the {limit} it may "
        "in a minute. Please try again in {wait} seconds.",
        wait,
        **values,
    )


def _imported_user_one(wait: int, values: dict[str, object]) -> str:
    return ngettext(
        "You imported {n} {what} in the last hour, the most one person may. Please try again in {wait} minute.",
        "You imported {n} {what} in the last hour, the most one person may. Please try again in {wait} minutes.",
        wait,
        **values,
    )


def _imported_tenant_one(wait: int, values: dict[str, object]) -> str:
    return _(
        "Your organisation imported {n} {what} in the last hour, the most it may. Please try again in an hour.",
        **values,
    )


def _imported_user_many(wait: int, values: dict[str, object]) -> str:
    return ngettext(
        "You imported {n} {what} in the last hour; these {amount} would pass the {limit} one person may "
        "in an hour. Please try again in {wait} minute.",
        "You imported {n} {what} in the last hour; these {amount} would pass the {limit} one person may "
        "in an hour. Please try again in {wait} minutes.",
        wait,
        **values,
    )


def _imported_tenant_many(wait: int, values: dict[str, object]) -> str:
    return ngettext(
        "Your organisation imported {n} {what} in the last hour; these {amount} would pass the {limit} it may "
        "in an hour. Please try again in {wait} minute.",
        "Your organisation imported {n} {what} in the last hour; these {amount} would pass the {limit} it may "
        "in an hour. Please try again in {wait} minutes.",
        wait,
        **values,
    )


# By (verb, who, case): `one` when one more is refused, `many` when several would pass the limit.
_SAID = {
    ("created", "user", "one"): _created_user_one,
    ("created", "tenant", "one"): _created_tenant_one,
    ("created", "user", "many"): _created_user_many,
    ("created", "tenant", "many"): _created_tenant_many,
    ("imported", "user", "one"): _imported_user_one,
    ("imported", "tenant", "one"): _imported_tenant_one,
    ("imported", "user", "many"): _imported_user_many,
    ("imported", "tenant", "many"): _imported_tenant_many,
}


def sized(sizes: Mapping[QuotaKind, tuple[int, int]]) -> dict[QuotaKind, Quota]:
    """The quotas, with other sizes (per person, per organisation) where given (configuration)."""
    return {
        kind: Quota(*sizes.get(kind, (q.per_user, q.per_tenant)), q.noun, q.window_seconds, q.verb)
        for kind, q in QUOTAS.items()
    }
