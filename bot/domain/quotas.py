"""Write quotas: how much one person and one organisation may create in a window of time, so a careless
script or a stuck client cannot fill the database (one user once created 400 leads at 67 a second). Every
path that creates spends them per item: records (new lead, convert, a lead from a message), contacts, and
an import's rows from an import budget of its own (per hour: a file has up to 5,000 rows). The figures are
the operator's (QUOTA_* in bot/config.py). Kept in memory per process (a replica counts its own turns; Teams
sends a person's turns to any replica, so with N replicas the effective limit is at most N times this). No I/O."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.errors import DomainError
from bot.domain.language import N_, current, translated

WINDOW_SECONDS = 60.0
HOUR_SECONDS = 3600.0


@dataclass(frozen=True)
class Quota:
    per_user: int  # in any window
    per_tenant: int
    noun: str  # "records", for the message
    window_seconds: float = WINDOW_SECONDS
    verb: str = "created"  # "created" (in a minute) or "imported" (in an hour): the table of sentences below


QUOTAS = {
    "records": Quota(30, 600, N_("records")),  # leads and opportunities created
    "contacts": Quota(60, 1200, N_("contacts")),
    # contacts added or updated by imports
    "import rows": Quota(10_000, 50_000, N_("contacts"), HOUR_SECONDS, "imported"),
}

# What was hit, by (verb, who, case): `one` when one more is refused, `many` when several would pass the limit,
# `over` when several are more than the limit itself. Whole sentences, so each language words them its own way.
_SAID = {
    ("created", "person", "one"): N_(
        "You created {n} {what} in the last minute, the most one person may. Please try again in {wait} seconds."
    ),
    ("created", "organisation", "one"): N_(
        "Your organisation created {n} {what} in the last minute, the most it may. Please try again in a minute."
    ),
    ("created", "person", "many"): N_(
        "You created {n} {what} in the last minute; these {amount} would pass the {limit} one person may "
        "in a minute. Please try again in {wait} seconds."
    ),
    ("created", "organisation", "many"): N_(
        "Your organisation created {n} {what} in the last minute; these {amount} would pass the {limit} it may "
        "in a minute. Please try again in {wait} seconds."
    ),
    ("created", "person", "over"): N_(
        "These {amount} {what} are more than {limit}, the most one person may create in a minute."
    ),
    ("created", "organisation", "over"): N_(
        "These {amount} {what} are more than {limit}, the most your organisation may create in a minute."
    ),
    ("imported", "person", "one"): N_(
        "You imported {n} {what} in the last hour, the most one person may. Please try again in {wait} minutes."
    ),
    ("imported", "organisation", "one"): N_(
        "Your organisation imported {n} {what} in the last hour, the most it may. Please try again in an hour."
    ),
    ("imported", "person", "many"): N_(
        "You imported {n} {what} in the last hour; these {amount} would pass the {limit} one person may "
        "in an hour. Please try again in {wait} minutes."
    ),
    ("imported", "organisation", "many"): N_(
        "Your organisation imported {n} {what} in the last hour; these {amount} would pass the {limit} it may "
        "in an hour. Please try again in {wait} minutes."
    ),
    ("imported", "person", "over"): N_(
        "These {amount} {what} are more than {limit}, the most one person may import in an hour."
    ),
    ("imported", "organisation", "over"): N_(
        "These {amount} {what} are more than {limit}, the most your organisation may import in an hour."
    ),
}


def configured_quotas(
    records: tuple[int, int], contacts: tuple[int, int], import_rows: tuple[int, int]
) -> dict[str, Quota]:
    """The quotas with the operator's figures (per person, per organisation) in place of the defaults."""
    figures = {"records": records, "contacts": contacts, "import rows": import_rows}
    return {kind: Quota(*figures[kind], quota.noun, quota.window_seconds, quota.verb) for kind, quota in QUOTAS.items()}


class QuotaExceeded(DomainError):
    """Too many writes of one kind in the last window."""


@dataclass
class WriteQuotas:
    clock: Callable[[], float] = time.monotonic
    quotas: dict[str, Quota] = field(default_factory=lambda: dict(QUOTAS))
    _spent: dict[tuple[str, str, int | None], deque[tuple[float, int]]] = field(default_factory=dict)

    def spend(self, kind: str, tenant_id: str, user_id: int, amount: int = 1) -> None:
        """Count `amount` writes; QuotaExceeded (and nothing counted) when the user or the tenant would be over."""
        quota = self.quotas[kind]
        now = self.clock()
        mine, ours = self._log(quota, kind, tenant_id, user_id, now), self._log(quota, kind, tenant_id, None, now)
        spent = sum(n for _, n in mine)
        if spent + amount > quota.per_user:
            raise QuotaExceeded(self._said(quota, "person", spent, amount, quota.per_user, mine, now))
        spent = sum(n for _, n in ours)
        if spent + amount > quota.per_tenant:
            raise QuotaExceeded(self._said(quota, "organisation", spent, amount, quota.per_tenant, ours, now))
        mine.append((now, amount))
        ours.append((now, amount))

    @staticmethod
    def _said(
        quota: Quota, who: str, spent: int, amount: int, limit: int, log: deque[tuple[float, int]], now: float
    ) -> str:
        """What was hit, and when enough of the window will have passed (`who`: "person" or "organisation")."""
        number = current().number
        what = translated(quota.noun)
        if amount > limit:
            return translated(_SAID[quota.verb, who, "over"], amount=number(amount), what=what, limit=number(limit))
        freed, wait = 0, 0.0
        for at, n in log:  # the oldest first
            freed += n
            wait = at + quota.window_seconds - now
            if spent - freed + amount <= limit:
                break
        later = int(wait) + 1 if quota.window_seconds < HOUR_SECONDS else int(wait // 60) + 1
        return translated(
            _SAID[quota.verb, who, "one" if amount == 1 else "many"],
            n=number(spent),
            what=what,
            amount=number(amount),
            limit=number(limit),
            wait=later,
        )

    def _log(
        self, quota: Quota, kind: str, tenant_id: str, user_id: int | None, now: float
    ) -> deque[tuple[float, int]]:
        log = self._spent.setdefault((kind, tenant_id, user_id), deque())
        while log and log[0][0] <= now - quota.window_seconds:
            log.popleft()
        return log
