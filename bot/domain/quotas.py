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

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Quota:
    per_user: int  # in any window
    per_tenant: int
    noun: str  # "records", for the message
    window_seconds: float = WINDOW_SECONDS
    verb: str = "created"

    @property
    def window(self) -> str:
        return "hour" if self.window_seconds == 3600 else "minute"


QUOTAS = {
    "records": Quota(30, 600, "records"),  # leads and opportunities created
    "contacts": Quota(60, 1200, "contacts"),
    "import rows": Quota(10_000, 50_000, "contacts", 3600.0, "imported"),  # contacts added or updated by imports
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
            raise QuotaExceeded(self._said(quota, "You", "one person may", spent, amount, quota.per_user, mine, now))
        spent = sum(n for _, n in ours)
        if spent + amount > quota.per_tenant:
            raise QuotaExceeded(
                self._said(quota, "Your organisation", "it may", spent, amount, quota.per_tenant, ours, now)
            )
        mine.append((now, amount))
        ours.append((now, amount))

    @staticmethod
    def _said(
        quota: Quota, who: str, may: str, spent: int, amount: int, limit: int, log: deque[tuple[float, int]], now: float
    ) -> str:
        """What was hit, and when enough of the window will have passed (`may`: "one person may" or "it may")."""
        window, verb = quota.window, quota.verb
        per = f"{'an' if window == 'hour' else 'a'} {window}"
        if amount > limit:
            return f"These {amount:,} {quota.noun} are more than {limit:,}, the most {may} in {per}."
        freed, wait = 0, 0.0
        for at, n in log:  # the oldest first
            freed += n
            wait = at + quota.window_seconds - now
            if spent - freed + amount <= limit:
                break
        later = f"in {int(wait) + 1} seconds" if window == "minute" else f"in {int(wait // 60) + 1} minutes"
        if amount == 1:
            again = later if who == "You" else f"in {per}"
            return (
                f"{who} {verb} {spent:,} {quota.noun} in the last {window}, the most {may}. Please try again {again}."
            )
        return (
            f"{who} {verb} {spent:,} {quota.noun} in the last {window}; these {amount:,} would pass the {limit:,}"
            f" {may} in {per}. Please try again {later}."
        )

    def _log(
        self, quota: Quota, kind: str, tenant_id: str, user_id: int | None, now: float
    ) -> deque[tuple[float, int]]:
        log = self._spent.setdefault((kind, tenant_id, user_id), deque())
        while log and log[0][0] <= now - quota.window_seconds:
            log.popleft()
        return log
